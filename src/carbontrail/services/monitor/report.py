"""The monthly report of a key energy-using unit, in the structure of the national online monitoring system.

Its structure follows the data indicators that the online monitoring system of key energy-using units asks each
unit to upload (NDRC and AQSIQ, 重点用能单位能耗在线监测系统推广建设工作方案, 发改环资〔2017〕1711号, and the system's
technical specification): (1) the unit's total comprehensive energy consumption; (2) the monthly consumption of
each primary and secondary energy carrier, in physical units and in tce; (3) the output of products and the
comprehensive energy consumption per unit of product; (4) industrial value added — with the data-quality figures
(completeness, daily vs monthly) the specification sets for uploaded data. The field names are carbontrail's own:
the code tables of GB/T 37947 (信息技术 用能单位能耗在线监测系统) are not reproduced here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.monitor import quality
from carbontrail.services import tenancy
from carbontrail.services.inventory import organisation_inventory
from carbontrail.services.monitor.access import key_unit_tce, organisation, reading_store
from carbontrail.services.monitor.readings import month_range
from carbontrail.services.work import Actor
from carbontrail.store.readings import ReadingStore
from carbontrail.store.repositories import monitor as repo

BASIS = ("NDRC/AQSIQ 发改环资〔2017〕1711号 online monitoring system of key energy-using units: indicators "
         "(1) total comprehensive energy consumption, (2) energy by carrier, (3) product output and energy per "
         "unit of product, (4) industrial value added; data-quality rules: completeness ≥ 90 %, daily vs monthly "
         "≤ 5 %")


@dataclass(frozen=True)
class CarrierLine:
    carrier: str  # the activity item (fuel name, electricity, steam …)
    amount: float
    unit: str
    tce: float


@dataclass(frozen=True)
class ProductLine:
    product: str
    output: float
    unit: str
    tce_per_unit: float | None  # the unit's total energy ÷ output (one product: its comprehensive energy per unit)


@dataclass(frozen=True)
class QualityLine:
    meter: str
    completeness: float
    meets_completeness: bool
    daily_vs_monthly: float | None
    meets_consistency: bool | None


@dataclass(frozen=True)
class MonthlyReport:
    organisation: str
    name: str
    month: str
    key_unit: bool  # the previous calendar year's energy use ≥ the threshold
    threshold_tce: float
    total_energy_tce: float
    carriers: tuple[CarrierLine, ...]
    products: tuple[ProductLine, ...]
    value_added_10k_yuan: float
    energy_per_value_added: float | None
    quality: tuple[QualityLine, ...]
    basis: str = BASIS


def monthly_report(sessions: sessionmaker[Session], actor: Actor, organisation_code: str, month: str, *,
                   store: ReadingStore | None = None) -> MonthlyReport:
    """The key-energy-unit monthly report of one enterprise for `month` (YYYY-MM), from its records and readings."""

    store = store or reading_store(sessions)

    begin, end = month_range(month)
    last = (end - timedelta(days=1)).date()
    with sessions() as s:
        access = organisation(s, actor, organisation_code, tenancy.INVENTORY)
        org = repo.organisation(s, access.organisation_id)
        assert org is not None
        records = repo.activity_records_between(s, org.id, begin.date(), last)
        meters = {m.id: (m, fac) for m, fac in repo.meters(s, org.id)}
        prior = {o: e for o, _y, e, _c, _v, _n in repo.yearly_sums(s, [org.id], begin.year - 1, begin.year - 1)}
    result = organisation_inventory(sessions, organisation_code, start=begin.date(), end=last)
    tce_by_item: dict[str, float] = defaultdict(float)
    for line in result.energy:
        tce_by_item[line.item] += line.tce
    amounts: dict[tuple[str, str], float] = defaultdict(float)
    products: dict[tuple[str, str], float] = defaultdict(float)
    for rec in records:
        if rec.kind in ("fuel_combustion", "electricity", "heat", "steam"):
            amounts[(rec.item, rec.unit)] += rec.quantity
        elif rec.kind == "production":
            products[(rec.item, rec.unit)] += rec.quantity
    carriers = tuple(CarrierLine(item, qty, unit, tce_by_item.get(item, 0.0))
                     for (item, unit), qty in sorted(amounts.items()))
    total = result.energy_tce
    product_lines = tuple(ProductLine(item, qty, unit, total / qty if qty and len(products) == 1 else None)
                          for (item, unit), qty in sorted(products.items()))
    monthly = _monthly_by_meter(records)
    lines = []
    for meter_id, (meter, fac) in sorted(meters.items(), key=lambda kv: (kv[1][1], kv[1][0].code)):
        frame = store.current(org.id, [meter_id], start=begin, end=end)
        if frame.empty:
            continue
        q = quality.month_quality(f"{fac}/{meter.code}", month, frame["start"].to_numpy(dtype="datetime64[s]"),
                                  frame["value"].to_numpy(dtype=float), meter.interval_s,
                                  monthly_figure=monthly.get(meter_id))
        lines.append(QualityLine(q.meter, q.completeness, q.complete, q.daily_vs_monthly, q.consistent))
    threshold = key_unit_tce()
    va = result.value_added_10k_yuan
    return MonthlyReport(org.code, org.name, month, prior.get(org.id, 0.0) >= threshold, threshold, total, carriers,
                         product_lines, va, total / va if va else None, tuple(lines))


def _monthly_by_meter(records) -> dict[int, float]:  # type: ignore[no-untyped-def]
    out: dict[int, float] = defaultdict(float)
    for rec in records:
        if rec.meter_id is not None and rec.kind != "value_added":
            out[rec.meter_id] += rec.quantity
    return dict(out)


def report_dict(report: MonthlyReport) -> dict[str, object]:
    """The report as the JSON the API and the CLI give."""
    return {
        "organisation": report.organisation, "name": report.name, "month": report.month,
        "key_energy_using_unit": report.key_unit, "threshold_tce": report.threshold_tce,
        "total_energy_tce": report.total_energy_tce,
        "energy_by_carrier": [c.__dict__ for c in report.carriers],
        "products": [p.__dict__ for p in report.products],
        "value_added_10k_yuan": report.value_added_10k_yuan,
        "energy_per_value_added_tce_per_10k_yuan": report.energy_per_value_added,
        "data_quality": [q.__dict__ for q in report.quality], "basis": report.basis,
        "generated_at": datetime.now().isoformat(timespec="seconds"),
    }
