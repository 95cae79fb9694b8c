"""The demo's PACT client and the `carbontrail pact` commands, on SQLite and PostgreSQL.

The demo's footprints are computed from the enterprises' models: the cathode's v1 (before the kiln upgrade) exceeds
v2 by (7,000 − 4,000) kWh/t × 0.1404 kg/kWh ÷ 1,000 = 0.4212 kg CO2e/kg, by hand. The hand-entered example
footprint (examples/pact/lfp-cathode.yaml) says 5.7788."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from carbontrail.app import create_app
from carbontrail.cli import app as cli
from carbontrail.config import Settings
from carbontrail.services.pact import host as pact_host, publishing
from carbontrail.services.demo import pact as demo_pact
from carbontrail.services.demo.products import load_demo_products
from carbontrail.services.work import SystemActor
from carbontrail.store.db import transaction
from carbontrail.store.models import Organisation

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pact" / "lfp-cathode.yaml"
PRODUCTS = Path(__file__).resolve().parents[2] / "examples" / "sichuan-battery-chain" / "products"


@pytest.fixture
def demo_orgs(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with transaction(sessions) as s:
        for code, name in (("SH-LFP", "射洪磷酸铁锂正极示意工厂"), ("CD-CELL", "成都电芯示意工厂"),
                           ("CD-PACK", "成都电池包示意工厂"), ("SH-LITHIUM", "射洪碳酸锂示意工厂")):
            s.add(Organisation(code=code, name=name, name_en=f"{code} (illustrative)", industry="battery",
                               province="四川省"))
    return sessions


def test_demo_client_sees_the_granted_footprints(demo_orgs: sessionmaker[Session], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARBONTRAIL_DEMO_PACT_SECRET", "demo-pact-secret-123")
    load_demo_products(demo_orgs, PRODUCTS)
    first = demo_pact.load_demo_pact(demo_orgs, PRODUCTS)
    again = demo_pact.load_demo_pact(demo_orgs, PRODUCTS)  # idempotent: nothing published twice, same credentials
    assert first == again and first["client_secret"] == "demo-pact-secret-123"
    app = create_app(Settings(home=tmp_path, secret_key="k" * 32), sessions=demo_orgs, pages=False)
    client = TestClient(app, base_url="https://testserver")
    token = client.post("/auth/token", data={"grant_type": "client_credentials"},
                        auth=(str(first["client_id"]), "demo-pact-secret-123")).json()["access_token"]
    listed = client.get("/3/footprints", headers={"Authorization": f"Bearer {token}"}).json()["data"]
    by_product = {}
    for pf in listed:
        by_product.setdefault(pf["productIds"][0].rsplit(":", 1)[-1], []).append(pf)
    assert len(listed) == 3 and sorted(by_product) == ["lfp-cathode", "lfp-cell-280ah"]
    cathode = {pf["status"]: pf for pf in by_product["lfp-cathode"]}
    v1, v2 = (float(cathode[s]["pcf"]["pcfExcludingBiogenicUptake"]) for s in ("Deprecated", "Active"))
    assert v1 - v2 == pytest.approx(0.4212, abs=2e-6)
    stored = publishing.published_result(demo_orgs, SystemActor("test"), "SH-LFP", "lfp-cathode")
    assert v2 == round(stored.result.fossil_kg_per_unit, 6) and stored.result.model_key == "lfp-cathode"
    assert cathode["Active"]["precedingPfIds"] == [cathode["Deprecated"]["id"]]
    cell = by_product["lfp-cell-280ah"][0]
    assert cell["pcf"]["declaredUnitOfMeasurement"] == "kilowatt hour" and cell["companyName"].startswith("CD-CELL")
    # plain HTTP is refused even in-process
    plain = TestClient(app).get("/3/footprints", headers={"Authorization": f"Bearer {token}"})
    assert plain.status_code == 403


def test_cli_publish_grant_list_show(demo_orgs: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("carbontrail.cli.pact._sessions", lambda: demo_orgs)
    runner = CliRunner()
    done = runner.invoke(cli, ["pact", "publish", "SH-LFP", str(EXAMPLE), "--json"])
    assert done.exit_code == 0, done.output
    pf_id = json.loads(done.output)["pf_id"]
    assert runner.invoke(cli, ["pact", "grant", "SH-LFP", pf_id, "CD-CELL"]).exit_code == 0
    listed = json.loads(runner.invoke(cli, ["pact", "list", "SH-LFP", "--json"]).output)
    assert [(p["pf_id"], p["grantees"], p["pcf_excluding"]) for p in listed] == [(pf_id, ["CD-CELL"], 5.7788)]
    v2 = json.loads(runner.invoke(cli, ["pact", "show", "SH-LFP", pf_id, "--format", "v2"]).output)
    assert v2["pcf"]["pCfExcludingBiogenic"] == "5.7788" and v2["version"] == 1
    cx = json.loads(runner.invoke(cli, ["pact", "show", "SH-LFP", pf_id, "--format", "catenax"]).output)
    assert cx["pcf"]["pcfExcludingBiogenic"] == pytest.approx(5.7788)
    missing = runner.invoke(cli, ["pact", "grant", "SH-LFP", pf_id, "NO-SUCH-ORG"])
    assert missing.exit_code == 3 and "NO-SUCH-ORG" in missing.output
    bad = runner.invoke(cli, ["pact", "rule", "SH-LFP", "sometimes"])
    assert bad.exit_code == 1 and "manual, auto" in bad.output
    assert pact_host.outbox(demo_orgs, None, "SH-LFP")[0].grantees == ("CD-CELL",)
