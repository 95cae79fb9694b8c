"""`carbontrail factors` through Typer's test runner, on a fresh database of each backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine
from typer.testing import CliRunner

from carbontrail.cli.factors import app

root = typer.Typer()
root.add_typer(app, name="factors")
runner = CliRunner()


@pytest.fixture
def cli_db(engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CARBONTRAIL_DATABASE_URL", db_url)
    return db_url


def test_select_explains_the_fallback(cli_db: str) -> None:
    result = runner.invoke(root, ["factors", "select", "--activity", "electricity", "--geography", "西藏",
                                  "--year", "2023", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["factor"]["value"] == 0.2472 and data["used_geography"] == "CN-GRID-SW"
    assert data["fallback"][0] == "西藏 (CN-XZ): no factor"
    text = runner.invoke(root, ["factors", "select", "--activity", "electricity", "--geography", "四川",
                                "--year", "2023"])
    assert text.exit_code == 0 and "0.1404 kg/kWh" in text.stdout and "no 2023 value, so 2022" in text.stdout
    assert "electricity [average], CN-SC 2022" in text.stdout


def test_search_add_and_pin(cli_db: str, tmp_path: Path) -> None:
    found = json.loads(runner.invoke(root, ["factors", "search", "--geography", "Sichuan", "--json"]).stdout)
    assert sorted(f["value"] for f in found) == [0.1255, 0.1404]
    csv = tmp_path / "grid.csv"
    csv.write_text("activity,value,unit,gas,geography,year,series,source\n"
                   "electricity,0.1,kg/kWh,CO2,四川,2023,average,Sichuan DRC bulletin 2024 (test value)\n",
                   encoding="utf-8")
    added = runner.invoke(root, ["factors", "add", str(csv), "--name", "sc-grid", "--version", "1", "--json"])
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout) == {"name": "sc-grid", "version": "1", "factors": 1}
    again = runner.invoke(root, ["factors", "add", str(csv), "--name", "sc-grid", "--version", "1"])
    assert again.exit_code == 1 and "already exists" in again.output
    sel = json.loads(runner.invoke(root, ["factors", "select", "--activity", "electricity", "--geography", "CN-SC",
                                          "--year", "2023", "--json"]).stdout)
    assert sel["factor"]["value"] == 0.1 and sel["factor"]["dataset"] == "sc-grid"
    datasets = json.loads(runner.invoke(root, ["factors", "datasets", "--json"]).stdout)
    assert {(d["name"], d["version"]) for d in datasets} >= {("sc-grid", "1"), ("china-electricity", "2026.01")}


def test_errors_are_one_line_with_exit_codes(cli_db: str, tmp_path: Path) -> None:
    missing = runner.invoke(root, ["factors", "select", "--activity", "electricity", "--geography", "四川",
                                   "--year", "2019", "--json"])
    assert missing.exit_code == 3 and json.loads(missing.stdout)["error"]["code"] == "factor_not_found"
    bad_pin = runner.invoke(root, ["factors", "select", "--activity", "electricity", "--pin", "oops"])
    assert bad_pin.exit_code == 1 and "DATASET=VERSION" in bad_pin.output
    bad = tmp_path / "bad.csv"
    bad.write_text("activity,value,unit,source\nx,notanumber,kg/t,s\n", encoding="utf-8")
    rejected = runner.invoke(root, ["factors", "add", str(bad), "--name", "b", "--version", "1", "--json"])
    assert rejected.exit_code == 1
    assert json.loads(rejected.stdout)["error"]["problems"] == [
        "bad.csv, row 2, field 'value': 'notanumber' is not a number (expected a number)"]
    for command in ("search", "select", "datasets", "add"):
        assert runner.invoke(root, ["factors", command, "--help"]).exit_code == 0
