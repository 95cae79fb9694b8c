"""A client for any PACT host (Tech Specs v2.3 and v3.0): token by client credentials, list, get, events.

Works against carbontrail's own host and any other that follows the PACT OpenAPI; HTTPS only, with the host's
certificate checked against the system trust store or a given CA / self-signed certificate.
"""

from __future__ import annotations

import ssl
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from carbontrail.errors import CarbontrailError, ConfigurationError, InputError, Location, NotFound
from carbontrail.services.pact.events import EVENT_TYPES, VERSIONS, Version, origin

CLOUDEVENTS = "application/cloudevents+json; charset=UTF-8"
#: v3 list filters (OR within a parameter, AND across parameters).
V3_FILTERS = ("productId", "companyId", "geography", "classification", "validOn", "validAfter", "validBefore",
              "status")
_EXPIRY_MARGIN = 30.0  # seconds: ask for a new token this long before the old one runs out
_MAX_PAGES = 10_000


class PactHostError(CarbontrailError):
    """A PACT host refused a call or answered something that is not PACT."""

    code = "pact_host_error"

    def __init__(self, message: str, *, status: int | None = None, pact_code: str | None = None):
        self.status = status
        self.pact_code = pact_code
        super().__init__(message)


class PactUnreachable(PactHostError):
    """The PACT host could not be reached (address, network, TLS certificate)."""

    code = "pact_host_unreachable"


def tls_verification(verify: bool | str | Path | ssl.SSLContext = True) -> bool | ssl.SSLContext:
    """What httpx should check the host's certificate against: True = system trust store, a path = that CA or
    self-signed certificate (PEM), a context as given. Turning checks off is not offered."""
    if verify is False:
        raise ConfigurationError("PACT exchanges footprints over verified HTTPS only; certificate checks stay on")
    if isinstance(verify, ssl.SSLContext) or verify is True:
        return verify
    path = Path(verify)
    if not path.is_file():
        raise ConfigurationError(f"the CA certificate '{path}' does not exist")
    try:
        return ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, OSError) as exc:
        raise ConfigurationError(f"the CA certificate '{path}' cannot be read: {exc}") from None


def tls_from_pem(pem: str) -> ssl.SSLContext:
    """A context trusting exactly the PEM certificate(s) given (a stored connection's own CA)."""
    try:
        return ssl.create_default_context(cadata=pem)
    except (ssl.SSLError, ValueError) as exc:
        raise ConfigurationError(f"the stored CA certificate cannot be read: {exc}") from None


def check_base_url(url: str, *, name: str = "host_url") -> str:
    """The host's base URL without a trailing slash; PACT runs over HTTPS only."""
    text = (url or "").strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.hostname:
        raise InputError(f"'{url}' is not an https:// address", location=Location(field=name),
                         expected="the PACT host's base URL, e.g. https://pact.supplier.example")
    if parts.query or parts.fragment:
        raise InputError(f"'{url}' carries a query or fragment", location=Location(field=name),
                         expected="a base URL without ?… or #…")
    return text


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class PactClient:
    """One PACT host, as one client id. Reuses its access token until shortly before it expires.

    `verify`: True (system trust store), the path of a CA or self-signed certificate, or an `ssl.SSLContext`.
    """

    base_url: str
    client_id: str
    client_secret: str
    version: Version = "3"
    verify: bool | str | Path | ssl.SSLContext = True
    timeout: float = 15.0
    _token: str | None = field(default=None, init=False, repr=False)
    _expires: float = field(default=0.0, init=False, repr=False)
    _token_url: str | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _http: httpx.Client | None = field(default=None, init=False, repr=False)
    token_requests: int = field(default=0, init=False)  # how many tokens were fetched (tests check reuse)

    def __post_init__(self) -> None:
        self.base_url = check_base_url(self.base_url)
        if self.version not in VERSIONS:
            raise InputError(f"PACT version '{self.version}' is not supported", location=Location(field="version"),
                             expected="2 (v2.3) or 3 (v3.0)")
        self._origin = origin(self.base_url)

    # -- plumbing --------------------------------------------------------------------------------------------

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            # no idle keep-alive connections: a client is kept for its token, and an idle TLS connection would
            # hold up the peer's graceful shutdown (or our own, when a host calls itself)
            self._http = httpx.Client(verify=tls_verification(self.verify), timeout=self.timeout,
                                      follow_redirects=False, headers={"Accept": "application/json"},
                                      limits=httpx.Limits(max_keepalive_connections=0))
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> PactClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _send(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        try:
            return self.http.request(method, url, **kwargs)  # type: ignore[arg-type]
        except httpx.ConnectError as exc:
            reason = "its TLS certificate is not trusted" if "CERTIFICATE" in str(exc).upper() else str(exc)
            raise PactUnreachable(f"cannot reach the PACT host {self._origin}: {reason}") from None
        except httpx.TimeoutException:
            raise PactUnreachable(f"the PACT host {self._origin} did not answer within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise PactUnreachable(f"the PACT host {self._origin} failed: {exc}") from None

    # -- authentication --------------------------------------------------------------------------------------

    def token_endpoint(self) -> str:
        """The token URL the host announces at /.well-known/openid-configuration, else {base}/auth/token."""
        if self._token_url is None:
            found = None
            response = self._send("GET", f"{self.base_url}/.well-known/openid-configuration")
            if response.status_code == 200:
                try:
                    found = response.json().get("token_endpoint")
                except (ValueError, AttributeError):
                    found = None
            if isinstance(found, str) and origin(found) == self._origin:
                self._token_url = found
            else:
                # a token URL on another origin would receive our secret: only the host's own is used
                self._token_url = f"{self.base_url}/auth/token"
        return self._token_url

    def token(self) -> str:
        """A valid access token: the one held while it lasts, else a new one (client credentials, HTTP Basic)."""
        with self._lock:
            if self._token is not None and time.monotonic() < self._expires:
                return self._token
            url = self.token_endpoint()
            response = self._send("POST", url, data={"grant_type": "client_credentials"},
                                  auth=(self.client_id, self.client_secret),
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
            self.token_requests += 1
            if response.status_code in (400, 401, 403):
                raise PactHostError(f"the PACT host {self._origin} refused the client credentials "
                                    f"of '{self.client_id}' ({response.status_code})", status=response.status_code,
                                    pact_code="AccessDenied")
            body = _json(response, "token")
            token = body.get("access_token") if isinstance(body, dict) else None
            if not isinstance(token, str) or not token:
                raise PactHostError(f"the PACT host {self._origin} answered the token request without a token")
            ttl = body.get("expires_in")
            lifetime = float(ttl) if isinstance(ttl, (int, float)) and ttl > 0 else 3600.0
            self._token = token
            self._expires = time.monotonic() + max(lifetime - _EXPIRY_MARGIN, 0.0)
            return token

    def _authorised(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})  # type: ignore[call-overload]
        fetched = self.token_requests
        token = self.token()
        headers["Authorization"] = f"Bearer {token}"
        response = self._send(method, url, headers=headers, **kwargs)
        held = self.token_requests == fetched  # the token was one we held, not one fetched just now
        if held and (response.status_code == 401 or _pact_code(response) == "TokenExpired"):
            with self._lock:
                if self._token == token:
                    self._token = None  # the host ended it early (expired, revoked, restarted): one retry
            headers["Authorization"] = f"Bearer {self.token()}"
            response = self._send(method, url, headers=headers, **kwargs)
        return response

    # -- footprints ------------------------------------------------------------------------------------------

    def pages(self, *, limit: int | None = None, filters: Mapping[str, str | Sequence[str]] | None = None
              ) -> Iterator[list[dict[str, object]]]:
        """Each page of ListFootprints, following the absolute `Link: <…>; rel="next"` until there is none."""
        params: list[tuple[str, str]] = []
        if limit is not None:
            params.append(("limit", str(limit)))
        for name, value in (filters or {}).items():
            if self.version == "2":
                raise InputError("PACT v2 hosts have no list filters", location=Location(field=name),
                                 expected="filters only with a v3 host")
            if name not in V3_FILTERS:
                raise InputError(f"'{name}' is not a PACT v3 filter", location=Location(field=name),
                                 expected=", ".join(V3_FILTERS))
            for v in ([value] if isinstance(value, str) else value):
                params.append((name, v))
        url: str | None = f"{self.base_url}/{self.version}/footprints"
        seen: set[str] = set()
        first = True
        while url is not None:
            response = self._authorised("GET", url, params=params if first else None)
            first = False
            body = _json(self._checked(response, "list footprints"), "list footprints")
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, list):
                raise PactHostError(f"the PACT host {self._origin} answered ListFootprints without a 'data' list")
            yield [pf for pf in data if isinstance(pf, dict)]
            url = self._next_link(response)
            if url is not None:
                if url in seen or len(seen) >= _MAX_PAGES:
                    raise PactHostError(f"the PACT host {self._origin} sends pagination links in a loop")
                seen.add(url)

    def list_footprints(self, *, limit: int | None = None,
                        filters: Mapping[str, str | Sequence[str]] | None = None) -> list[dict[str, object]]:
        """Every footprint the host shows this client (all pages)."""
        return [pf for page in self.pages(limit=limit, filters=filters) for pf in page]

    def get_footprint(self, pf_id: str) -> dict[str, object]:
        """One footprint by id; `NotFound` if the host does not have it (or does not show it to us)."""
        try:
            uuid.UUID(pf_id)
        except (ValueError, TypeError, AttributeError):
            raise InputError(f"'{pf_id}' is not a footprint id", location=Location(field="id"),
                             expected="a UUID") from None
        response = self._authorised("GET", f"{self.base_url}/{self.version}/footprints/{pf_id}")
        if response.status_code == 404 or (response.status_code == 400 and _pact_code(response) == "NotFound"):
            raise NotFound(f"the PACT host {self._origin} has no footprint '{pf_id}' for this client")
        body = _json(self._checked(response, "get footprint"), "get footprint")
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise PactHostError(f"the PACT host {self._origin} answered GetFootprint without a 'data' object")
        return data

    # -- events ----------------------------------------------------------------------------------------------

    def send_event(self, event: Mapping[str, object]) -> None:
        """POST one CloudEvent to the host's events endpoint; a refusal raises `PactHostError`."""
        response = self._authorised("POST", f"{self.base_url}/{self.version}/events", json=dict(event),
                                    headers={"Content-Type": CLOUDEVENTS})
        self._checked(response, "send event")

    def request_created(self, product_ids: Sequence[str], *, source: str, event_id: str | None = None,
                        comment: str = "") -> dict[str, object]:
        """The RequestCreated event asking for footprints of `product_ids`; `source` is our events endpoint,
        where the host answers with RequestFulfilled or RequestRejected."""
        if not product_ids:
            raise InputError("name at least one product id", location=Location(field="product_id"))
        data: dict[str, object]
        if self.version == "2":
            data = {"pf": {"productIds": list(product_ids)}}
            if comment:
                data["comment"] = comment
        else:
            data = {"productId": list(product_ids)}
        return {"type": EVENT_TYPES[self.version]["created"], "specversion": "1.0",
                "id": event_id or str(uuid.uuid4()), "source": source, "time": now_iso(), "data": data}

    def request_footprints(self, product_ids: Sequence[str], *, source: str, event_id: str | None = None,
                           comment: str = "") -> str:
        """Send a RequestCreated event; returns its id (the answer's `requestEventId`)."""
        event = self.request_created(product_ids, source=source, event_id=event_id, comment=comment)
        self.send_event(event)
        return str(event["id"])

    def published(self, pf_ids: Sequence[str], *, source: str) -> str:
        """Send a Published event naming footprints that are new or updated; returns its id."""
        event = {"type": EVENT_TYPES[self.version]["published"], "specversion": "1.0", "id": str(uuid.uuid4()),
                 "source": source, "time": now_iso(), "data": {"pfIds": list(pf_ids)}}
        self.send_event(event)
        return str(event["id"])

    # -- answers ---------------------------------------------------------------------------------------------

    def _checked(self, response: httpx.Response, action: str) -> httpx.Response:
        if 200 <= response.status_code < 300:
            return response
        code = _pact_code(response)
        message = _pact_message(response)
        detail = f": {code}" if code else ""
        detail += f" ({message})" if message else ""
        raise PactHostError(f"the PACT host {self._origin} refused to {action} "
                            f"with HTTP {response.status_code}{detail}", status=response.status_code,
                            pact_code=code)

    def _next_link(self, response: httpx.Response) -> str | None:
        link = response.links.get("next")
        target = link.get("url") if link else None
        if not target:
            return None
        parts = urlsplit(target)
        if not parts.scheme or not parts.netloc:
            raise PactHostError(f"the PACT host {self._origin} sent a relative pagination link '{target}'",
                                pact_code="BadRequest")
        if origin(target) != self._origin:
            # our token must not travel to another host
            raise PactHostError(f"the PACT host {self._origin} sent a pagination link to another host: {target}")
        return target


def _json(response: httpx.Response, action: str) -> dict[str, object]:
    try:
        body = response.json()
    except ValueError:
        raise PactHostError(f"the PACT host answered '{action}' with something that is not JSON "
                            f"(HTTP {response.status_code})") from None
    if not isinstance(body, dict):
        raise PactHostError(f"the PACT host answered '{action}' with JSON that is not an object")
    return body


def _pact_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


def _pact_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return message[:300] if isinstance(message, str) else ""
