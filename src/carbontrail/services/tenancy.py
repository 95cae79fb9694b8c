"""Tenancy: what a principal may do with an organisation's data, decided from its roles and the jurisdiction tree.

An organisation's raw data (facilities, meters, activity records, files, inventories) is visible only to its own
members and to those it grants (verifier). Suppliers see only the organisation's profile. Park and government
roles see aggregates of the enterprises in their jurisdiction's subtree, never raw records. Platform operators
see profiles and appoint members, never data.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import NotFound, PermissionDenied
from carbontrail.inventory.organisations import Profile
from carbontrail.services.jurisdictions import subtree_ids
from carbontrail.services.principals import Grant, Principal
from carbontrail.services.work import SystemActor
from carbontrail.store.models import ActivityRecord, Facility, Meter, Organisation, ReportingPeriod
from carbontrail.store import changes
from carbontrail.store.repositories import organisations as repo

# What each permission lets one do.
PROFILE = "org.profile"  # name, code, industry, place
MANAGE = "org.manage"  # members, roles, the organisation's own record
DATA_READ = "data.read"  # facilities, meters, periods, activity records, audit trail
DATA_WRITE = "data.write"  # add facilities, meters, periods; import activity files
INVENTORY = "inventory.read"  # inventories and reports
AGGREGATE = "aggregate.read"  # totals and intensities only
GRANT_ACCESS = "access.grant"  # give another organisation access to the tenant's data (passport tiers, PACT)
DELETE = "data.delete"  # remove whole objects (product models, declarations), not just add data
APPOINT = "org.appoint"  # name the tenant's administrator (platform operators; every other role is the tenant's)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "org_admin": frozenset({PROFILE, MANAGE, DATA_READ, DATA_WRITE, GRANT_ACCESS, DELETE, INVENTORY, AGGREGATE}),
    "carbon_manager": frozenset({PROFILE, DATA_READ, DATA_WRITE, GRANT_ACCESS, DELETE, INVENTORY, AGGREGATE}),
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
    return repo.jurisdiction_ids(session, organisation_id)


class Actor(Protocol):
    """Who acts, as tenancy sees it: a `Principal`, or a system actor of `services.work` (no grants)."""

    @property
    def platform_admin(self) -> bool: ...

    @property
    def grants(self) -> tuple[Grant, ...]: ...


def permissions(session: Session, principal: Actor, organisation_id: int) -> frozenset[str]:
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
        held |= {PROFILE, APPOINT}  # operators appoint a tenant's administrator; its data stays closed to them
    return frozenset(held)


def require(session: Session, principal: Actor, code: str, permission: str) -> Access:
    """The organisation `code` if `principal` may do `permission` on it.

    An organisation the principal cannot see at all answers `NotFound` (its existence is not revealed);
    one it can see but not act on this way answers `PermissionDenied`.
    """
    org_id = organisation_id(session, code)
    held = permissions(session, principal, org_id) if org_id is not None else frozenset()
    return _decided(code, org_id, held, permission)


def _decided(code: str, org_id: int | None, held: frozenset[str], permission: str) -> Access:
    if not held:
        raise NotFound(f"no organisation with code '{code}'")
    if permission not in held:
        raise PermissionDenied(f"your role does not allow this on organisation '{code}'")
    assert org_id is not None
    return Access(org_id, code, held)


#: What a system actor (a command on this machine, the demo loader) may do: it holds the database already.
EVERY_PERMISSION = frozenset().union(*ROLE_PERMISSIONS.values())


def access(session: Session, actor: Actor, code: str, *needed: str) -> Access:
    """The organisation `code` as `actor` may use it for every one of `needed`: the one place that decides.

    A system actor acts as the organisation's administrator (`NotFound` only when no such organisation exists); a
    principal as its roles allow (`require`: `NotFound` if it may not see the organisation at all,
    `PermissionDenied` if it may see it but not act this way)."""
    if isinstance(actor, SystemActor):
        return Access(known_organisation_id(session, code), code, EVERY_PERMISSION)
    found = require(session, actor, code, needed[0] if needed else PROFILE)
    for permission in needed[1:]:
        _need(found, permission)
    return found


def remembered_access(sessions: sessionmaker[Session], actor: Actor, code: str, *needed: str) -> Access | None:
    """`access`, decided from memory alone when it can be: the organisation's id already known in this process and
    an actor whose roles are all on organisations (its grants are in hand). None when the decision needs the
    database (an overseer's jurisdiction tree, a code not seen yet): call `access` or `check` then. The same rules,
    the same refusals: what this answers, `access` would."""
    if any(g.jurisdiction_id is not None for g in actor.grants):
        return None
    engine = sessions.kw.get("bind")
    with _MEMO_LOCK:
        org_id = _IDS.get(engine, {}).get(code) if engine is not None else None
    if org_id is None:
        return None
    if isinstance(actor, SystemActor):
        return Access(org_id, code, EVERY_PERMISSION)
    held: set[str] = set()
    for grant in actor.grants:
        if grant.organisation_id == org_id:
            held |= ROLE_PERMISSIONS[grant.role]
    if actor.platform_admin:
        held |= {PROFILE, APPOINT}
    found = _decided(code, org_id, frozenset(held), needed[0] if needed else PROFILE)
    for permission in needed[1:]:
        _need(found, permission)
    return found


def check(sessions: sessionmaker[Session], actor: Actor, code: str, *needed: str) -> Access:
    """`access` in a session of its own, for a use case that decides before it opens its own unit of work."""
    with sessions() as s:
        return access(s, actor, code, *needed)


def visible_organisations(session: Session, principal: Actor) -> list[Access]:
    """Every organisation whose profile the principal may see, by code."""
    out = []
    for org_id, code in repo.ids_and_codes(session):
        held = permissions(session, principal, org_id)
        if held:
            out.append(Access(org_id, code, held))
    return out


def profile_of(sessions: sessionmaker[Session], actor: Actor, code: str, permission: str) -> Profile:
    """The organisation's profile, if `actor` may use it for `permission` (what a page's heading shows)."""
    with sessions() as session:
        return profile(session, access(session, actor, code, permission))


def readable(sessions: sessionmaker[Session], actor: Actor, permission: str) -> list[Profile]:
    """The profiles of every organisation a principal may use for `permission`, by code."""
    if isinstance(actor, SystemActor):
        raise NotFound("a system actor has no list of organisations it may read")
    with sessions() as session:
        return [profile(session, a) for a in visible_organisations(session, actor) if a.allows(permission)]


def require_platform_admin(principal: Actor) -> None:
    if not principal.platform_admin:
        raise PermissionDenied("only a platform administrator may do this")


# -- reading a tenant's data, once `require` has granted access ----------------------------------------------


def organisation(session: Session, access: Access) -> Organisation:
    """The organisation's own row."""
    org = session.get(Organisation, access.organisation_id)
    if org is None:
        raise NotFound(f"no organisation with code '{access.code}'")
    return org


def profile(session: Session, access: Access) -> Profile:
    org = organisation(session, access)
    return Profile(org.code, org.name, org.name_en, org.industry, org.province, org.city, org.park)


def facilities(session: Session, access: Access) -> list[Facility]:
    _need(access, DATA_READ)
    return repo.facilities(session, access.organisation_id)


def meters(session: Session, access: Access, facility: str) -> list[Meter]:
    _need(access, DATA_READ)
    fac = facility_of(session, access, facility)
    return repo.meters(session, fac.id)


def periods(session: Session, access: Access) -> list[ReportingPeriod]:
    _need(access, DATA_READ)
    return repo.periods(session, access.organisation_id)


def activity_records(session: Session, access: Access, *, limit: int = 100, offset: int = 0,
                     kind: str | None = None) -> list[tuple[ActivityRecord, str]]:
    """The organisation's activity records with their facility code, oldest period first."""
    _need(access, DATA_READ)
    return repo.activity_records(session, access.organisation_id, limit=limit, offset=offset, kind=kind)


def members(session: Session, access: Access) -> list[tuple[str, str]]:
    """(e-mail, role) of everyone holding a role on the organisation itself."""
    _need(access, DATA_READ)
    return repo.members(session, access.organisation_id)


def hidden_datasets(session: Session, principal: Principal) -> set[tuple[str, str]]:
    """User factor datasets that belong to organisations the principal is not a member of."""
    mine = {g.organisation_id for g in principal.grants if g.organisation_id is not None
            and DATA_READ in ROLE_PERMISSIONS[g.role]}
    return {(n, v) for n, v, org in repo.dataset_owners(session) if org is not None and org not in mine}


def facility_of(session: Session, access: Access, code: str) -> Facility:
    """The organisation's facility with this code (`NotFound` naming both if it has none)."""
    return facility_named(session, access.organisation_id, access.code, code)


def facility_named(session: Session, organisation_id: int, organisation_code: str, code: str) -> Facility:
    """The facility `code` of the organisation (`NotFound` naming both if it has none): for callers that hold the
    organisation itself rather than an access to it."""
    fac = repo.facility(session, organisation_id, code)
    if fac is None:
        raise NotFound(f"organisation '{organisation_code}' has no facility '{code}'")
    return fac


def period_named(session: Session, organisation_id: int, organisation_code: str, name: str) -> ReportingPeriod:
    """The reporting period `name` of the organisation (`NotFound` naming both if it has none)."""
    found = repo.period(session, organisation_id, name)
    if found is None:
        raise NotFound(f"organisation '{organisation_code}' has no reporting period '{name}'")
    return found


def _need(access: Access, permission: str) -> None:
    if permission not in access.permissions:
        raise PermissionDenied(f"your role does not allow this on organisation '{access.code}'")


# Organisation codes never change and tenants are not deleted: a code's id, once found, is kept per database.
_IDS: weakref.WeakKeyDictionary[object, dict[str, int]] = weakref.WeakKeyDictionary()
# A fingerprint is kept while this process commits nothing and for at most `changes.RECHECK_SECONDS` (another
# process's import shows in an inventory that much later at most).
_FINGERPRINTS: weakref.WeakKeyDictionary[object, dict[int, tuple[int, float, tuple[object, ...]]]] = \
    weakref.WeakKeyDictionary()
_MEMO_LOCK = threading.Lock()
clock = time.monotonic  # what the memories measure their age by (tests stop it)


def organisation_id(session: Session, code: str) -> int | None:
    """The id of the organisation with this code (None if there is none): the one look-up by code, kept per
    database once found."""
    engine = session.get_bind()
    with _MEMO_LOCK:
        found = _IDS.setdefault(engine, {}).get(code)
    if found is None:
        found = repo.id_of(session, code)
        if found is not None:
            with _MEMO_LOCK:
                _IDS[engine][code] = found
    return found


def known_organisation_id(session: Session, code: str) -> int:
    """`organisation_id` of an organisation that must exist: `NotFound` when none has this code."""
    found = organisation_id(session, code)
    if found is None:
        raise NotFound(f"no organisation with code '{code}'")
    return found


def fingerprint(sessions: sessionmaker[Session], access: Access) -> tuple[object, ...]:
    """`data_fingerprint`, opening a session only when the memory of it must be read again: a busy tenant's
    fingerprint is read by one request once it is half its `changes.RECHECK_SECONDS` old, before it expires, so
    that its requests do not all miss together when it does. Cheap enough for an event loop (a few small indexed
    queries, at most twice per recheck span per tenant)."""
    engine, now, seen = sessions.kw.get("bind"), clock(), changes.generation()
    with _MEMO_LOCK:
        kept = _FINGERPRINTS.get(engine, {}).get(access.organisation_id) if engine is not None else None
    if kept is not None and kept[0] == seen and now - kept[1] < changes.RECHECK_SECONDS / 2:
        return kept[2]
    with sessions() as session:
        return data_fingerprint(session, access, young=0.0)


def data_fingerprint(session: Session, access: Access, *, young: float = changes.RECHECK_SECONDS
                     ) -> tuple[object, ...]:
    """A cheap digest of everything an inventory of this tenant depends on: its activity records (count, newest
    id, sum of quantities, newest import), its facilities' provinces, its reporting periods, the factor datasets,
    its suppliers' footprints (scope 3) and its certificate claims. Equal fingerprints mean a computed inventory
    is still right, so it may be reused. One read is kept while this process commits no write and for `young`
    seconds at most."""
    engine, now, seen = session.get_bind(), clock(), changes.generation()
    with _MEMO_LOCK:
        kept = _FINGERPRINTS.setdefault(engine, {}).get(access.organisation_id)
    if kept is not None and kept[0] == seen and now - kept[1] < young:
        return kept[2]
    fingerprint = repo.inventory_inputs(session, access.organisation_id)
    with _MEMO_LOCK:
        _FINGERPRINTS[engine][access.organisation_id] = (seen, now, fingerprint)
    return fingerprint
