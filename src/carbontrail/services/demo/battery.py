"""The battery part of the demo: CD-CELL's LFP packs sold to CD-NEV, a retired pack re-coded by a second-life
storage operator and finally recycled in Suining, the declaration of the pack model, its passport and a
residual-value batch. Data in examples/battery/ (illustrative numbers, sources in its README)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import yaml
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.battery.document import parse_document
from carbontrail.battery.traceability import Event
from carbontrail.errors import InputError, Location
from carbontrail.services import jurisdictions, organisations
from carbontrail.services import battery_declarations as declarations
from carbontrail.services import battery_passports as passports
from carbontrail.services import battery_residual as residual
from carbontrail.services import battery_units as units
from carbontrail.services.demo.sign_ins import demo_users
from carbontrail.services.imports import describe, import_files
from carbontrail.services.work import SystemActor
from carbontrail.store.db import transaction
from carbontrail.store.repositories import battery as battery_repo
from carbontrail.store.repositories import jurisdictions as jurisdiction_repo, organisations as organisation_repo
from carbontrail.units import quantity

MAKER, CAR_MAKER, STORAGE, RECYCLER = "CD-CELL", "CD-NEV", "SL-STORAGE", "SN-RECYCLE"
#: The two organisations the battery chain adds (code, name, English name, industry, city, park, jurisdiction).
NEW_ORGANISATIONS = (
    (STORAGE, "成都梯次利用储能示意企业", "Illustrative second-life energy-storage operator, Chengdu",
     "D4420 储能 / energy storage (cascade use of traction batteries)", "成都市", "成都经济技术开发区", "SC-CD-CETDZ"),
    (RECYCLER, "遂宁动力电池回收示意企业", "Illustrative traction-battery recycler, Suining (Shehong)",
     "C4220 废旧电池回收 / battery recycling", "遂宁市", "射洪经济开发区", "SC-SN-SHEDZ"),
)
DEMO_USERS = {
    "manager@cd-nev.example": ("carbon_manager", CAR_MAKER),
    "manager@sl-storage.example": ("carbon_manager", STORAGE),
    "manager@sn-recycle.example": ("carbon_manager", RECYCLER),
}
PACK, PACK2, PACK3 = "CDCPBAA6000001R3F0000001", "CDCPBAA6000001R3F0000002", "CDCPBAA6000001R3F0000003"
CASCADE = "SLSPBST0100001S610000001"  # the second-life storage product made from PACK (GB/T 34014 §4.2)
VIN = "LZWADAGA5RB000123"  # illustrative
#: the second-life operator's test of PACK before re-coding it (illustrative; rated values of the demo pack)
TESTED_PACK = {"capacity": 0.78, "resistance_increase": 0.22, "cycles": 420.0, "rated_energy_kwh": 60.0,
               "mass_kg": 380.0}
DEMO = SystemActor("demo")


def _at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 9, tzinfo=UTC)


def _organisations(sessions: sessionmaker[Session]) -> list[str]:
    created = []
    with transaction(sessions) as s:
        existing = set(organisation_repo.codes(s))
        for code, name, name_en, industry, city, park, _ in NEW_ORGANISATIONS:
            if code not in existing:
                organisations.create_organisation(s, code, name, name_en=name_en, industry=industry,
                                                  province="四川省", city=city, park=park)
                created.append(code)
    with sessions() as s:
        places = jurisdiction_repo.codes(s)
    for code, *_, place in NEW_ORGANISATIONS:
        if place in places:
            jurisdictions.place(sessions, place, organisation=code, actor="demo")
    return created


def _users(sessions: sessionmaker[Session], password: str) -> list[str]:
    with sessions() as s:
        orgs = set(organisation_repo.codes(s))
    return demo_users(sessions, password, ((email, role, org, None) for email, (role, org) in DEMO_USERS.items()
                                           if org in orgs))


#: SL-STORAGE's and SN-RECYCLE's facilities, periods and activity records (examples/battery/), imported once the two
#: organisations exist, so that they have an inventory for every year the demo's pages offer
FILES = ("facilities", "periods", "activity")


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read the demo file ({exc})", location=Location(file=str(path))) from None


def _units(sessions: sessionmaker[Session], folder: Path) -> int:
    with sessions() as s:
        if battery_repo.unit(s, PACK) is not None:
            return 0
    rows = list(csv.DictReader((folder / "units.csv").open(encoding="utf-8")))
    n = 0
    for parent in [None] + list(dict.fromkeys(r["parent"] for r in rows if r["parent"])):
        codes = [r["code"] for r in rows if (r["parent"] or None) == parent]
        n += units.register_units(sessions, DEMO, codes, MAKER, _at(2024, 3, 15), parent=parent)
    # every date lies between the codes' production dates (PACK: 2024-03-15, CASCADE: 2025-06-01) and the day the
    # demo was written, so no event is dated in the future (the registry refuses those)
    life = [
        (PACK, Event("sold", MAKER, _at(2024, 4, 1), to_actor=CAR_MAKER, deposit=quantity(300, "yuan"))),
        (PACK, Event("installed", CAR_MAKER, _at(2024, 4, 20), vin=VIN)),
        (PACK, Event("maintained", CAR_MAKER, _at(2024, 11, 10), note="module 2 balanced")),
        (PACK, Event("retired", CAR_MAKER, _at(2025, 4, 1),
                     note="taken out of the vehicle after a collision, cells intact (illustrative)")),
        (PACK, Event("handed_over", CAR_MAKER, _at(2025, 4, 15), to_actor=STORAGE)),
        (PACK, Event("tested", STORAGE, _at(2025, 5, 20), note="GB/T 34015 residual capacity 78 %",
                     measured=TESTED_PACK)),
        (PACK, Event("repacked", STORAGE, _at(2025, 6, 1), new_code=CASCADE, note="1 MWh storage cabinet")),
        (CASCADE, Event("retired", STORAGE, _at(2026, 9, 1), note="cabinet decommissioned (illustrative)")),
        (CASCADE, Event("handed_over", STORAGE, _at(2026, 9, 10), to_actor=RECYCLER)),
        (CASCADE, Event("recycled", RECYCLER, _at(2026, 10, 1),
                        recovered={"lithium": quantity(4.9, "kg"), "copper": quantity(30.2, "kg"),
                                   "aluminium": quantity(55.0, "kg")}, note="hydrometallurgy (illustrative)")),
        (PACK2, Event("sold", MAKER, _at(2024, 4, 1), to_actor=CAR_MAKER, deposit=quantity(300, "yuan"))),
        (PACK2, Event("installed", CAR_MAKER, _at(2024, 4, 22), vin="LZWADAGA7RB000124")),
        (PACK3, Event("sold", MAKER, _at(2024, 4, 1), to_actor=CAR_MAKER, deposit=quantity(300, "yuan"))),
        (PACK3, Event("retired", CAR_MAKER, _at(2025, 1, 5), note="crash-damaged in transport (illustrative)")),
        (PACK3, Event("handed_over", CAR_MAKER, _at(2025, 1, 10), to_actor=RECYCLER)),
        (PACK3, Event("recycled", RECYCLER, _at(2025, 2, 1), recovered={"lithium": quantity(5.1, "kg")})),
    ]
    for code, event in life:
        units.record_event(sessions, DEMO, code, event)
    return n


def load(sessions: sessionmaker[Session], folder: Path, password: str) -> dict[str, object]:
    """Load the battery chain from `folder` (examples/battery); running it again changes nothing."""
    folder = Path(folder)
    created_orgs = _organisations(sessions)
    files = [folder / f"{name}.csv" for name in FILES]
    missing = [f.name for f in files if not f.is_file()]
    if missing:
        raise InputError(f"the battery demo folder lacks {', '.join(missing)}", location=Location(file=str(folder)))
    reports = import_files(sessions, files)
    created_users = _users(sessions, password)
    declared = None
    with sessions() as s:
        org_id = organisation_repo.id_of(s, MAKER)
        if org_id is None:
            raise InputError(f"the battery demo needs organisation {MAKER} from the chain's organisations file",
                             location=Location(file=str(folder)))
        doc = parse_document(_read_yaml(folder / "declaration-lfp-pack.yaml"),
                             file=str(folder / "declaration-lfp-pack.yaml"))
    have_declaration = any((d.model, d.plant) == (doc.battery.model, doc.battery.plant)
                           for d in declarations.list_for(sessions, DEMO, MAKER))
    if not have_declaration:
        declared = declarations.save(sessions, DEMO, MAKER, doc).result["declaration"]
    registered = _units(sessions, folder)
    spec = _read_yaml(folder / "passport-lfp-pack.yaml")
    if not isinstance(spec, dict):
        raise InputError("the passport file is not a mapping", location=Location(file="passport-lfp-pack.yaml"))
    have_passport = any(p.identifier == spec["identifier"] for p in passports.list_for(sessions, DEMO, MAKER))
    if not have_passport:
        rc = spec.get("recycled_content") or {}
        passports.create(sessions, DEMO, MAKER, spec["identifier"], model=spec["model"], plant=spec["plant"],
                         submodels=spec["submodels"], study_url=spec.get("study_url", ""),
                         unit_code=spec.get("unit_code"), grants=spec.get("grants", []),
                         recycled=passports.RecycledInputs(rc.get("used_kg", {}), rc.get("pre_consumer_kg", {}),
                                                           rc.get("post_consumer_kg", {}), rc.get("recycler"),
                                                           rc.get("batteries")) if rc else None)
    rows = residual.read_soh_csv((folder / "retired-soh.csv").read_text(encoding="utf-8"), "retired-soh.csv")
    sorted_batch = residual.sort_units(sessions, DEMO, STORAGE, rows, residual.Settings(), name="retired-soh.csv")
    return {"organisations_created": created_orgs, "users_created": created_users, "files": describe(reports),
            "declaration_per_kwh": declared["per_kwh"] if declared else None,  # type: ignore[index]
            "units_registered": registered, "passport": spec["identifier"],
            "residual_batch": sorted_batch["summary"]}
