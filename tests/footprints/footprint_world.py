"""A small world for the footprint API, page and PDF tests (unique module name; test folders are not packages):
the demo chain's pack and cell makers with their product models, one user per role that matters, an app."""

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
from carbontrail.services import accounts, footprints, organisations
from carbontrail.services.accounts import access_token, sign_token
from carbontrail.store.db import transaction
from carbontrail.store.models import User

PRODUCTS = Path(__file__).resolve().parents[2] / "examples" / "sichuan-battery-chain" / "products"
PASSWORD = "footprint test password"
#: e-mail → (role, organisation)
PEOPLE = {"manager@pack.example": ("carbon_manager", "CD-PACK"), "entry@pack.example": ("data_entry", "CD-PACK"),
          "supplier@pack.example": ("supplier", "CD-PACK"), "admin@cell.example": ("org_admin", "CD-CELL")}


@dataclass
class FootprintWorld:
    sessions: sessionmaker[Session]
    app: FastAPI
    client: TestClient
    tokens: dict[str, str]

    def auth(self, email: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[email]}"}

    def sign_in_page(self, email: str) -> str:
        """Set a web session cookie for `email`; returns the session's CSRF token."""
        with self.sessions() as s:
            uid = s.scalar(select(User.id).where(User.email == email))
        token = sign_token(self.app.state.context.key, {"kind": "session", "sub": uid, "csrf": "csrf-fp"})
        self.client.cookies.clear()
        self.client.cookies.set("ct_session", token)
        return "csrf-fp"


@cache
def password_hash() -> str:
    return accounts.hash_password(PASSWORD)  # Argon2id costs ~0.2 s by design: once per run


@pytest.fixture
def fp_world(sessions: sessionmaker[Session], tmp_path: Path) -> FootprintWorld:
    settings = Settings(home=tmp_path / "home", database_url="", secret_key="footprint-test-key")
    app = create_app(settings, sessions=sessions)
    with transaction(sessions) as s:
        pack = organisations.create_organisation(s, code="CD-PACK", name="成都电池包示意工厂",
                                                 name_en="Illustrative pack plant", province="四川省", city="成都市")
        cell = organisations.create_organisation(s, code="CD-CELL", name="成都电芯示意工厂",
                                                 name_en="Illustrative cell plant", province="四川省", city="成都市")
        s.flush()
        footprints.import_model(s, pack.id, PRODUCTS / "battery-pack.yaml")
        footprints.import_model(s, cell.id, PRODUCTS / "lfp-cell.yaml")
        s.add_all(User(email=e, name=e, password_hash=password_hash(), locale="en") for e in PEOPLE)
    for email, (role, org) in PEOPLE.items():
        accounts.grant_role(sessions, email, role, organisation=org)
    tokens = {}
    with sessions() as s:
        for email in PEOPLE:
            uid = s.scalar(select(User.id).where(User.email == email))
            tokens[email] = access_token(app.state.context.key, accounts.principal_of(s, uid))
    return FootprintWorld(sessions, app, TestClient(app), tokens)
