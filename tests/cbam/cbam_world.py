"""A small world for the CBAM service, API and page tests (unique module name; test folders are not packages):
two organisations, the Sichuan smelter's facility, one user per role that matters, an app on the fixture database."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.app import create_app
from carbontrail.config import Settings
from carbontrail.services import accounts, organisations, tenancy
from carbontrail.services.accounts import access_token, sign_token
from carbontrail.services.imports import import_files
from carbontrail.store.db import transaction
from carbontrail.store.models import User

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cbam"
PASSWORD = "cbam test password"
#: e-mail → (role, organisation)
PEOPLE = {"manager@alu.example": ("carbon_manager", "ALU"), "entry@alu.example": ("data_entry", "ALU"),
          "supplier@alu.example": ("supplier", "ALU"), "admin@steel.example": ("org_admin", "STEEL")}


@dataclass
class CbamWorld:
    sessions: sessionmaker[Session]
    app: FastAPI
    client: TestClient
    tokens: dict[str, str]

    def auth(self, email: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[email]}"}

    def access(self, email: str, org: str, permission: str = tenancy.INVENTORY) -> tuple[accounts.Principal, str]:
        """Who acts and for which organisation, as a service call takes them (checked to allow `permission`)."""
        with self.sessions() as s:
            uid = s.scalar(select(User.id).where(User.email == email))
            principal = accounts.principal_of(s, uid)
            tenancy.require(s, principal, org, permission)
            return principal, org

    def sign_in_page(self, email: str) -> str:
        """Set a web session cookie for `email` on the client; returns the session's CSRF token."""
        with self.sessions() as s:
            uid = s.scalar(select(User.id).where(User.email == email))
        token = sign_token(self.app.state.context.key, {"kind": "session", "sub": uid, "csrf": "csrf-cbam"})
        self.client.cookies.clear()
        self.client.cookies.set("ct_session", token)
        return "csrf-cbam"

    def upload(self, email: str, org: str, example: str, code: str, facility: str = "") -> dict:
        data = (EXAMPLES / example).read_bytes()
        r = self.client.post(f"/api/organisations/{org}/cbam/installations", headers=self.auth(email),
                             data={"installation": code, "facility": facility},
                             files={"file": (example, data, "application/yaml")})
        assert r.status_code in (200, 201), r.text
        return r.json()


def import_smelter_records(sessions: sessionmaker[Session], folder: Path) -> None:
    """The smelter's meters and 2025 activity records of the CBAM examples, as tenant ALU's: the installation
    file draws its gas and electricity from them (`from_inventory`)."""
    files = []
    for name in ("meters", "activity-2025"):
        lines = (EXAMPLES / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        path = folder / f"alu-{name}.csv"
        path.write_text("\n".join([lines[0]] + [line.replace("GY-ALU,", "ALU,", 1) for line in lines[1:]
                                               if line.startswith("GY-ALU,")]) + "\n", encoding="utf-8")
        files.append(path)
    import_files(sessions, files)


@cache
def password_hash() -> str:
    return accounts.hash_password(PASSWORD)  # Argon2id costs ~0.2 s by design: once per run


@pytest.fixture
def cbam_world(sessions: sessionmaker[Session], tmp_path: Path) -> CbamWorld:
    settings = Settings(home=tmp_path / "home", database_url="", secret_key="cbam-test-key")
    app = create_app(settings, sessions=sessions)
    with transaction(sessions) as s:
        organisations.create_organisation(s, code="ALU", name="示意铝业", name_en="Example Aluminium",
                                          province="四川省", city="广元市")
        organisations.create_organisation(s, code="STEEL", name="示意钢铁", name_en="Example Steel",
                                          province="四川省", city="攀枝花市")
    with transaction(sessions) as s:
        organisations.create_facility(s, "ALU", code="GY-SMELTER", name="电解铝厂", province="四川省", city="广元市")
    import_smelter_records(sessions, tmp_path)
    digest = password_hash()
    with transaction(sessions) as s:
        s.add_all(User(email=e, name=e, password_hash=digest, locale="en") for e in PEOPLE)
    for email, (role, org) in PEOPLE.items():
        accounts.grant_role(sessions, email, role, organisation=org)
    tokens = {}
    with sessions() as s:
        for email in PEOPLE:
            uid = s.scalar(select(User.id).where(User.email == email))
            tokens[email] = access_token(app.state.context.key, accounts.principal_of(s, uid))
    return CbamWorld(sessions, app, TestClient(app), tokens)
