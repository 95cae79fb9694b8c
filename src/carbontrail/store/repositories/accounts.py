"""Queries about who signs in: users, API clients, role grants, the sign-in throttle and the auth state counter."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from carbontrail.store.models import ApiClient, AuthState, Jurisdiction, Organisation, RoleGrant, SignInThrottle, User


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == email)).one_or_none()


def user_id_by_email(session: Session, email: str) -> int | None:
    return session.scalars(select(User.id).where(User.email == email)).first()


def user_ids(session: Session) -> list[int]:
    return list(session.scalars(select(User.id).order_by(User.email)))


def client(session: Session, client_id: str) -> ApiClient | None:
    return session.scalars(select(ApiClient).where(ApiClient.client_id == client_id)).one_or_none()


def grants_of(session: Session, user_id: int) -> list[tuple[str, int | None, str | None, int | None, str | None]]:
    """(role, organisation id, organisation code, jurisdiction id, jurisdiction code) of each of a user's grants."""
    rows = session.execute(
        select(RoleGrant.role, RoleGrant.organisation_id, Organisation.code, RoleGrant.jurisdiction_id,
               Jurisdiction.code)
        .outerjoin(Organisation, RoleGrant.organisation_id == Organisation.id)
        .outerjoin(Jurisdiction, RoleGrant.jurisdiction_id == Jurisdiction.id)
        .where(RoleGrant.user_id == user_id).order_by(RoleGrant.id)).all()
    return [(r, oi, oc, ji, jc) for r, oi, oc, ji, jc in rows]


def jurisdiction_id(session: Session, code: str) -> int | None:
    return session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == code))


def grants_matching(session: Session, user_id: int, role: str, organisation_id: int | None,
                    jurisdiction_id: int | None) -> list[RoleGrant]:
    return list(session.scalars(select(RoleGrant).where(
        RoleGrant.user_id == user_id, RoleGrant.role == role,
        RoleGrant.organisation_id.is_(None) if organisation_id is None
        else RoleGrant.organisation_id == organisation_id,
        RoleGrant.jurisdiction_id.is_(None) if jurisdiction_id is None
        else RoleGrant.jurisdiction_id == jurisdiction_id)))


# -- throttle and auth state ------------------------------------------------------------------------------------


def throttles(session: Session, keys: list[str]) -> dict[str, SignInThrottle]:
    return {t.key: t for t in session.scalars(select(SignInThrottle).where(SignInThrottle.key.in_(keys)))}


def auth_version(session: Session) -> int:
    return int(session.scalar(select(AuthState.version).where(AuthState.id == 1)) or 0)


def bump_auth_version(session: Session) -> None:
    """Move the counter on (creating its row on first use) inside the caller's transaction."""
    if not session.execute(update(AuthState).where(AuthState.id == 1)
                           .values(version=AuthState.version + 1)).rowcount:
        session.add(AuthState(id=1, version=1))


def emails(session: Session) -> set[str]:
    """Every user's e-mail address."""
    return set(session.scalars(select(User.email)))
