"""From readings to the inventory: monthly activity records per meter and carrier, derived from the readings and
imported through the ordinary activity import (so they feed the inventory as any record does), each naming the
readings it came from. Where a month already has a record of that meter from another source (a bill, a manual
entry), nothing is imported: both figures and their difference are shown, for a person to decide. A month inside a
longer record of that meter (a year's total) is not imported either: the record already counts it."""

from __future__ import annotations

import csv
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.monitor import quality
from carbontrail.monitor.energy import carrier, unit_factor
from carbontrail.services import imports, tenancy
from carbontrail.services.monitor.access import organisation, reading_store
from carbontrail.services.work import Actor
from carbontrail.store.readings import ReadingStore
from carbontrail.store.repositories import monitor as repo

SOURCE_PREFIX = "readings:"
COLUMNS = ("organisation", "facility", "period_start", "period_end", "kind", "item", "quantity", "unit", "category",
           "gas", "meter", "supplier", "instrument", "instrument_ref", "contract_factor", "source")


@dataclass(frozen=True)
class DerivedMonth:
    """One meter's month: what the readings add up to, what a record from another source says, and what was done."""

    meter: str
    month: str
    unit: str
    from_readings: float
    intervals: int
    expected: int
    recorded: float | None  # the record of another source for the same meter and month
    action: str  # imported | kept (a record of another source exists; the difference is shown) | covered (by a
    # record of another source over a longer period, named in `covered_by`)
    covered_by: str = ""

    @property
    def difference(self) -> float | None:
        """readings − record, in the meter's unit."""
        return None if self.recorded is None else self.from_readings - self.recorded


def derive(sessions: sessionmaker[Session], actor: Actor, organisation_code: str, year: int, *,
           store: ReadingStore | None = None) -> list[DerivedMonth]:
    """Derive the monthly activity records of `year` from the enterprise's readings, and import the new ones."""
    store = store or reading_store(sessions)
    with sessions() as s:
        access = organisation(s, actor, organisation_code, tenancy.DATA_WRITE)
        meters = {m.id: (m, fac) for m, fac in repo.meters(s, access.organisation_id)}
        existing, spans = _other_records(s, access.organisation_id, year)
    totals = store.totals([access.organisation_id], list(meters), period="month", start=datetime(year, 1, 1),
                          end=datetime(year + 1, 1, 1))
    out: list[DerivedMonth] = []
    rows: list[dict[str, str]] = []
    for meter_id, period, total, intervals in totals.itertuples(index=False):
        meter, fac = meters[int(meter_id)]
        month = f"{period:%Y-%m}"
        expected = quality.expected_intervals(month, meter.interval_s)
        recorded = existing.get((int(meter_id), month))
        name = f"{fac}/{meter.code}"
        if recorded is not None:
            out.append(DerivedMonth(name, month, meter.unit, float(total), int(intervals), expected, recorded, "kept"))
            continue
        span = next((f"{a.isoformat()}..{b.isoformat()}" for m, a, b in spans
                     if m == int(meter_id) and a <= period.date() <= b), None)
        if span is not None:
            out.append(DerivedMonth(name, month, meter.unit, float(total), int(intervals), expected, None,
                                    "covered", span))
            continue
        out.append(DerivedMonth(name, month, meter.unit, float(total), int(intervals), expected, None, "imported"))
        car = carrier(meter.medium)
        begin, end = quality.month_bounds(month)
        rows.append({
            "organisation": organisation_code, "facility": fac, "period_start": begin.date().isoformat(),
            "period_end": (end - timedelta(days=1)).date().isoformat(), "kind": car.activity_kind,
            "item": car.activity_item if car.code != "production" else meter.code,
            "quantity": repr(float(total)), "unit": meter.unit,
            "category": "stationary" if car.activity_kind == "fuel_combustion" else "", "gas": "",
            "meter": meter.code, "supplier": meter.supplier, "instrument": "", "instrument_ref": "",
            "contract_factor": "",
            "source": f"{SOURCE_PREFIX} meter {name}, {month}, sum of {int(intervals)} of {expected} intervals "
                      "in the carbontrail reading store",
        })
    if rows:
        with tempfile.TemporaryDirectory(prefix="carbontrail-derived-") as folder:
            path = Path(folder) / f"activity-from-readings-{organisation_code}-{year}.csv"
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=COLUMNS)
                writer.writeheader()
                writer.writerows(rows)
            imports.import_file(sessions, path, template="activity", organisation=organisation_code, actor=actor)
    return out


def _other_records(s: Session, org_id: int, year: int
                   ) -> tuple[dict[tuple[int, str], float], list[tuple[int, date, date]]]:
    """Per (meter, month): the quantity of records not derived from readings, in the meter's unit; and the
    (meter, first day, last day) of such records that span several months."""
    meters = {m.id: m for m, _ in repo.meters(s, org_id)}
    derived = {r.id for r in repo.activity_records_from_readings(s, org_id, SOURCE_PREFIX)}
    out: dict[tuple[int, str], float] = {}
    spans: list[tuple[int, date, date]] = []
    for rec in repo.activity_records_between(s, org_id, date(year, 1, 1), date(year, 12, 31)):
        if rec.meter_id is None or rec.id in derived or rec.meter_id not in meters:
            continue
        if (rec.period_start.year, rec.period_start.month) != (rec.period_end.year, rec.period_end.month):
            spans.append((rec.meter_id, rec.period_start, rec.period_end))
            continue  # only monthly records compare with a month of readings
        meter = meters[rec.meter_id]
        car = carrier(meter.medium)
        qty = rec.quantity
        if rec.unit != meter.unit and car.code != "production":
            qty = qty * unit_factor(car, rec.unit) / unit_factor(car, meter.unit)
        key = (rec.meter_id, f"{rec.period_start:%Y-%m}")
        out[key] = out.get(key, 0.0) + qty
    return out, spans

