"""A small battery chain for the API, page and CLI tests (a unique module name: test folders are not packages):
a maker, a car maker, a recycler and an outsider; one user each, a verifier of the maker and a government
viewer of the maker's province; the app on the fixture database (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.app import create_app
from carbontrail.config import Settings
from carbontrail.services import accounts, jurisdictions, organisations
from carbontrail.services.accounts import access_token, sign_token
from carbontrail.store.db import transaction
from carbontrail.store.models import User

HERE = Path(__file__).parent
ORGS = ("MAKER", "CARCO", "RECYCLER", "OUTSIDER")
#: who → (role, organisation or None, jurisdiction or None)
PEOPLE = {
    "maker": ("org_admin", "MAKER", None), "carco": ("carbon_manager", "CARCO", None),
    "recycler": ("carbon_manager", "RECYCLER", None), "outsider": ("org_admin", "OUTSIDER", None),
    "verifier": ("verifier", "MAKER", None), "government": ("government_viewer", None, "SC"),
    "faraway_government": ("government_viewer", None, "CQ"),
}
PACK, PACK2 = "01APBAASC00001R3F0000042", "01APBAASC00001R3F0000043"
MODULES = ["01AMBAASC00001R3F0000001", "01AMBAASC00001R3F0000002"]
VIN = "LSVAU2180N2183294"


@dataclass
class BWorld:
    sessions: sessionmaker[Session]
    app: FastAPI
    client: TestClient
    tokens: dict[str, str]
    key: bytes

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def sign_in(self, who: str | None) -> None:
        """Pages read the web session cookie (not a bearer token): sign `who` in, or out for None."""
        self.client.cookies.clear()
        if who is None:
            return
        with self.sessions() as s:
            uid = s.scalar(select(User.id).where(User.email == f"{who}@example.com"))
        self.client.cookies.set("ct_session", sign_token(self.key, {"kind": "session", "sub": uid, "csrf": "t"}))


@cache
def password_hash() -> str:
    return accounts.hash_password("correct horse battery")


def small_document() -> dict[str, object]:
    """The hand-checked battery of battery_example.py as a document."""
    loaded: dict[str, object] = yaml.safe_load((HERE / "declaration_small.yaml").read_text(encoding="utf-8"))
    return loaded


def build(sessions: sessionmaker[Session], home: Path) -> BWorld:
    app = create_app(Settings(home=home, database_url="", secret_key="battery-test-key"), sessions=sessions)
    jurisdictions.create(sessions, "SC", "province", "四川省", name_en="Sichuan")
    jurisdictions.create(sessions, "CQ", "province", "重庆市", name_en="Chongqing")
    with transaction(sessions) as s:
        for code in ORGS:
            organisations.create_organisation(s, code, f"{code} 公司", province="Sichuan")
        s.add_all(User(email=f"{who}@example.com", name=who, password_hash=password_hash(), locale="en")
                  for who in PEOPLE)
    jurisdictions.place(sessions, "SC", organisation="MAKER")
    for who, (role, org, jur) in PEOPLE.items():
        accounts.grant_role(sessions, f"{who}@example.com", role, organisation=org, jurisdiction=jur)
    key = app.state.context.key
    tokens = {}
    with sessions() as s:
        for who in PEOPLE:
            uid = s.scalar(select(User.id).where(User.email == f"{who}@example.com"))
            tokens[who] = access_token(key, accounts.principal_of(s, uid))
    return BWorld(sessions, app, TestClient(app), tokens, key)


@pytest.fixture
def bworld(sessions: sessionmaker[Session], tmp_path: Path) -> BWorld:
    return build(sessions, tmp_path / "home")
