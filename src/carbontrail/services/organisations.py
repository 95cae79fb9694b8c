"""Organisations, their facilities, meters and reporting periods: create, get and list, inside a caller's session.

Each function takes a `Session` so several steps (an import, a set-up) can share one transaction.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict, InputError, Location, NotFound
from carbontrail.store.models import Facility, Meter, Organisation, ReportingPeriod
from carbontrail.units import parse_unit

# -- organisations --------------------------------------------------------------------------------------------


def get_organisation(session: Session, code: str) -> Organisation:
    """The organisation with this code, or `NotFound`."""
    org = session.scalars(select(Organisation).where(Organisation.code == code)).one_or_none()
    if org is None:
        raise NotFound(f"no organisation with code '{code}'")
    return org


def organisation_codes(sessions: sessionmaker[Session]) -> list[str]:
    """The code of every organisation on the platform (names a battery event's actors may use)."""
    with sessions() as s:
        return list(s.scalars(select(Organisation.code)))


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.code)))


def create_organisation(session: Session, code: str, name: str, *, name_en: str = "", industry: str = "",
                        province: str = "", city: str = "", park: str = "") -> Organisation:
    """A new organisation; `Conflict` when the code is taken."""
    _required(code=code, name=name)
    if session.scalars(select(Organisation.id).where(Organisation.code == code)).first() is not None:
        raise Conflict(f"an organisation with code '{code}' already exists")
    org = Organisation(code=code, name=name, name_en=name_en, industry=industry, province=province, city=city,
                       park=park)
    session.add(org)
    session.flush()
    return org


# -- facilities -----------------------------------------------------------------------------------------------


def get_facility(session: Session, organisation: str, code: str) -> Facility:
    """The facility `code` of organisation `organisation` (both codes), or `NotFound`."""
    fac = session.scalars(select(Facility).join(Organisation).where(
        Organisation.code == organisation, Facility.code == code)).one_or_none()
    if fac is None:
        raise NotFound(f"organisation '{organisation}' has no facility '{code}'")
    return fac


def list_facilities(session: Session, organisation: str) -> list[Facility]:
    org = get_organisation(session, organisation)
    return list(session.scalars(select(Facility).where(Facility.organisation_id == org.id).order_by(Facility.code)))


def create_facility(session: Session, organisation: str, code: str, name: str, province: str, *, city: str = "",
                    park: str = "") -> Facility:
    """A new facility of an organisation; `Conflict` when the organisation already has one with this code."""
    _required(code=code, name=name, province=province)
    org = get_organisation(session, organisation)
    if session.scalars(select(Facility.id).where(Facility.organisation_id == org.id,
                                                 Facility.code == code)).first() is not None:
        raise Conflict(f"organisation '{organisation}' already has a facility '{code}'")
    fac = Facility(organisation_id=org.id, code=code, name=name, province=province, city=city, park=park)
    session.add(fac)
    session.flush()
    return fac


# -- meters ---------------------------------------------------------------------------------------------------


def get_meter(session: Session, organisation: str, facility: str, code: str) -> Meter:
    fac = get_facility(session, organisation, facility)
    meter = session.scalars(select(Meter).where(Meter.facility_id == fac.id, Meter.code == code)).one_or_none()
    if meter is None:
        raise NotFound(f"facility '{organisation}/{facility}' has no meter '{code}'")
    return meter


def list_meters(session: Session, organisation: str, facility: str | None = None) -> list[Meter]:
    org = get_organisation(session, organisation)
    stmt = select(Meter).join(Facility).where(Facility.organisation_id == org.id)
    if facility:
        stmt = stmt.where(Facility.code == facility)
    return list(session.scalars(stmt.order_by(Facility.code, Meter.code)))


def create_meter(session: Session, organisation: str, facility: str, code: str, medium: str, unit: str, *,
                 supplier: str = "") -> Meter:
    """A new meter at a facility; its unit must be one carbontrail knows."""
    _required(code=code, medium=medium)
    parse_unit(unit, location=Location(field="unit"))
    fac = get_facility(session, organisation, facility)
    if session.scalars(select(Meter.id).where(Meter.facility_id == fac.id, Meter.code == code)).first() is not None:
        raise Conflict(f"facility '{organisation}/{facility}' already has a meter '{code}'")
    meter = Meter(facility_id=fac.id, code=code, medium=medium, unit=unit, supplier=supplier)
    session.add(meter)
    session.flush()
    return meter


# -- reporting periods ----------------------------------------------------------------------------------------


def get_period(session: Session, organisation: str, name: str) -> ReportingPeriod:
    org = get_organisation(session, organisation)
    period = session.scalars(select(ReportingPeriod).where(ReportingPeriod.organisation_id == org.id,
                                                           ReportingPeriod.name == name)).one_or_none()
    if period is None:
        raise NotFound(f"organisation '{organisation}' has no reporting period '{name}'")
    return period


def list_periods(session: Session, organisation: str) -> list[ReportingPeriod]:
    org = get_organisation(session, organisation)
    return list(session.scalars(select(ReportingPeriod).where(ReportingPeriod.organisation_id == org.id)
                                .order_by(ReportingPeriod.start, ReportingPeriod.name)))


def create_period(session: Session, organisation: str, name: str, start: date, end: date, *,
                  is_base_year: bool = False) -> ReportingPeriod:
    """A new reporting period; the end may not be before the start."""
    _required(name=name)
    if end < start:
        raise InputError(f"the end {end} is before the start {start}", location=Location(field="end"),
                         expected="an end date on or after the start date")
    org = get_organisation(session, organisation)
    if session.scalars(select(ReportingPeriod.id).where(ReportingPeriod.organisation_id == org.id,
                                                        ReportingPeriod.name == name)).first() is not None:
        raise Conflict(f"organisation '{organisation}' already has a reporting period '{name}'")
    period = ReportingPeriod(organisation_id=org.id, name=name, start=start, end=end, is_base_year=is_base_year)
    session.add(period)
    session.flush()
    return period


def _required(**values: str) -> None:
    for field, value in values.items():
        if not value or not value.strip():
            raise InputError("the value is missing", location=Location(field=field))
