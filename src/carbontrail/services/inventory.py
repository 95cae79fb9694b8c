"""Computing an organisation's (or one facility's) inventory for a reporting period from stored activity data."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import InputError, Location, NotFound
from carbontrail.inventory.ghg import Activity, InventoryOptions, InventoryResult, compute_inventory
from carbontrail.services.certificate_matching import with_claims
from carbontrail.services.supplier_data import supplier_footprints
from carbontrail.store.models import ActivityRecord, Facility, Organisation, ReportingPeriod
from carbontrail.units import quantity


def resolve_period(session: Session, org: Organisation, period: str | None,
                   start: date | None, end: date | None) -> tuple[date, date]:
    """The dates of a named reporting period, or of explicit start/end dates."""
    if period:
        row = session.scalars(select(ReportingPeriod).where(
            ReportingPeriod.organisation_id == org.id, ReportingPeriod.name == period)).one_or_none()
        if row is None:
            raise NotFound(f"organisation '{org.code}' has no reporting period '{period}'")
        return row.start, row.end
    if start is None or end is None:
        raise InputError("give a reporting period name, or both a start and an end date",
                         location=Location(field="period"))
    if end < start:
        raise InputError("the end date is before the start date", location=Location(field="end"))
    return start, end


def get_organisation(session: Session, code: str) -> Organisation:
    org = session.scalars(select(Organisation).where(Organisation.code == code)).one_or_none()
    if org is None:
        raise NotFound(f"no organisation with code '{code}'")
    return org


def load_activities(session: Session, org: Organisation, start: date, end: date,
                    facility: str | None = None) -> list[Activity]:
    """Stored activity records of the organisation inside [start, end], as core `Activity` values."""
    stmt = (select(ActivityRecord, Facility.code, Facility.province)
            .join(Facility, ActivityRecord.facility_id == Facility.id)
            .where(ActivityRecord.organisation_id == org.id,
                   ActivityRecord.period_start >= start, ActivityRecord.period_end <= end)
            .order_by(Facility.code, ActivityRecord.period_start, ActivityRecord.kind, ActivityRecord.item,
                      ActivityRecord.id))
    if facility:
        stmt = stmt.where(Facility.code == facility)
    out = []
    for rec, fac_code, province in session.execute(stmt):
        loc = Location(file=rec.source or None, field="unit")
        out.append(Activity(
            facility=fac_code, province=province, kind=rec.kind, item=rec.item,
            quantity=quantity(rec.quantity, rec.unit, location=loc),
            period_start=rec.period_start, period_end=rec.period_end, category=rec.category, gas=rec.gas,
            supplier=rec.supplier, instrument=rec.instrument, instrument_ref=rec.instrument_ref,
            contract_factor=rec.contract_factor, source=rec.source,
        ))
    return out


def organisation_inventory(
    sessions: sessionmaker[Session] | None,
    organisation: str,
    *,
    period: str | None = None,
    start: date | None = None,
    end: date | None = None,
    facility: str | None = None,
    options: InventoryOptions | None = None,
    matching: str = "annual",
) -> InventoryResult:
    """The inventory of `organisation` (or of one of its facilities) for a period, with the factor library
    including the users' own datasets (`sessions` defaults to the configured database). The organisation's claimed
    certificates lower its market-based scope 2 by what they match at `matching` ('hourly' | 'monthly' | 'annual')."""
    from carbontrail.services.database import open_sessions
    from carbontrail.services.factors import library_with_user_datasets

    sessions = sessions or open_sessions()
    with sessions() as session:
        org = get_organisation(session, organisation)
        if facility and not session.scalars(select(Facility.id).where(
                Facility.organisation_id == org.id, Facility.code == facility)).first():
            raise NotFound(f"organisation '{organisation}' has no facility '{facility}'")
        p_start, p_end = resolve_period(session, org, period, start, end)
        activities = load_activities(session, org, p_start, p_end, facility)
        if not facility:  # claims are the organisation's, against all its consumption
            activities = with_claims(session, org, p_start, p_end, activities, matching)
        library = library_with_user_datasets(session)
        footprints = supplier_footprints(session, org.id)
    label = org.code if not facility else f"{org.code}/{facility}"
    return compute_inventory(label, p_start, p_end, activities, library, options, supplier_footprints=footprints)



