"""The platform tests' world (imported by conftest.py and the tests; a unique module name, since test folders
are not packages): a small two-tenant world: jurisdictions, two enterprises with a year of data, one user
per role, and an app on the fixture database (SQLite and PostgreSQL)."""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.app import create_app
from carbontrail.config import Settings
from carbontrail.services import accounts, jurisdictions
from carbontrail.services.accounts import access_token
from carbontrail.store.db import transaction
from carbontrail.store.models import ActivityRecord, Facility, Meter, Organisation, ReportingPeriod, User

PASSWORD = "correct horse battery"
#: role → (organisation code or None, jurisdiction code or None) held on tenant A's side
ROLE_SCOPES: dict[str, tuple[str | None, str | None]] = {
    "org_admin": ("ORG-A", None),
    "carbon_manager": ("ORG-A", None),
    "data_entry": ("ORG-A", None),
    "supplier": ("ORG-A", None),
    "verifier": ("ORG-A", None),
    "park_admin": (None, "PARK-A"),
    "government_viewer": (None, "SC"),
}
#: strings that only tenant B's raw data and profile contain: none may reach a principal of tenant A's side
B_SECRETS = ("ORG-B", "乙铝业", "SECRET-B", "B-SMELTER", "B-METER", "b-only-item")


@dataclass
class World:
    sessions: sessionmaker[Session]
    app: FastAPI
    client: TestClient
    tokens: dict[str, str]  # role (and "admin_b", "platform_admin") → bearer token

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def _record(org: Organisation, fac: Facility, kind: str, item: str, month: int | None, quantity: float, unit: str,
            meter: Meter | None = None) -> ActivityRecord:
    """A record for one month of 2023 (the whole year when `month` is None)."""
    start = date(2023, month or 1, 1)
    end = date(2023, month, calendar.monthrange(2023, month)[1]) if month else date(2023, 12, 31)
    key = hashlib.sha1(f"{fac.code}|{kind}|{item}|{start}".encode()).hexdigest()
    return ActivityRecord(record_key=key, organisation_id=org.id, facility_id=fac.id,
                          meter_id=meter.id if meter else None,
                          kind=kind, item=item, period_start=start, period_end=end, quantity=quantity, unit=unit,
                          source="platform test fixture")


def seed(sessions: sessionmaker[Session]) -> None:
    """Tenant A (Sichuan, park PARK-A): 1,000,000 kWh of grid electricity a month in 2023 and 10,000 × 10⁴ yuan
    of value added. Tenant B (Chongqing, park PARK-B): natural gas and electricity, its own names everywhere."""
    jurisdictions.create(sessions, "SC", "province", "四川省", name_en="Sichuan")
    jurisdictions.create(sessions, "SC-CD", "city", "成都市", name_en="Chengdu", parent="SC")
    jurisdictions.create(sessions, "PARK-A", "park", "甲园区", name_en="Park A", parent="SC-CD")
    jurisdictions.create(sessions, "CQ", "province", "重庆市", name_en="Chongqing")
    jurisdictions.create(sessions, "CQ-CQ", "city", "重庆市区", name_en="Chongqing city", parent="CQ")
    jurisdictions.create(sessions, "PARK-B", "park", "乙园区", name_en="Park B", parent="CQ-CQ")
    with transaction(sessions) as s:
        a = Organisation(code="ORG-A", name="甲锂电", name_en="A Lithium", industry="battery", province="Sichuan",
                         city="Chengdu", park="Park A")
        b = Organisation(code="ORG-B", name="乙铝业 SECRET-B", name_en="B Aluminium SECRET-B", industry="aluminium",
                         province="Chongqing", city="Chongqing", park="Park B")
        s.add_all([a, b])
        s.flush()
        fa = Facility(organisation_id=a.id, code="A-PLANT", name="甲工厂", province="Sichuan", city="Chengdu")
        fb = Facility(organisation_id=b.id, code="B-SMELTER", name="乙电解车间 SECRET-B", province="Chongqing")
        s.add_all([fa, fb])
        s.flush()
        mb = Meter(facility_id=fb.id, code="B-METER", medium="electricity", unit="kWh", supplier="SECRET-B grid")
        s.add(mb)
        s.flush()
        for org in (a, b):
            s.add(ReportingPeriod(organisation_id=org.id, name="2023", start=date(2023, 1, 1), end=date(2023, 12, 31)))
        for month in range(1, 13):
            s.add(_record(a, fa, "electricity", "grid electricity", month, 1_000_000, "kWh"))
            s.add(_record(b, fb, "electricity", "b-only-item", month, 5_000_000, "kWh", mb))
            s.add(_record(b, fb, "fuel_combustion", "natural gas", month, 100_000, "Nm3"))
        s.add(_record(a, fa, "value_added", "industrial value added", None, 10_000, "10^4 yuan"))
    jurisdictions.place(sessions, "PARK-A", organisation="ORG-A")
    jurisdictions.place(sessions, "PARK-B", organisation="ORG-B")
    seed_cbam(sessions)
    seed_battery(sessions)
    seed_supply_chain(sessions)
    seed_footprints(sessions)


#: tenant B's CBAM installation (a pot line) and default-value table, so the tenancy matrix meets real objects
B_CBAM_MODEL = """
name: 乙电解 SECRET-B
operator: 乙铝业 SECRET-B
reporting_period: {start: 2023-01-01, end: 2023-12-31}
processes:
  - {id: pots, name: SECRET-B pot line, category: Unwrought aluminium, cn_codes: ["7601 10 00"],
     system_boundary: electrolysis, activity_level: 1000 t,
     electricity: [{amount: 14000 MWh, emission_factor: 0.5 t/MWh, source: SECRET-B grid}]}
"""
B_CBAM_DEFAULTS = ("cn_code,country,see_direct,see_indirect,route,source,confidence\n"
                   "76011000,CN,9.9,,,SECRET-B table,low\n")


def seed_cbam(sessions: sessionmaker[Session]) -> None:
    from carbontrail.services import cbam
    from carbontrail.services.work import SystemActor

    seeder = SystemActor("seed")
    cbam.save_installation(sessions, seeder, "ORG-B", "B-CBAM", B_CBAM_MODEL.encode(), file_name="b.yaml")
    cbam.add_defaults(sessions, seeder, "ORG-B", "b-defaults", "1", B_CBAM_DEFAULTS.encode())


@cache
def password_hash() -> str:
    # one Argon2id hash shared by every fixture user: hashing costs ~0.2 s by design
    return accounts.hash_password(PASSWORD)


def make_users(sessions: sessionmaker[Session], key: bytes) -> dict[str, str]:
    """One user per role on tenant A's side, B's administrator and a platform administrator; their tokens."""
    people = [(f"{r}@a.example", r, False) for r in ROLE_SCOPES] + [
        ("admin@b.example", "admin_b", False), ("root@platform.example", "platform_admin", True)]
    with transaction(sessions) as s:
        s.add_all(User(email=e, name=who, password_hash=password_hash(), locale="en", platform_admin=admin)
                  for e, who, admin in people)
    for role, (org, jur) in ROLE_SCOPES.items():
        accounts.grant_role(sessions, f"{role}@a.example", role, organisation=org, jurisdiction=jur)
    accounts.grant_role(sessions, "admin@b.example", "org_admin", organisation="ORG-B")
    tokens = {}
    with sessions() as s:
        for email, who, _admin in people:
            uid = s.scalar(select(User.id).where(User.email == email))
            tokens[who] = access_token(key, accounts.principal_of(s, uid))
    return tokens


@pytest.fixture
def world(sessions: sessionmaker[Session], tmp_path: Path) -> Iterator[World]:
    settings = Settings(home=tmp_path / "home", database_url="", secret_key="platform-test-key")
    app = create_app(settings, sessions=sessions)
    seed(sessions)
    tokens = make_users(sessions, app.state.context.key)
    yield World(sessions, app, TestClient(app), tokens)
    app.state.context.imports.close()  # as the app's lifespan does: no import's worker process outlives the test


#: tenant B's battery objects: a unit, a declaration (the first one stored: id 1) and a passport whose only
#: restricted field (Annex XIII point 2) carries SECRET-B, so the public passport endpoints show none of B's secrets
B_UNIT = "B0BPBAA6000001R3F0000009"
B_PASSPORT = "urn:bpack:b0001"


def seed_battery(sessions: sessionmaker[Session]) -> None:
    from datetime import UTC, datetime

    import yaml

    from carbontrail.battery.document import parse_document
    from carbontrail.services import battery_declarations, battery_passports, battery_units
    from carbontrail.services.work import SystemActor

    seeder = SystemActor("seed")
    battery_units.register_units(sessions, seeder, [B_UNIT], "ORG-B", datetime(2024, 3, 15, tzinfo=UTC))
    doc = yaml.safe_load((Path(__file__).parents[2] / "examples/battery/declaration-lfp-pack.yaml").read_text())
    for material in doc["materials"]:  # this world has no supplier SH-LFP: the cathode keeps its typed factor
        material.pop("footprint", None)
    battery_declarations.save(sessions, seeder, "ORG-B", parse_document(doc))
    battery_passports.create(sessions, seeder, "ORG-B", B_PASSPORT, model="CD-LFP-60", plant="CDCELL-01", submodels={
        "materialComposition": {"batteryChemistry": {"shortName": "LFP", "clearName": "lithium iron phosphate"},
                                "batteryMaterials": [{"batteryMaterialLocation": {"componentName": "cathode"},
                                                      "batteryMaterialIdentifier": "7439-93-2",
                                                      "batteryMaterialName": "SECRET-B lithium",
                                                      "batteryMaterialMass": 4.2, "isCriticalRawMaterial": True}],
                                "hazardousSubstances": []}})


#: tenant B's supply chain: a connection to its supplier (with a request sent and a footprint received) and a
#: footprint request in its own PACT inbox (the first one stored: id 1)
B_SUPPLIER = "B-SUPPLIER"


def seed_supply_chain(sessions: sessionmaker[Session]) -> None:
    import json

    from carbontrail.services.pact import requests as pact_requests
    from carbontrail.store.models import OutboundRequest, ReceivedFootprint
    from carbontrail.store.models.pact import PactInboundRequest

    with transaction(sessions) as s:
        b_id = s.scalar(select(Organisation.id).where(Organisation.code == "ORG-B"))
        pact_requests.add_connection(s, b_id, b"platform-test-key", supplier=B_SUPPLIER, name="SECRET-B supplier",
                                     host_url="https://secret-b-supplier.example", client_id="SECRET-B-client",
                                     client_secret="SECRET-B-secret", actor="seed")
        conn_id = s.scalar(select(pact_requests.SupplierConnection.id)
                           .where(pact_requests.SupplierConnection.organisation_id == b_id))
        s.add(OutboundRequest(organisation_id=b_id, connection_id=conn_id, product_id="urn:secret-b:alumina",
                              product_key="b-only-item", event_id="b-request-event", status="fulfilled"))
        s.add(ReceivedFootprint(organisation_id=b_id, connection_id=conn_id,
                                pf_id="b0b0b0b0-0000-4000-8000-000000000001", product_key="b-only-item",
                                product_name="SECRET-B alumina", declared_unit="kg", pcf_excluding_biogenic=1.5,
                                payload={"companyName": "SECRET-B"}))
        s.add(PactInboundRequest(event_id="b-inbound", source="https://secret-b-customer.example/3/events", spec="3",
                                 supplier_organisation_id=b_id, product_ids=json.dumps(["urn:secret-b:ingot"]),
                                 comment="SECRET-B asks", status="pending"))


#: tenant B's product model ("b-model", one product "b-only-product" whose names carry SECRET-B) and a supplier
#: footprint, so the footprint endpoints of the tenancy matrix meet a real model
B_PRODUCT_MODEL = {
    "name": "SECRET-B model", "source": "SECRET-B",
    "flows": [{"id": "b-only-product", "name": "SECRET-B ingot", "unit": "kg"},
              {"id": "b-only-item", "name": "SECRET-B alumina", "unit": "kg"},
              {"id": "co2", "name": "Carbon dioxide, fossil", "kind": "elementary", "unit": "kg",
               "category": "air/unspecified"}],
    "processes": [{"id": "b-smelting", "name": "SECRET-B smelting", "supplier": "ORG-B",
                   "outputs": [{"flow": "b-only-product", "amount": 1}, {"flow": "co2", "amount": 1.5}],
                   "inputs": [{"flow": "b-only-item", "amount": 1.9,
                               "uncertainty": {"distribution": "lognormal", "gsd": 1.1}}]}],
    "factors": [{"flow": "b-only-item", "fossil": 1.2, "source": "SECRET-B factor"}],
}


def seed_footprints(sessions: sessionmaker[Session]) -> None:
    from carbontrail.services import footprints
    from carbontrail.services.pact.supplier_data import record_supplier_footprint

    with transaction(sessions) as s:
        b_id = s.scalar(select(Organisation.id).where(Organisation.code == "ORG-B"))
        footprints.import_document(s, b_id, B_PRODUCT_MODEL, key="b-model")
        record_supplier_footprint(s, b_id, product_key="b-only-item", supplier="SECRET-B supplier",
                                  fossil_kg_per_unit=1.1, biogenic_kg_per_unit=None, unit="kg", source="manual",
                                  reference="SECRET-B-REF")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless chromium for a test module (tests/browsers.py)."""
    from browsers import chromium

    with chromium() as b:
        yield b


@pytest.fixture
def server(world: World) -> Iterator[str]:
    """The world's app on a free loopback port, served by uvicorn in a thread."""
    from live_server import live_server

    with live_server(world.app) as url:
        yield url
