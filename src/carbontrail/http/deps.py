"""What every route needs: the database, the signing key, and who is asking (bearer token or web session)."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import OAuth2
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.config import Settings
from carbontrail.errors import InputError, Location, PermissionDenied
from carbontrail.services import tenancy
from carbontrail.services.accounts import AuthenticationFailed, Principal, principal_from_token
from carbontrail.services.import_jobs import ImportJobs

SESSION_COOKIE = "ct_session"
CSRF_HEADER = "x-csrf-token"
_SAFE = {"GET", "HEAD", "OPTIONS"}

oauth2 = OAuth2(flows=OAuthFlows(clientCredentials=OAuthFlowClientCredentials(tokenUrl="/api/token")),
                auto_error=False, description="OAuth2 client credentials (or a user's password) at /api/token")


@dataclass(frozen=True)
class Context:
    """The application's database sessions, settings and token key (one per app)."""

    sessions: sessionmaker[Session]
    settings: Settings
    key: bytes
    caches: dict[str, object] = field(default_factory=dict)  # per-app memo of computed results, by name
    imports: ImportJobs = field(default_factory=ImportJobs)  # the app's import jobs, closed with the app
    clock: Callable[[], float] = time.time  # seconds since the epoch; tests pass their own (sign-in throttle)


async def context(request: Request) -> Context:
    # async: a plain attribute read, not worth a trip to the thread pool
    ctx: Context = request.app.state.context
    return ctx


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def principal_or_none(request: Request, ctx: Context) -> tuple[Principal, dict[str, str | int]] | None:
    """The principal of the request's bearer token, else of its web session cookie, else None."""
    token = _bearer(request.headers.get("authorization"))
    if token:
        return principal_from_token(ctx.sessions, ctx.key, token, "access")
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            return principal_from_token(ctx.sessions, ctx.key, cookie, "session")
        except AuthenticationFailed:
            return None
    return None


async def current_principal(request: Request, ctx: Annotated[Context, Depends(context)],
                            _token: Annotated[str | None, Depends(oauth2)] = None) -> Principal:
    """The signed-in principal; a cookie-authenticated change must also carry the session's CSRF token.

    On the event loop: the principal comes from the process's memory, which asks the database at most every
    `RECHECK_SECONDS` (one small query) or on the first request of a user, so no thread-pool trip is worth it."""
    found = principal_or_none(request, ctx)
    if found is None:
        raise AuthenticationFailed("sign in first: send a bearer token (POST /api/token) or use the web pages")
    principal, claims = found
    if claims.get("kind") == "session" and request.method not in _SAFE:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent, str(claims.get("csrf", ""))):
            raise PermissionDenied("the request lacks this session's CSRF token; reload the page and try again")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
AppContext = Annotated[Context, Depends(context)]


#: The longest file name an upload may carry, in UTF-8 bytes (what file systems allow, e.g. ext4 and NTFS).
MAX_FILE_NAME_BYTES = 255


async def bounded_uploads(request: Request) -> None:
    """Refuse a multipart request whose uploaded file names are longer than `MAX_FILE_NAME_BYTES` (an app-wide
    dependency, so no upload route has to remember it; the parsed form is kept for the route)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return
    form = await request.form()
    for name, value in form.multi_items():
        filename = getattr(value, "filename", None)
        if isinstance(filename, str) and len(filename.encode()) > MAX_FILE_NAME_BYTES:
            raise InputError(f"the file name is {len(filename.encode())} bytes long", location=Location(field=name),
                             expected=f"a file name of at most {MAX_FILE_NAME_BYTES} bytes")


def client_address(request: Request) -> str | None:
    """The address the request came from (the sign-in throttle counts per address)."""
    return request.client.host if request.client else None


def organisation_access(permission: str) -> Callable[..., tenancy.Access]:
    """A dependency giving the organisation named by the path's `code`, if the principal holds `permission`."""

    async def dependency(code: str, principal: CurrentPrincipal, ctx: AppContext) -> tenancy.Access:
        if any(g.jurisdiction_id is not None for g in principal.grants):
            # overseers' access walks the jurisdiction tree in the database: off the event loop
            return await run_in_threadpool(tenancy.check, ctx.sessions, principal, code, permission)
        # members' access is decided from their grants and the remembered organisation id
        return tenancy.check(ctx.sessions, principal, code, permission)

    return dependency
