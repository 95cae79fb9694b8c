"""Organisations (tenants), their facilities, meters, reporting periods and members: the use cases every door
calls, and the building blocks set-up steps use inside their own transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict, InputError, Location, NotFound
from carbontrail.inventory.organisations import MeterInfo, Site
from carbontrail.services import audit, jurisdictions, tenancy
from carbontrail.services.jurisdictions import JurisdictionNode
from carbontrail.services.tenancy import Access
from carbontrail.services.work import Actor, unit_of_work
from carbontrail.store.models import Facility, Meter, Organisation, ReportingPeriod
from carbontrail.store.repositories import organisations as repo
from carbontrail.units import parse_unit

# -- what the use cases return --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationView(tenancy.Profile):
    """An organisation's profile and what the asking principal may do with it."""

    permissions: list[str] = field(default_factory=list)

    def allows(self, permission: str) -> bool:
        return permission in self.permissions


@dataclass(frozen=True)
class FacilityView(Site):
    """A facility as the pages and the API show it."""


@dataclass(frozen=True)
class MeterView(MeterInfo):
    """A meter as the pages and the API show it."""


@dataclass(frozen=True)
class PeriodView:
    name: str
    start: date
    end: date
    is_base_year: bool
    locked_at: datetime | None = None  # locked for verification since then (no activity record in it changes)
    locked_by: str = ""


@dataclass(frozen=True)
class Member:
    email: str
    role: str


@dataclass(frozen=True)
class Overview:
    """The home page: the organisations one may see, and the jurisdictions one oversees."""

    organisations: list[OrganisationView]
    jurisdictions: list[JurisdictionNode]


@dataclass(frozen=True)
class OrganisationPage:
    organisation: OrganisationView
    facilities: list[FacilityView]
    periods: list[PeriodView]
    meters: list[MeterView] = field(default_factory=list)


def _view(org: Organisation, access: Access) -> OrganisationView:
    return OrganisationView(org.code, org.name, org.name_en, org.industry, org.province, org.city, org.park,
                            sorted(access.permissions))


def _facility_view(f: Facility) -> FacilityView:
    return FacilityView(f.code, f.name, f.province, f.city, f.park)


def _period_view(p: ReportingPeriod) -> PeriodView:
    return PeriodView(p.name, p.start, p.end, p.is_base_year, p.locked_at, p.locked_by)


# -- reading ----------------------------------------------------------------------------------------------------


def visible(sessions: sessionmaker[Session], actor: Actor) -> list[OrganisationView]:
    """The organisations `actor` may see (members, grantees, and the overseers of their jurisdictions)."""
    with sessions() as s:
        return [_view(tenancy.organisation(s, a), a) for a in tenancy.visible_organisations(s, actor)]


def overview(sessions: sessionmaker[Session], actor: Actor) -> Overview:
    with sessions() as s:
        orgs = [_view(tenancy.organisation(s, a), a) for a in tenancy.visible_organisations(s, actor)]
        roots = {g.jurisdiction_id for g in actor.grants if g.jurisdiction_id is not None}
        places = jurisdictions.tree(s, roots) if roots else []
    return Overview(orgs, places)


def profile(sessions: sessionmaker[Session], actor: Actor, code: str) -> OrganisationView:
    with sessions() as s:
        access = tenancy.require(s, actor, code, tenancy.PROFILE)
        return _view(tenancy.organisation(s, access), access)


def organisation_page(sessions: sessionmaker[Session], actor: Actor, code: str) -> OrganisationPage:
    """The profile, and the facilities and periods when `actor` may read the tenant's data."""
    with sessions() as s:
        access = tenancy.require(s, actor, code, tenancy.PROFILE)
        if not access.allows(tenancy.DATA_READ):
            return OrganisationPage(_view(tenancy.organisation(s, access), access), [], [])
        sites = repo.facilities(s, access.organisation_id)
        code_of = {f.id: f.code for f in sites}
        return OrganisationPage(
            _view(tenancy.organisation(s, access), access), [_facility_view(f) for f in sites],
            [_period_view(p) for p in repo.periods(s, access.organisation_id)],
            [MeterView(code_of[m.facility_id], m.code, m.medium, m.unit, m.supplier)
             for m in repo.meters_of(s, access.organisation_id)])


def facilities(sessions: sessionmaker[Session], actor: Actor, code: str) -> list[FacilityView]:
    with sessions() as s:
        access = tenancy.require(s, actor, code, tenancy.DATA_READ)
        return [_facility_view(f) for f in repo.facilities(s, access.organisation_id)]


def meters(sessions: sessionmaker[Session], actor: Actor, code: str, facility: str) -> list[MeterView]:
    with sessions() as s:
        access = tenancy.require(s, actor, code, tenancy.DATA_READ)
        return [MeterView(facility, m.code, m.medium, m.unit, m.supplier)
                for m in tenancy.meters(s, access, facility)]


def periods(sessions: sessionmaker[Session], actor: Actor, code: str) -> list[PeriodView]:
    with sessions() as s:
        access = tenancy.require(s, actor, code, tenancy.DATA_READ)
        return [_period_view(p) for p in repo.periods(s, access.organisation_id)]


def members(sessions: sessionmaker[Session], actor: Actor, code: str) -> list[Member]:
    with sessions() as s:
        access = tenancy.require(s, actor, code, tenancy.DATA_READ)
        return [Member(e, r) for e, r in repo.members(s, access.organisation_id)]


def audit_trail(sessions: sessionmaker[Session], actor: Actor, code: str, *, before: int | None = None,
                limit: int = 100) -> audit.AuditPage:
    """One page of who changed what in organisation `code` (readers of its data only), newest first."""
    with sessions() as s:
        access = tenancy.require(s, actor, code, tenancy.DATA_READ)
        return audit.page(s, access.organisation_id, before=before, limit=limit)


# -- changing ---------------------------------------------------------------------------------------------------


def add_organisation(sessions: sessionmaker[Session], actor: Actor, code: str, name: str, *, name_en: str = "",
                     industry: str = "", province: str = "", city: str = "", park: str = "") -> OrganisationView:
    """Add a tenant (platform administrators and the command line); its first org_admin is granted next."""
    tenancy.require_platform_admin(actor)
    values = {"name_en": name_en, "industry": industry, "province": province, "city": city, "park": park}
    with unit_of_work(sessions, actor) as work:
        org = create_organisation(work.session, code.strip(), name.strip(), **values)
        work.audit("create", "organisation", org.code, organisation_id=org.id,
                   detail={"code": org.code, "name": org.name, **values})
        access = tenancy.require(work.session, actor, org.code, tenancy.PROFILE)
        return _view(org, access)


def add_facility(sessions: sessionmaker[Session], actor: Actor, organisation: str, code: str, name: str,
                 province: str, *, city: str = "", park: str = "") -> FacilityView:
    with unit_of_work(sessions, actor) as work:
        access = tenancy.require(work.session, actor, organisation, tenancy.DATA_WRITE)
        fac = create_facility(work.session, access.code, code.strip(), name.strip(), province.strip(),
                              city=city.strip(), park=park.strip())
        view = _facility_view(fac)
        work.audit("create", "facility", f"{access.code}/{fac.code}", organisation_id=access.organisation_id,
                   detail=dict(view.__dict__))
        return view


def add_meter(sessions: sessionmaker[Session], actor: Actor, organisation: str, facility: str, code: str,
              medium: str, unit: str, *, supplier: str = "") -> MeterView:
    """A new meter at a facility; its unit must be one carbontrail knows."""
    _required(code=code, medium=medium)
    parse_unit(unit, location=Location(field="unit"))
    with unit_of_work(sessions, actor) as work:
        s = work.session
        access = tenancy.require(s, actor, organisation, tenancy.DATA_WRITE)
        fac = tenancy.facility_of(s, access, facility)
        if repo.meter(s, fac.id, code) is not None:
            raise Conflict(f"facility '{access.code}/{facility}' already has a meter '{code}'")
        s.add(Meter(facility_id=fac.id, code=code, medium=medium, unit=unit, supplier=supplier))
        view = MeterView(facility, code, medium, unit, supplier)
        work.audit("create", "meter", f"{access.code}/{facility}/{code}", organisation_id=access.organisation_id,
                   detail=dict(view.__dict__))
        return view


def add_period(sessions: sessionmaker[Session], actor: Actor, organisation: str, name: str, start: date, end: date,
               *, is_base_year: bool = False) -> PeriodView:
    """A new reporting period; the end may not be before the start."""
    with unit_of_work(sessions, actor) as work:
        access = tenancy.require(work.session, actor, organisation, tenancy.DATA_WRITE)
        create_period(work.session, access.code, name, start, end, is_base_year=is_base_year)
        work.audit("create", "reporting_period", f"{access.code}/{name}", organisation_id=access.organisation_id,
                   detail={"name": name, "start": start.isoformat(), "end": end.isoformat(),
                           "is_base_year": is_base_year})
        return PeriodView(name, start, end, is_base_year)


def lock_period(sessions: sessionmaker[Session], actor: Actor, organisation: str, name: str) -> PeriodView:
    """Lock reporting period `name` for verification: from now on no activity record inside it may be imported,
    changed or deleted (those who write the data and read the inventory may lock; `Conflict` if already locked)."""
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, organisation, tenancy.DATA_WRITE, tenancy.INVENTORY)
        period = _period(work.session, access, name)
        if period.locked_at is not None:
            raise Conflict(f"reporting period '{name}' is already locked for verification (by {period.locked_by})")
        period.locked_at, period.locked_by = datetime.now(UTC), work.actor.actor
        work.audit("lock", "reporting_period", f"{access.code}/{name}", organisation_id=access.organisation_id,
                   detail={"name": name, "start": period.start.isoformat(), "end": period.end.isoformat()})
        return _period_view(period)


def unlock_period(sessions: sessionmaker[Session], actor: Actor, organisation: str, name: str) -> PeriodView:
    """Open a locked period again (the organisation's administrators only); `Conflict` if it is not locked."""
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, organisation, tenancy.MANAGE)
        period = _period(work.session, access, name)
        if period.locked_at is None:
            raise Conflict(f"reporting period '{name}' is not locked")
        locked = {"locked_at": period.locked_at.isoformat(), "locked_by": period.locked_by}
        period.locked_at, period.locked_by = None, ""
        work.audit("unlock", "reporting_period", f"{access.code}/{name}", organisation_id=access.organisation_id,
                   before=locked)
        return _period_view(period)


def _period(session: Session, access: Access, name: str) -> ReportingPeriod:
    return tenancy.period_named(session, access.organisation_id, access.code, name)


# -- building blocks inside a caller's transaction (imports, demo and test set-up) -----------------------------


def get_organisation(session: Session, code: str) -> Organisation:
    """The organisation with this code, or `NotFound`."""
    org = repo.by_code(session, code)
    if org is None:
        raise NotFound(f"no organisation with code '{code}'")
    return org


def organisation_codes(sessions: sessionmaker[Session]) -> list[str]:
    """The code of every organisation on the platform (names a battery event's actors may use)."""
    with sessions() as s:
        return repo.codes(s)


def create_organisation(session: Session, code: str, name: str, *, name_en: str = "", industry: str = "",
                        province: str = "", city: str = "", park: str = "") -> Organisation:
    """A new organisation; `Conflict` when the code is taken."""
    _required(code=code, name=name)
    if repo.id_of(session, code) is not None:
        raise Conflict(f"an organisation with code '{code}' already exists")
    org = Organisation(code=code, name=name, name_en=name_en, industry=industry, province=province, city=city,
                       park=park)
    session.add(org)
    session.flush()
    return org


def create_facility(session: Session, organisation: str, code: str, name: str, province: str, *, city: str = "",
                    park: str = "") -> Facility:
    """A new facility of an organisation; `Conflict` when the organisation already has one with this code."""
    _required(code=code, name=name, province=province)
    org = get_organisation(session, organisation)
    if repo.facility(session, org.id, code) is not None:
        raise Conflict(f"organisation '{organisation}' already has a facility '{code}'")
    fac = Facility(organisation_id=org.id, code=code, name=name, province=province, city=city, park=park)
    session.add(fac)
    session.flush()
    return fac


def create_period(session: Session, organisation: str, name: str, start: date, end: date, *,
                  is_base_year: bool = False) -> ReportingPeriod:
    """A new reporting period; the end may not be before the start."""
    _required(name=name)
    if end < start:
        raise InputError(f"the end {end} is before the start {start}", location=Location(field="end"),
                         expected="an end date on or after the start date")
    org = get_organisation(session, organisation)
    if repo.period(session, org.id, name) is not None:
        raise Conflict(f"organisation '{organisation}' already has a reporting period '{name}'")
    period = ReportingPeriod(organisation_id=org.id, name=name, start=start, end=end, is_base_year=is_base_year)
    session.add(period)
    session.flush()
    return period


def _required(**values: str) -> None:
    for name, value in values.items():
        if not value or not value.strip():
            raise InputError("the value is missing", location=Location(field=name))
