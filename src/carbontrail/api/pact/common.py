"""What every PACT route shares: HTTPS only, bearer tokens of API clients, and PACT error bodies {code, message}."""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from carbontrail.http.deps import Context
from carbontrail.errors import CarbontrailError, InputError, NotFound, PermissionDenied
from carbontrail.formats import pact
from carbontrail.services.accounts import AuthenticationFailed, Principal, principal_from_token, read_token

log = logging.getLogger("carbontrail.pact")


class PactProblem(Exception):
    """An answer in PACT's error shape: HTTP status, PACT error code, one sentence."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error(status: int, code: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="pact"'} if status == 401 else None
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)


def context(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx


def require_https(request: Request) -> None:
    """PACT serves HTTPS only. The scheme is the connection's, or X-Forwarded-Proto when the server trusts the
    proxy that sent it (uvicorn's --forwarded-allow-ips; by default only loopback)."""
    if request.url.scheme != "https":
        raise PactProblem(403, "AccessDenied", "the PACT API is served over HTTPS only; use https://")


VERIFIED_TOKENS = 4096  # verified bearer tokens kept per server process (dropped together when full)


def bearer_claims(request: Request) -> dict[str, str | int]:
    """The verified claims of the request's bearer token (signature and expiry; no database).

    A token's signature is checked once: its claims are kept by the token's text (they are a function of the text
    and the key) and only its expiry is checked again; whether its client is still active is read per request."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer ") or not header[7:].strip():
        raise PactProblem(401, "AccessDenied", "send the access token from /auth/token as 'Authorization: Bearer'")
    token = header[7:].strip()
    ctx = context(request)
    verified: dict[str, dict[str, str | int]] = ctx.caches.setdefault("pact_tokens", {})  # type: ignore[assignment]
    claims = verified.get(token)
    if claims is not None and int(claims.get("exp", 0)) > time.time():
        return claims
    try:
        claims = read_token(ctx.key, token, "access")
    except AuthenticationFailed as exc:
        verified.pop(token, None)
        if "expired" in str(exc):
            raise PactProblem(401, "TokenExpired", "the access token has expired; request a new one") from None
        raise PactProblem(401, "AccessDenied", "the access token is not valid") from None
    if len(verified) >= VERIFIED_TOKENS:
        verified.clear()
    verified[token] = claims
    return claims


def bearer_principal(request: Request) -> Principal:
    """The API client's principal from `Authorization: Bearer …`; 401 AccessDenied / TokenExpired otherwise."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer ") or not header[7:].strip():
        raise PactProblem(401, "AccessDenied", "send the access token from /auth/token as 'Authorization: Bearer'")
    ctx = context(request)
    try:
        principal, _claims = principal_from_token(ctx.sessions, ctx.key, header[7:].strip(), "access")
    except AuthenticationFailed as exc:
        if "expired" in str(exc):
            raise PactProblem(401, "TokenExpired", "the access token has expired; request a new one") from None
        raise PactProblem(401, "AccessDenied", "the access token is not valid") from None
    return principal


def _versioned_code(request: Request, problem: PactProblem) -> str:
    """The code a refused token gets on this route's major version (v2.3 names BadRequest; see formats.pact)."""
    major = request.url.path.lstrip("/").split("/", 1)[0]
    if problem.status == 401 and pact.BAD_TOKEN_CODE.get(major):
        return pact.BAD_TOKEN_CODE[major]  # type: ignore[return-value]
    return problem.code


def pact_route(handler: Callable[..., Any]) -> Callable[..., Awaitable[Response]]:
    """Wrap a route: refuse plain HTTP, and turn every failure into a PACT error body (never the platform's)."""

    is_async = inspect.iscoroutinefunction(handler)

    @functools.wraps(handler)
    async def wrapper(*args: Any, **kwargs: Any) -> Response:
        request: Request = kwargs["request"] if "request" in kwargs else args[0]  # FastAPI / Starlette routes
        try:
            require_https(request)
            if is_async:
                return await handler(*args, **kwargs)  # type: ignore[no-any-return]
            # database work runs on the thread pool, as FastAPI does for plain functions
            return await run_in_threadpool(handler, *args, **kwargs)  # type: ignore[no-any-return]
        except PactProblem as exc:
            return error(exc.status, _versioned_code(request, exc), exc.message)
        except InputError as exc:
            return error(400, "BadRequest", str(exc))
        except NotFound as exc:
            return error(404, "NotFound", str(exc))
        except PermissionDenied as exc:
            return error(403, "AccessDenied", str(exc))
        except CarbontrailError as exc:
            return error(400, "BadRequest", str(exc))
        except Exception:  # noqa: BLE001 - a peer gets PACT's InternalError, the log gets the traceback
            log.exception("PACT route failed")
            return error(500, "InternalError", "the PACT host failed unexpectedly; the error was logged")

    return wrapper
