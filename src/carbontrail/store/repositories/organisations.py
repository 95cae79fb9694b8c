"""Queries about tenants: organisations (looked up by code here and nowhere else), their facilities, meters,
reporting periods and members, and what an inventory of a tenant depends on."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carbontrail.store.models import (
    ActivityRecord,
    AuditEvent,
    CertificateClaim,
    Facility,
    FactorDatasetRow,
    ImportBatch,
    Meter,
    Organisation,
    ReportingPeriod,
    RoleGrant,
    SupplierFootprint,
    User,
)
from carbontrail.store.repositories import _owned as owned


def by_code(session: Session, code: str) -> Organisation | None:
    """The organisation with this code, or None."""
    return session.scalars(select(Organisation).where(Organisation.code == code)).one_or_none()


def id_of(session: Session, code: str) -> int | None:
    return session.scalar(select(Organisation.id).where(Organisation.code == code))


def codes(session: Session) -> list[str]:
    return list(session.scalars(select(Organisation.code).order_by(Organisation.code)))


def all_by_code(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.code)))


def ids_and_codes(session: Session) -> list[tuple[int, str]]:
    return [(i, c) for i, c in session.execute(select(Organisation.id, Organisation.code).order_by(Organisation.code))]


def jurisdiction_ids(session: Session, organisation_id: int) -> set[int]:
    """The jurisdictions an enterprise sits in: its own and those of its facilities."""
    ids = set(session.scalars(select(Facility.jurisdiction_id).where(
        Facility.organisation_id == organisation_id, Facility.jurisdiction_id.is_not(None))))
    own = session.scalar(select(Organisation.jurisdiction_id).where(Organisation.id == organisation_id))
    if own is not None:
        ids.add(own)
    return {i for i in ids if i is not None}


# -- facilities, meters, periods ------------------------------------------------------------------------------


def facility(session: Session, organisation_id: int, code: str) -> Facility | None:
    return owned.one(session, Facility, organisation_id, code=code)


def facilities(session: Session, organisation_id: int) -> list[Facility]:
    return owned.every(session, Facility, organisation_id, Facility.code)


def meter(session: Session, facility_id: int, code: str) -> Meter | None:
    return session.scalars(select(Meter).where(Meter.facility_id == facility_id, Meter.code == code)).one_or_none()


def meters(session: Session, facility_id: int) -> list[Meter]:
    return list(session.scalars(select(Meter).where(Meter.facility_id == facility_id).order_by(Meter.code)))


def meters_of(session: Session, organisation_id: int, facility_code: str | None = None) -> list[Meter]:
    stmt = select(Meter).join(Facility).where(Facility.organisation_id == organisation_id)
    if facility_code:
        stmt = stmt.where(Facility.code == facility_code)
    return list(session.scalars(stmt.order_by(Facility.code, Meter.code)))


def period(session: Session, organisation_id: int, name: str) -> ReportingPeriod | None:
    return owned.one(session, ReportingPeriod, organisation_id, name=name)


def periods(session: Session, organisation_id: int) -> list[ReportingPeriod]:
    return owned.every(session, ReportingPeriod, organisation_id, ReportingPeriod.start, ReportingPeriod.name)


def locked_periods(session: Session, organisation_ids: list[int]) -> dict[int, list[tuple[str, date, date]]]:
    """Organisation id → (name, start, end) of its periods locked for verification."""
    out: dict[int, list[tuple[str, date, date]]] = {}
    for org, name, start, end in session.execute(
            select(ReportingPeriod.organisation_id, ReportingPeriod.name, ReportingPeriod.start, ReportingPeriod.end)
            .where(ReportingPeriod.organisation_id.in_(organisation_ids or [-1]),
                   ReportingPeriod.locked_at.is_not(None)).order_by(ReportingPeriod.start)):
        out.setdefault(org, []).append((name, start, end))
    return out


def activity_records(session: Session, organisation_id: int, *, limit: int, offset: int,
                     kind: str | None = None) -> list[tuple[ActivityRecord, str]]:
    """Activity records with their facility code, oldest period first."""
    stmt = (select(ActivityRecord, Facility.code).join(Facility, ActivityRecord.facility_id == Facility.id)
            .where(ActivityRecord.organisation_id == organisation_id)
            .order_by(ActivityRecord.period_start, ActivityRecord.id).limit(limit).offset(offset))
    if kind:
        stmt = stmt.where(ActivityRecord.kind == kind)
    return [(rec, code) for rec, code in session.execute(stmt)]


def members(session: Session, organisation_id: int) -> list[tuple[str, str]]:
    """(e-mail, role) of everyone holding a role on the organisation itself."""
    rows = session.execute(select(User.email, RoleGrant.role).join(RoleGrant, RoleGrant.user_id == User.id)
                           .where(RoleGrant.organisation_id == organisation_id)
                           .order_by(User.email, RoleGrant.role)).all()
    return [(e, r) for e, r in rows]


def dataset_owners(session: Session) -> list[tuple[str, str, int | None]]:
    """(name, version, owning organisation id or None) of every stored factor dataset."""
    return [(n, v, o) for n, v, o in session.execute(select(FactorDatasetRow.name, FactorDatasetRow.version,
                                                            FactorDatasetRow.organisation_id))]


def inventory_inputs(session: Session, organisation_id: int) -> tuple[object, ...]:
    """A cheap digest of what an inventory of the organisation depends on (see `tenancy.data_fingerprint`)."""
    org = organisation_id
    activity = session.execute(select(func.count(ActivityRecord.id), func.max(ActivityRecord.id),
                                      func.sum(ActivityRecord.quantity))
                               .where(ActivityRecord.organisation_id == org)).one()
    newest_import = session.scalar(select(func.max(ImportBatch.id)).where(ImportBatch.organisation_id == org))
    # a record changed by hand can keep the count, the newest id and the sum: its audit row moves this instead
    newest_edit = session.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.organisation_id == org,
                                                                       AuditEvent.object_type == "activity_record"))
    sites = session.execute(select(Facility.id, Facility.code, Facility.province)
                            .where(Facility.organisation_id == org).order_by(Facility.id)).all()
    spans = session.execute(select(ReportingPeriod.name, ReportingPeriod.start, ReportingPeriod.end)
                            .where(ReportingPeriod.organisation_id == org).order_by(ReportingPeriod.id)).all()
    datasets = session.execute(select(func.count(FactorDatasetRow.id), func.max(FactorDatasetRow.id))).one()
    suppliers = session.execute(select(func.count(SupplierFootprint.id), func.max(SupplierFootprint.updated_at),
                                       func.sum(SupplierFootprint.fossil_kg_per_unit))
                                .where(SupplierFootprint.organisation_id == org)).one()
    claims = session.execute(select(func.count(CertificateClaim.id), func.max(CertificateClaim.id),
                                    func.sum(CertificateClaim.kwh).filter(CertificateClaim.status == "active"))
                             .where(CertificateClaim.organisation_id == org)).one()
    return (tuple(activity), newest_import, newest_edit, tuple(map(tuple, sites)), tuple(map(tuple, spans)), tuple(datasets),
            tuple(suppliers), tuple(claims))


def parks(session: Session) -> dict[str, str]:
    """Organisation code → the park it names (as entered on the organisation; "" when none)."""
    return {code: park for code, park in session.execute(select(Organisation.code, Organisation.park))}
