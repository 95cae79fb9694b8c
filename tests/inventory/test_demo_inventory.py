"""The demo data set end to end: load (twice), inventories checked against sums made straight from the CSV files,
the same numbers on SQLite and PostgreSQL, and the CLI's JSON, CSV and XLSX agreeing with each other."""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from carbontrail.cli import app
from carbontrail.services.demo import load_demo
from carbontrail.services.inventory import organisation_inventory
from carbontrail.store.db import make_engine, session_factory
from carbontrail.store.migrate import upgrade
from carbontrail.store.models import ActivityRecord, Base, Jurisdiction, Organisation

POSTGRES_URL = os.environ.get("CARBONTRAIL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

DEMO = Path(__file__).resolve().parents[2] / "examples" / "sichuan-battery-chain"
ORGS = ("SH-LITHIUM", "SH-LFP", "CD-CELL", "CD-PACK", "CD-NEV")


def _csv_rows(org: str, kind: str, year: str = "2023") -> list[dict[str, str]]:
    with (DEMO / "activity.csv").open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["organisation"] == org and r["kind"] == kind
                and r["period_start"].startswith(year)]


def _chain_records(s) -> int:
    """Activity records of the five battery-chain enterprises (the demo also loads other exporters)."""
    return s.scalar(select(func.count()).select_from(ActivityRecord)
                    .join(Organisation, ActivityRecord.organisation_id == Organisation.id)
                    .where(Organisation.code.in_(ORGS)))


def test_demo_loads_once_and_a_second_load_changes_nothing(sessions):
    """activity.csv: 336 rows of 2020 (annual) and 2023 (monthly) + 23 annual rows of 2025 (SH-LITHIUM 6, SH-LFP 4,
    CD-CELL 4, CD-PACK 4, CD-NEV 5) = 359; periods.csv: 5 enterprises × 3 years (2020, 2023, 2025) = 15."""
    first = load_demo(sessions, DEMO)
    counts = {f["file"]: f["inserted"] for f in first["files"]}
    assert counts == {"organisations.csv": 5, "facilities.csv": 5, "meters.csv": 9, "periods.csv": 15,
                      "activity.csv": 359, "activity-scope3.csv": 14}
    with sessions() as s:
        assert _chain_records(s) == 359 + 14  # activity.csv + activity-scope3.csv
        parks = {org: park for org, park in s.execute(
            select(Organisation.code, Jurisdiction.code)
            .join(Jurisdiction, Organisation.jurisdiction_id == Jurisdiction.id)
            .where(Organisation.code.in_(ORGS)))}
    assert parks == {"SH-LITHIUM": "SC-SN-SHEDZ", "SH-LFP": "SC-SN-SHEDZ", "CD-CELL": "SC-CD-CETDZ",
                     "CD-PACK": "SC-CD-CETDZ", "CD-NEV": "SC-CD-CETDZ"}
    second = load_demo(sessions, DEMO)
    assert all(f["inserted"] == 0 and f["updated"] == 0 for f in second["files"])
    assert second["users_created"] == [] and second["jurisdictions_created"] == []
    with sessions() as s:
        assert _chain_records(s) == 359 + 14


def test_cell_plant_inventory_matches_the_csv(sessions):
    """CD-CELL 2023, hand rule: the library has Sichuan's grid factor for 2021 and 2022 only, so 2023 takes the most
    recent earlier year, 2022: 0.1404 kg CO2/kWh. Location-based scope 2 = Σ kWh × 0.1404 / 1000; energy from
    electricity = Σ kWh × 0.1229 kgce/kWh; value added summed from the CSV's 10⁴-yuan rows."""
    load_demo(sessions, DEMO)
    result = organisation_inventory(sessions, "CD-CELL", period="2023")
    kwh = sum(float(r["quantity"]) * {"MWh": 1000, "kWh": 1}[r["unit"]] for r in _csv_rows("CD-CELL", "electricity"))
    value_added = sum(float(r["quantity"]) for r in _csv_rows("CD-CELL", "value_added"))
    assert kwh > 0 and value_added > 0
    assert result.scope2_location_t == pytest.approx(kwh * 0.1404 / 1000, rel=1e-9)
    assert result.value_added_10k_yuan == pytest.approx(value_added, rel=1e-12)
    electricity_tce = sum(e.tce for e in result.energy if e.kind == "electricity")
    assert electricity_tce == pytest.approx(kwh * 0.1229 / 1000, rel=1e-9)
    assert result.co2_intensity == pytest.approx((result.scope1_t + result.scope2_location_t) / value_added)
    assert len(result.monthly()) == 12


def test_every_demo_organisation_has_a_2023_and_a_2020_inventory(sessions):
    load_demo(sessions, DEMO)
    for org in ORGS:
        now = organisation_inventory(sessions, org, period="2023")
        base = organisation_inventory(sessions, org, period="2020")
        assert now.energy_tce > 0 and base.energy_tce > 0
        assert now.energy_intensity is not None and base.energy_intensity is not None


def _pg_url() -> tuple[str, str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with make_engine(POSTGRES_URL).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}", schema


def test_the_same_inventory_on_sqlite_and_postgresql(tmp_path):
    """Every organisation's summary and every line, compared value by value across the two databases."""
    pg_url, schema = _pg_url()
    urls = {"sqlite": f"sqlite:///{tmp_path / 'a.db'}", "postgresql": pg_url}
    results = {}
    try:
        for name, url in urls.items():
            engine = make_engine(url)
            upgrade(engine)
            sessions = session_factory(engine)
            load_demo(sessions, DEMO)
            results[name] = {org: organisation_inventory(sessions, org, period="2023") for org in ORGS}
            engine.dispose()
    finally:
        with make_engine(POSTGRES_URL).begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    for org in ORGS:
        a, b = results["sqlite"][org], results["postgresql"][org]
        assert json.dumps(a.summary(), sort_keys=True) == json.dumps(b.summary(), sort_keys=True)
        assert sorted(map(repr, a.lines)) == sorted(map(repr, b.lines))


def test_cli_json_csv_and_xlsx_agree(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CARBONTRAIL_DATABASE_URL", url)
    monkeypatch.setenv("CARBONTRAIL_HOME", str(tmp_path))
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    load_demo(session_factory(engine), DEMO)
    engine.dispose()
    runner = CliRunner()
    out = runner.invoke(app, ["inventory", "SH-LITHIUM", "-p", "2023", "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.stdout)
    lines = runner.invoke(app, ["inventory", "SH-LITHIUM", "-p", "2023", "--format", "csv"])
    assert lines.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(lines.stdout)))
    scope1 = sum(float(r["co2e_t"]) for r in rows if r["scope"] == "1")
    assert scope1 == pytest.approx(summary["scope1_t_co2e"], rel=1e-12)
    xlsx = tmp_path / "inv.xlsx"
    done = runner.invoke(app, ["inventory", "SH-LITHIUM", "-p", "2023", "--format", "xlsx", "-o", str(xlsx)])
    assert done.exit_code == 0, done.output
    sheet = {r[0]: r[1] for r in load_workbook(xlsx)["summary"].iter_rows(values_only=True)}
    assert sheet["scope 1 (t CO2e)"] == pytest.approx(summary["scope1_t_co2e"], rel=1e-12)
    assert sheet["scope 2 market-based (t CO2e)"] == pytest.approx(summary["scope2_market_t_co2e"], rel=1e-12)
    missing = runner.invoke(app, ["inventory", "NO-SUCH-ORG", "-p", "2023", "--json"])
    assert missing.exit_code != 0 and "NO-SUCH-ORG" in missing.output
