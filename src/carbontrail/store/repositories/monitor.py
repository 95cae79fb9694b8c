"""Queries of the monitoring area: meters of an organisation, reading batches, monthly figures, targets, rules,
warnings and their trail, and which enterprises a jurisdiction covers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from carbontrail.store.models import (
    ActivityRecord,
    Facility,
    Jurisdiction,
    Meter,
    MonitorRollup,
    MonitorRollupRow,
    MonitorTarget,
    MonitorWarning,
    MonthlyFigure,
    Organisation,
    PriceIndex,
    ReadingBatch,
    ReportFiling,
    SupplierFootprint,
    WarningEvent,
    WarningRule,
)
from carbontrail.store.repositories import _owned as owned


def organisation_id(session: Session, code: str) -> int | None:
    return session.scalar(select(Organisation.id).where(Organisation.code == code))


def organisation(session: Session, org_id: int) -> Organisation | None:
    return session.get(Organisation, org_id)


def meters(session: Session, org_id: int) -> list[tuple[Meter, str]]:
    """The organisation's meters with their facility code, by facility and code."""
    rows = session.execute(select(Meter, Facility.code).join(Facility, Meter.facility_id == Facility.id)
                           .where(Facility.organisation_id == org_id).order_by(Facility.code, Meter.code)).all()
    return [(m, f) for m, f in rows]


def batch_by_sha(session: Session, org_id: int, sha256: str) -> ReadingBatch | None:
    return owned.one(session, ReadingBatch, org_id, sha256=sha256)


def batches(session: Session, org_id: int) -> list[ReadingBatch]:
    return owned.every(session, ReadingBatch, org_id, ReadingBatch.id)


def batches_by_id(session: Session, org_id: int, ids: Iterable[int]) -> dict[int, ReadingBatch]:
    """The organisation's batches of `ids` (another organisation's ids find nothing)."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return {}
    rows = session.scalars(select(ReadingBatch).where(ReadingBatch.organisation_id == org_id,
                                                      ReadingBatch.id.in_(wanted)))
    return {b.id: b for b in rows}


def activity_totals(session: Session, org_id: int, start: date, end: date) -> list[tuple[int | None, str, str, str,
                                                                                          date, float]]:
    """(meter id, kind, item, unit, period start, quantity) of the monthly activity records in [start, end]."""
    rows = session.execute(select(ActivityRecord.meter_id, ActivityRecord.kind, ActivityRecord.item,
                                  ActivityRecord.unit, ActivityRecord.period_start, ActivityRecord.quantity)
                           .where(ActivityRecord.organisation_id == org_id, ActivityRecord.period_start >= start,
                                  ActivityRecord.period_end <= end)
                           .order_by(ActivityRecord.period_start, ActivityRecord.id)).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def value_added_records(session: Session, org_id: int, start: date, end: date
                        ) -> list[tuple[int, date, float, str, str]]:
    """(record id, period start, quantity, unit, category) of the value-added records in [start, end]."""
    rows = session.execute(select(ActivityRecord.id, ActivityRecord.period_start, ActivityRecord.quantity,
                                  ActivityRecord.unit, ActivityRecord.category)
                           .where(ActivityRecord.organisation_id == org_id, ActivityRecord.kind == "value_added",
                                  ActivityRecord.period_start >= start, ActivityRecord.period_end <= end)
                           .order_by(ActivityRecord.period_start, ActivityRecord.id)).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def activity_records_from_readings(session: Session, org_id: int, source_prefix: str) -> list[ActivityRecord]:
    return list(session.scalars(select(ActivityRecord).where(ActivityRecord.organisation_id == org_id,
                                                             ActivityRecord.source.startswith(source_prefix))))


# -- monthly figures ------------------------------------------------------------------------------------------


def monthly_figures(session: Session, org_ids: Iterable[int], start: date, end: date) -> list[MonthlyFigure]:
    ids = list(org_ids)
    if not ids:
        return []
    return list(session.scalars(select(MonthlyFigure).where(MonthlyFigure.organisation_id.in_(ids),
                                                            MonthlyFigure.month >= start, MonthlyFigure.month <= end)
                                .order_by(MonthlyFigure.organisation_id, MonthlyFigure.month)))


def figure_years(session: Session, org_ids: Iterable[int]) -> list[int]:
    """The years in which any of the enterprises has a monthly figure, in order."""
    ids = list(org_ids)
    if not ids:
        return []
    year = func.extract("year", MonthlyFigure.month)
    return sorted(int(y) for y in session.scalars(select(year).where(MonthlyFigure.organisation_id.in_(ids))
                                                  .group_by(year)))


def latest_figure_month(session: Session, org_ids: Iterable[int], start: date, end: date) -> date | None:
    ids = list(org_ids)
    if not ids:
        return None
    return session.scalar(select(func.max(MonthlyFigure.month)).where(
        MonthlyFigure.organisation_id.in_(ids), MonthlyFigure.month >= start, MonthlyFigure.month <= end))


def yearly_sums(session: Session, org_ids: Iterable[int] | None, first_year: int, last_year: int,
                through_month: int = 12) -> list[tuple[int, int, float, float, float, int]]:
    """(organisation id, year, Σ energy, Σ CO2, Σ value added, months) for months 1..`through_month` of each year."""
    year = func.extract("year", MonthlyFigure.month)
    month = func.extract("month", MonthlyFigure.month)
    stmt = (select(MonthlyFigure.organisation_id, year, func.sum(MonthlyFigure.energy_tce),
                   func.sum(MonthlyFigure.co2_t), func.sum(MonthlyFigure.value_added), func.count())
            .where(year >= first_year, year <= last_year, month <= through_month)
            .group_by(MonthlyFigure.organisation_id, year))
    if org_ids is not None:
        ids = list(org_ids)
        stmt = stmt.where(MonthlyFigure.organisation_id.in_(ids))
    return [(int(o), int(y), float(e or 0), float(c or 0), float(v or 0), int(n))
            for o, y, e, c, v, n in session.execute(stmt)]


def existing_figure(session: Session, org_id: int, month: date) -> MonthlyFigure | None:
    return session.scalars(select(MonthlyFigure).where(MonthlyFigure.organisation_id == org_id,
                                                       MonthlyFigure.month == month)).one_or_none()


# -- jurisdictions --------------------------------------------------------------------------------------------


def jurisdictions(session: Session) -> list[Jurisdiction]:
    return list(session.scalars(select(Jurisdiction).order_by(Jurisdiction.code)))


def jurisdiction_by_code(session: Session, code: str) -> Jurisdiction | None:
    return session.scalars(select(Jurisdiction).where(Jurisdiction.code == code)).one_or_none()


def organisations_in(session: Session, jurisdiction_ids: Iterable[int]) -> list[tuple[int, str, str, str, int | None]]:
    """(id, code, name, industry, jurisdiction id) of the enterprises placed in the jurisdictions."""
    ids = list(jurisdiction_ids)
    rows = session.execute(select(Organisation.id, Organisation.code, Organisation.name, Organisation.industry,
                                  Organisation.jurisdiction_id)
                           .where(Organisation.jurisdiction_id.in_(ids)).order_by(Organisation.code)).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


# -- targets, rules, warnings ---------------------------------------------------------------------------------


def targets(session: Session, *, jurisdiction_ids: Iterable[int] = (), organisation_ids: Iterable[int] = ()
            ) -> list[MonitorTarget]:
    j, o = list(jurisdiction_ids), list(organisation_ids)
    stmt = select(MonitorTarget).where(MonitorTarget.jurisdiction_id.in_(j) | MonitorTarget.organisation_id.in_(o))
    return list(session.scalars(stmt.order_by(MonitorTarget.id)))


def rules(session: Session, *, jurisdiction_ids: Iterable[int] = (), organisation_ids: Iterable[int] = (),
          enabled_only: bool = False) -> list[WarningRule]:
    j, o = list(jurisdiction_ids), list(organisation_ids)
    stmt = select(WarningRule).where(WarningRule.jurisdiction_id.in_(j) | WarningRule.organisation_id.in_(o))
    if enabled_only:
        stmt = stmt.where(WarningRule.enabled.is_(True))
    return list(session.scalars(stmt.order_by(WarningRule.id)))


def all_rules(session: Session) -> list[WarningRule]:
    return list(session.scalars(select(WarningRule).where(WarningRule.enabled.is_(True)).order_by(WarningRule.id)))


def live_warning(session: Session, rule_id: int, entity: str, key: str) -> MonitorWarning | None:
    """The open or acknowledged warning of a rule about one breach (a resolved one may be raised again)."""
    return session.scalars(select(MonitorWarning).where(MonitorWarning.rule_id == rule_id,
                                                        MonitorWarning.entity == entity, MonitorWarning.key == key,
                                                        MonitorWarning.status != "resolved")).first()


def warnings(session: Session, *, jurisdiction_ids: Iterable[int] | None = None,
             organisation_ids: Iterable[int] | None = None, placed_in: Iterable[int] | None = None,
             status: str | None = None, limit: int | None = None) -> list[MonitorWarning]:
    """Warnings about the enterprises or jurisdictions given, or about the enterprises placed in the jurisdictions
    `placed_in` (None: every one), newest first; the newest `limit` of them."""
    stmt = select(MonitorWarning)
    if jurisdiction_ids is not None or organisation_ids is not None or placed_in is not None:
        j, o = list(jurisdiction_ids or ()), list(organisation_ids or ())
        about = MonitorWarning.jurisdiction_id.in_(j) | MonitorWarning.organisation_id.in_(o)
        if placed_in is not None:
            about = about | MonitorWarning.organisation_id.in_(
                select(Organisation.id).where(Organisation.jurisdiction_id.in_(list(placed_in))))
        stmt = stmt.where(about)
    if status:
        stmt = stmt.where(MonitorWarning.status == status)
    stmt = stmt.order_by(MonitorWarning.id.desc())
    return list(session.scalars(stmt if limit is None else stmt.limit(limit)))


def warning(session: Session, warning_id: int) -> MonitorWarning | None:
    return session.get(MonitorWarning, warning_id)


def warning_rule(session: Session, rule_id: int) -> WarningRule | None:
    return session.get(WarningRule, rule_id)


def trail(session: Session, warning_id: int) -> list[WarningEvent]:
    return list(session.scalars(select(WarningEvent).where(WarningEvent.warning_id == warning_id)
                                .order_by(WarningEvent.id)))


def supplier_footprint_years(session: Session, org_ids: Iterable[int]) -> list[tuple[int, str, str, int | None]]:
    """(organisation id, product key, supplier, reference year) of the organisations' supplier footprints."""

    ids = list(org_ids)
    rows = session.execute(select(SupplierFootprint.organisation_id, SupplierFootprint.product_key,
                                  SupplierFootprint.supplier, SupplierFootprint.year)
                           .where(SupplierFootprint.organisation_id.in_(ids))
                           .order_by(SupplierFootprint.id)).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def activity_records_between(session: Session, org_id: int, start: date, end: date) -> list[ActivityRecord]:
    return list(session.scalars(select(ActivityRecord).where(ActivityRecord.organisation_id == org_id,
                                                             ActivityRecord.period_start >= start,
                                                             ActivityRecord.period_end <= end)
                                .order_by(ActivityRecord.period_start, ActivityRecord.id)))


def english_names(session: Session, org_ids: Iterable[int]) -> dict[int, str]:
    ids = list(org_ids)
    if not ids:
        return {}
    return dict(session.execute(select(Organisation.id, Organisation.name_en)).all())  # type: ignore[arg-type]


# -- price indices and filed reports --------------------------------------------------------------------------


def price_indices(session: Session, jurisdiction_ids: Iterable[int], years: Iterable[int] | None = None
                  ) -> list[PriceIndex]:
    stmt = select(PriceIndex).where(PriceIndex.jurisdiction_id.in_(list(jurisdiction_ids)))
    if years is not None:
        stmt = stmt.where(PriceIndex.year.in_(list(years)))
    return list(session.scalars(stmt.order_by(PriceIndex.jurisdiction_id, PriceIndex.year)))


def price_index(session: Session, jurisdiction_id: int, year: int) -> PriceIndex | None:
    return session.scalars(select(PriceIndex).where(PriceIndex.jurisdiction_id == jurisdiction_id,
                                                    PriceIndex.year == year)).one_or_none()


def filing(session: Session, org_id: int, month: date) -> ReportFiling | None:
    return session.scalars(select(ReportFiling).where(ReportFiling.organisation_id == org_id,
                                                      ReportFiling.month == month)).one_or_none()


def filings(session: Session, org_ids: Iterable[int], start: date | None = None, end: date | None = None
            ) -> list[ReportFiling]:
    stmt = select(ReportFiling).where(ReportFiling.organisation_id.in_(list(org_ids)))
    if start is not None:
        stmt = stmt.where(ReportFiling.month >= start)
    if end is not None:
        stmt = stmt.where(ReportFiling.month <= end)
    return list(session.scalars(stmt.order_by(ReportFiling.organisation_id, ReportFiling.month)))


# -- kept oversight roll-ups ----------------------------------------------------------------------------------


def rollup_inputs(session: Session) -> tuple[object, ...]:
    """Cheap aggregates that change whenever an input of an oversight view does: the monthly figures' last id and
    last computed time (set on every insert and update; index lookups, no scan; figures are deleted only with their
    enterprise), the targets' count and last id (never updated in place), and where the enterprises are placed
    (count, last id, Σ id × jurisdiction id)."""
    figures = session.execute(select(select(func.max(MonthlyFigure.id)).scalar_subquery(),
                                     select(func.max(MonthlyFigure.computed_at)).scalar_subquery())).one()
    targets = session.execute(select(func.count(), func.max(MonitorTarget.id))).one()
    placed = session.execute(select(func.count(), func.max(Organisation.id), func.sum(
        Organisation.id * func.coalesce(Organisation.jurisdiction_id, 0)))).one()
    return (*figures, *targets, *placed)


def rollup(session: Session, jurisdiction_id: int, year: int, first_year: int) -> MonitorRollup | None:
    return session.scalars(select(MonitorRollup).where(MonitorRollup.jurisdiction_id == jurisdiction_id,
                                                       MonitorRollup.year == year,
                                                       MonitorRollup.first_year == first_year)).one_or_none()


def rollup_years(session: Session, jurisdiction_id: int, fingerprint: str) -> str | None:
    """The years (JSON) kept by any roll-up of the jurisdiction with this fingerprint."""
    return session.scalar(select(MonitorRollup.years).where(MonitorRollup.jurisdiction_id == jurisdiction_id,
                                                            MonitorRollup.fingerprint == fingerprint).limit(1))


def drop_rollup(session: Session, jurisdiction_id: int, year: int, first_year: int) -> None:
    old = select(MonitorRollup.id).where(MonitorRollup.jurisdiction_id == jurisdiction_id,
                                         MonitorRollup.year == year, MonitorRollup.first_year == first_year)
    session.execute(delete(MonitorRollupRow).where(MonitorRollupRow.rollup_id.in_(old)))
    session.execute(delete(MonitorRollup).where(MonitorRollup.id.in_(old)))


def add_rollup_rows(session: Session, rows: list[dict[str, object]]) -> None:
    for i in range(0, len(rows), 5000):
        session.execute(MonitorRollupRow.__table__.insert(), rows[i:i + 5000])


def rollup_jurisdictions(session: Session, rollup_id: int) -> list[tuple[int, str]]:
    """(jurisdiction id, KPIs as JSON) of the jurisdictions below the one overseen."""
    rows = session.execute(select(MonitorRollupRow.jurisdiction_id, MonitorRollupRow.data)
                           .where(MonitorRollupRow.rollup_id == rollup_id,
                                  MonitorRollupRow.organisation_id.is_(None))).all()
    return [(int(j), d) for j, d in rows]


def rollup_enterprises(session: Session, rollup_id: int, *, ranked: bool = False, offset: int = 0,
                       limit: int | None = None) -> list[tuple[int, int | None, str, str, str, str]]:
    """(organisation id, jurisdiction id, code, name, English name, KPIs as JSON) of the roll-up's enterprises: in
    the view's order (by code), or `ranked` by CO2 intensity (those with one only, ties by code); a page of them."""
    stmt = (select(MonitorRollupRow.organisation_id, MonitorRollupRow.jurisdiction_id, Organisation.code,
                   Organisation.name, Organisation.name_en, MonitorRollupRow.data)
            .join(Organisation, Organisation.id == MonitorRollupRow.organisation_id)
            .where(MonitorRollupRow.rollup_id == rollup_id))
    if ranked:
        stmt = stmt.where(MonitorRollupRow.co2_intensity.is_not(None)).order_by(MonitorRollupRow.co2_intensity,
                                                                                MonitorRollupRow.position)
    else:
        stmt = stmt.order_by(MonitorRollupRow.position)
    if offset:
        stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


def rollup_size(session: Session, rollup_id: int) -> int:
    return int(session.scalar(select(MonitorRollup.enterprises).where(MonitorRollup.id == rollup_id)) or 0)


def rollup_ranked_count(session: Session, rollup_id: int) -> int:
    return int(session.scalar(select(func.count()).where(MonitorRollupRow.rollup_id == rollup_id,
                                                         MonitorRollupRow.co2_intensity.is_not(None))) or 0)


def rollup_status_counts(session: Session, rollup_id: int) -> list[tuple[int | None, str | None, int]]:
    """(jurisdiction id, status, enterprises) of the roll-up's enterprises, by the jurisdiction they sit in."""
    rows = session.execute(select(MonitorRollupRow.jurisdiction_id, MonitorRollupRow.status, func.count())
                           .where(MonitorRollupRow.rollup_id == rollup_id,
                                  MonitorRollupRow.organisation_id.is_not(None))
                           .group_by(MonitorRollupRow.jurisdiction_id, MonitorRollupRow.status)).all()
    return [(j, st, int(n)) for j, st, n in rows]
