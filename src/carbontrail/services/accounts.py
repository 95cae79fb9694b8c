"""Accounts: users with Argon2id passwords, OAuth2 API clients, role grants, and signed expiring tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.config import Settings
from carbontrail.errors import Conflict, InputError, Location, NotFound, PermissionDenied
from carbontrail.services import audit
from carbontrail.store.db import transaction
from carbontrail.store.models import ApiClient, Jurisdiction, Organisation, RoleGrant, User

#: Roles held on one organisation.
ORGANISATION_ROLES = ("org_admin", "carbon_manager", "data_entry", "supplier", "verifier")
#: Roles held on one jurisdiction (its whole subtree).
JURISDICTION_ROLES = ("park_admin", "government_viewer")
ROLES = ORGANISATION_ROLES + JURISDICTION_ROLES

TOKEN_TTL_SECONDS = 3600
SESSION_TTL_SECONDS = 8 * 3600
_HASHER = PasswordHasher()  # Argon2id with the library's RFC 9106 "low memory" defaults
_MIN_PASSWORD = 10


class AuthenticationFailed(PermissionDenied):
    """The credentials or the token do not identify anyone (wrong, expired or revoked)."""

    code = "unauthenticated"


@dataclass(frozen=True)
class Grant:
    """One role a principal holds, on an organisation or on a jurisdiction."""

    role: str
    organisation_id: int | None = None
    organisation: str | None = None
    jurisdiction_id: int | None = None
    jurisdiction: str | None = None


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user (directly or through one of their API clients) and the roles they hold."""

    user_id: int
    email: str
    name: str
    platform_admin: bool
    grants: tuple[Grant, ...]
    client_id: str | None = None
    locale: str = "zh_CN"

    @property
    def actor(self) -> str:
        """How the audit trail names this principal."""
        return f"{self.email} (client {self.client_id})" if self.client_id else self.email


# -- secrets and tokens ---------------------------------------------------------------------------


def secret_key(settings: Settings) -> bytes:
    """The signing key: CARBONTRAIL_SECRET_KEY if set, else one generated once and kept under the home folder."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = Path(settings.home) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting together must not each write a different key
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_token(key: bytes, claims: dict[str, str | int], ttl: int = TOKEN_TTL_SECONDS,
               now: float | None = None) -> str:
    """A compact token `payload.signature` (HMAC-SHA256) carrying `claims` and an expiry `exp`."""
    body = dict(claims, exp=int((now if now is not None else time.time()) + ttl))
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    sig = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{sig}"


def read_token(key: bytes, token: str, kind: str, now: float | None = None) -> dict[str, str | int]:
    """The claims of a token this key signed, of this `kind`, not expired; `AuthenticationFailed` otherwise."""
    try:
        payload, sig = token.split(".")
        expected = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(sig, expected):
            raise ValueError("signature")
        claims = json.loads(_unb64(payload))
    except (ValueError, TypeError, UnicodeDecodeError):
        raise AuthenticationFailed("the access token is not valid; sign in again") from None
    if not isinstance(claims, dict) or claims.get("kind") != kind:
        raise AuthenticationFailed("the access token is not valid here; sign in again")
    if int(claims.get("exp", 0)) <= (now if now is not None else time.time()):
        raise AuthenticationFailed("the access token has expired; sign in again")
    return claims


# -- passwords ------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    if len(password) < _MIN_PASSWORD:
        raise InputError("the password is too short", location=Location(field="password"),
                         expected=f"at least {_MIN_PASSWORD} characters")
    return _HASHER.hash(password)


def _verify(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# -- users, clients, grants -----------------------------------------------------------------------


def create_user(sessions: sessionmaker[Session], email: str, password: str, *, name: str = "",
                locale: str = "zh_CN", platform_admin: bool = False, actor: str = "cli") -> int:
    """Add a user; `Conflict` if the e-mail address is taken. Returns the user's id."""
    email = email.strip().lower()
    if "@" not in email:
        raise InputError(f"'{email}' is not an e-mail address", location=Location(field="email"),
                         expected="an address like name@example.com")
    digest = hash_password(password)
    with transaction(sessions) as s:
        if s.scalars(select(User.id).where(User.email == email)).first() is not None:
            raise Conflict(f"a user with e-mail '{email}' already exists")
        user = User(email=email, name=name, password_hash=digest, locale=locale, platform_admin=platform_admin)
        s.add(user)
        s.flush()
        audit.record(s, actor, "create", "user", email, detail={"platform_admin": platform_admin})
        return user.id


def create_client(sessions: sessionmaker[Session], email: str, *, name: str = "",
                  actor: str = "cli") -> tuple[str, str]:
    """A new API client acting for user `email`: (client_id, client_secret). The secret is shown only once."""
    client_id = "ct_" + secrets.token_hex(8)
    client_secret = secrets.token_urlsafe(32)
    with transaction(sessions) as s:
        user = _user(s, email)
        s.add(ApiClient(client_id=client_id, secret_hash=_HASHER.hash(client_secret), name=name, user_id=user.id))
        audit.record(s, actor, "create", "api_client", client_id, detail={"user": user.email, "name": name})
    return client_id, client_secret


def grant_role(sessions: sessionmaker[Session], email: str, role: str, *, organisation: str | None = None,
               jurisdiction: str | None = None, actor: str = "cli") -> Grant:
    """Give user `email` a role on an organisation (tenant roles) or a jurisdiction (park / government roles)."""
    with transaction(sessions) as s:
        grant = grant_in(s, email, role, organisation=organisation, jurisdiction=jurisdiction, actor=actor)
    return grant


def grant_in(s: Session, email: str, role: str, *, organisation: str | None = None,
             jurisdiction: str | None = None, actor: str = "cli") -> Grant:
    """`grant_role` inside the caller's transaction."""
    if role not in ROLES:
        raise InputError(f"'{role}' is not a role", location=Location(field="role"), expected=", ".join(ROLES))
    user = _user(s, email)
    org_id = jur_id = None
    if role in ORGANISATION_ROLES:
        if not organisation:
            raise InputError(f"the role '{role}' is held on an organisation; name one",
                             location=Location(field="organisation"))
        org = s.scalars(select(Organisation).where(Organisation.code == organisation)).one_or_none()
        if org is None:
            raise NotFound(f"no organisation with code '{organisation}'")
        org_id = org.id
    else:
        if not jurisdiction:
            raise InputError(f"the role '{role}' is held on a jurisdiction; name one",
                             location=Location(field="jurisdiction"))
        jur = s.scalars(select(Jurisdiction).where(Jurisdiction.code == jurisdiction)).one_or_none()
        if jur is None:
            raise NotFound(f"no jurisdiction with code '{jurisdiction}'")
        jur_id = jur.id
    exists = s.scalars(select(RoleGrant.id).where(
        RoleGrant.user_id == user.id, RoleGrant.role == role,
        RoleGrant.organisation_id.is_(None) if org_id is None else RoleGrant.organisation_id == org_id,
        RoleGrant.jurisdiction_id.is_(None) if jur_id is None else RoleGrant.jurisdiction_id == jur_id)).first()
    if exists is None:
        s.add(RoleGrant(user_id=user.id, role=role, organisation_id=org_id, jurisdiction_id=jur_id))
        audit.record(s, actor, "grant", "role", f"{user.email}:{role}", organisation_id=org_id,
                     detail={"user": user.email, "role": role, "organisation": organisation,
                             "jurisdiction": jurisdiction})
    return Grant(role, org_id, organisation, jur_id, jurisdiction)


def revoke_role(sessions: sessionmaker[Session], email: str, role: str, *, organisation: str,
                actor: str = "cli") -> None:
    """Take an organisation role away from a user; it stops working on the user's next request."""
    with transaction(sessions) as s:
        user = _user(s, email)
        org_id = s.scalar(select(Organisation.id).where(Organisation.code == organisation))
        rows = s.scalars(select(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.role == role,
                                                 RoleGrant.organisation_id == org_id)).all()
        if org_id is None or not rows:
            raise NotFound(f"'{email}' does not hold the role '{role}' on '{organisation}'")
        for row in rows:
            s.delete(row)
        audit.record(s, actor, "revoke", "role", f"{user.email}:{role}", organisation_id=org_id,
                     detail={"user": user.email, "role": role})


def _user(s: Session, email: str) -> User:
    user = s.scalars(select(User).where(User.email == email.strip().lower())).one_or_none()
    if user is None:
        raise NotFound(f"no user with e-mail '{email}'")
    return user


# -- signing in -----------------------------------------------------------------------------------


def principal_of(s: Session, user_id: int, client_id: str | None = None) -> Principal:
    """The principal for a user id, with the grants it holds now (a revoked role stops working at once)."""
    user = s.get(User, user_id)
    if user is None or not user.active:
        raise AuthenticationFailed("this account no longer exists or is disabled")
    rows = s.execute(
        select(RoleGrant.role, RoleGrant.organisation_id, Organisation.code, RoleGrant.jurisdiction_id,
               Jurisdiction.code)
        .outerjoin(Organisation, RoleGrant.organisation_id == Organisation.id)
        .outerjoin(Jurisdiction, RoleGrant.jurisdiction_id == Jurisdiction.id)
        .where(RoleGrant.user_id == user.id).order_by(RoleGrant.id)).all()
    grants = tuple(Grant(*row) for row in rows)
    return Principal(user.id, user.email, user.name, user.platform_admin, grants, client_id, user.locale)


def authenticate_user(sessions: sessionmaker[Session], email: str, password: str) -> Principal:
    """The principal whose e-mail and password these are; `AuthenticationFailed` (one message for both cases)."""
    with sessions() as s:
        user = s.scalars(select(User).where(User.email == email.strip().lower())).one_or_none()
        # verify against a dummy hash when the user is unknown, so timing does not reveal which e-mails exist
        stored = user.password_hash if user is not None else _DUMMY_HASH
        if not _verify(stored, password) or user is None or not user.active:
            raise AuthenticationFailed("the e-mail address or the password is wrong")
        return principal_of(s, user.id)


def authenticate_client(sessions: sessionmaker[Session], client_id: str, client_secret: str) -> Principal:
    """The principal an API client acts as; `AuthenticationFailed` for an unknown client or a wrong secret."""
    with sessions() as s:
        client = s.scalars(select(ApiClient).where(ApiClient.client_id == client_id)).one_or_none()
        stored = client.secret_hash if client is not None else _DUMMY_HASH
        if not _verify(stored, client_secret) or client is None or not client.active:
            raise AuthenticationFailed("the client id or the client secret is wrong")
        return principal_of(s, client.user_id, client.client_id)


def access_token(key: bytes, principal: Principal, ttl: int = TOKEN_TTL_SECONDS) -> str:
    claims: dict[str, str | int] = {"kind": "access", "sub": principal.user_id}
    if principal.client_id:
        claims["cid"] = principal.client_id
    return sign_token(key, claims, ttl)


def principal_from_token(sessions: sessionmaker[Session], key: bytes, token: str, kind: str = "access"
                         ) -> tuple[Principal, dict[str, str | int]]:
    """The principal a bearer or session token names, and the token's claims."""
    claims = read_token(key, token, kind)
    client_id = claims.get("cid")
    with sessions() as s:
        if client_id is not None:
            client = s.scalars(select(ApiClient).where(ApiClient.client_id == str(client_id))).one_or_none()
            if client is None or not client.active:
                raise AuthenticationFailed("this API client has been removed or disabled")
        return principal_of(s, int(claims["sub"]), str(client_id) if client_id else None), claims


def list_users(sessions: sessionmaker[Session]) -> list[Principal]:
    with sessions() as s:
        ids = s.scalars(select(User.id).order_by(User.email)).all()
        return [principal_of(s, i) for i in ids]


_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
