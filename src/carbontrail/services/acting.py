"""Who may act for an organisation: a signed-in principal by its roles (`tenancy.require`); a system actor (the
command line, the demo loader) holds the database itself and acts as the organisation's administrator."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import NotFound
from carbontrail.services import tenancy
from carbontrail.services.tenancy import Access
from carbontrail.services.work import Actor, SystemActor
from carbontrail.store.repositories import organisation_lookup as organisations


def access(session: Session, actor: Actor, code: str, permission: str) -> Access:
    """The organisation `code` as `actor` may use it for `permission` (NotFound / PermissionDenied otherwise)."""
    if isinstance(actor, SystemActor):
        org_id = organisations.id_of(session, code)
        if org_id is None:
            raise NotFound(f"no organisation with code '{code}'")
        return Access(org_id, code, tenancy.ROLE_PERMISSIONS["org_admin"])
    return tenancy.require(session, actor, code, permission)


def profile(sessions: sessionmaker[Session], actor: Actor, code: str, permission: str) -> tenancy.Profile:
    """The organisation's profile, if `actor` may use it for `permission` (what a page's heading shows)."""
    with sessions() as session:
        return tenancy.profile(session, access(session, actor, code, permission))


def readable(sessions: sessionmaker[Session], actor: Actor, permission: str) -> list[tenancy.Profile]:
    """The profiles of every organisation a principal may use for `permission`, by code."""
    if isinstance(actor, SystemActor):
        raise NotFound("a system actor has no list of organisations it may read")
    with sessions() as session:
        return [tenancy.profile(session, a) for a in tenancy.visible_organisations(session, actor)
                if a.allows(permission)]
