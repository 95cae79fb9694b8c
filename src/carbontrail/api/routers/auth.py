"""Tokens (OAuth2 client credentials, or a user's password), signing out, and "who am I"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status

from carbontrail.http.deps import AppContext, CurrentPrincipal, client_address
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.api.schemas import GrantOut, Me, Token
from carbontrail.errors import InputError, Location
from carbontrail.services.accounts import (
    TOKEN_TTL_SECONDS,
    access_token,
    authenticate_client,
    authenticate_user,
    sign_out,
)

router = APIRouter(prefix="/api", tags=["auth"], responses=ERROR_RESPONSES)


def _grant(kind: str, required: list[str]) -> dict[str, object]:
    props: dict[str, object] = {"grant_type": {"type": "string", "enum": [kind]}}
    props.update({name: {"type": "string", "minLength": 1} for name in required})
    return {"type": "object", "title": kind, "required": ["grant_type", *required], "properties": props}


# The form's fields go in pairs by grant type (RFC 6749 §4.3, §4.4): the schema says which, not just "optional".
TOKEN_FORM = {"requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
    "oneOf": [_grant("client_credentials", ["client_id", "client_secret"]),
              _grant("password", ["username", "password"])],
    "discriminator": {"propertyName": "grant_type"}}}}}}


@router.post("/token", response_model=Token, openapi_extra=TOKEN_FORM)
def token(request: Request, ctx: AppContext, grant_type: Annotated[str, Form()],
          client_id: Annotated[str | None, Form()] = None, client_secret: Annotated[str | None, Form()] = None,
          username: Annotated[str | None, Form()] = None, password: Annotated[str | None, Form()] = None) -> Token:
    """Exchange credentials for a bearer token that expires (`grant_type` client_credentials or password).

    Wrong credentials are counted per account (or client) and per address: after a few the answer is 429 with
    `Retry-After` for a doubling wait, after many the account is locked for a while, even for the right password.
    """
    where = {"address": client_address(request), "now": ctx.clock()}
    if grant_type == "client_credentials":
        if not client_id or not client_secret:
            raise InputError("client_credentials needs client_id and client_secret",
                             location=Location(field="client_id"))
        principal = authenticate_client(ctx.sessions, client_id, client_secret, **where)
    elif grant_type == "password":
        if not username or not password:
            raise InputError("the password grant needs username and password", location=Location(field="username"))
        principal = authenticate_user(ctx.sessions, username, password, **where)
    else:
        raise InputError(f"unsupported grant_type '{grant_type}'", location=Location(field="grant_type"),
                         expected="client_credentials or password")
    return Token(access_token=access_token(ctx.key, principal), expires_in=TOKEN_TTL_SECONDS)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(ctx: AppContext, principal: CurrentPrincipal) -> None:
    """Sign out: every web session and password-grant token of your account issued so far stops working."""
    sign_out(ctx.sessions, principal)


@router.get("/me", response_model=Me)
def me(principal: CurrentPrincipal) -> Me:
    return Me(email=principal.email, name=principal.name, platform_admin=principal.platform_admin,
              client_id=principal.client_id, grants=[GrantOut.of(g) for g in principal.grants])
