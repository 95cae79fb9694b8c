"""A PACT footprint states the share of renewable electricity its supplier's claims back (issue 16, item 4), as a
data model extension whose schema the host serves at its `dataSchema` URL; the pcf does not use the claims.

By hand: CD-CELL uses 1,000 MWh in January 2025 and claims 3 GECs (1 MWh each), logged as entries 3–5 (after their
3 issuances, 0–2). Its footprint of a cell for the reference year 2025 says: share 3 / 1,000 = 0.003, matched 3 MWh
of 1,000 MWh, annual matching, one run of 3 GECs at log entries 3–5.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from certificates_world import CLI, electricity, issue_gecs, seed
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.app import create_app
from carbontrail.config import Settings
from carbontrail.formats import pact
from carbontrail.services import certificates as certs
from carbontrail.services import footprints
from carbontrail.services.pact import host as pact_host
from carbontrail.services.pact import publishing

KEY = b"renewable extension key"
JAN = (dt.date(2025, 1, 1), dt.date(2025, 1, 31))
MODEL = {"name": "cell", "flows": [{"id": "cell", "unit": "kg"},
                                   {"id": "co2", "name": "Carbon dioxide, fossil", "kind": "elementary", "unit": "kg",
                                    "category": "air/unspecified"}],
         "processes": [{"id": "CELL", "outputs": [{"flow": "cell", "amount": 1}, {"flow": "co2", "amount": 2.0}]}]}


def _publish(sessions: sessionmaker[Session], code: str) -> pact_host.Published:
    """The organisation's cell footprint for the reference year 2025, computed from MODEL and published."""
    values = pact.FootprintValues(
        product_ids=(f"urn:pact:{code.lower()}.example:product:cell",), product_name="cell", product_description="",
        company_name=code, company_ids=(f"urn:pact:{code.lower()}.example:company",), declared_unit="kilogram",
        declared_amount=Decimal(1), product_mass_kg=Decimal(1), fossil_ghg=Decimal(0),
        reference_start=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), reference_end=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    return publishing.publish_computed(sessions, CLI, code, values, model="cell", product="cell")


def test_the_footprint_states_what_the_claims_back(sessions: sessionmaker[Session]) -> None:
    seed(sessions)
    electricity(sessions, "CD-CELL", *JAN, 1_000_000)
    serials = issue_gecs(sessions, 3, holder="CD-CELL")
    assert certs.claim(sessions, CLI, "CD-CELL", serials, JAN, on=dt.date(2025, 2, 1), key=KEY).log_seq[-3:] == (
        3, 4, 5)
    footprints.store_model(sessions, CLI, "CD-CELL", key="cell", document=MODEL)
    done = _publish(sessions, "CD-CELL")
    for major in ("2", "3"):
        doc = pact_host.document(sessions, CLI, "CD-CELL", done.pf_id, major)
        pact.validate(doc, major)
        [extension] = doc["extensions"]
        pact.validate_extension(extension)
        assert extension["dataSchema"] == "https://carbontrail.local/api/ledger/schema/renewable-electricity.json"
        assert extension["data"] == {"share": 0.003, "matchedMwh": 3.0, "consumptionMwh": 1000.0, "matching": "annual",
                                     "claims": [{"kind": "GEC", "count": 3, "mwh": 3.0, "firstLogEntry": 3,
                                                 "lastLogEntry": 5, "firstReference": serials[0],
                                                 "lastReference": serials[2]}]}
    assert done.pcf_excluding == Decimal("2")  # the claims do not change the footprint
    # the schema is served where dataSchema points
    client = TestClient(create_app(Settings(secret_key="k"), sessions=sessions, pages=False))
    served = client.get("/api/ledger/schema/renewable-electricity.json")
    assert served.status_code == 200 and served.json() == pact.extension_schema("renewable-electricity")
    assert client.get("/api/ledger/schema/credential-extension.json").json()["required"] == [
        "credential", "statement", "bundle"]
    assert client.get("/api/ledger/schema/nothing.json").status_code == 404


def test_no_claims_no_extension(sessions: sessionmaker[Session]) -> None:
    seed(sessions)
    footprints.store_model(sessions, CLI, "SH-LFP", key="cell", document=MODEL)
    done = _publish(sessions, "SH-LFP")
    assert "extensions" not in pact_host.document(sessions, CLI, "SH-LFP", done.pf_id, "3")
