"""`carbontrail footprint`: import, products, compute, contributions, tree, Monte Carlo, supplier data, report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from carbontrail.cli.footprint import app
from carbontrail.store.models import Organisation

PRODUCTS = Path(__file__).resolve().parents[2] / "examples" / "sichuan-battery-chain" / "products"


def test_cli_round_trip(sessions: sessionmaker[Session], db_url: str, monkeypatch: pytest.MonkeyPatch,
                        tmp_path: Path) -> None:
    """Lithium carbonate per kg: 9.6634407 kg CO2e (see test_footprint_service.py for the sum). With a supplier
    footprint for spodumene of 0.30 instead of the secondary 0.45 kg/kg: 9.6634407 − 7.489·0.15 = 8.5400907."""
    monkeypatch.setenv("CARBONTRAIL_DATABASE_URL", db_url)
    with sessions() as s:
        s.add(Organisation(code="SH-LITHIUM", name="射洪碳酸锂示意工厂"))
        s.commit()
    runner = CliRunner()
    r = runner.invoke(app, ["import", "SH-LITHIUM", str(PRODUCTS / "lithium-carbonate.yaml"), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["model"]["processes"] == 1
    r = runner.invoke(app, ["compute", "SH-LITHIUM", "lithium-carbonate", "lithium-carbonate", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["fossil_kg"] == pytest.approx(9.6634407, rel=1e-7)
    r = runner.invoke(app, ["contributions", "SH-LITHIUM", "lithium-carbonate", "lithium-carbonate", "--by", "gas",
                            "--amount", "1000", "--json"])
    gases = {row["label"]: row["fossil_kg"] for row in json.loads(r.output)}
    assert gases["CO2"] == pytest.approx(1965.63 + 68.8)
    r = runner.invoke(app, ["supplier", "add", "SH-LITHIUM", "--product", "spodumene-concentrate", "--supplier",
                            "Greenbushes (illustrative)", "--fossil", "0.30", "--unit", "kg", "--reference", "S-1",
                            "--dqr", "2,2,2", "--json"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["compute", "SH-LITHIUM", "lithium-carbonate", "lithium-carbonate", "--json"])
    assert json.loads(r.output)["fossil_kg"] == pytest.approx(9.6634407 - 7.489 * 0.15, rel=1e-7)
    r = runner.invoke(app, ["monte-carlo", "SH-LITHIUM", "lithium-carbonate", "lithium-carbonate",
                            "--iterations", "200", "--seed", "3", "--json"])
    first = json.loads(r.output)
    again = json.loads(runner.invoke(app, ["monte-carlo", "SH-LITHIUM", "lithium-carbonate", "lithium-carbonate",
                                           "--iterations", "200", "--seed", "3", "--json"]).output)
    assert first == again and first["uncertain_entries"] == 4
    r = runner.invoke(app, ["tree", "SH-LITHIUM", "lithium-carbonate", "lithium-carbonate", "--json"])
    assert json.loads(r.output)[0]["total_kg"] == pytest.approx(9.6634407 - 7.489 * 0.15, rel=1e-7)
    bad = runner.invoke(app, ["compute", "SH-LITHIUM", "nope", "lithium-carbonate", "--json"])
    assert bad.exit_code == 3 and json.loads(bad.output)["error"]["code"] == "not_found"
    bad = runner.invoke(app, ["supplier", "add", "SH-LITHIUM", "--product", "x", "--supplier", "s", "--fossil", "1",
                              "--unit", "kg", "--reference", "r", "--dqr", "9,9", "--json"])
    assert bad.exit_code == 1
    pdf = tmp_path / "pcf.pdf"
    r = runner.invoke(app, ["report", "SH-LITHIUM", "lithium-carbonate", "lithium-carbonate", "-o", str(pdf),
                            "--lang", "en", "--iterations", "50"])
    assert r.exit_code == 0, r.output
    assert pdf.read_bytes().startswith(b"%PDF")
