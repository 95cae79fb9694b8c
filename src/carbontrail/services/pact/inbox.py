"""Footprint requests that reach this host's suppliers: received as PACT events, decided by hand or by rule,
answered asynchronously by a RequestFulfilled or RequestRejected callback; the event log.

A request is addressed to every supplier on this host that published a footprint matching its criteria; one
matching nothing is rejected at once with "NotFound".
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict, InputError, Location, NotFound
from carbontrail.formats import pact
from carbontrail.services import audit, tenancy
from carbontrail.services.pact import callbacks, requests, secrets
from carbontrail.services.accounts import Principal
from carbontrail.services.work import Actor
from carbontrail.store.db import transaction
from carbontrail.store.repositories import pact as repo
from carbontrail.store.models.pact import (
    PactCallbackCredential,
    PactEvent,
    PactFootprint,
    PactInboundRequest,
    PactRule,
)

from carbontrail.services.pact.events import EVENT_TYPES, events_url, origin
from carbontrail.services.pact.host import (
    PUBLISH,
    Filters,
    actor_name,
    grant_in,
    log,
    member_organisations,
    own_footprint,
    require,
    utc_now,
)

SECRETS: secrets.Purpose = "pact-callback-secrets"
STATUSES = ("pending", "fulfilled", "rejected")
RULE_MODES = ("manual", "auto")


# -- requests ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criteria:
    """What a RequestCreated event asks for, in v3 filter terms (v2's `pf` fragment maps onto them)."""

    filters: Filters
    comment: str = ""


def criteria_of(event: dict[str, Any], major: str) -> Criteria:
    """The request's criteria; `InputError` when the data does not say what is requested."""
    data = event.get("data")
    if not isinstance(data, dict):
        raise InputError("the event has no data object", location=Location(field="data"))
    comment = data.get("comment", "")
    if major == "2":
        pf = data.get("pf")
        if not isinstance(pf, dict):
            raise InputError("a v2 RequestCreated event names the requested footprint in data.pf",
                             location=Location(field="data.pf"))
        geography = [pf[k] for k in ("geographyCountry", "geographyCountrySubdivision", "geographyRegionOrSubregion")
                     if isinstance(pf.get(k), str)]
        pcf = pf.get("pcf") if isinstance(pf.get("pcf"), dict) else {}
        geography += [pcf[k] for k in ("geographyCountry", "geographyCountrySubdivision",
                                       "geographyRegionOrSubregion") if isinstance(pcf.get(k), str)]
        filters = Filters(product_ids=_strings(pf.get("productIds"), "data.pf.productIds"),
                          company_ids=_strings(pf.get("companyIds"), "data.pf.companyIds"),
                          geographies=tuple(geography),
                          classifications=_strings(pf.get("productClassifications"),
                                                   "data.pf.productClassifications"))
    else:
        filters = Filters(product_ids=_strings(data.get("productId"), "data.productId"),
                          company_ids=_strings(data.get("companyId"), "data.companyId"),
                          geographies=_strings(data.get("geography"), "data.geography"),
                          classifications=_strings(data.get("classification"), "data.classification"),
                          valid_on=_moment(data.get("validOn"), "data.validOn"),
                          valid_after=_moment(data.get("validAfter"), "data.validAfter"),
                          valid_before=_moment(data.get("validBefore"), "data.validBefore"),
                          statuses=_strings(data.get("status"), "data.status"))
    return Criteria(filters, comment if isinstance(comment, str) else "")


def _strings(value: object, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise InputError(f"{name} must be a list of strings", location=Location(field=name))


def _moment(value: object, name: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"'{value}' is not a date-time", location=Location(field=name)) from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Inbound:
    """A footprint request in a supplier's inbox."""

    id: int
    supplier: str | None
    requester: str | None
    product_ids: tuple[str, ...]
    comment: str
    status: str
    reason: str
    answered_pf_ids: tuple[str, ...]
    events_url: str
    delivery: str
    delivery_note: str
    created: dt.datetime
    spec: str = "3"
    criteria: dict[str, Any] = field(default_factory=dict)


def receive_request(sessions: sessionmaker[Session], principal: Principal, event: dict[str, Any], major: str, *,
                    own_origin: str) -> list[int]:
    """Record a RequestCreated event from a customer's client: one inbound request per supplier whose published
    footprints match (or one rejected at once if none does); suppliers with an automatic rule decide now.
    Returns the ids of requests whose answer is ready to deliver. A repeated event is recorded once."""
    criteria = criteria_of(event, major)
    source, event_id = str(event["source"]), str(event["id"])
    requester = member_organisations(principal)
    requester_id = requester[0] if requester else None
    ready: list[int] = []
    with transaction(sessions) as s:
        if repo.inbound_seen(s, source, event_id):
            return []
        suppliers: list[int] = []
        if not criteria.filters.empty():
            suppliers = sorted(repo.publishers_matching(s, criteria.filters) - {requester_id})
        base = dict(event_id=event_id, source=source, spec=major, requester_organisation_id=requester_id,
                    requester_client=principal.client_id or "", comment=criteria.comment[:4000],
                    product_ids=json.dumps(list(criteria.filters.product_ids)),
                    criteria=json.dumps(event.get("data", {}), ensure_ascii=False, default=str),
                    events_url=(events_url(source, major) or "")[:500],
                    host_origin=own_origin[:300])
        if not suppliers:
            row = PactInboundRequest(supplier_organisation_id=None, status="rejected", decided_at=utc_now(),
                                     reason="no footprint on this host matches the request", **base)
            s.add(row)
            s.flush()
            ready.append(row.id)
        for org_id in suppliers:
            row = PactInboundRequest(supplier_organisation_id=org_id, status="pending", **base)
            s.add(row)
            s.flush()
            audit.record(s, actor_name(principal), "receive", "pact_request", event_id, organisation_id=org_id,
                         detail={"product_ids": list(criteria.filters.product_ids)})
            rule = repo.rule(s, org_id)
            if rule is not None and rule.mode == "auto":
                _auto_decide(s, row, rule)
                ready.append(row.id)
        _log(s, None, "in", event, f"{len(suppliers)} supplier(s)")
    return ready


def _matching(s: Session, row: PactInboundRequest, *, granted_only: bool) -> list[PactFootprint]:
    assert row.supplier_organisation_id is not None
    data = json.loads(row.criteria)
    criteria = criteria_of({"data": data}, row.spec)
    filters = criteria.filters
    if not filters.statuses:
        filters = Filters(**{**vars(filters), "statuses": ("Active",)})
    if granted_only and row.requester_organisation_id is None:
        return []
    return repo.supplier_footprints_matching(s, row.supplier_organisation_id, filters,
                                             row.requester_organisation_id if granted_only else None)


def _auto_decide(s: Session, row: PactInboundRequest, rule: PactRule) -> None:
    found = _matching(s, row, granted_only=not rule.grant_on_request)
    if found and (row.spec == "3" or all(f.payload_v2 for f in found)):
        _fulfil(s, row, found)
    else:
        row.status, row.reason, row.decided_at = "rejected", "no footprint matching the request is available", utc_now()


def _fulfil(s: Session, row: PactInboundRequest, found: Iterable[PactFootprint]) -> None:
    ids = []
    for f in found:
        if row.requester_organisation_id is not None:
            grant_in(s, f.id, row.requester_organisation_id)
        ids.append(f.pf_id)
    row.status, row.reason, row.decided_at = "fulfilled", "", utc_now()
    row.answered_pf_ids = json.dumps(ids)


def decide(sessions: sessionmaker[Session], principal: Actor | None, org_code: str, request_id: int, *,
           accept: bool, reason: str = "", pf_ids: Sequence[str] = (), deliver_now: bool = True,
           key: bytes | None = None) -> Inbound:
    """The supplier answers a pending request: accept (with `pf_ids`, else its Active footprints matching the
    request, granted to the requester) or reject with a reason. The answer is then delivered to the requester."""
    with transaction(sessions) as s:
        access = require(s, principal, org_code, *PUBLISH)
        row = repo.inbound_request(s, access.organisation_id, request_id)
        if row is None:
            raise NotFound(f"organisation '{org_code}' has no footprint request {request_id}")
        if row.status != "pending":
            raise Conflict(f"request {request_id} was already answered ({row.status})")
        if accept:
            if pf_ids:
                found = [own_footprint(s, access, p) for p in pf_ids]
            else:
                found = _matching(s, row, granted_only=False)
            if not found:
                raise Conflict("no Active footprint matches this request: publish one first, or reject it")
            if row.spec == "2" and not all(f.payload_v2 for f in found):
                raise Conflict("a chosen footprint has no PACT v2.3 form, and the request came through v2")
            _fulfil(s, row, found)
        else:
            if not reason.strip():
                raise InputError("say why the request is rejected", location=Location(field="reason"))
            row.status, row.reason, row.decided_at = "rejected", reason.strip()[:2000], utc_now()
        audit.record(s, actor_name(principal), "accept" if accept else "reject", "pact_request", row.event_id,
                     organisation_id=access.organisation_id, detail={"reason": row.reason})
        request_id = row.id
    if deliver_now and key is not None:
        deliver(sessions, key, request_id)
    return inbox_item(sessions, request_id)


def inbox_item(sessions: sessionmaker[Session], request_id: int) -> Inbound:
    with sessions() as s:
        row = s.get(PactInboundRequest, request_id)
        if row is None:
            raise NotFound(f"no footprint request {request_id}")
        return _inbound(s, row)


def _inbound(s: Session, row: PactInboundRequest) -> Inbound:
    codes = repo.organisation_codes(s, (row.supplier_organisation_id, row.requester_organisation_id))
    return Inbound(row.id, codes.get(row.supplier_organisation_id), codes.get(row.requester_organisation_id),
                   tuple(json.loads(row.product_ids)), row.comment, row.status, row.reason,
                   tuple(json.loads(row.answered_pf_ids)), row.events_url, row.delivery, row.delivery_note,
                   row.created_at, row.spec, json.loads(row.criteria))


def inbox(sessions: sessionmaker[Session], principal: Actor | None, org_code: str,
          status: str | None = None) -> list[Inbound]:
    """The organisation's footprint requests, newest first (optionally only those of one status)."""
    if status is not None and status not in STATUSES:
        raise InputError(f"'{status}' is not a request status", location=Location(field="status"),
                         expected=", ".join(STATUSES))
    with sessions() as s:
        access = require(s, principal, org_code, tenancy.DATA_READ)
        return [_inbound(s, r) for r in repo.inbound_requests(s, access.organisation_id, status)]


def set_rule(sessions: sessionmaker[Session], principal: Actor | None, org_code: str, mode: str, *,
             grant_on_request: bool = True) -> None:
    """How the organisation answers requests: "manual" (in its inbox) or "auto" (see `PactRule`)."""
    if mode not in RULE_MODES:
        raise InputError(f"'{mode}' is not a rule", location=Location(field="mode"), expected=", ".join(RULE_MODES))
    with transaction(sessions) as s:
        access = require(s, principal, org_code, *PUBLISH)
        set_rule_in(s, access.organisation_id, mode, grant_on_request=grant_on_request)
        audit.record(s, actor_name(principal), "rule", "pact_rule", mode, organisation_id=access.organisation_id,
                     detail={"grant_on_request": grant_on_request})


def set_rule_in(s: Session, organisation_id: int, mode: str, *, grant_on_request: bool = True) -> None:
    rule = repo.rule(s, organisation_id)
    if rule is None:
        s.add(PactRule(organisation_id=organisation_id, mode=mode, grant_on_request=grant_on_request))
    else:
        rule.mode, rule.grant_on_request = mode, grant_on_request


def set_callback_credentials(sessions: sessionmaker[Session], principal: Actor | None, org_code: str | None,
                             key: bytes, *, host: str, client_id: str, client_secret: str, ca_pem: str = "") -> str:
    """Store the client credentials the customer's host `host` issued to supplier `org_code` (None: to this host
    itself, a platform administrator's business), for posting answers. Returns the host's origin as stored."""
    stored = origin(host.strip())
    if not stored.startswith("https://") or stored == "https://":
        raise InputError(f"'{host}' is not an HTTPS address", location=Location(field="host"),
                         expected="https://customer.example[:port]")
    if not client_id.strip() or not client_secret:
        raise InputError("both the client id and the client secret are needed", location=Location(field="client_id"))
    if ca_pem.strip() and "-----BEGIN CERTIFICATE-----" not in ca_pem:
        raise InputError("the CA certificate is not PEM", location=Location(field="ca_pem"))
    callbacks.tls(ca_pem)
    with transaction(sessions) as s:
        if org_code is None:
            if principal is not None:
                tenancy.require_platform_admin(principal)
            org_id = None
        else:
            org_id = require(s, principal, org_code, *PUBLISH).organisation_id
        row = repo.callback_credential(s, org_id, stored)
        if row is None:
            row = PactCallbackCredential(organisation_id=org_id, host=stored)
            s.add(row)
        row.client_id, row.secret, row.ca_pem = client_id.strip(), secrets.encrypt(key, SECRETS, client_secret), ca_pem
        audit.record(s, actor_name(principal), "set", "pact_callback_credential", stored, organisation_id=org_id,
                     detail={"client_id": client_id.strip()})
    return stored


# -- answering -----------------------------------------------------------------------------------------------------


def answer_event(row: PactInboundRequest, documents: Sequence[dict[str, Any]], own_origin: str) -> dict[str, Any]:
    """The RequestFulfilled or RequestRejected CloudEvent answering `row`."""
    kind = "fulfilled" if row.status == "fulfilled" else "rejected"
    data: dict[str, Any] = {"requestEventId": row.event_id}
    if kind == "fulfilled":
        data["pfs"] = list(documents)
    else:
        not_found = not row.supplier_organisation_id or "no footprint" in row.reason
        data["error"] = {"code": pact.NOT_FOUND_CODE[row.spec] if not_found else "BadRequest",
                         "message": row.reason or "the request was rejected"}
    return {"type": EVENT_TYPES[row.spec][kind], "specversion": "1.0", "id": str(uuid.uuid4()),
            "source": f"{own_origin}/{row.spec}/events", "time": pact.timestamp(utc_now()), "data": data}


def deliver(sessions: sessionmaker[Session], key: bytes, request_id: int, *, own_origin: str = "") -> str:
    """Send the answer of a decided request to the requester's events endpoint (or hand it over in-process when
    the requester is an organisation of this very host). Records and returns the outcome: "sent" or "failed"."""
    with sessions() as s:
        row = s.get(PactInboundRequest, request_id)
        if row is None or row.status == "pending":
            return ""
        ids = json.loads(row.answered_pf_ids)
        texts = repo.documents_by_id(s, ids, row.spec)
        documents = [json.loads(texts[i]) for i in ids if texts.get(i)]
        own = own_origin or row.host_origin
        event = answer_event(row, documents, own)
        target = row.events_url
        credential = None
        if target:
            # the supplier's own credentials on that host first, else the host-wide ones
            candidates = repo.callback_candidates(s, row.supplier_organisation_id, origin(target))
            credential = min(candidates, key=lambda c: c.organisation_id is None, default=None)
        requester, supplier = row.requester_organisation_id, row.supplier_organisation_id
        client_id = credential.client_id if credential else ""
        secret = secrets.decrypt(key, SECRETS, credential.secret) if credential else ""
        ca_pem = credential.ca_pem if credential else ""
    outcome, note = "failed", ""
    try:
        if not target:
            note = "the request's source names no HTTPS events endpoint to answer"
        elif credential is None and own and origin(target) == own and requester is not None:
            requests.on_answer(sessions, requester, event)
            outcome, note = "sent", "handed over on this host"
        elif credential is None:
            note = (f"no client credentials for {origin(target)}: add them with "
                    "`carbontrail pact callback-credentials`")
        else:
            status = callbacks.send(target, event, client_id=client_id, client_secret=secret, ca_pem=ca_pem)
            outcome, note = "sent", f"HTTP {status}"
    except Exception as exc:  # noqa: BLE001 - a failed delivery is recorded on the request, never raised to a peer
        note = str(exc)[:1000]
        log.warning("PACT answer to request %s not delivered: %s", request_id, note)
    with transaction(sessions) as s:
        row = s.get(PactInboundRequest, request_id)
        assert row is not None
        row.delivery, row.delivery_note = outcome, note
        _log(s, supplier, "out", event, f"{outcome}: {note}"[:200])
    return outcome


def deliver_all(sessions: sessionmaker[Session], key: bytes, request_ids: Sequence[int], own_origin: str) -> None:
    """Deliver several answers (run after the response to the requester, in a background task)."""
    for rid in request_ids:
        deliver(sessions, key, rid, own_origin=own_origin)


def _log(s: Session, organisation_id: int | None, direction: str, event: dict[str, Any], outcome: str) -> None:
    s.add(PactEvent(organisation_id=organisation_id, direction=direction, event_type=str(event.get("type", ""))[:120],
                    event_id=str(event.get("id", ""))[:200], source=str(event.get("source", ""))[:500],
                    body=json.dumps(event, ensure_ascii=False, default=str), outcome=outcome[:200]))


def log_event(sessions: sessionmaker[Session], principal: Principal, event: dict[str, Any], outcome: str) -> None:
    """Record an event received from a client (Published, answers) in the PACT event log."""
    orgs = member_organisations(principal)
    with transaction(sessions) as s:
        _log(s, orgs[0] if orgs else None, "in", event, outcome)


def events(sessions: sessionmaker[Session], principal: Actor | None, org_code: str,
           limit: int = 100) -> list[PactEvent]:
    """The organisation's PACT event log, newest first."""
    with sessions() as s:
        access = require(s, principal, org_code, tenancy.DATA_READ)
        return repo.events(s, access.organisation_id, limit)
