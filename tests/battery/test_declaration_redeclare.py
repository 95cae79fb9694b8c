"""A stored battery declaration shows which stored footprints it used have changed since (computed when it is read,
never stored), and one action re-declares it as the next revision (issue 13, item 1), on SQLite and PostgreSQL:
through the service, the API, the page (with its CSRF token) and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from carbontrail.app import create_app
from carbontrail.battery.document import parse_document
from carbontrail.cli import app as cli
from carbontrail.config import Settings
from carbontrail.errors import Conflict
from carbontrail.services import accounts, battery_declarations as declarations, battery_passports, footprints as fps
from carbontrail.services.accounts import access_token, principal_of, sign_token
from carbontrail.services.pact import publishing
from carbontrail.services.pact.supplier_data import record_supplier_footprint
from carbontrail.services.work import SystemActor
from carbontrail.store.db import transaction
from carbontrail.store.models import AuditEvent, Organisation, User

SMALL = yaml.safe_load((Path(__file__).with_name("declaration_small.yaml")).read_text(encoding="utf-8"))
ACTOR = SystemActor("test")
#: SH-LFP's cathode model buys 0.2412 kg of lithium carbonate per kg of cathode (lfp-cathode.yaml), whose footprint
#: (SH-LITHIUM's, shared over PACT) is 9.6634406698 kg CO2e/kg in the demo
LI2CO3_PER_KG, LI2CO3_BEFORE, LI2CO3_AFTER = 0.2412, 9.6634406698, 12.0
X = 4.489872  # SH-LFP's stored cathode result in the demo (tests/pact/test_pact_publish_results.py: 4.49)
Y = X + LI2CO3_PER_KG * (LI2CO3_AFTER - LI2CO3_BEFORE)  # 4.489872 + 0.563578 = 5.053450 (shown 5.0535)
REV1_PER_KWH = (3453.8 + 100 * (X - 10.0)) / 28_800  # 2,902.7872 kg → 0.1007912
REV2_PER_KWH = (3453.8 + 100 * (Y - 10.0)) / 28_800  # 2,959.1450 kg → 0.1027481


@pytest.fixture
def chain(demo_chain: sessionmaker[Session]) -> sessionmaker[Session]:
    """The demo's battery-material chain: SH-LFP publishes its computed cathode footprint to CD-CELL over PACT."""
    return demo_chain


def _document(organisation: str = "SH-LFP", product: str = "lfp-cathode") -> dict[str, object]:
    """declaration_small.yaml with its 100 kg of cathode taken from a stored footprint."""
    first = SMALL["materials"][0]
    return {**SMALL, "materials": [{**first, "footprint": {"organisation": organisation, "product": product}},
                                   *SMALL["materials"][1:]]}


def _supplier_publishes_y(sessions: sessionmaker[Session]) -> None:
    """SH-LITHIUM's carbonate rises to 12.0 kg CO2e/kg; SH-LFP republishes its cathode (version 3, result Y)."""
    with transaction(sessions) as s:
        lfp = s.scalar(select(Organisation.id).where(Organisation.code == "SH-LFP"))
        record_supplier_footprint(s, lfp, product_key="lithium-carbonate", supplier="SH-LITHIUM",
                                  fossil_kg_per_unit=LI2CO3_AFTER, biogenic_kg_per_unit=0.0, unit="kg",
                                  source="demo: supplier's carbontrail product model",
                                  reference="SH-LITHIUM/lithium-carbonate/lithium-carbonate", year=2023)
    [stale] = publishing.freshness(sessions, ACTOR, "SH-LFP")
    publishing.republish(sessions, ACTOR, "SH-LFP", stale.pf_id)


def test_a_supplier_republishes_and_the_declaration_is_redeclared(chain: sessionmaker[Session]) -> None:
    """Hand-worked. declaration_small.yaml is 3,453.8 kg CO2e / 28,800 kWh with its 100 kg of cathode at 10.0
    kg/kg (the cathode has no CFF term: the total moves by exactly 100 × the factor's change).
    Revision 1 takes the cathode from SH-LFP's shared result X = 4.489872 kg/kg:
      3,453.8 + 100 × (4.489872 − 10.0) = 2,902.7872 kg → 2,902.7872 / 28,800 = 0.1007912 kg/kWh (class B).
    SH-LITHIUM's carbonate goes 9.6634406698 → 12.0 kg/kg; SH-LFP's cathode uses 0.2412 kg of it per kg, so its
    republished result is Y = 4.489872 + 0.2412 × 2.3365593302 = 4.489872 + 0.563578 = 5.053450 kg/kg.
    The view shows X → Y, and the total it would become: 2,902.7872 + 100 × 0.563578 = 2,959.1450 kg
      → 0.1027481 kg/kWh (class B). Re-declaring gives revision 2 with that total; revision 1 stays readable."""
    first = declarations.save(chain, ACTOR, "CD-CELL", parse_document(_document()))
    assert first.revision == 1 and first.per_kwh == pytest.approx(0.1007912, abs=1e-7)
    assert first.per_kwh == pytest.approx(REV1_PER_KWH, rel=1e-6)
    battery_passports.create(chain, ACTOR, "CD-CELL", "urn:bpack:cd0001", model="LFP-60", plant="Chengdu plant 1",
                             submodels={})
    fresh = declarations.get(chain, ACTOR, "CD-CELL", first.id).freshness
    assert fresh is not None and not fresh.stale
    with pytest.raises(Conflict, match="is up to date"):
        declarations.redeclare(chain, ACTOR, "CD-CELL", first.id)

    _supplier_publishes_y(chain)
    seen = declarations.get(chain, ACTOR, "CD-CELL", first.id)
    assert seen.freshness is not None and seen.freshness.stale
    [cathode] = seen.freshness.stale_inputs
    assert (cathode.organisation, cathode.product) == ("SH-LFP", "lfp-cathode")
    assert cathode.used_kg_per_kg == pytest.approx(X, abs=1e-6)
    assert cathode.current_kg_per_kg == pytest.approx(Y, abs=1e-6)
    assert cathode.current_kg_per_kg == pytest.approx(5.053450, abs=1e-6)
    assert cathode.current_result_id is not None and cathode.current_result_id != cathode.used_result_id
    assert "SH-LFP shares a new footprint" in cathode.reason
    assert seen.freshness.per_kwh == pytest.approx(0.1027481, abs=1e-7)
    assert seen.freshness.per_kwh == pytest.approx(REV2_PER_KWH, rel=1e-6)
    assert seen.freshness.performance_class == "B"
    assert seen.per_kwh == first.per_kwh  # reading changes nothing: the stored revision keeps its figures
    assert [(p.identifier, p.revision) for p in seen.passports] == [("urn:bpack:cd0001", 1)]

    second = declarations.redeclare(chain, ACTOR, "CD-CELL", first.id)
    assert (second.revision, second.previous_id) == (2, first.id)
    assert second.per_kwh == pytest.approx(0.1027481, abs=1e-7)
    assert second.document["materials"][0]["footprint"]["result_id"] == cathode.current_result_id  # type: ignore[index]
    assert second.freshness is not None and not second.freshness.stale
    assert [(r.revision, round(r.per_kwh, 7)) for r in second.revisions] == [(1, 0.1007912), (2, 0.1027481)]
    # the passport made from revision 1 keeps showing it, and the newest revision says so
    assert [(p.identifier, p.revision) for p in second.passports_on_older] == [("urn:bpack:cd0001", 1)]
    shown = battery_passports.owner_view(chain, ACTOR, "CD-CELL", "urn:bpack:cd0001")
    assert f"urn:carbontrail:declaration:{first.id}:1" in json.dumps(shown)  # its study: declaration revision 1
    old = declarations.get(chain, ACTOR, "CD-CELL", first.id)
    assert (old.revision, old.next_id, old.per_kwh, old.freshness) == (1, second.id, first.per_kwh, None)
    assert [d.id for d in declarations.list_for(chain, ACTOR, "CD-CELL")] == [second.id]
    with pytest.raises(Conflict, match="is up to date"):
        declarations.redeclare(chain, ACTOR, "CD-CELL", second.id)
    with pytest.raises(Conflict, match="revision 2 .* replaced it"):
        declarations.redeclare(chain, ACTOR, "CD-CELL", first.id)
    with chain() as s:
        trail = s.scalars(select(AuditEvent).where(AuditEvent.action == "redeclare")).all()
        assert [(a.actor, a.object_key, json.loads(a.detail)["revision"]) for a in trail] == [
            ("system:test", "LFP-60@Chengdu plant 1", 2)]


def _own_cathode(co2: float) -> dict[str, object]:
    return {"name": "own cathode", "flows": [{"id": "cathode", "unit": "kg"},
                                             {"id": "co2", "name": "Carbon dioxide, fossil", "kind": "elementary",
                                              "unit": "kg", "category": "air/unspecified"}],
            "processes": [{"id": "KILN", "outputs": [{"flow": "cathode", "amount": 1}, {"flow": "co2", "amount": co2}]}]}


def test_an_own_model_that_changed_is_recomputed_and_kept(sessions: sessionmaker[Session]) -> None:
    """The maker's own cathode model emits 4.0 kg CO2 per kg, its stored result: 3,453.8 + 100 × (4 − 10) =
    2,853.8 kg → 0.0990903 kg/kWh. The model changes to 5.0 kg/kg with no result stored yet: the view shows 4 → 5
    (computed today, not stored) and 2,953.8 kg → 0.1025625 kg/kWh; re-declaring stores that result and uses it."""
    with transaction(sessions) as s:
        s.add(Organisation(code="MAKER", name="电池厂", name_en="Maker"))
    fps.store_model(sessions, ACTOR, "MAKER", key="own-cathode", document=_own_cathode(4.0))
    with transaction(sessions) as s:
        maker = s.scalar(select(Organisation.id).where(Organisation.code == "MAKER"))
        kept = fps.record_result_in(s, maker, "own-cathode", "cathode").id
    first = declarations.save(sessions, ACTOR, "MAKER", parse_document(_document("MAKER", "cathode")))
    assert first.per_kwh == pytest.approx(2853.8 / 28_800, rel=1e-9)
    fps.store_model(sessions, ACTOR, "MAKER", key="own-cathode", document=_own_cathode(5.0))
    seen = declarations.get(sessions, ACTOR, "MAKER", first.id).freshness
    assert seen is not None
    [cathode] = seen.stale_inputs
    assert (cathode.used_kg_per_kg, cathode.used_result_id) == (pytest.approx(4.0), kept)
    assert (cathode.current_kg_per_kg, cathode.current_result_id) == (pytest.approx(5.0), None)
    assert "re-declaring stores the result" in cathode.reason
    assert seen.per_kwh == pytest.approx(2953.8 / 28_800, rel=1e-9)
    second = declarations.redeclare(sessions, ACTOR, "MAKER", first.id)
    assert second.per_kwh == pytest.approx(2953.8 / 28_800, rel=1e-9)
    now = second.document["materials"][0]["footprint"]["result_id"]  # type: ignore[index]
    assert now not in (None, kept) and second.freshness is not None and not second.freshness.stale


def _app(sessions: sessionmaker[Session], tmp_path: Path) -> tuple[TestClient, dict[str, dict[str, str]]]:
    app = create_app(Settings(home=tmp_path / "home", database_url="", secret_key="pages-key"), sessions=sessions)
    for email, role in (("manager@cd-cell.example", "carbon_manager"), ("verifier@cd-cell.example", "verifier")):
        accounts.create_user(sessions, email, "pages-password", locale="en")
        accounts.grant_role(sessions, email, role, organisation="CD-CELL")
    accounts.create_user(sessions, "manager@cd-pack.example", "pages-password", locale="en")
    accounts.grant_role(sessions, "manager@cd-pack.example", "carbon_manager", organisation="CD-PACK")
    key = app.state.context.key
    with sessions() as s:
        uids = {e: s.scalar(select(User.id).where(User.email == e))
                for e in ("manager@cd-cell.example", "verifier@cd-cell.example", "manager@cd-pack.example")}
        auth = {e: {"Authorization": f"Bearer {access_token(key, principal_of(s, uid))}"} for e, uid in uids.items()}
    client = TestClient(app)
    client.cookies.set("ct_session", sign_token(key, {"kind": "session", "sub": uids["manager@cd-cell.example"],
                                                      "csrf": "csrf-t"}))
    return client, auth


def test_the_api_and_the_page_show_and_redeclare(chain: sessionmaker[Session], tmp_path: Path) -> None:
    """The same example through the doors: the API view lists X → Y with the total it would become, the page shows
    them with its button; a verifier may read but not re-declare, another tenant gets 404 and no figure; the page's
    button (with its CSRF token) makes revision 2, and the API refuses a second re-declaration (409)."""
    client, auth = _app(chain, tmp_path)
    manager = auth["manager@cd-cell.example"]
    made = client.post("/api/organisations/CD-CELL/battery/declarations", json=_document(), headers=manager)
    assert made.status_code == 201, made.text
    first = made.json()["id"]
    _supplier_publishes_y(chain)
    view = client.get(f"/api/organisations/CD-CELL/battery/declarations/{first}",
                      headers=auth["verifier@cd-cell.example"]).json()
    [cathode] = view["freshness"]["stale_inputs"]
    assert (cathode["used_kg_per_kg"], cathode["current_kg_per_kg"]) == (pytest.approx(X, abs=1e-6),
                                                                         pytest.approx(Y, abs=1e-6))
    assert view["freshness"]["per_kwh"] == pytest.approx(REV2_PER_KWH, rel=1e-6)
    page = client.get(f"/org/CD-CELL/battery/declarations/{first}")
    assert page.status_code == 200 and "Out of date" in page.text and 'id="redeclare"' in page.text
    assert "4.4899" in page.text and "5.0535" in page.text and "0.1027" in page.text
    client.cookies.set("ct_lang", "zh_CN")
    zh = client.get(f"/org/CD-CELL/battery/declarations/{first}").text
    assert "已过期" in zh and "按当前结果重新声明" in zh and "重新声明后，声明值将为 0.1027" in zh
    client.cookies.set("ct_lang", "en")
    path = f"/api/organisations/CD-CELL/battery/declarations/{first}/redeclare"
    assert client.post(path, headers=auth["verifier@cd-cell.example"]).status_code == 403
    stranger = client.post(path, headers=auth["manager@cd-pack.example"])
    assert stranger.status_code == 404 and "0.10" not in stranger.text
    foreign = client.get(f"/api/organisations/CD-PACK/battery/declarations/{first}",
                         headers=auth["manager@cd-pack.example"])
    assert foreign.status_code == 404 and "SH-LFP" not in foreign.text
    assert client.post(f"/org/CD-CELL/battery/declarations/{first}/redeclare", data={"csrf_token": "wrong"},
                       follow_redirects=False).status_code in (400, 403)
    done = client.post(f"/org/CD-CELL/battery/declarations/{first}/redeclare", data={"csrf_token": "csrf-t"},
                       follow_redirects=False)
    assert done.status_code == 303
    second = int(done.headers["location"].rsplit("/", 1)[1])
    now = client.get(f"/api/organisations/CD-CELL/battery/declarations/{second}", headers=manager).json()
    assert (now["revision"], now["previous_id"], now["freshness"]["stale"]) == (2, first, False)
    assert now["result"]["declaration"]["per_kwh"] == pytest.approx(REV2_PER_KWH, rel=1e-6)
    again = client.post(f"/api/organisations/CD-CELL/battery/declarations/{second}/redeclare", headers=manager)
    assert again.status_code == 409 and "up to date" in again.text
    page = client.get(f"/org/CD-CELL/battery/declarations/{first}")
    assert "This revision has been replaced" in page.text and 'id="redeclare"' not in page.text
    refused = client.post(f"/org/CD-CELL/battery/declarations/{second}/redeclare", data={"csrf_token": "csrf-t"})
    assert refused.status_code == 409 and "up to date" in refused.text


def test_the_cli_shows_and_redeclares(chain: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("carbontrail.cli.battery._sessions", lambda: chain)
    first = declarations.save(chain, ACTOR, "CD-CELL", parse_document(_document())).id
    runner = CliRunner()
    refused = runner.invoke(cli, ["battery", "redeclare", "CD-CELL", str(first)])
    assert refused.exit_code == 1 and "up to date" in refused.output
    _supplier_publishes_y(chain)
    shown = runner.invoke(cli, ["battery", "declaration-show", "CD-CELL", str(first)])
    assert shown.exit_code == 0 and "4.4899" in shown.output and "5.0535" in shown.output
    assert "would become 0.1027" in shown.output
    data = json.loads(runner.invoke(cli, ["battery", "declaration-show", "CD-CELL", str(first), "--json"]).output)
    assert data["stale"] is True and data["freshness"]["per_kwh"] == pytest.approx(REV2_PER_KWH, rel=1e-6)
    done = json.loads(runner.invoke(cli, ["battery", "redeclare", "CD-CELL", str(first), "--json"]).output)
    assert (done["revision"], done["previous_id"], done["stale"]) == (2, first, False)
    assert done["result"]["declaration"]["per_kwh"] == pytest.approx(REV2_PER_KWH, rel=1e-6)
    missing = runner.invoke(cli, ["battery", "declaration-show", "CD-PACK", str(first)])
    assert missing.exit_code == 3 and "SH-LFP" not in missing.output
