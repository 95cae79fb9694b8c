"""`carbontrail battery` on SQLite and PostgreSQL: bulk registration from CSV, events, history, the declaration
from a YAML input, passport create and export (validated), residual sorting, deposits, and error exits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from battery_world import HERE, MODULES, PACK, PACK2, VIN
from sqlalchemy.orm import Session, sessionmaker
from test_passport import other_submodels
from typer.testing import CliRunner

from carbontrail.battery.passport import SUBMODELS, validate_submodel
from carbontrail.cli import app
from carbontrail.services import organisations
from carbontrail.store.db import transaction

runner = CliRunner()


@pytest.fixture
def cli(db_url: str, sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CARBONTRAIL_DATABASE_URL", db_url)
    monkeypatch.setenv("CARBONTRAIL_HOME", str(tmp_path / "home"))
    with transaction(sessions) as s:
        for code in ("MAKER", "CARCO", "RECYCLER"):
            organisations.create_organisation(s, code, code)

    def run(*args: str) -> tuple[int, object]:
        result = runner.invoke(app, ["battery", *args])
        out = result.stdout
        try:
            return result.exit_code, json.loads(out)
        except ValueError:
            return result.exit_code, out + result.stderr
    return run


def test_units_from_csv_to_recycling(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    csv = tmp_path / "units.csv"
    csv.write_text(f"code,parent\n{PACK},\n{PACK2},\n{MODULES[0]},{PACK}\n{MODULES[1]},{PACK}\n", encoding="utf-8")
    code, out = cli("register", str(csv), "--producer", "MAKER", "--at", "2025-01-01", "--json")
    assert code == 0 and out == {"registered": 4, "producer": "MAKER", "by_parent": {"": 2, PACK: 2}}
    bad = tmp_path / "bad.csv"
    bad.write_text("code\n01APBAASC00001R3F0000050\n01APBAASC00001R3F000005X\n", encoding="utf-8")
    code, out = cli("register", str(bad), "--producer", "MAKER", "--json")
    assert code == 1 and "positions 18–24 (serial number)" in out["error"]["message"]  # type: ignore[index]
    steps = [("sold", "MAKER", "--to", "CARCO", "--deposit", "300"), ("installed", "CARCO", "--vin", VIN),
             ("retired", "CARCO"), ("handed_over", "CARCO", "--to", "RECYCLER"),
             ("recycled", "RECYCLER", "--recovered", "lithium=3.1", "--recovered", "copper=20")]
    for day, (kind, actor, *more) in enumerate(steps, start=2):
        code, out = cli("event", PACK, kind, "--actor", actor, "--at", f"2025-02-0{day}", *more, "--json")
        assert code == 0, out
    code, out = cli("event", PACK2, "retired", "--actor", "CARCO", "--json")
    assert code == 1 and out["error"]["code"] == "permission_denied"  # type: ignore[index]
    code, out = cli("history", PACK, "--json")
    assert code == 0
    assert [(e["kind"], e["actor"], e["holder_after"]) for e in out["events"]] == [  # type: ignore[index]
        ("produced", "MAKER", "MAKER"), ("sold", "MAKER", "CARCO"), ("installed", "CARCO", "CARCO"),
        ("retired", "CARCO", "CARCO"), ("handed_over", "CARCO", "RECYCLER"), ("recycled", "RECYCLER", "RECYCLER")]
    assert out["events"][-1]["recovered_kg"] == {"lithium": 3.1, "copper": 20.0}  # type: ignore[index]
    code, out = cli("deposits", "--json")
    assert code == 0 and out == {"MAKER": 0.0}  # 300 paid at sale, refunded on recycling
    code, out = cli("history", "01APBAASC00001R3F0009999")
    assert code == 3 and "no battery unit" in out


def test_declaration_and_passport(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """declaration_small.yaml is battery_example.py: 0.119924 kg/kWh (class B) vs ISO 14067 0.075132."""
    code, out = cli("declaration", str(HERE / "declaration_small.yaml"), "--json")
    assert code == 0
    assert out["declaration"]["per_kwh"] == pytest.approx(0.119924, abs=1e-6)  # type: ignore[index]
    assert out["iso14067"]["per_kwh"] == pytest.approx(0.075132, abs=1e-6)  # type: ignore[index]
    code, text = cli("declaration", str(HERE / "declaration_small.yaml"), "--save", "MAKER")
    assert code == 0 and "class B" in text and "hydropower PPA" in text  # type: ignore[operator]
    broken = tmp_path / "broken.yaml"
    broken.write_text("battery: {model: X}\nmaterials: []\n", encoding="utf-8")
    code, out = cli("declaration", str(broken), "--json")
    assert code == 1 and "battery.plant" in out["error"]["message"]  # type: ignore[index]

    spec = {"identifier": "urn:maker:pack42", "model": "LFP-60", "plant": "Chengdu plant 1",
            "study_url": "https://example.org/cf.pdf", "submodels": other_submodels()}
    spec["submodels"]["generalProductInformation"]["batteryPassportIdentifier"] = "urn:maker:pack42"  # type: ignore[index]
    path = tmp_path / "passport.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    code, out = cli("passport", "create", "MAKER", str(path))
    assert code == 0, out
    target = tmp_path / "export.json"
    code, out = cli("passport", "export", "urn:maker:pack42", "--organisation", "MAKER", "-o", str(target))
    assert code == 0, out
    doc = json.loads(target.read_text(encoding="utf-8"))
    for name in SUBMODELS:
        validate_submodel(name, doc[name])
    assert doc["carbonFootprint"]["batteryCarbonFootprint"] == 0.12
    code, pub = cli("passport", "export", "urn:maker:pack42", "--organisation", "MAKER", "--tier", "public")
    assert code == 0 and pub["audience"] == "public" and "batteryMaterials" not in pub["materialComposition"]  # type: ignore[index]


def test_residual_from_csv(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Illustrative prices (services.battery_residual): cascade (400 − 150) CNY/kWh; recycling
    0.012×0.85×500 + 0.08×0.95×60 + 0.15×0.90×16 − 4 = 5.1 + 4.56 + 2.16 − 4 = 7.82 CNY/kg.
    A (0.82, 0.18, 1450) → 60 × 0.82 × 250 = 12,300; B (0.58 …) → 420 × 7.82 = 3,284.4."""
    csv = tmp_path / "soh.csv"
    csv.write_text("code,capacity,resistance_increase,cycles,rated_energy_kwh,mass_kg\n"
                   "B,0.58,0.70,3400,60,420\nA,0.82,0.18,1450,60,420\n", encoding="utf-8")
    code, out = cli("residual", str(csv), "--organisation", "RECYCLER", "--json")
    assert code == 0, out
    assert [(u["code"], u["route"], round(u["value_cny"], 1)) for u in out["units"]] == [  # type: ignore[index]
        ("A", "cascade", 12_300.0), ("B", "recycling", 3_284.4)]
    csv.write_text("code,capacity\nA,0.8\n", encoding="utf-8")
    code, out = cli("residual", str(csv), "--organisation", "RECYCLER", "--json")
    assert code == 1 and "missing column" in out["error"]["message"]  # type: ignore[index]
