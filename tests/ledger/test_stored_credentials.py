"""Credentials issued over what the store holds (issue 15, item 2): the subject of an inventory report credential
is the stored inventory's summary, made by the service, so the signed scope 2 is the number the inventory page
shows. By hand: ORG-A's 2025 period holds 812,000 + 790,500 = 1,602,500 kWh of Sichuan grid electricity; the
library's newest Sichuan factor on or before 2025 is 2022's 0.1404 kg CO2/kWh: 1,602,500 × 0.1404 / 1,000 =
224.991 t CO2 location-based."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from ledger_world import KEY, build
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from carbontrail.app import create_app
from carbontrail.cli import app as cli_app
from carbontrail.config import Settings
from carbontrail.errors import InputError, NotFound
from carbontrail.ledger import bundle
from carbontrail.services import inventory as inventories
from carbontrail.services.accounts import access_token
from carbontrail.services.ledger import credentials, documents


def test_an_inventory_report_credential_signs_the_stored_inventory(sessions: sessionmaker[Session]) -> None:
    people = build(sessions)
    issued = documents.issue_stored(sessions, people.a_admin, KEY, "ORG-A", "inventory_report", "2025")
    subject = issued.document["credentialSubject"]
    stored = inventories.inventory(sessions, people.a_admin, "ORG-A", period="2025")
    assert subject["id"] == "urn:carbontrail:inventory:ORG-A:2025" and subject["type"] == "GhgInventoryReport"
    assert subject["scope2_location_t_co2e"] == stored.scope2_location_t == pytest.approx(224.991, abs=1e-9)
    assert subject["energy_tce"] == stored.energy_tce
    assert bundle.verify(issued.document, credentials.bundle(sessions, issued.credential_id)).ok
    with pytest.raises(NotFound):
        documents.issue_stored(sessions, people.a_admin, KEY, "ORG-A", "inventory_report", "1999")
    with pytest.raises(InputError, match="not a declaration number"):
        documents.issue_stored(sessions, people.a_admin, KEY, "ORG-A", "battery_declaration", "first")
    with pytest.raises(InputError, match="not made from stored data"):
        documents.issue_stored(sessions, people.a_admin, KEY, "ORG-A", "footprint", "x")
    with pytest.raises(NotFound):  # another tenant's inventory is not there to sign
        documents.issue_stored(sessions, people.c_admin, KEY, "ORG-A", "inventory_report", "2025")


def test_cli_and_api_issue_from_the_store(sessions: sessionmaker[Session], db_url: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    people = build(sessions)
    monkeypatch.setenv("CARBONTRAIL_DATABASE_URL", db_url)
    monkeypatch.setenv("CARBONTRAIL_SECRET_KEY", KEY.decode())
    out = tmp_path / "inventory.json"
    done = CliRunner().invoke(cli_app, ["ledger", "issue", "--org", "ORG-A", "--kind", "inventory_report",
                                        "--reference", "2025", "--out", str(out)])
    assert done.exit_code == 0, done.output
    by_cli = json.loads(out.read_text(encoding="utf-8"))["credentialSubject"]
    client = TestClient(create_app(Settings(secret_key=KEY.decode()), sessions=sessions, pages=False))
    auth = {"Authorization": f"Bearer {access_token(KEY, people.a_admin)}"}
    made = client.post("/api/organisations/ORG-A/credentials", headers=auth,
                       json={"kind": "inventory_report", "reference": "2025"})
    assert made.status_code == 201, made.text
    by_api = made.json()["document"]["credentialSubject"]
    assert by_api == by_cli and by_api["scope2_location_t_co2e"] > 0
