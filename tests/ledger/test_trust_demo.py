"""The demo's trust part (examples/trust/README.md), loaded with the installation's key: SC-VERIFY verifies SH-LFP's
cathode footprint, the footprint's next PACT version carries the assurance and the credential, and the registry
lists it; each number is the stored result of SH-LFP's model, equal in every place it shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.ledger import bundle
from carbontrail.services.demo import load_demo
from carbontrail.services.ledger import credentials, engagements, registry
from carbontrail.services.pact import host as pact_host
from carbontrail.services.work import SystemActor
from carbontrail.store.models import Organisation, PactFootprint, ProductFootprintResult

DEMO = Path(__file__).resolve().parents[2] / "examples" / "sichuan-battery-chain"
KEY = b"trust demo key"
PY = SystemActor("test")


def test_the_demo_verifies_a_footprint_and_lists_it(sessions: sessionmaker[Session]) -> None:
    loaded = load_demo(sessions, DEMO, key=KEY)
    done = loaded["trust"]
    assert isinstance(done, dict) and done["engagement"] is not None, done
    assert "verifier@sc-verify.example" in loaded["sign_in"]["users"]  # type: ignore[index]
    with sessions() as s:
        active, result = s.execute(select(PactFootprint, ProductFootprintResult).join(
            ProductFootprintResult, PactFootprint.result_id == ProductFootprintResult.id).join(
            Organisation, Organisation.id == PactFootprint.organisation_id).where(
            Organisation.code == "SH-LFP", PactFootprint.status == "Active",
            ProductFootprintResult.product == "lfp-cathode")).one()
        pf_id, version = active.pf_id, active.version
    # one number: the model's stored result, the PACT footprint and the registry entry agree
    [entry] = [e for e in registry.search(sessions) if e.organisation == "SH-LFP"]
    assert (entry.id, entry.assurance, entry.verifier, entry.status) == (done["registry_entry"], "limited",
                                                                         "SC-VERIFY", "published")
    assert entry.value == pytest.approx(result.fossil_kg_per_unit, abs=5e-7)
    v3 = pact_host.document(sessions, PY, "SH-LFP", pf_id, "3")
    assert float(v3["pcf"]["pcfExcludingBiogenicUptake"]) == pytest.approx(result.fossil_kg_per_unit, abs=5e-7)
    assert version == 3  # the cathode before the kiln upgrade, after it, and after it verified
    assert v3["pcf"]["verification"]["providerName"] == "Illustrative Sichuan carbon verification body"
    credential = v3["extensions"][0]["data"]["credential"]
    assert credential["id"] == done["credential"]
    assert bundle.verify(credential, credentials.bundle(sessions, str(done["credential"]))).ok
    assert engagements.statement_status(sessions, str(done["statement"])) == "standing"
    # loading again changes nothing
    again = load_demo(sessions, DEMO, key=KEY)["trust"]
    assert again["engagement"] is None  # type: ignore[index]
    assert len([e for e in registry.search(sessions) if e.organisation == "SH-LFP"]) == 1


def test_without_the_key_the_trust_part_is_skipped(sessions: sessionmaker[Session]) -> None:
    loaded = load_demo(sessions, DEMO)
    assert "skipped" in loaded["trust"]  # type: ignore[operator]
    assert "verifier@sc-verify.example" not in loaded["sign_in"]["users"]  # type: ignore[index]
