"""Accounts: users with Argon2id passwords, OAuth2 API clients, role grants, signed expiring tokens, signing in
(throttled per account and per address) and out (revoking the session on the server)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.config import Settings
from carbontrail.errors import Conflict, InputError, Location, NotFound, PermissionDenied
from carbontrail.services import tenancy
from carbontrail.services.principals import Grant, Principal
from carbontrail.services.work import Actor, SystemActor, Work, unit_of_work
from carbontrail.store import changes
from carbontrail.store.models import ApiClient, RoleGrant, SignInThrottle, User
from carbontrail.store.repositories import accounts as repo
from carbontrail.store.repositories import organisations as org_repo

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


class SignInThrottled(AuthenticationFailed):
    """Too many wrong credentials for this account or from this address: refused unchecked for a while."""

    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


__all__ = ["AuthenticationFailed", "Grant", "Principal", "SignInThrottled"]


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


# -- users, clients, grants: the use cases --------------------------------------------------------------------


def add_user(sessions: sessionmaker[Session], actor: Actor, email: str, password: str, *, name: str = "",
             locale: str = "zh_CN", platform_admin: bool = False) -> int:
    """Add a user (platform administrators and the command line only); `Conflict` if the e-mail address is taken.
    Returns the user's id."""
    tenancy.require_platform_admin(actor)
    email = email.strip().lower()
    if "@" not in email:
        raise InputError(f"'{email}' is not an e-mail address", location=Location(field="email"),
                         expected="an address like name@example.com")
    digest = hash_password(password)
    with unit_of_work(sessions, actor) as work:
        if repo.user_id_by_email(work.session, email) is not None:
            raise Conflict(f"a user with e-mail '{email}' already exists")
        user = User(email=email, name=name, password_hash=digest, locale=locale, platform_admin=platform_admin)
        work.session.add(user)
        work.session.flush()
        work.audit("create", "user", email, detail={"name": name, "locale": locale, "platform_admin": platform_admin})
        return user.id


def add_client(sessions: sessionmaker[Session], actor: Actor, email: str, *, name: str = "") -> tuple[str, str]:
    """A new API client acting for user `email` (the user themselves, or a platform administrator):
    (client_id, client_secret). The secret is shown only once."""
    if not actor.platform_admin and getattr(actor, "email", None) != email.strip().lower():
        raise PermissionDenied("you may create API clients only for yourself")
    client_id = "ct_" + secrets.token_hex(8)
    client_secret = secrets.token_urlsafe(32)
    with unit_of_work(sessions, actor) as work:
        user = _user(work.session, email)
        work.session.add(ApiClient(client_id=client_id, secret_hash=_HASHER.hash(client_secret), name=name,
                                   user_id=user.id))
        work.audit("create", "api_client", client_id, detail={"user": user.email, "name": name})
        repo.bump_auth_version(work.session)
    _changed(sessions)
    return client_id, client_secret


def grant(sessions: sessionmaker[Session], actor: Actor, email: str, role: str, *, organisation: str | None = None,
          jurisdiction: str | None = None) -> Grant:
    """Give user `email` a role on an organisation (tenant roles) or a jurisdiction (park / government roles).

    Tenant roles are granted by the tenant's own administrator; a platform administrator only appoints a
    tenant's administrator (never itself), and the command line may do anything."""
    with unit_of_work(sessions, actor) as work:
        made = _grant(work, email, role, organisation=organisation, jurisdiction=jurisdiction)
    _changed(sessions)
    return made


def grant_in(s: Session, email: str, role: str, *, organisation: str | None = None,
             jurisdiction: str | None = None, actor: str = "cli") -> Grant:
    """A grant by a set-up step (demo loaders) inside the caller's transaction, audited as `actor`."""
    work = Work(s, SystemActor(actor))
    return _grant(work, email, role, organisation=organisation, jurisdiction=jurisdiction)


def _grant(work: Work, email: str, role: str, *, organisation: str | None, jurisdiction: str | None) -> Grant:
    s = work.session
    if role not in ROLES:
        raise InputError(f"'{role}' is not a role", location=Location(field="role"), expected=", ".join(ROLES))
    org_id = jur_id = None
    if role in ORGANISATION_ROLES:
        if not organisation:
            raise InputError(f"the role '{role}' is held on an organisation; name one",
                             location=Location(field="organisation"))
        org_id = _may_grant(s, work.actor, email, role, organisation)
    else:
        if not jurisdiction:
            raise InputError(f"the role '{role}' is held on a jurisdiction; name one",
                             location=Location(field="jurisdiction"))
        _may_grant_jurisdiction(work.actor, email)
        jur_id = repo.jurisdiction_id(s, jurisdiction)
        if jur_id is None:
            raise NotFound(f"no jurisdiction with code '{jurisdiction}'")
    user = _user(s, email)
    if not repo.grants_matching(s, user.id, role, org_id, jur_id):
        s.add(RoleGrant(user_id=user.id, role=role, organisation_id=org_id, jurisdiction_id=jur_id))
        work.audit("grant", "role", f"{user.email}:{role}", organisation_id=org_id,
                   detail={"user": user.email, "role": role, "organisation": organisation,
                          "jurisdiction": jurisdiction})
        repo.bump_auth_version(s)
    return Grant(role, org_id, organisation, jur_id, jurisdiction)


def _may_grant(s: Session, actor: Actor, email: str, role: str, organisation: str) -> int:
    """The organisation's id if `actor` may grant `role` on it to `email`."""
    if isinstance(actor, SystemActor):
        org_id = org_repo.id_of(s, organisation)
        if org_id is None:
            raise NotFound(f"no organisation with code '{organisation}'")
        return org_id
    access = tenancy.require(s, actor, organisation, tenancy.PROFILE)
    if access.allows(tenancy.MANAGE):
        return access.organisation_id
    if actor.platform_admin:
        if email.strip().lower() == actor.email:
            raise PermissionDenied("a platform administrator cannot grant itself a role on a tenant; the tenant's "
                                   "own administrator grants its roles")
        if role == "org_admin":
            return access.organisation_id  # operators appoint a tenant's administrator, nothing more
        raise PermissionDenied(f"only the administrator of '{organisation}' grants the role '{role}' there")
    raise PermissionDenied(f"your role does not allow this on organisation '{organisation}'")


def _may_grant_jurisdiction(actor: Actor, email: str) -> None:
    tenancy.require_platform_admin(actor)
    if isinstance(actor, Principal) and email.strip().lower() == actor.email:
        raise PermissionDenied("a platform administrator cannot grant itself a role")


def revoke(sessions: sessionmaker[Session], actor: Actor, email: str, role: str, *, organisation: str) -> None:
    """Take an organisation role away from a user; it stops working within a second."""
    with unit_of_work(sessions, actor) as work:
        s = work.session
        org_id = org_repo.id_of(s, organisation)
        if org_id is not None and not isinstance(actor, SystemActor):
            org_id = _may_grant(s, actor, email, role, organisation)
        user = repo.user_by_email(s, email.strip().lower())
        rows = repo.grants_matching(s, user.id, role, org_id, None) if user and org_id is not None else []
        if user is None or not rows:
            raise NotFound(f"'{email}' does not hold the role '{role}' on '{organisation}'")
        for row in rows:
            s.delete(row)
        work.audit("revoke", "role", f"{user.email}:{role}", organisation_id=org_id,
                   detail={"user": user.email, "role": role})
        repo.bump_auth_version(s)
    _changed(sessions)


def users(sessions: sessionmaker[Session], actor: Actor) -> list[Principal]:
    """Every user and the roles they hold (platform administrators and the command line only)."""
    tenancy.require_platform_admin(actor)
    with sessions() as s:
        return [principal_of(s, i) for i in repo.user_ids(s)]


def _user(s: Session, email: str) -> User:
    user = repo.user_by_email(s, email.strip().lower())
    if user is None:
        raise NotFound(f"no user with e-mail '{email}'")
    return user


# -- set-up steps (demo loaders, test worlds): the use cases, acting as a named system actor -----------------


def create_user(sessions: sessionmaker[Session], email: str, password: str, *, name: str = "",
                locale: str = "zh_CN", platform_admin: bool = False, actor: str = "cli") -> int:
    return add_user(sessions, SystemActor(actor), email, password, name=name, locale=locale,
                    platform_admin=platform_admin)


def create_client(sessions: sessionmaker[Session], email: str, *, name: str = "",
                  actor: str = "cli") -> tuple[str, str]:
    return add_client(sessions, SystemActor(actor), email, name=name)


def grant_role(sessions: sessionmaker[Session], email: str, role: str, *, organisation: str | None = None,
               jurisdiction: str | None = None, actor: str = "cli") -> Grant:
    return grant(sessions, SystemActor(actor), email, role, organisation=organisation, jurisdiction=jurisdiction)


def revoke_role(sessions: sessionmaker[Session], email: str, role: str, *, organisation: str,
                actor: str = "cli") -> None:
    revoke(sessions, SystemActor(actor), email, role, organisation=organisation)


def list_users(sessions: sessionmaker[Session]) -> list[Principal]:
    return users(sessions, SystemActor("cli"))


# -- throttling wrong credentials -----------------------------------------------------------------------------

#: Wrong attempts answered at once, then each further one doubles the wait (capped), and many lock for a while.
FREE_FAILURES = {"account": 5, "client": 5, "address": 20}
LOCK_AFTER = {"account": 20, "client": 20, "address": 100}
BACKOFF_CAP_SECONDS = 60.0
LOCK_SECONDS = 15 * 60.0
FORGET_SECONDS = 24 * 3600.0  # failures older than this no longer count


def _throttle_keys(kind: str, name: str, address: str | None) -> list[str]:
    keys = [f"{kind}:{name.strip().lower()[:250]}"]
    if address:
        keys.append(f"address:{address[:250]}")
    return keys


def _refuse_if_throttled(sessions: sessionmaker[Session], keys: list[str], now: float) -> None:
    """`SignInThrottled` while a key waits out its backoff or lock; such an attempt is not checked, but it
    counts towards the lock (hammering through a backoff locks as surely as guessing does)."""
    with sessions() as s:
        found = repo.throttles(s, keys)
    waits = [t.locked_until - now for t in found.values() if t.locked_until > now]
    if waits:
        _count_failure(sessions, keys, now, checked=False)
        wait = int(max(waits)) + 1
        raise SignInThrottled(f"too many wrong attempts; try again in {wait} seconds", retry_after=wait)


def _count_failure(sessions: sessionmaker[Session], keys: list[str], now: float, *, checked: bool = True) -> None:
    """One more wrong (or unchecked) attempt for each key: back off after a few, lock after many, audit each."""
    with unit_of_work(sessions, SystemActor("sign-in")) as work:
        found = repo.throttles(work.session, keys)
        for key in keys:
            row = found.get(key)
            if row is None:
                row = SignInThrottle(key=key, failures=0, last_failure=0.0, locked_until=0.0)
                work.session.add(row)
            if now - row.last_failure > FORGET_SECONDS:
                row.failures = 0
            row.failures += 1
            row.last_failure = now
            kind = key.split(":", 1)[0]
            locked = row.locked_until > now + BACKOFF_CAP_SECONDS  # a lock already runs: do not prolong it
            if row.failures >= LOCK_AFTER[kind] and not locked:
                row.locked_until = now + LOCK_SECONDS
                work.audit("lock", "sign_in", key, detail={"failures": row.failures, "seconds": LOCK_SECONDS})
            elif not checked:
                work.audit("refuse", "sign_in", key, detail={"failures": row.failures})
            elif row.failures > FREE_FAILURES[kind] and not locked:
                wait = min(2.0 ** (row.failures - FREE_FAILURES[kind]), BACKOFF_CAP_SECONDS)
                row.locked_until = now + wait
                work.audit("back_off", "sign_in", key, detail={"failures": row.failures, "seconds": wait})
            else:
                work.audit("fail", "sign_in", key, detail={"failures": row.failures})


def _forget_failures(sessions: sessionmaker[Session], key: str) -> None:
    with unit_of_work(sessions, SystemActor("sign-in")) as work:
        row = repo.throttles(work.session, [key]).get(key)
        if row is not None and row.failures:
            work.audit("reset", "sign_in", key, before={"failures": row.failures})
            work.session.delete(row)


# -- signing in and out ---------------------------------------------------------------------------------------


def principal_of(s: Session, user_id: int, client_id: str | None = None) -> Principal:
    """The principal for a user id, with the grants it holds now (a revoked role stops working at once)."""
    user = s.get(User, user_id)
    if user is None or not user.active:
        raise AuthenticationFailed("this account no longer exists or is disabled")
    grants = tuple(Grant(*row) for row in repo.grants_of(s, user.id))
    return Principal(user.id, user.email, user.name, user.platform_admin, grants, client_id, user.locale,
                     user.session_version)


def authenticate_user(sessions: sessionmaker[Session], email: str, password: str, *, address: str | None = None,
                      now: float | None = None) -> Principal:
    """The principal whose e-mail and password these are; `AuthenticationFailed` (one message for both cases),
    `SignInThrottled` while the account or the address is backing off or locked."""
    now = time.time() if now is None else now
    keys = _throttle_keys("account", email, address)
    _refuse_if_throttled(sessions, keys, now)
    with sessions() as s:
        user = repo.user_by_email(s, email.strip().lower())
        # verify against a dummy hash when the user is unknown, so timing does not reveal which e-mails exist
        stored = user.password_hash if user is not None else _DUMMY_HASH
        ok = _verify(stored, password) and user is not None and user.active
        principal = principal_of(s, user.id) if ok and user is not None else None
    if principal is None:
        _count_failure(sessions, keys, now)
        raise AuthenticationFailed("the e-mail address or the password is wrong")
    _forget_failures(sessions, keys[0])
    return principal


def authenticate_client(sessions: sessionmaker[Session], client_id: str, client_secret: str, *,
                        address: str | None = None, now: float | None = None) -> Principal:
    """The principal an API client acts as; `AuthenticationFailed` for an unknown client or a wrong secret,
    `SignInThrottled` while the client or the address is backing off or locked."""
    now = time.time() if now is None else now
    keys = _throttle_keys("client", client_id, address)
    _refuse_if_throttled(sessions, keys, now)
    with sessions() as s:
        client = repo.client(s, client_id)
        stored = client.secret_hash if client is not None else _DUMMY_HASH
        ok = _verify(stored, client_secret) and client is not None and client.active
        principal = principal_of(s, client.user_id, client.client_id) if ok and client is not None else None
    if principal is None:
        _count_failure(sessions, keys, now)
        raise AuthenticationFailed("the client id or the client secret is wrong")
    _forget_failures(sessions, keys[0])
    return principal


def access_token(key: bytes, principal: Principal, ttl: int = TOKEN_TTL_SECONDS) -> str:
    claims: dict[str, str | int] = {"kind": "access", "sub": principal.user_id}
    if principal.client_id:
        claims["cid"] = principal.client_id
    else:
        claims["sv"] = principal.session_version
    return sign_token(key, claims, ttl)


def session_token(key: bytes, principal: Principal, ttl: int = SESSION_TTL_SECONDS) -> str:
    """A web session's token, with the CSRF token its forms must carry."""
    return sign_token(key, {"kind": "session", "sub": principal.user_id, "sv": principal.session_version,
                            "csrf": secrets.token_urlsafe(24)}, ttl)


def sign_out(sessions: sessionmaker[Session], principal: Principal) -> None:
    """End every web session and password-grant token of the principal's user, on the server: tokens issued
    before are refused from now on (in other processes within a second)."""
    with unit_of_work(sessions, principal) as work:
        user = work.session.get(User, principal.user_id)
        if user is None:
            raise AuthenticationFailed("this account no longer exists or is disabled")
        user.session_version += 1
        work.audit("sign_out", "user", user.email, before={"session_version": user.session_version - 1},
                   after={"session_version": user.session_version})
        repo.bump_auth_version(work.session)
    _changed(sessions)


def principal_from_token(sessions: sessionmaker[Session], key: bytes, token: str, kind: str = "access"
                         ) -> tuple[Principal, dict[str, str | int]]:
    """The principal a bearer or session token names, and the token's claims."""
    claims = read_token(key, token, kind)
    client_id = str(claims["cid"]) if claims.get("cid") is not None else None
    principal = _cache_of(sessions).principal(int(claims["sub"]), client_id)
    if client_id is None and int(claims.get("sv", 0)) != principal.session_version:
        raise AuthenticationFailed("this session has ended; sign in again")
    return principal, claims


def _resolve(sessions: sessionmaker[Session], user_id: int, client_id: str | None) -> Principal:
    with sessions() as s:
        if client_id is not None:
            client = repo.client(s, client_id)
            if client is None or not client.active or client.user_id != user_id:
                raise AuthenticationFailed("this API client has been removed or disabled")
        return principal_of(s, user_id, client_id)


# -- the per-process memory of resolved principals --------------------------------------------------------------

#: How long a process trusts its memory before asking the database whether anything changed.
RECHECK_SECONDS = changes.RECHECK_SECONDS


class PrincipalCache:
    """Principals resolved from tokens, kept until the database's auth state counter moves (checked at most
    every `RECHECK_SECONDS`), so a revocation anywhere takes effect within a second."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], float] = time.monotonic) -> None:
        self.sessions, self.clock = sessions, clock
        self._lock = threading.Lock()
        self._entries: dict[tuple[int, str | None], Principal] = {}
        self._version = -1
        self._checked = float("-inf")

    def principal(self, user_id: int, client_id: str | None) -> Principal:
        self._recheck()
        found = self._entries.get((user_id, client_id))
        if found is None:
            found = _resolve(self.sessions, user_id, client_id)
            with self._lock:
                self._entries[(user_id, client_id)] = found
        return found

    def forget(self) -> None:
        """Drop everything (this process changed grants, clients or sessions)."""
        with self._lock:
            self._entries.clear()
            self._checked = float("-inf")

    def _recheck(self) -> None:
        now = self.clock()
        if now - self._checked < RECHECK_SECONDS:
            return
        with self.sessions() as s:
            version = repo.auth_version(s)
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self._version = version
            self._checked = now


_CACHES: weakref.WeakKeyDictionary[sessionmaker[Session], PrincipalCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def _cache_of(sessions: sessionmaker[Session]) -> PrincipalCache:
    with _CACHES_LOCK:
        cache = _CACHES.get(sessions)
        if cache is None:
            cache = _CACHES[sessions] = PrincipalCache(sessions)
        return cache


def _changed(sessions: sessionmaker[Session]) -> None:
    _cache_of(sessions).forget()


_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
