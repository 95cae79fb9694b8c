"""Loading the demo data set: the Sichuan power-battery chain, its parks, and one sign-in per role to try it.

Loading is idempotent: the files import all-or-nothing and unchanged rows stay unchanged, jurisdictions and
users that already exist are kept as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import InputError, Location
from carbontrail.inventory.templates import IMPORT_ORDER
from carbontrail.services import accounts, jurisdictions
from carbontrail.services.demo.battery import load as load_battery_demo
from carbontrail.services.demo.cbam import load_cbam_demo
from carbontrail.services.demo.green import load_green_demo
from carbontrail.services.demo.trust import VERIFIER_EMAIL, load_trust_demo
from carbontrail.services.demo.pact import load_demo_pact
from carbontrail.services.demo.monitor import load_monitor_demo
from carbontrail.services.demo.sign_ins import DEFAULT_DEMO_PASSWORD, demo_password, demo_users
from carbontrail.services.demo.products import load_demo_products
from carbontrail.services.imports import describe, import_files
from carbontrail.store.repositories import accounts as account_repo, jurisdictions as jurisdiction_repo
from carbontrail.store.repositories import organisations as organisation_repo

ProgressCallback = Callable[[int, int | None], None]

#: The password of every demo account unless CARBONTRAIL_DEMO_PASSWORD says otherwise (a demo, not production).


@dataclass(frozen=True)
class DemoJurisdiction:
    code: str
    kind: str
    name: str
    name_en: str
    parent: str | None


#: Province → city → park, as in the province's three-level carbon information system.
JURISDICTIONS = (
    DemoJurisdiction("SC", "province", "四川省", "Sichuan Province", None),
    DemoJurisdiction("SC-SN", "city", "遂宁市", "Suining", "SC"),
    DemoJurisdiction("SC-SN-SHEDZ", "park", "射洪经济开发区", "Shehong Economic Development Zone", "SC-SN"),
    DemoJurisdiction("SC-CD", "city", "成都市", "Chengdu", "SC"),
    DemoJurisdiction("SC-CD-CETDZ", "park", "成都经济技术开发区",
                     "Chengdu Economic and Technological Development Zone", "SC-CD"),
)
#: The park an organisation's `park` column names → its jurisdiction code.
PARKS = {"射洪经济开发区": "SC-SN-SHEDZ", "成都经济技术开发区": "SC-CD-CETDZ"}

#: Demo sign-ins: e-mail → (role, organisation or None, jurisdiction or None).
DEMO_USERS: dict[str, tuple[str, str | None, str | None]] = {
    "manager@cd-cell.example": ("carbon_manager", "CD-CELL", None),
    "admin@cd-cell.example": ("org_admin", "CD-CELL", None),
    "manager@sh-lfp.example": ("carbon_manager", "SH-LFP", None),
    "park@cetdz.example": ("park_admin", None, "SC-CD-CETDZ"),
    "park@shedz.example": ("park_admin", None, "SC-SN-SHEDZ"),
    "viewer@sc.gov.example": ("government_viewer", None, "SC"),
}
ADMIN_EMAIL = "admin@carbontrail.example"


def load_demo(sessions: sessionmaker[Session], folder: Path, *,
              progress: ProgressCallback | None = None, key: bytes | None = None) -> dict[str, object]:
    """Import the demo files of `folder` in one transaction, place the enterprises in their parks and create the
    demo sign-ins. Returns what was done: per file rows inserted/updated/unchanged, jurisdictions, users. With the
    installation's `key` (the CLI passes it), what the trust log records is logged."""
    folder = Path(folder)
    files = [folder / f"{name}.csv" for name in IMPORT_ORDER]
    missing = [f.name for f in files if not f.is_file()]
    if missing:
        raise InputError(f"the demo folder lacks {', '.join(missing)}", location=Location(file=str(folder)),
                         expected=", ".join(f"{n}.csv" for n in IMPORT_ORDER))
    # scope 3 purchases and transport (categories 1 and 4) are activity rows of their own file
    scope3 = folder / "activity-scope3.csv"
    reports = import_files(sessions, [*files, *([scope3] if scope3.is_file() else [])], progress=progress)
    created_jurisdictions = _jurisdictions(sessions)
    created_users = _users(sessions)
    cbam = load_cbam_demo(sessions, folder.parent / "cbam", demo_password())
    products = load_demo_products(sessions, folder / "products")
    pact = load_demo_pact(sessions, folder / "products")
    # after PACT: the pack declaration's cathode is SH-LFP's stored footprint result, published to CD-CELL
    battery = load_battery_demo(sessions, folder.parent / "battery", demo_password())
    monitor = load_monitor_demo(sessions, folder)
    green = load_green_demo(sessions, folder.parent / "green", key=key)
    # last: it verifies a footprint the PACT part published
    trust = load_trust_demo(sessions, folder.parent / "trust", key=key)
    return {"files": describe(reports), "jurisdictions_created": created_jurisdictions, "battery": battery,
            "users_created": created_users, "cbam": cbam, "products": products, "pact": pact, "monitor": monitor,
            "green": green, "trust": trust,
            "sign_in": {"users": [ADMIN_EMAIL, *DEMO_USERS, *([VERIFIER_EMAIL] if "skipped" not in trust else [])],
                        "password": "CARBONTRAIL_DEMO_PASSWORD or "
                        f"'{DEFAULT_DEMO_PASSWORD}'"}}


def _jurisdictions(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as s:
        existing = jurisdiction_repo.codes(s)
        parks = organisation_repo.parks(s)
    created = []
    for j in JURISDICTIONS:
        if j.code not in existing:
            jurisdictions.create(sessions, j.code, j.kind, j.name, name_en=j.name_en, parent=j.parent, actor="demo")
            created.append(j.code)
    for org, park in parks.items():
        if park in PARKS:
            jurisdictions.place(sessions, PARKS[park], organisation=org, actor="demo")
    return created


def _users(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as s:
        existing = account_repo.emails(s)
    created = []
    password = demo_password()
    if ADMIN_EMAIL not in existing:
        accounts.create_user(sessions, ADMIN_EMAIL, password, name="Platform admin", platform_admin=True,
                             actor="demo")
        created.append(ADMIN_EMAIL)
    return created + demo_users(sessions, password, ((email, role, organisation, jurisdiction)
                                                     for email, (role, organisation, jurisdiction)
                                                     in DEMO_USERS.items()))
