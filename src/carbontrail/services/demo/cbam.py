"""The CBAM part of the demo: a Guangyuan hydropower aluminium smelter and a Panzhihua vanadium-titanium steel
works, placed in their parks, with their installation models (examples/cbam/) stored and one sign-in each."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import InputError, Location
from carbontrail.services import cbam, jurisdictions
from carbontrail.services.demo.sign_ins import demo_users
from carbontrail.services.imports import describe, import_files
from carbontrail.services.work import SystemActor
from carbontrail.store.repositories import jurisdictions as jurisdiction_repo

#: code, kind, name, English name, parent — the CBAM exporters' cities and parks under Sichuan
CBAM_JURISDICTIONS = (
    ("SC", "province", "四川省", "Sichuan Province", None),
    ("SC-GY", "city", "广元市", "Guangyuan", "SC"),
    ("SC-GY-GETDZ", "park", "广元经济技术开发区", "Guangyuan Economic and Technological Development Zone", "SC-GY"),
    ("SC-PZH", "city", "攀枝花市", "Panzhihua", "SC"),
    ("SC-PZH-VTHIDZ", "park", "攀枝花钒钛高新技术产业开发区",
     "Panzhihua Vanadium and Titanium High-tech Industrial Development Zone", "SC-PZH"),
)
#: organisation → (its park, its installation code, the model file, the facility it sits at)
CBAM_EXPORTERS = {
    "GY-ALU": ("SC-GY-GETDZ", "GY-SMELTER", "sichuan-aluminium-smelter.yaml", "GY-SMELTER"),
    "PZH-VTI": ("SC-PZH-VTHIDZ", "PZH-VTI-WORKS", "panzhihua-vti-steel.yaml", "PZH-WORKS"),
}
CBAM_DEMO_USERS = {"manager@gy-alu.example": ("carbon_manager", "GY-ALU"),
                   "manager@pzh-vti.example": ("carbon_manager", "PZH-VTI")}
#: the exporters' 2025 records (drawn by the installations by meter) and, for the province's other years, 2020 and
#: 2023 scaled from them by production
FILES = ("organisations", "facilities", "meters", "periods", "activity-2020", "activity-2023", "activity-2025")
DEMO = SystemActor("demo")


def load_cbam_demo(sessions: sessionmaker[Session], folder: Path, password: str) -> dict[str, object]:
    """Import examples/cbam's organisation, facility and period files, place the two exporters in their parks,
    store their installation models and add their sign-ins. Loading again changes nothing."""
    folder = Path(folder)
    files = [folder / f"{name}.csv" for name in FILES]
    models = [folder / model for _, _, model, _ in CBAM_EXPORTERS.values()]
    missing = [f.name for f in [*files, *models] if not f.is_file()]
    if missing:
        raise InputError(f"the CBAM demo folder lacks {', '.join(missing)}", location=Location(file=str(folder)))
    reports = import_files(sessions, files)
    with sessions() as s:
        existing = jurisdiction_repo.codes(s)
    created = []
    for code, kind, name, name_en, parent in CBAM_JURISDICTIONS:
        if code not in existing:
            jurisdictions.create(sessions, code, kind, name, name_en=name_en, parent=parent, actor="demo")
            created.append(code)
    stored = []
    for org, (park, installation, model, facility) in CBAM_EXPORTERS.items():
        jurisdictions.place(sessions, park, organisation=org, actor="demo")
        saved, _ = cbam.save_installation(sessions, DEMO, org, installation, (folder / model).read_bytes(),
                                          file_name=model, facility=facility)
        stored.append(f"{org}/{saved.code} {saved.period}")
    users = _users(sessions, password)
    return {"files": describe(reports), "jurisdictions_created": created, "installations": stored,
            "users_created": users, "sign_in": sorted(CBAM_DEMO_USERS)}


def _users(sessions: sessionmaker[Session], password: str) -> list[str]:
    return demo_users(sessions, password,
                      ((email, role, organisation, None) for email, (role, organisation) in CBAM_DEMO_USERS.items()))
