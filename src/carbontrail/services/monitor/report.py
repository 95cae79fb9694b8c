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
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict, PermissionDenied
from carbontrail.monitor import quality
from carbontrail.services import tenancy
from carbontrail.services.inventory import organisation_inventory
from carbontrail.services.monitor.access import key_unit_tce, organisation, reading_store
from carbontrail.services.monitor.readings import month_range
from carbontrail.services.work import Actor, unit_of_work
from carbontrail.store.models import ReportFiling
from carbontrail.store.readings import ReadingStore
from carbontrail.store.repositories import monitor as repo

#: the day of the following month by which a monthly report is due (a late_report rule may say due_day=N)
DEFAULT_DUE_DAY = 10
CST = timezone(timedelta(hours=8))  # a report's filing day is China Standard Time's
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


# -- filing ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilingOut:
    """A filed monthly report: when, by whom, whether by the deadline, and what it said."""

    organisation: str
    month: str
    filed_at: datetime
    filed_by: str
    due: date
    on_time: bool
    total_energy_tce: float


def due_date(month: date, due_day: int = DEFAULT_DUE_DAY) -> date:
    """The deadline of a month's report: day `due_day` (1–28) of the following month."""
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following.replace(day=min(max(int(due_day), 1), 28))


def filed_on(f: ReportFiling) -> date:
    """The day (China Standard Time) a report was filed."""
    at = f.filed_at if f.filed_at.tzinfo else f.filed_at.replace(tzinfo=UTC)
    return at.astimezone(CST).date()


def _filing_out(code: str, f: ReportFiling) -> FilingOut:
    due = due_date(f.month)
    at = f.filed_at if f.filed_at.tzinfo else f.filed_at.replace(tzinfo=UTC)
    return FilingOut(code, f"{f.month:%Y-%m}", at, f.filed_by, due, filed_on(f) <= due,
                     float(f.report.get("total_energy_tce", 0.0)))  # type: ignore[arg-type]


def file_report(sessions: sessionmaker[Session], actor: Actor, organisation_code: str, month: str, *,
                store: ReadingStore | None = None) -> FilingOut:
    """File the enterprise's monthly report of `month` as it stands now: the report is kept as filed, with the
    time; a month is filed once (a later correction is a matter for the receiving system)."""
    begin, _end = month_range(month)
    with sessions() as s:
        access = organisation(s, actor, organisation_code, tenancy.INVENTORY)
        if not access.allows(tenancy.DATA_WRITE):
            raise PermissionDenied(f"filing {organisation_code}'s monthly report needs its data-entry rights")
    body = report_dict(monthly_report(sessions, actor, organisation_code, month, store=store))
    with unit_of_work(sessions, actor) as work:
        existing = repo.filing(work.session, access.organisation_id, begin.date())
        if existing is not None:
            raise Conflict(f"{organisation_code}'s report for {month} was filed on {existing.filed_at:%Y-%m-%d %H:%M} "
                           f"by {existing.filed_by}")
        row = ReportFiling(organisation_id=access.organisation_id, month=begin.date(), filed_by=actor.actor[:300],
                           report=body, filed_at=datetime.now(UTC))
        work.session.add(row)
        work.session.flush()
        out = _filing_out(organisation_code, row)
        work.audit("file", "monthly_report", f"{organisation_code}:{month}", organisation_id=access.organisation_id,
                   detail={"month": month, "total_energy_tce": body["total_energy_tce"],  # type: ignore[dict-item]
                           "due": out.due.isoformat(), "on_time": out.on_time})
        return out


def filings(sessions: sessionmaker[Session], actor: Actor, organisation_code: str) -> list[FilingOut]:
    """The enterprise's filed monthly reports, oldest first."""
    with sessions() as s:
        access = organisation(s, actor, organisation_code, tenancy.INVENTORY)
        return [_filing_out(organisation_code, f) for f in repo.filings(s, [access.organisation_id])]
