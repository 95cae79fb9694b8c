"""Queries an inventory needs besides the records themselves: periods, facilities, and which years hold data."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carbontrail.store.models import ActivityRecord, Facility, ReportingPeriod
from carbontrail.store.repositories import _owned as owned


def periods(session: Session, organisation_id: int) -> list[ReportingPeriod]:
    return owned.every(session, ReportingPeriod, organisation_id, ReportingPeriod.start)


def years_with_records(session: Session, organisation_ids: Iterable[int] | None = None) -> list[int]:
    """The calendar years in which the organisations' (every organisation's, when None) records start, oldest first."""
    stmt = select(func.min(ActivityRecord.period_start), func.max(ActivityRecord.period_start))
    if organisation_ids is not None:
        ids = list(organisation_ids)
        if not ids:
            return []
        stmt = stmt.where(ActivityRecord.organisation_id.in_(ids))
    first, last = session.execute(stmt).one()
    if first is None:
        return []
    years = []
    for year in range(first.year, last.year + 1):
        probe = select(ActivityRecord.id).where(ActivityRecord.period_start >= date(year, 1, 1),
                                                ActivityRecord.period_start < date(year + 1, 1, 1))
        if organisation_ids is not None:
            probe = probe.where(ActivityRecord.organisation_id.in_(ids))
        if session.scalar(probe.limit(1)) is not None:
            years.append(year)
    return years


def periods_with_records(session: Session, organisation_id: int) -> set[int]:
    """The ids of the organisation's reporting periods that hold at least one of its activity records (inside
    the period, as an inventory counts them)."""
    inside = (select(ActivityRecord.id).where(ActivityRecord.organisation_id == organisation_id,
                                              ActivityRecord.period_start >= ReportingPeriod.start,
                                              ActivityRecord.period_end <= ReportingPeriod.end)
              .correlate(ReportingPeriod).exists())
    return set(session.scalars(select(ReportingPeriod.id).where(ReportingPeriod.organisation_id == organisation_id,
                                                                inside)))


def facilities_without_records(session: Session, organisation_id: int, start: date, end: date) -> list[str]:
    """The codes of the organisation's facilities with no activity record inside [start, end]."""
    inside = (select(ActivityRecord.id).where(ActivityRecord.facility_id == Facility.id,
                                              ActivityRecord.period_start >= start, ActivityRecord.period_end <= end)
              .correlate(Facility).exists())
    return list(session.scalars(select(Facility.code).where(Facility.organisation_id == organisation_id, ~inside)
                                .order_by(Facility.code)))


def record_spans(session: Session, organisation_id: int, start: date, end: date,
                 without: Iterable[str] = ()) -> list[tuple[date, date]]:
    """The distinct (start, end) spans of the organisation's activity records inside [start, end] (those of the
    kinds `without` left out)."""
    return [(a, b) for a, b in session.execute(
        select(ActivityRecord.period_start, ActivityRecord.period_end).distinct()
        .where(ActivityRecord.organisation_id == organisation_id, ActivityRecord.period_start >= start,
               ActivityRecord.period_end <= end, ActivityRecord.kind.not_in(list(without))))]


def has_kind(session: Session, organisation_id: int, start: date, end: date, kind: str) -> bool:
    """Whether the organisation has an activity record of `kind` inside [start, end]."""
    return session.scalar(select(ActivityRecord.id).where(
        ActivityRecord.organisation_id == organisation_id, ActivityRecord.kind == kind,
        ActivityRecord.period_start >= start, ActivityRecord.period_end <= end).limit(1)) is not None
