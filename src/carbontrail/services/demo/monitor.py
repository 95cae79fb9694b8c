"""The monitoring demo: two years (2023 and 2025) of 15-minute electricity and hourly gas readings for the demo
enterprises, generated from a seed so that each meter's readings over a record's period (a month in 2023, the year
in 2025) add up to its demo activity record; the monthly figures of every placed enterprise for 2020 (the base
year), 2023 and 2025, computed from their inventories; the targets of the province (the plan's −14 % / −19 % by
2025 and the CO2 peak by 2030), its cities and a park; an off-trajectory rule, evaluated for 2023 and 2025, so the
oversight pages show red and yellow statuses with their warnings.

The load shape is illustrative (a daytime peak, lower weekends, 3 % noise); only the totals are the demo data's.
Readings are written to Parquet directly, vectorised; loading twice adds nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.monitor.energy import carrier
from carbontrail.services.monitor import figures, prices, warnings
from carbontrail.services.monitor.access import reading_store
from carbontrail.services.work import SystemActor, unit_of_work
from carbontrail.store.models import ReadingBatch
from carbontrail.store.readings import ReadingStore
from carbontrail.store.repositories import monitor as repo

SEED = 20230101
YEAR = 2023
READING_YEARS = (2023, 2025)
BASE_YEAR = 2020
FIGURE_YEARS = (BASE_YEAR, 2023, 2025)
ORGANISATIONS = ("SH-LITHIUM", "SH-LFP", "CD-CELL", "CD-PACK", "CD-NEV")
INTERVALS = {"electricity": 900, "natural_gas": 3600}
PLAN = ("Implementation Plan for Carbon Peak in the Industrial Sector of Sichuan Province "
        "(Chuan Jing Xin Huan Zi [2023] No. 173, 2023-10-25)")
#: (level, kpi, change, source): the plan's targets at the province, passed down unchanged to the cities; the park's
#: stricter one is illustrative
TARGETS = (
    ("SC", "energy_intensity", -0.14, f"{PLAN}: energy use per unit of industrial value added -14 % by 2025 vs 2020"),
    ("SC", "co2_intensity", -0.19, f"{PLAN}: CO2 per unit of industrial value added -19 % by 2025 vs 2020"),
    ("SC-CD", "energy_intensity", -0.14, "the province's target passed down to the city (illustrative)"),
    ("SC-SN", "energy_intensity", -0.14, "the province's target passed down to the city (illustrative)"),
    ("SC-CD-CETDZ", "energy_intensity", -0.16, "illustrative park target, stricter than the province's"),
)
#: (level, kpi, peak year, source): totals that must not rise after the peak year
PEAKS = (("SC", "co2_total", 2030, f"{PLAN}: CO2 emissions of industry peak by 2030"),)
ACTOR = SystemActor("demo")


def shape(starts: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    """An illustrative load shape: daytime peak, lower weekends, multiplicative noise; positive."""
    hours = starts.hour.to_numpy() + starts.minute.to_numpy() / 60
    day = 1.0 + 0.25 * np.sin(2 * np.pi * (hours - 8) / 24)
    week = np.where(starts.day_of_week.to_numpy() >= 5, 0.85, 1.0)
    return np.clip(day * week * rng.normal(1.0, 0.03, len(starts)), 0.05, None)


def _readings(store: ReadingStore, sessions: sessionmaker[Session], code: str, year: int,
              rng: np.random.Generator) -> int:
    with sessions() as s:
        org_id = repo.organisation_id(s, code)
        if org_id is None:
            return 0
        tag = f"demo-monitor-{SEED}-{code}" + ("" if year == YEAR else f"-{year}")  # 2023's as first loaded
        if repo.batch_by_sha(s, org_id, tag.ljust(64, "0")[:64]) is not None:
            return 0
        meters = {m.id: m for m, _ in repo.meters(s, org_id)}
        spans: dict[tuple[int, date, date], float] = {}  # (meter, first day, last day) → the records' total
        for rec in repo.activity_records_between(s, org_id, date(year, 1, 1), date(year, 12, 31)):
            meter = meters.get(rec.meter_id) if rec.meter_id else None
            if meter is None or meter.medium not in INTERVALS or rec.unit != meter.unit:
                continue
            key = (meter.id, rec.period_start, rec.period_end)
            spans[key] = spans.get(key, 0.0) + rec.quantity
    parts = []
    for (meter_id, first, last), total in sorted(spans.items()):
        interval = INTERVALS[carrier(meters[meter_id].medium).code]
        begin = pd.Timestamp(first)
        starts = pd.date_range(begin, pd.Timestamp(last) + pd.Timedelta(days=1), freq=f"{interval}s",
                               inclusive="left")
        weights = shape(starts, rng)
        values = weights / weights.sum() * total
        values[-1] = total - values[:-1].sum()  # the period adds up to the record exactly (up to float rounding)
        parts.append(pd.DataFrame({"meter": meter_id, "start": starts, "at": starts, "value": values,
                                   "counter": np.nan, "reset": False}))
    if not parts:
        return 0
    rows = pd.concat(parts, ignore_index=True)
    with unit_of_work(sessions, ACTOR) as work:
        batch = ReadingBatch(organisation_id=org_id, sha256=tag.ljust(64, "0")[:64], source="demo readings",
                             actor=ACTOR.actor, rows=len(rows), inserted=len(rows))
        work.session.add(batch)
        work.session.flush()
        for meter_id in {m for m, _f, _l in spans}:
            meters_row = work.session.get(type(meters[meter_id]), meter_id)
            if meters_row is not None:
                meters_row.interval_s = INTERVALS[carrier(meters_row.medium).code]
        staged = store.stage(org_id, rows, batch=batch.id)
        work.audit("import", "readings", f"demo readings {year}", organisation_id=org_id,
                   detail={"rows": len(rows), "seed": SEED, "year": year, "illustrative": True})
        work.session.flush()
        try:
            store.publish(staged)
        except BaseException:
            store.unpublish(staged)
            raise
    return len(rows)


def load_monitor_demo(sessions: sessionmaker[Session], folder: Path | None = None) -> dict[str, object]:
    """Readings, price indices, figures, targets and a warning rule for the demo; returns what was added."""
    store = reading_store(sessions)
    indices = folder / "price-indices.csv" if folder is not None else None
    entered = (prices.import_csv(sessions, ACTOR, indices.name, indices.read_bytes())
               if indices is not None and indices.is_file() else [])
    rng = np.random.default_rng(SEED)
    added = {code: sum(_readings(store, sessions, code, year, rng) for year in READING_YEARS)
             for code in ORGANISATIONS}
    # every placed enterprise (the CBAM and battery demos' too), so the province is the sum of all of them
    problems = figures.refresh_all(sessions, ACTOR, FIGURE_YEARS)
    with sessions() as s:
        have_targets = bool(repo.targets(s, jurisdiction_ids=[j.id for j in repo.jurisdictions(s)]))
        have_rules = bool(repo.all_rules(s))
    if not have_targets:
        for level, kpi_name, change, source in TARGETS:
            figures.set_target(sessions, ACTOR, kpi_name=kpi_name, base_year=BASE_YEAR, target_year=2025,
                               change=change, jurisdiction_code=level, source=source)
        for level, kpi_name, peak_year, source in PEAKS:
            figures.set_target(sessions, ACTOR, kpi_name=kpi_name, base_year=BASE_YEAR, target_year=peak_year,
                               peak=True, jurisdiction_code=level, source=source)
    raised = []
    if not have_rules:
        warnings.add_rule(sessions, ACTOR, "off_trajectory", jurisdiction_code="SC")
        for year in READING_YEARS:
            raised += warnings.evaluate(sessions, ACTOR, year=year, today=date(year + 1, 1, 15), store=store)
    return {"readings": added, "figures_not_computed": problems,
            "price_indices": [f"{p.jurisdiction} {p.year} {p.change}" for p in entered],
            "warnings": [f"{w.entity} {w.severity} {w.key}" for w in raised]}
