"""Queries of activity records and the imports that wrote them: what an import must know exists, and what it finds
already stored."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Connection, Row, func, select
from sqlalchemy.orm import Session

from carbontrail.store.models import ActivityRecord, Facility, ImportBatch, Meter, Organisation

RECORDS = ActivityRecord.__table__


def organisation_ids(session: Session, only: str | None = None) -> dict[str, int]:
    """Organisation code → id (of `only` when given)."""
    stmt = select(Organisation.code, Organisation.id)
    if only:
        stmt = stmt.where(Organisation.code == only)
    return {code: oid for code, oid in session.execute(stmt)}


def facility_ids(session: Session, organisation_ids: Iterable[int]) -> dict[tuple[str, str], tuple[int, int]]:
    """(organisation code, facility code) → (facility id, organisation id) of the organisations."""
    return {(org, code): (fid, oid) for org, code, fid, oid in session.execute(
        select(Organisation.code, Facility.code, Facility.id, Organisation.id)
        .join(Organisation, Facility.organisation_id == Organisation.id)
        .where(Organisation.id.in_(list(organisation_ids) or [-1])))}


def meter_ids(session: Session, organisation_ids: Iterable[int]) -> dict[tuple[str, str, str], tuple[int, str]]:
    """(organisation, facility, meter code) → (meter id, meter unit) of the organisations."""
    return {(org, fac, code): (mid, unit) for org, fac, code, mid, unit in session.execute(
        select(Organisation.code, Facility.code, Meter.code, Meter.id, Meter.unit)
        .join(Facility, Meter.facility_id == Facility.id)
        .join(Organisation, Facility.organisation_id == Organisation.id)
        .where(Organisation.id.in_(list(organisation_ids) or [-1])))}


def stored_records(conn: Connection, keys: list[str]) -> dict[str, tuple[int, float, str, float | None, str]]:
    """record_key → (id, quantity, unit, contract factor, source) of the records already stored under `keys`."""
    rows = conn.execute(
        select(RECORDS.c.record_key, RECORDS.c.id, RECORDS.c.quantity, RECORDS.c.unit, RECORDS.c.contract_factor,
               RECORDS.c.source).where(RECORDS.c.record_key.in_(keys))).all()
    return {key: (rid, q, u, cf, src) for key, rid, q, u, cf, src in rows}


def batch_with_digest(session: Session, sha256: str, template: str, organisation_id: int | None) -> ImportBatch | None:
    """The newest import of a file with this content and template (for the organisation, when one is named)."""
    stmt = select(ImportBatch).where(ImportBatch.sha256 == sha256, ImportBatch.template == template)
    if organisation_id is not None:
        stmt = stmt.where(ImportBatch.organisation_id == organisation_id)
    return session.scalars(stmt.order_by(ImportBatch.id.desc()).limit(1)).first()


def newest_batch_id(session: Session) -> int | None:
    return session.scalar(select(ImportBatch.id).order_by(ImportBatch.id.desc()).limit(1))


def records_in(session: Session, organisation_id: int, start: date, end: date,
               facility_code: str | None = None) -> list[Row[tuple[ActivityRecord, str, str]]]:
    """(record, facility code, facility province) of the organisation's records inside [start, end]."""
    stmt = (select(ActivityRecord, Facility.code, Facility.province)
            .join(Facility, ActivityRecord.facility_id == Facility.id)
            .where(ActivityRecord.organisation_id == organisation_id,
                   ActivityRecord.period_start >= start, ActivityRecord.period_end <= end)
            .order_by(Facility.code, ActivityRecord.period_start, ActivityRecord.kind, ActivityRecord.item,
                      ActivityRecord.id))
    if facility_code:
        stmt = stmt.where(Facility.code == facility_code)
    return list(session.execute(stmt))


def page_of_records(session: Session, organisation_id: int, *, limit: int, offset: int,
                    kind: str | None = None) -> list[Row[tuple[ActivityRecord, str]]]:
    """A page of the organisation's records with their facility code, oldest period first."""
    stmt = (select(ActivityRecord, Facility.code).join(Facility, ActivityRecord.facility_id == Facility.id)
            .where(ActivityRecord.organisation_id == organisation_id)
            .order_by(ActivityRecord.period_start, ActivityRecord.id).limit(limit).offset(offset))
    if kind:
        stmt = stmt.where(ActivityRecord.kind == kind)
    return list(session.execute(stmt))


def record_of(session: Session, organisation_id: int, record_id: int) -> Row[tuple[ActivityRecord, str, str]] | None:
    """(record, facility code, meter code or "") of the organisation's record `record_id`, or None."""
    return session.execute(
        select(ActivityRecord, Facility.code, func.coalesce(Meter.code, ""))
        .join(Facility, ActivityRecord.facility_id == Facility.id)
        .outerjoin(Meter, ActivityRecord.meter_id == Meter.id)
        .where(ActivityRecord.organisation_id == organisation_id, ActivityRecord.id == record_id)).one_or_none()


def record_id_with_key(session: Session, key: str) -> int | None:
    return session.scalar(select(ActivityRecord.id).where(ActivityRecord.record_key == key))


def count_of_records(session: Session, organisation_id: int, kind: str | None = None) -> int:
    stmt = select(func.count(ActivityRecord.id)).where(ActivityRecord.organisation_id == organisation_id)
    if kind:
        stmt = stmt.where(ActivityRecord.kind == kind)
    return int(session.scalar(stmt) or 0)
