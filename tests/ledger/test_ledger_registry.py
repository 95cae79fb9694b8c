"""The public registry: only what was published, filters, CSV/JSON export, supersession, withdrawal; labels."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest
from fastapi.testclient import TestClient
from ledger_world import KEY, People, build
from PIL import Image
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.app import create_app
from carbontrail.config import Settings
from carbontrail.errors import Conflict, InputError, NotFound
from carbontrail.services.accounts import access_token
from carbontrail.services.ledger import credentials, engagements, registry

STATEMENT = engagements.StatementIn(assurance="reasonable", materiality="5 %", procedures="recalculation",
                                    opinion="fairly stated")
LFP = registry.Publication("LFP cell 280 Ah", "battery cell", "kWh", 61.2, cn_code="8507 60 00", region="Sichuan")


def _verified(people: People) -> tuple[str, str]:
    engagements.accredit(people.sessions, people.operator, "VB-1", "CNAS (test fixture)", "CNAS")
    made = engagements.engage(people.sessions, people.a_admin, "ORG-A", "VB-1", subject_type="inventory",
                              subject_key="2025", grants=["activity"])
    statement = engagements.issue_statement(people.sessions, people.verifier, KEY, made.id, STATEMENT)
    footprint = credentials.issue(people.sessions, people.a_admin, KEY, "ORG-A", "footprint", "cell-2025",
                                  {"id": "urn:carbontrail:pcf:cell", "pcf": 61.2})
    return footprint.credential_id, statement.credential_id


@pytest.fixture
def people(sessions: sessionmaker[Session]) -> People:
    return build(sessions)


def test_publish_search_export_supersede_withdraw(people: People) -> None:
    footprint, statement = _verified(people)
    unpublished = credentials.issue(people.sessions, people.a_admin, KEY, "ORG-A", "footprint", "other",
                                    {"id": "urn:carbontrail:pcf:unpublished", "pcf": 1.0})
    assert registry.search(people.sessions) == []
    with pytest.raises(NotFound):
        registry.publish(people.sessions, people.c_admin, KEY, "ORG-A", footprint, statement, LFP)
    first = registry.publish(people.sessions, people.a_admin, KEY, "ORG-A", footprint, statement, LFP)
    assert (first.assurance, first.verifier, first.status, first.cn_code) == ("reasonable", "VB-1", "published",
                                                                              "85076000")
    with pytest.raises(Conflict):
        registry.publish(people.sessions, people.a_admin, KEY, "ORG-A", footprint, statement, LFP)
    assert [x.id for x in registry.search(people.sessions, category="Battery Cell", cn_code="8507")] == [first.id]
    assert registry.search(people.sessions, region="Chongqing") == []
    assert registry.search(people.sessions, assurance="limited") == []
    assert [x.credential_id for x in registry.search(people.sessions)] == [footprint]  # never the unpublished one
    assert unpublished.credential_id not in registry.to_json(registry.search(people.sessions))

    revised = credentials.issue(people.sessions, people.a_admin, KEY, "ORG-A", "footprint", "cell-2025b",
                                {"id": "urn:carbontrail:pcf:cell", "pcf": 58.9})
    second = registry.publish(people.sessions, people.a_admin, KEY, "ORG-A", revised.credential_id, statement,
                              registry.Publication("LFP cell 280 Ah", "battery cell", "kWh", 58.9))
    listed = {x.id: x for x in registry.search(people.sessions)}
    assert listed[first.id].status == "superseded" and listed[first.id].superseded_by == second.id
    rows = list(csv.DictReader(io.StringIO(registry.to_csv(list(listed.values())))))
    assert [(r["value"], r["status"]) for r in rows] == [("61.2", "superseded"), ("58.9", "published")]

    made = engagements.listing(people.sessions, people.verifier)[0]
    engagements.withdraw_statement(people.sessions, people.verifier, KEY, made.id, "evidence forged")
    now = registry.entry(people.sessions, second.id)
    assert now.status == "withdrawn" and "statement withdrawn: evidence forged" in now.status_reason


def test_registry_and_labels_over_http(people: People) -> None:
    footprint, statement = _verified(people)
    client = TestClient(create_app(Settings(secret_key=KEY.decode()), sessions=people.sessions, pages=False))
    auth = {"Authorization": f"Bearer {access_token(KEY, people.a_admin)}"}
    made = client.post("/api/organisations/ORG-A/registry", headers=auth, json={
        "credential_id": footprint, "statement_id": statement, "product": "LFP cell 280 Ah",
        "category": "battery cell", "declared_unit": "kWh", "value": 61.2, "cn_code": "85076000"})
    assert made.status_code == 201, made.text
    entry_id = made.json()["id"]
    assert [x["id"] for x in client.get("/api/registry", params={"verifier": "vb-1"}).json()] == [entry_id]
    exported = client.get("/api/registry", params={"format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv") and "LFP cell 280 Ah" in exported.text
    svg = client.get(f"/api/registry/{entry_id}/label.svg", params={"lang": "zh_CN"})
    assert svg.status_code == 200 and "产品碳足迹" in svg.text and "61.2 kg CO2e 每 kWh" in svg.text
    assert "合理保证" in svg.text and "<path" in svg.text  # the QR code's modules
    english = client.get(f"/api/registry/{entry_id}/label.svg", params={"lang": "en"}).text
    assert "61.2 kg CO2e per kWh" in english and "reasonable" in english
    png = client.get(f"/api/registry/{entry_id}/label.png", params={"lang": "en"})
    image = Image.open(io.BytesIO(png.content))
    assert png.headers["content-type"] == "image/png" and image.size == (600, 300)


def test_the_entry_shows_the_number_the_credential_signs(people: People) -> None:
    """The registry entry's value is the one the footprint credential signs (61.2, made from a stored result):
    omitted, it is taken from the credential; typed and different, publishing is refused with both numbers."""
    footprint, statement = _verified(people)
    wrong = dataclasses.replace(LFP, value=60.0)
    with pytest.raises(InputError, match="60 differs from the 61.2"):
        registry.publish(people.sessions, people.a_admin, KEY, "ORG-A", footprint, statement, wrong)
    entry = registry.publish(people.sessions, people.a_admin, KEY, "ORG-A", footprint, statement,
                             dataclasses.replace(LFP, value=None))
    assert entry.value == 61.2
