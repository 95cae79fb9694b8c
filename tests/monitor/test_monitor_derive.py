"""From readings to activity records (and the difference where a record of another source exists), and the key
energy-using unit's monthly report."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from carbontrail.services import tenancy
from carbontrail.services.monitor import derive, readings, report
from carbontrail.services.work import SystemActor
from carbontrail.store.db import transaction
from carbontrail.store.models import ActivityRecord, Facility, Meter, Organisation

ACTOR = SystemActor("test")


def _seed(mworld, tmp_path: Path) -> None:
    """E1, February 2023: EL every quarter-hour at 1.25 kWh (2688 × 1.25 = 3360 kWh); GAS hourly at 2 Nm3 for 27
    days (1296 Nm3) and a gas bill of 1300 Nm3 for the month on the same meter."""
    el = [f"EL,{t:%Y-%m-%dT%H:%M},1.25" for t in pd.date_range("2023-02-01", periods=2688, freq="15min")]
    gas = [f"GAS,{t:%Y-%m-%dT%H:%M},2" for t in pd.date_range("2023-02-01", periods=648, freq="h")]
    f = tmp_path / "feb.csv"
    f.write_text("meter,timestamp,value\n" + "\n".join(el + gas) + "\n")
    readings.import_file(mworld.sessions, ACTOR, "E1", f, store=mworld.store)
    with transaction(mworld.sessions) as s:
        org = s.scalars(select(Organisation).where(Organisation.code == "E1")).one()
        fac = s.scalars(select(Facility).where(Facility.organisation_id == org.id)).one()
        gas_meter = s.scalars(select(Meter).where(Meter.facility_id == fac.id, Meter.code == "GAS")).one()
        s.add(ActivityRecord(record_key=hashlib.sha1(b"bill").hexdigest(), organisation_id=org.id,
                             facility_id=fac.id, meter_id=gas_meter.id, kind="fuel_combustion", item="natural_gas",
                             category="stationary", period_start=date(2023, 2, 1), period_end=date(2023, 2, 28),
                             quantity=1300, unit="Nm3", source="gas bill 2023-02"))


def test_derive_imports_new_months_and_shows_differences(mworld, tmp_path: Path) -> None:
    _seed(mworld, tmp_path)
    out = derive.derive(mworld.sessions, ACTOR, "E1", 2023, store=mworld.store)
    by_meter = {d.meter: d for d in out}
    el, gas = by_meter["F1/EL"], by_meter["F1/GAS"]
    assert (el.action, el.from_readings, el.intervals, el.expected) == ("imported", 3360.0, 2688, 2688)
    assert (gas.action, gas.from_readings, gas.recorded) == ("kept", 1296.0, 1300.0)
    assert gas.difference == pytest.approx(-4.0)
    with mworld.sessions() as s:
        access = tenancy.Access(1, "E1", frozenset({tenancy.DATA_READ}))
        records = [r for r, _ in tenancy.activity_records(s, access)]
    derived = [r for r in records if r.source.startswith("readings:")]
    assert [(r.kind, r.item, r.quantity, r.unit) for r in derived] == [("electricity", "grid electricity", 3360.0,
                                                                        "kWh")]
    assert "meter F1/EL, 2023-02, sum of 2688 of 2688 intervals" in derived[0].source
    # deriving again changes nothing: the same record is found, not added
    derive.derive(mworld.sessions, ACTOR, "E1", 2023, store=mworld.store)
    with mworld.sessions() as s:
        assert len([r for r, _ in tenancy.activity_records(s, access) if r.source.startswith("readings:")]) == 1


def test_key_unit_monthly_report(mworld, tmp_path: Path, monkeypatch) -> None:
    """Electricity 3360 kWh × 0.1229 kgce/kWh = 0.412944 tce; gas 1300 Nm3 × 0.038931 GJ/Nm3 = 50.6103 GJ ÷
    29.3076 = 1.726866 tce; total 2.139810 tce. EL is complete (100 %, readings = record 3360 → 0 %); GAS 648/672
    = 96.43 %, |1296 − 1300| / 1300 = 0.31 %. A threshold of 0 tce flags E1 (any use counts); 10 000 does not."""
    _seed(mworld, tmp_path)
    derive.derive(mworld.sessions, ACTOR, "E1", 2023, store=mworld.store)
    monkeypatch.setenv("CARBONTRAIL_KEY_UNIT_TCE", "10000")
    rep = report.monthly_report(mworld.sessions, ACTOR, "E1", "2023-02", store=mworld.store)
    assert rep.total_energy_tce == pytest.approx(2.139810, rel=1e-5)
    lines = {c.carrier: c for c in rep.carriers}
    assert lines["grid electricity"].amount == 3360 and lines["grid electricity"].tce == pytest.approx(0.412944)
    assert lines["natural_gas"].tce == pytest.approx(1.726866, rel=1e-5)
    q = {x.meter: x for x in rep.quality}
    assert q["F1/EL"].completeness == 1.0 and q["F1/EL"].daily_vs_monthly == 0.0
    assert q["F1/GAS"].completeness == pytest.approx(648 / 672) and q["F1/GAS"].meets_consistency
    assert not rep.key_unit
    monkeypatch.setenv("CARBONTRAIL_KEY_UNIT_TCE", "0")
    assert report.monthly_report(mworld.sessions, ACTOR, "E1", "2023-02", store=mworld.store).key_unit
    body = report.report_dict(rep)
    assert body["total_energy_tce"] == rep.total_energy_tce and "1711" in body["basis"]
