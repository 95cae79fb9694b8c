"""PACT authentication: OpenID discovery and the OAuth2 client-credentials token endpoint (HTTP Basic)."""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from carbontrail.api.pact.common import context, pact_route
from carbontrail.http.deps import client_address
from carbontrail.services.accounts import (
    TOKEN_TTL_SECONDS,
    AuthenticationFailed,
    SignInThrottled,
    access_token,
    authenticate_client,
)

router = APIRouter()
SCOPES = "footprint:list footprint:read"


def _origin(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/.well-known/openid-configuration")
@pact_route
def openid_configuration(request: Request) -> JSONResponse:
    """Where to get a token and how (OpenID Connect Discovery 1.0 fields that apply to client credentials)."""
    origin = _origin(request)
    return JSONResponse({
        "issuer": origin,
        "token_endpoint": f"{origin}/auth/token",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "response_types_supported": ["token"],
        "scopes_supported": SCOPES.split(),
        "subject_types_supported": ["public"],
    })


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="pact"'
    return JSONResponse({"error": error, "error_description": description}, status_code=status, headers=headers)


def _basic(header: str) -> tuple[str, str] | None:
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return (user, password) if user else None


@router.post("/auth/token")
@pact_route
async def token(request: Request) -> JSONResponse:
    """An access token for an API client (RFC 6749 §4.4): grant_type=client_credentials, client id and secret
    by HTTP Basic (or in the form body). Errors answer RFC 6749 §5.2 bodies, as PACT asks."""
    try:
        form = await request.form()
    except Exception:  # noqa: BLE001 - any unreadable body is the same invalid request
        return _oauth_error(400, "invalid_request", "send an application/x-www-form-urlencoded body")
    credentials = _basic(request.headers.get("authorization", ""))
    if credentials is None and form.get("client_id"):
        credentials = (str(form.get("client_id")), str(form.get("client_secret", "")))
    if credentials is None:
        return _oauth_error(401, "invalid_client", "authenticate the client with HTTP Basic")
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "only grant_type=client_credentials is supported")
    ctx = context(request)
    try:
        principal = await run_in_threadpool(authenticate_client, ctx.sessions, *credentials,
                                            address=client_address(request), now=ctx.clock())
    except SignInThrottled as exc:
        # counted per client and per address, as the platform's own sign-in: refused unchecked while backing off
        response = _oauth_error(429, "invalid_client", str(exc))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except AuthenticationFailed:
        return _oauth_error(401, "invalid_client", "the client id or the client secret is wrong")
    return JSONResponse({"access_token": access_token(ctx.key, principal), "token_type": "bearer",
                         "expires_in": TOKEN_TTL_SECONDS, "scope": SCOPES},
                        headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
