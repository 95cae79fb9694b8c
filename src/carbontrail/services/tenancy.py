"""Tenancy: what a principal may do with an organisation's data, decided from its roles and the jurisdiction tree.

An organisation's raw data (facilities, meters, activity records, files, inventories) is visible only to its own
members and to those it grants (verifier). Suppliers see only the organisation's profile. Park and government
roles see aggregates of the enterprises in their jurisdiction's subtree, never raw records. Platform operators
see profiles and appoint members, never data.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carbontrail.errors import NotFound, PermissionDenied
from carbontrail.services.accounts import Principal
from carbontrail.services.jurisdictions import subtree_ids
from carbontrail.store.models import (
    ActivityRecord,
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

# What each permission lets one do.
PROFILE = "org.profile"  # name, code, industry, place
MANAGE = "org.manage"  # members, roles, the organisation's own record
DATA_READ = "data.read"  # facilities, meters, periods, activity records, audit trail
DATA_WRITE = "data.write"  # add facilities, meters, periods; import activity files
INVENTORY = "inventory.read"  # inventories and reports
AGGREGATE = "aggregate.read"  # totals and intensities only

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "org_admin": frozenset({PROFILE, MANAGE, DATA_READ, DATA_WRITE, INVENTORY, AGGREGATE}),
    "carbon_manager": frozenset({PROFILE, DATA_READ, DATA_WRITE, INVENTORY, AGGREGATE}),
    "data_entry": frozenset({PROFILE, DATA_READ, DATA_WRITE}),
    "verifier": frozenset({PROFILE, DATA_READ, INVENTORY, AGGREGATE}),
    "supplier": frozenset({PROFILE}),
    "park_admin": frozenset({PROFILE, AGGREGATE}),
    "government_viewer": frozenset({PROFILE, AGGREGATE}),
}


@dataclass(frozen=True)
class Access:
    """An organisation as seen by a principal: its id and code, and what the principal may do with it."""

    organisation_id: int
    code: str
    permissions: frozenset[str]

    def allows(self, permission: str) -> bool:
        return permission in self.permissions


def organisation_jurisdictions(session: Session, organisation_id: int) -> set[int]:
    """The jurisdictions an enterprise sits in: its own and those of its facilities."""
    ids = set(session.scalars(select(Facility.jurisdiction_id).where(
        Facility.organisation_id == organisation_id, Facility.jurisdiction_id.is_not(None))))
    own = session.scalar(select(Organisation.jurisdiction_id).where(Organisation.id == organisation_id))
    if own is not None:
        ids.add(own)
    return {i for i in ids if i is not None}


def permissions(session: Session, principal: Principal, organisation_id: int) -> frozenset[str]:
    """Every permission `principal` holds on the organisation (empty: it must not even learn it exists)."""
    held: set[str] = set()
    places: set[int] | None = None
    for grant in principal.grants:
        if grant.organisation_id is not None and grant.organisation_id == organisation_id:
            held |= ROLE_PERMISSIONS[grant.role]
        elif grant.jurisdiction_id is not None:
            if places is None:
                places = organisation_jurisdictions(session, organisation_id)
            if places & subtree_ids(session, grant.jurisdiction_id):
                held |= ROLE_PERMISSIONS[grant.role]
    if principal.platform_admin:
        held |= {PROFILE, MANAGE}  # operators appoint a tenant's administrators; its data stays closed to them
    return frozenset(held)


def require(session: Session, principal: Principal, code: str, permission: str) -> Access:
    """The organisation `code` if `principal` may do `permission` on it.

    An organisation the principal cannot see at all answers `NotFound` (its existence is not revealed);
    one it can see but not act on this way answers `PermissionDenied`.
    """
    org_id = session.scalar(select(Organisation.id).where(Organisation.code == code))
    held = permissions(session, principal, org_id) if org_id is not None else frozenset()
    if not held:
        raise NotFound(f"no organisation with code '{code}'")
    if permission not in held:
        raise PermissionDenied(f"your role does not allow this on organisation '{code}'")
    assert org_id is not None
    return Access(org_id, code, held)


def visible_organisations(session: Session, principal: Principal) -> list[Access]:
    """Every organisation whose profile the principal may see, by code."""
    rows = session.execute(select(Organisation.id, Organisation.code).order_by(Organisation.code)).all()
    out = []
    for org_id, code in rows:
        held = permissions(session, principal, org_id)
        if held:
            out.append(Access(org_id, code, held))
    return out


def require_platform_admin(principal: Principal) -> None:
    if not principal.platform_admin:
        raise PermissionDenied("only a platform administrator may do this")


# -- reading a tenant's data, once `require` has granted access ----------------------------------------------


@dataclass(frozen=True)
class Profile:
    code: str
    name: str
    name_en: str
    industry: str
    province: str
    city: str
    park: str


def profile(session: Session, access: Access) -> Profile:
    org = session.get(Organisation, access.organisation_id)
    if org is None:
        raise NotFound(f"no organisation with code '{access.code}'")
    return Profile(org.code, org.name, org.name_en, org.industry, org.province, org.city, org.park)


def facilities(session: Session, access: Access) -> list[Facility]:
    _need(access, DATA_READ)
    return list(session.scalars(select(Facility).where(Facility.organisation_id == access.organisation_id)
                                .order_by(Facility.code)))


def meters(session: Session, access: Access, facility: str) -> list[Meter]:
    _need(access, DATA_READ)
    fac = _facility(session, access, facility)
    return list(session.scalars(select(Meter).where(Meter.facility_id == fac.id).order_by(Meter.code)))


def periods(session: Session, access: Access) -> list[ReportingPeriod]:
    _need(access, DATA_READ)
    return list(session.scalars(select(ReportingPeriod).where(
        ReportingPeriod.organisation_id == access.organisation_id).order_by(ReportingPeriod.start)))


def activity_records(session: Session, access: Access, *, limit: int = 100, offset: int = 0,
                     kind: str | None = None) -> list[tuple[ActivityRecord, str]]:
    """The organisation's activity records with their facility code, oldest period first."""
    _need(access, DATA_READ)
    stmt = (select(ActivityRecord, Facility.code).join(Facility, ActivityRecord.facility_id == Facility.id)
            .where(ActivityRecord.organisation_id == access.organisation_id)
            .order_by(ActivityRecord.period_start, ActivityRecord.id).limit(limit).offset(offset))
    if kind:
        stmt = stmt.where(ActivityRecord.kind == kind)
    return [(rec, code) for rec, code in session.execute(stmt)]


def members(session: Session, access: Access) -> list[tuple[str, str]]:
    """(e-mail, role) of everyone holding a role on the organisation itself."""
    _need(access, DATA_READ)
    rows = session.execute(select(User.email, RoleGrant.role).join(RoleGrant, RoleGrant.user_id == User.id)
                           .where(RoleGrant.organisation_id == access.organisation_id)
                           .order_by(User.email, RoleGrant.role)).all()
    return [(e, r) for e, r in rows]


def hidden_datasets(session: Session, principal: Principal) -> set[tuple[str, str]]:
    """User factor datasets that belong to organisations the principal is not a member of."""
    mine = {g.organisation_id for g in principal.grants if g.organisation_id is not None
            and DATA_READ in ROLE_PERMISSIONS[g.role]}
    rows = session.execute(select(FactorDatasetRow.name, FactorDatasetRow.version,
                                  FactorDatasetRow.organisation_id)).all()
    return {(n, v) for n, v, org in rows if org is not None and org not in mine}


def _facility(session: Session, access: Access, code: str) -> Facility:
    fac = session.scalars(select(Facility).where(Facility.organisation_id == access.organisation_id,
                                                 Facility.code == code)).one_or_none()
    if fac is None:
        raise NotFound(f"organisation '{access.code}' has no facility '{code}'")
    return fac


def _need(access: Access, permission: str) -> None:
    if permission not in access.permissions:
        raise PermissionDenied(f"your role does not allow this on organisation '{access.code}'")


def data_fingerprint(session: Session, access: Access) -> tuple[object, ...]:
    """A cheap digest of everything an inventory of this tenant depends on: its activity records (count, newest
    id, sum of quantities, newest import), its facilities' provinces, its reporting periods, the factor datasets,
    its suppliers' footprints (scope 3) and its certificate claims. Equal fingerprints mean a computed inventory is still right, so it
    may be reused."""
    org = access.organisation_id
    activity = session.execute(select(func.count(ActivityRecord.id), func.max(ActivityRecord.id),
                                      func.sum(ActivityRecord.quantity))
                               .where(ActivityRecord.organisation_id == org)).one()
    newest_import = session.scalar(select(func.max(ImportBatch.id)).where(ImportBatch.organisation_id == org))
    sites = session.execute(select(Facility.id, Facility.code, Facility.province)
                            .where(Facility.organisation_id == org).order_by(Facility.id)).all()
    periods = session.execute(select(ReportingPeriod.name, ReportingPeriod.start, ReportingPeriod.end)
                              .where(ReportingPeriod.organisation_id == org).order_by(ReportingPeriod.id)).all()
    datasets = session.execute(select(func.count(FactorDatasetRow.id), func.max(FactorDatasetRow.id))).one()
    suppliers = session.execute(select(func.count(SupplierFootprint.id), func.max(SupplierFootprint.updated_at),
                                       func.sum(SupplierFootprint.fossil_kg_per_unit))
                                .where(SupplierFootprint.organisation_id == org)).one()
    claims = session.execute(select(func.count(CertificateClaim.id), func.max(CertificateClaim.id),
                                    func.sum(CertificateClaim.kwh).filter(CertificateClaim.status == "active"))
                             .where(CertificateClaim.organisation_id == org)).one()
    return (tuple(activity), newest_import, tuple(map(tuple, sites)), tuple(map(tuple, periods)), tuple(datasets),
            tuple(suppliers), tuple(claims))
