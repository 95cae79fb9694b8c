"""Posting a PACT event to another host's events endpoint, with a token obtained there by client credentials."""

from __future__ import annotations

import ssl

import httpx

from carbontrail.errors import CarbontrailError, ConfigurationError
from carbontrail.services.pact.events import origin

TIMEOUT_SECONDS = 15.0


class CallbackFailed(CarbontrailError):
    """The customer's PACT host could not be reached, refused our credentials, or refused the event."""

    code = "callback_failed"


def tls(ca_pem: str) -> ssl.SSLContext | bool:
    """Verification against `ca_pem` (e.g. a development certificate), else the system's trust store."""
    if not ca_pem.strip():
        return True
    try:
        return ssl.create_default_context(cadata=ca_pem)
    except (ssl.SSLError, ValueError):
        raise ConfigurationError("the stored CA certificate of the customer's host is not valid PEM") from None


def token(client: httpx.Client, host: str, client_id: str, client_secret: str) -> str:
    """An access token from `host` by client credentials (HTTP Basic), found through its OpenID configuration
    when it publishes one, else at /auth/token."""
    endpoint = f"{host}/auth/token"
    try:
        found = client.get(f"{host}/.well-known/openid-configuration")
        if found.status_code == 200 and isinstance(found.json(), dict) and found.json().get("token_endpoint"):
            endpoint = str(found.json()["token_endpoint"])
    except (httpx.HTTPError, ValueError):
        pass  # no discovery document: the PACT default path
    try:
        r = client.post(endpoint, data={"grant_type": "client_credentials"}, auth=(client_id, client_secret))
    except httpx.HTTPError as exc:
        raise CallbackFailed(f"the customer's host {host} cannot be reached: {exc}") from None
    if r.status_code != 200:
        raise CallbackFailed(f"the customer's host {host} refused our client credentials ({r.status_code})")
    try:
        return str(r.json()["access_token"])
    except (ValueError, KeyError, TypeError):
        raise CallbackFailed(f"the customer's host {host} answered the token request without a token") from None


def send(url: str, event: dict[str, object], *, client_id: str, client_secret: str, ca_pem: str = "",
         timeout: float = TIMEOUT_SECONDS) -> int:
    """POST `event` to the events endpoint `url`; the HTTP status on success, `CallbackFailed` otherwise."""
    host = origin(url)
    with httpx.Client(verify=tls(ca_pem), timeout=timeout) as client:
        bearer = token(client, host, client_id, client_secret)
        try:
            r = client.post(url, json=event, headers={"Authorization": f"Bearer {bearer}",
                                                      "Content-Type": "application/cloudevents+json"})
        except httpx.HTTPError as exc:
            raise CallbackFailed(f"the customer's host {host} cannot be reached: {exc}") from None
    if not 200 <= r.status_code < 300:
        raise CallbackFailed(f"the customer's events endpoint {url} refused the event ({r.status_code}: "
                             f"{r.text[:200]})")
    return r.status_code
