"""PACT footprints made from computed, stored product-footprint results (issue 13, item 1), on SQLite and
PostgreSQL: the demo publishes what its models compute; a changed input makes the published footprint out of date
with the difference; republishing gives version n+1 with the right precedingPfIds, and the customer receives it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from carbontrail.app import create_app
from carbontrail.cli import app as cli
from carbontrail.config import Settings
from carbontrail.errors import Conflict, InputError
from carbontrail.formats import pact
from carbontrail.services import accounts, footprints as fps
from carbontrail.services.accounts import access_token, principal_of, sign_token
from carbontrail.services.demo import pact as demo_pact
from carbontrail.services.pact import host, publishing
from carbontrail.services.pact.supplier_data import record_supplier_footprint
from carbontrail.services.work import SystemActor
from carbontrail.store.db import transaction
from carbontrail.store.models import AuditEvent, Organisation, PactFootprint, ProductFootprintResult, User

ACTOR = SystemActor("test")
SECRET = "demo-pact-secret-456"
#: SH-LFP's cathode model buys 241.2 kg of lithium carbonate per tonne (lfp-cathode.yaml), i.e. 0.2412 kg per kg
LI2CO3_PER_KG = 0.2412


@pytest.fixture
def demo(demo_chain: sessionmaker[Session]) -> sessionmaker[Session]:
    assert SECRET == "demo-pact-secret-456"  # the shared fixture's DEMO_PACT_SECRET (tests/conftest.py)
    return demo_chain


def _customer_view(sessions: sessionmaker[Session], tmp_path: Path) -> list[dict[str, object]]:
    app = create_app(Settings(home=tmp_path, secret_key="k" * 32), sessions=sessions, pages=False)
    client = TestClient(app, base_url="https://testserver")
    token = client.post("/auth/token", data={"grant_type": "client_credentials"},
                        auth=(demo_pact.CLIENT_ID, SECRET)).json()["access_token"]
    data: list[dict[str, object]] = client.get("/3/footprints",
                                               headers={"Authorization": f"Bearer {token}"}).json()["data"]
    return data


def test_every_demo_footprint_is_a_stored_result(demo: sessionmaker[Session]) -> None:
    """Each published demo footprint names the result it was made from, and says what that result says — and what
    its model computes today (CD-CELL 43.416 kg/kWh, not the 58.0 typed before; SH-LFP 4.4899 kg/kg, not 5.779)."""
    with demo() as s:
        rows = s.scalars(select(PactFootprint).order_by(PactFootprint.id)).all()
        assert len(rows) == 3 and all(r.result_id is not None for r in rows)
        for row in rows:
            result = s.get(ProductFootprintResult, row.result_id)
            assert result is not None and result.organisation_id == row.organisation_id
            values = pact.values_from_json(json.loads(row.values_json))
            assert values.fossil_ghg == Decimal(str(round(result.fossil_kg_per_unit, 6)))
            document = json.loads(row.payload_v3)
            assert Decimal(document["pcf"]["pcfExcludingBiogenicUptake"]) == values.fossil_ghg
            now = fps.compute(fps.load(s, result.organisation_id, result.model_key), result.product)
            assert now.fossil_kg_per_unit == pytest.approx(result.fossil_kg_per_unit, rel=1e-12)
    cell = publishing.published_result(demo, ACTOR, "CD-CELL", "lfp-cell-280ah")
    cathode = publishing.published_result(demo, ACTOR, "SH-LFP", "lfp-cathode")
    assert round(cell.result.fossil_kg_per_unit, 2) == 43.42 and cell.declared_unit == "kilowatt hour"
    assert round(cathode.result.fossil_kg_per_unit, 2) == 4.49 and not cathode.stale and not cell.stale
    assert cathode.result.model_digest and cathode.version == 2


def test_a_changed_input_is_stale_then_republished_to_the_customer(demo: sessionmaker[Session],
                                                                   tmp_path: Path) -> None:
    """SH-LITHIUM's lithium carbonate rises from 9.6634 to 12.0 kg CO2e/kg: the cathode's footprint rises by
    0.2412 × (12.0 − 9.66344067) = 0.56362 kg/kg (hand calculation). The published v2 is out of date by that much;
    republishing makes v3, preceded by v1 and v2, and CD-PACK's PACT client lists it."""
    before = {r.pf_id: r for r in publishing.freshness(demo, ACTOR, "SH-LFP")}
    [v2] = before.values()
    assert v2.source == publishing.COMPUTED and not v2.stale and v2.difference_kg == pytest.approx(0, abs=1e-6)
    with transaction(demo) as s:
        lfp = s.scalar(select(Organisation.id).where(Organisation.code == "SH-LFP"))
        old = fps.compute(fps.load(s, lfp, "lfp-cathode"), "lfp-cathode")
        li = next(e for e in old.external if e.flow == "lithium-carbonate")
        assert li.primary and li.supplier == "SH-LITHIUM"
        record_supplier_footprint(s, lfp, product_key="lithium-carbonate", supplier="SH-LITHIUM",
                                  fossil_kg_per_unit=12.0, biogenic_kg_per_unit=0.0, unit="kg",
                                  source="demo: supplier's carbontrail product model",
                                  reference="SH-LITHIUM/lithium-carbonate/lithium-carbonate", year=2023)
    expected = LI2CO3_PER_KG * (12.0 - 9.6634406698)
    [stale] = publishing.freshness(demo, ACTOR, "SH-LFP")
    assert stale.pf_id == v2.pf_id and stale.stale
    assert stale.difference_kg == pytest.approx(expected, rel=1e-6)
    done = publishing.republish(demo, ACTOR, "SH-LFP", v2.pf_id)
    assert done.version == 3 and done.source == "computed" and done.grantees == ("CD-CELL", "CD-PACK")
    v1 = host.outbox(demo, None, "SH-LFP")[-1]
    assert v1.version == 1 and done.preceding_pf_ids == (v1.pf_id, v2.pf_id)
    assert float(done.pcf_excluding) == pytest.approx(float(v2.published_kg) + expected, abs=2e-6)
    [fresh] = publishing.freshness(demo, ACTOR, "SH-LFP")
    assert fresh.pf_id == done.pf_id and not fresh.stale
    with pytest.raises(Conflict):
        publishing.republish(demo, ACTOR, "SH-LFP", done.pf_id)  # up to date: nothing to publish
    with demo() as s:
        trail = s.scalars(select(AuditEvent).where(AuditEvent.action == "publish",
                                                   AuditEvent.object_key == done.pf_id)).all()
        assert [a.actor for a in trail] == ["system:test"]
    seen = {str(pf["id"]): pf for pf in _customer_view(demo, tmp_path)}
    assert seen[done.pf_id]["status"] == "Active" and seen[v2.pf_id]["status"] == "Deprecated"
    assert seen[done.pf_id]["precedingPfIds"] == [v1.pf_id, v2.pf_id]  # v3.0 carries no version number
    pcf = seen[done.pf_id]["pcf"]
    assert pcf["pcfExcludingBiogenicUptake"] == format(done.pcf_excluding, "f")  # type: ignore[index]


def test_hand_entered_footprints_say_so(demo: sessionmaker[Session]) -> None:
    """A supplier without a model publishes numbers by hand: labelled so everywhere, never "out of date", and not
    republished from a model it does not have; the CLI shows both kinds."""
    example = yaml.safe_load((Path(__file__).resolve().parents[2] / "examples" / "pact" / "lfp-cathode.yaml")
                             .read_text(encoding="utf-8"))
    typed = host.publish(demo, None, "SH-LFP", pact.values_from_json(example))
    assert typed.source == "entered by hand" and typed.result_id is None
    by_pf = {f.pf_id: f for f in publishing.freshness(demo, ACTOR, "SH-LFP")}
    assert by_pf[typed.pf_id].source == publishing.BY_HAND and not by_pf[typed.pf_id].stale
    with pytest.raises(InputError, match="entered by hand"):
        publishing.republish(demo, ACTOR, "SH-LFP", typed.pf_id)
    with pytest.raises(InputError, match="entered by hand"):
        publishing.published_result(demo, ACTOR, "SH-LFP", "lfp-cathode-example")


def test_the_cli_shows_and_republishes(demo: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("carbontrail.cli.pact._sessions", lambda: demo)
    runner = CliRunner()
    [row] = json.loads(runner.invoke(cli, ["pact", "status", "CD-CELL", "--json"]).output)
    assert row["source"] == "computed" and row["stale"] is False and row["result"]["model_key"] == "lfp-cell"
    refused = runner.invoke(cli, ["pact", "republish", "CD-CELL", row["pf_id"]])
    assert refused.exit_code != 0 and "up to date" in refused.output
    [listed] = json.loads(runner.invoke(cli, ["pact", "list", "CD-CELL", "--json"]).output)
    assert (listed["source"], listed["result_id"]) == ("computed", row["result"]["id"])


def _stale_cathode(sessions: sessionmaker[Session]) -> None:
    """SH-LITHIUM's carbonate changes to 12.0 kg/kg, so SH-LFP's published cathode is out of date."""
    with transaction(sessions) as s:
        lfp = s.scalar(select(Organisation.id).where(Organisation.code == "SH-LFP"))
        record_supplier_footprint(s, lfp, product_key="lithium-carbonate", supplier="SH-LITHIUM",
                                  fossil_kg_per_unit=12.0, biogenic_kg_per_unit=0.0, unit="kg",
                                  source="demo: supplier's carbontrail product model",
                                  reference="SH-LITHIUM/lithium-carbonate/lithium-carbonate", year=2023)


def test_the_page_and_the_api_show_and_republish(demo: sessionmaker[Session], tmp_path: Path) -> None:
    """The PACT page labels each footprint with what it was made from, shows an out-of-date one with the new number
    and its button; the API lists the same state and republishes; a verifier may not."""
    app = create_app(Settings(home=tmp_path / "home", database_url="", secret_key="pages-key"), sessions=demo)
    for email, role in (("manager@sh-lfp.example", "carbon_manager"), ("viewer@sh-lfp.example", "verifier")):
        accounts.create_user(demo, email, "pages-password", locale="en")
        accounts.grant_role(demo, email, role, organisation="SH-LFP")
    key = app.state.context.key
    with demo() as s:
        uids = {e: s.scalar(select(User.id).where(User.email == e))
                for e in ("manager@sh-lfp.example", "viewer@sh-lfp.example")}
        tokens = {e: access_token(key, principal_of(s, uid)) for e, uid in uids.items()}
    client = TestClient(app)
    client.cookies.set("ct_session", sign_token(key, {"kind": "session", "sub": uids["manager@sh-lfp.example"],
                                                      "csrf": "csrf-t"}))
    page = client.get("/org/SH-LFP/pact")
    assert page.status_code == 200 and "computed result" in page.text and "up to date" in page.text
    _stale_cathode(demo)
    page = client.get("/org/SH-LFP/pact")
    assert "Out of date" in page.text and "+0.5636" in page.text and "Publish the new version" in page.text
    auth = {"Authorization": f"Bearer {tokens['manager@sh-lfp.example']}"}
    [state] = client.get("/api/organisations/SH-LFP/pact/freshness", headers=auth).json()
    assert state["stale"] is True and state["difference_kg"] == pytest.approx(LI2CO3_PER_KG * (12 - 9.6634406698),
                                                                               rel=1e-6)
    viewer = {"Authorization": f"Bearer {tokens['viewer@sh-lfp.example']}"}
    assert client.post(f"/api/organisations/SH-LFP/pact/footprints/{state['pf_id']}/republish",
                       headers=viewer).status_code == 403
    done = client.post(f"/org/SH-LFP/pact/footprints/{state['pf_id']}/republish", data={"csrf_token": "csrf-t"},
                       follow_redirects=False)
    assert done.status_code == 303
    outbox = client.get("/api/organisations/SH-LFP/pact/outbox", headers=auth).json()
    active = [p for p in outbox if p["status"] == "Active"]
    assert [(p["version"], p["source"], p["preceding_pf_ids"][-1]) for p in active] == [
        (3, "computed", state["pf_id"])]
    again = client.post(f"/api/organisations/SH-LFP/pact/footprints/{active[0]['pf_id']}/republish", headers=auth)
    assert again.status_code == 409 and "up to date" in again.text
