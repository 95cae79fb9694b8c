"""A customer asking its suppliers for footprints over PACT: supplier connections, requests, answers and pulls.

Received footprints become supplier primary data (services/pact/supplier_data.py), which the footprint engine uses in
place of secondary factors. The supplier's host answers a request by calling our events endpoint, which hands the
event to `on_answer`.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import CarbontrailError, ConfigurationError, Conflict, InputError, Location, NotFound
from carbontrail.formats import product_model
from carbontrail.services import audit, tenancy
from carbontrail.services.pact import secrets
from carbontrail.services.pact.client import PactClient, check_base_url, tls_from_pem
from carbontrail.services.pact.events import EVENT_TYPES, VERSIONS, Version
from carbontrail.services.pact.supplier_data import record_supplier_footprint, supplier_footprint_rows
from carbontrail.services.work import Actor, unit_of_work
from carbontrail.store.db import transaction
from carbontrail.store.models import OutboundRequest, ReceivedFootprint, SupplierConnection, SupplierFootprint
from carbontrail.store.repositories import pact as repo
from carbontrail.units import parse_unit

STATUSES = ("pending", "fulfilled", "rejected", "error")
_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
#: PACT declared units (v2.3 `declaredUnit`, v3.0 `declaredUnitOfMeasurement`) in our unit spelling.
DECLARED_UNITS = {"liter": "L", "kilogram": "kg", "cubic meter": "m**3", "kilowatt hour": "kWh",
                  "megajoule": "MJ", "ton kilometer": "tkm", "square meter": "m**2", "piece": "piece",
                  "hour": "hour", "megabit second": "Mbit*s"}
SECRETS: secrets.Purpose = "supplier-connection-secrets"
_ANSWERS = {t: kind for v in VERSIONS for kind, t in EVENT_TYPES[v].items() if kind in ("fulfilled", "rejected")}


# -- connections -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionInfo:
    """A supplier connection as shown to people: never the secret."""

    supplier: str
    name: str
    host_url: str
    client_id: str
    pact_version: str
    custom_ca: bool
    created_at: datetime


def _info(c: SupplierConnection) -> ConnectionInfo:
    return ConnectionInfo(c.supplier, c.name, c.host_url, c.client_id, c.pact_version, bool(c.ca_pem), c.created_at)


def add_connection(session: Session, organisation_id: int, key: bytes, *, supplier: str, name: str, host_url: str,
                   client_id: str, client_secret: str, pact_version: str = "3", ca_pem: str = "",
                   actor: str = "cli") -> ConnectionInfo:
    """Record how to reach a supplier's PACT host; `Conflict` if the organisation already has that supplier code."""
    supplier = supplier.strip()
    if not _CODE.match(supplier):
        raise InputError(f"'{supplier}' is not a supplier code", location=Location(field="supplier"),
                         expected="1–64 letters, digits, '.', '_' or '-'")
    name = name.strip() or supplier
    url = check_base_url(host_url)
    if not client_id.strip() or not client_secret:
        raise InputError("the client id and secret the supplier issued are both needed",
                         location=Location(field="client_id" if not client_id.strip() else "client_secret"))
    if pact_version not in VERSIONS:
        raise InputError(f"PACT version '{pact_version}' is not supported", location=Location(field="pact_version"),
                         expected="2 (v2.3) or 3 (v3.0)")
    ca_pem = ca_pem.strip()
    if ca_pem:
        if "-----BEGIN CERTIFICATE-----" not in ca_pem:
            raise InputError("the CA certificate is not PEM", location=Location(field="ca_pem"),
                             expected="-----BEGIN CERTIFICATE----- …")
        try:
            tls_from_pem(ca_pem)
        except ConfigurationError as exc:
            raise InputError(str(exc), location=Location(field="ca_pem"), expected="a PEM certificate") from None
    if repo.connection(session, organisation_id, supplier) is not None:
        raise Conflict(f"a connection to supplier '{supplier}' exists already")
    row = SupplierConnection(organisation_id=organisation_id, supplier=supplier, name=name[:200], host_url=url,
                             client_id=client_id.strip(), secret_encrypted=secrets.encrypt(key, SECRETS, client_secret),
                             pact_version=pact_version, ca_pem=ca_pem)
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "supplier_connection", supplier, organisation_id=organisation_id,
                 detail={"name": row.name, "host_url": url, "client_id": row.client_id, "pact_version": pact_version})
    return _info(row)


def remove_connection(session: Session, organisation_id: int, supplier: str, *, actor: str = "cli") -> None:
    """Forget a supplier connection with its requests (received footprints stay as supplier data)."""
    repo.delete_connection(session, connection(session, organisation_id, supplier))
    audit.record(session, actor, "delete", "supplier_connection", supplier, organisation_id=organisation_id)


def connection(session: Session, organisation_id: int, supplier: str) -> SupplierConnection:
    row = repo.connection(session, organisation_id, supplier)
    if row is None:
        raise NotFound(f"no supplier connection '{supplier}'")
    return row


def connections(session: Session, organisation_id: int) -> list[ConnectionInfo]:
    return [_info(c) for c in repo.connections(session, organisation_id)]


class _Clients:
    """PACT clients kept across calls, so an access token serves until it expires (a token costs the host a
    password-hash check). Keyed by everything the client depends on: a changed secret or certificate is a new one."""

    def __init__(self, size: int = 64):
        self.size, self.items, self.lock = size, OrderedDict[str, PactClient](), threading.Lock()

    def get(self, row: SupplierConnection, key: bytes) -> PactClient:
        secret = secrets.decrypt(key, SECRETS, row.secret_encrypted)
        ident = hashlib.sha256("\x00".join((row.host_url, row.client_id, secret, row.pact_version, row.ca_pem))
                               .encode()).hexdigest()
        with self.lock:
            found = self.items.get(ident)
            if found is not None:
                self.items.move_to_end(ident)
                return found
        verify = tls_from_pem(row.ca_pem) if row.ca_pem else True
        version: Version = "2" if row.pact_version == "2" else "3"
        client = PactClient(row.host_url, row.client_id, secret, version=version, verify=verify)
        with self.lock:
            client = self.items.setdefault(ident, client)
            while len(self.items) > self.size:
                self.items.popitem(last=False)[1].close()
        return client


_CLIENTS = _Clients()


def client_for(row: SupplierConnection, key: bytes) -> PactClient:
    """A PACT client on the connection's host (trusting its stored certificate if it has one), reused across calls."""
    return _CLIENTS.get(row, key)


# -- footprints in, as supplier data -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FootprintValues:
    """What carbontrail keeps of a PACT ProductFootprint (v2.3 or v3.0)."""

    pf_id: str
    version: str
    spec_version: str
    status: str
    product_ids: tuple[str, ...]
    product_name: str
    unit: str  # ours (kg, kWh …)
    excluding_biogenic: float  # kg CO2e per declared unit
    including_biogenic: float | None
    dqr: tuple[int, int, int] | None
    year: int | None
    geography: str
    preceding: tuple[str, ...]

    @property
    def reference(self) -> str:
        return f"{self.pf_id} v{self.version}" if self.version else self.pf_id


def _decimal(value: object, name: str) -> float:
    try:
        number = float(Decimal(str(value))) if not isinstance(value, bool) else math.nan
    except (InvalidOperation, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise InputError(f"the footprint's '{name}' is '{value}'", location=Location(field=name),
                         expected="a decimal number")
    return number


def footprint_values(pf: Mapping[str, object]) -> FootprintValues:
    """Read a PACT ProductFootprint of either version; `InputError` names the first field that is not right."""
    pf_id = pf.get("id")
    try:
        pf_id = str(uuid.UUID(str(pf_id)))
    except ValueError:
        raise InputError(f"the footprint id '{pf_id}' is not a UUID", location=Location(field="id")) from None
    pcf = pf.get("pcf")
    if not isinstance(pcf, dict):
        raise InputError(f"footprint {pf_id} has no 'pcf' object", location=Location(field="pcf"))
    v3 = "declaredUnitOfMeasurement" in pcf or "pcfExcludingBiogenicUptake" in pcf
    unit_field = "declaredUnitOfMeasurement" if v3 else "declaredUnit"
    declared = pcf.get(unit_field)
    if declared not in DECLARED_UNITS:
        raise InputError(f"footprint {pf_id} has declared unit '{declared}'", location=Location(field=unit_field),
                         expected=", ".join(DECLARED_UNITS))
    exc_field, inc_field = (("pcfExcludingBiogenicUptake", "pcfIncludingBiogenicUptake") if v3
                            else ("pCfExcludingBiogenic", "pCfIncludingBiogenic"))
    excluding = _decimal(pcf.get(exc_field), exc_field)
    including = _decimal(pcf[inc_field], inc_field) if pcf.get(inc_field) is not None else None
    dqr = None
    dqi = pcf.get("dqi")
    if isinstance(dqi, dict) and all(dqi.get(k) is not None for k in ("technologicalDQR", "temporalDQR",
                                                                        "geographicalDQR")):
        # PACT rates 1 (best) … 3 in v2.x and 1 … 5 in v3.0; both fit the engine's 1 … 5 scale
        dqr = tuple(min(5, max(1, round(_decimal(dqi[k], k)))) for k in ("technologicalDQR", "temporalDQR",
                                                                          "geographicalDQR"))
    year = None
    end = pcf.get("referencePeriodEnd")
    if isinstance(end, str) and len(end) >= 4 and end[:4].isdigit():
        # the reference period ends at the start of the next year when it covers a calendar year
        year = int(end[:4]) - (1 if end[5:10] == "01-01" else 0)
    geography = next((str(pcf[k]) for k in ("geographyCountrySubdivision", "geographyCountry",
                                            "geographyRegionOrSubregion") if pcf.get(k)), "")
    ids = pf.get("productIds")
    product_ids = tuple(str(i) for i in ids) if isinstance(ids, list) else ()
    preceding = pf.get("precedingPfIds")
    return FootprintValues(
        pf_id=pf_id, version=str(pf["version"]) if pf.get("version") is not None else "",
        spec_version=str(pf.get("specVersion") or ""), status=str(pf.get("status") or "Active"),
        product_ids=product_ids, product_name=str(pf.get("productNameCompany") or "")[:500],
        unit=DECLARED_UNITS[str(declared)], excluding_biogenic=excluding, including_biogenic=including,
        dqr=dqr, year=year, geography=geography[:64],
        preceding=tuple(str(p) for p in preceding) if isinstance(preceding, list) else ())


def source_of(row: SupplierConnection) -> str:
    """How received footprints name where they came from: "pact:<host>"."""
    return f"pact:{urlsplit(row.host_url).netloc}"


def store_footprint(session: Session, conn: SupplierConnection, pf: Mapping[str, object], product_key: str,
                    *, request_id: int | None = None) -> ReceivedFootprint:
    """Keep one received footprint and, unless it is deprecated, record it as the supplier's primary data."""
    values = footprint_values(pf)
    row = repo.received_footprint(session, conn, values.pf_id)
    if row is None:
        row = ReceivedFootprint(organisation_id=conn.organisation_id, connection_id=conn.id, pf_id=values.pf_id)
        session.add(row)
    row.request_id = request_id if request_id is not None else row.request_id
    row.version, row.spec_version, row.status = values.version, values.spec_version[:16], values.status[:16]
    row.product_key, row.product_name, row.declared_unit = product_key, values.product_name, values.unit
    row.pcf_excluding_biogenic, row.pcf_including_biogenic = values.excluding_biogenic, values.including_biogenic
    row.payload = dict(pf)
    if values.preceding:
        # a new version replaces the ones it names
        for old in repo.received_versions(session, conn, values.preceding):
            old.status = "Deprecated"
    if values.status == "Active":
        biogenic = (values.including_biogenic - values.excluding_biogenic
                    if values.including_biogenic is not None else None)
        row.supplier_footprint_id = record_supplier_footprint(
            session, conn.organisation_id, product_key=product_key, supplier=conn.name,
            fossil_kg_per_unit=values.excluding_biogenic, biogenic_kg_per_unit=biogenic, unit=values.unit,
            source=source_of(conn), reference=values.reference, dqr=values.dqr, year=values.year,
            geography=values.geography)
    session.flush()
    return row


# -- requests ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestInfo:
    id: int
    supplier: str
    product_id: str
    product_key: str
    event_id: str
    status: str
    reason: str
    footprints: int
    created_at: datetime
    answered_at: datetime | None


def _request_info(r: OutboundRequest, supplier: str) -> RequestInfo:
    return RequestInfo(r.id, supplier, r.product_id, r.product_key, r.event_id, r.status, r.reason, r.footprints,
                       r.created_at, r.answered_at)


def callback_source(public_url: str, version: str) -> str:
    """Our events endpoint, where a supplier answers: the RequestCreated event's `source`."""
    return f"{check_base_url(public_url, name='callback_url')}/{version}/events"


def create_request(sessions: sessionmaker[Session], organisation_id: int, key: bytes, *, supplier: str,
                   product_id: str, product_key: str = "", public_url: str, actor: str = "cli") -> RequestInfo:
    """Ask a supplier for the footprint of `product_id` (RequestCreated to its events endpoint).

    The request is stored as pending before it is sent, so an answer that arrives at once finds it; if the
    supplier's host cannot be reached or refuses, the request ends as `error` with the reason.
    `product_key` is what our product models call the input (default: the product id)."""
    product_id, product_key = product_id.strip(), (product_key.strip() or product_id.strip())
    if not product_id or len(product_id) > 500:
        raise InputError("name the product as the supplier identifies it", location=Location(field="product_id"),
                         expected="a product id of at most 500 characters, e.g. urn:pact:supplier.example:…")
    if len(product_key) > 200:
        raise InputError("the product key is too long", location=Location(field="product_key"),
                         expected="at most 200 characters")
    with transaction(sessions) as s:
        conn = connection(s, organisation_id, supplier)
        source = callback_source(public_url, conn.pact_version)
        client = client_for(conn, key)
        req = OutboundRequest(organisation_id=organisation_id, connection_id=conn.id, product_id=product_id,
                              product_key=product_key, event_id=str(uuid.uuid4()), status="pending")
        s.add(req)
        s.flush()
        audit.record(s, actor, "request", "pact_footprint", product_id, organisation_id=organisation_id,
                     detail={"supplier": supplier, "event_id": req.event_id, "product_key": product_key})
        request_id, event_id = req.id, req.event_id
    failure = None
    try:
        client.request_footprints([product_id], source=source, event_id=event_id)
    except CarbontrailError as exc:
        failure = str(exc)
    with transaction(sessions) as s:
        req = s.get(OutboundRequest, request_id)
        assert req is not None
        if failure is not None and req.status == "pending":
            req.status, req.reason = "error", failure[:2000]
        return _request_info(req, supplier)


def on_answer(sessions: sessionmaker[Session], organisation_id: int, event: dict[str, object]) -> None:
    """Take a supplier's RequestFulfilled or RequestRejected event for one of our requests.

    Fulfilled: every footprint is kept; those of the requested product become supplier data and the request is
    fulfilled (or `error` when none of them is of the requested product). Rejected: the request records the
    supplier's error code and message. `NotFound` when no request of the organisation has that id;
    `InputError` when the event is not a well-formed answer.
    """
    kind = _ANSWERS.get(str(event.get("type")))
    if kind is None:
        raise InputError(f"'{event.get('type')}' is not an answer to a footprint request",
                         location=Location(field="type"), expected="a RequestFulfilled or RequestRejected event")
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("requestEventId"), str):
        raise InputError("the answer names no requestEventId", location=Location(field="data.requestEventId"))
    with transaction(sessions) as s:
        req = repo.request_by_event(s, organisation_id, data["requestEventId"])
        if req is None:
            raise NotFound(f"no footprint request '{data['requestEventId']}'")
        conn = s.get(SupplierConnection, req.connection_id)
        assert conn is not None
        now = datetime.now(UTC)
        if kind == "rejected":
            error = data.get("error")
            if not isinstance(error, dict):
                raise InputError("the rejection carries no error object", location=Location(field="data.error"))
            req.status = "rejected"
            req.reason = f"{error.get('code', '')}: {error.get('message', '')}".strip(": ")[:2000]
            req.footprints, req.answered_at = 0, now
            return
        pfs = data.get("pfs")
        if not isinstance(pfs, list) or not all(isinstance(pf, dict) for pf in pfs):
            raise InputError("the answer carries no list of footprints", location=Location(field="data.pfs"))
        # product ids match regardless of case, as PACT hosts filter them
        wanted = req.product_id.lower()
        matching = [pf for pf in pfs if isinstance(pf.get("productIds"), list)
                    and wanted in (str(i).lower() for i in pf["productIds"])]
        for pf in pfs:
            store_footprint(s, conn, pf, req.product_key if pf in matching else _first_id(pf),
                            request_id=req.id)
        req.footprints, req.answered_at = len(pfs), now
        if matching:
            req.status, req.reason = "fulfilled", ""
        else:
            req.status = "error"
            req.reason = f"the answer held {len(pfs)} footprint(s), none of product '{req.product_id}'"
        audit.record(s, f"pact:{conn.supplier}", "receive", "pact_footprint", req.product_id,
                     organisation_id=organisation_id,
                     detail={"request": req.event_id, "footprints": [str(pf.get("id")) for pf in pfs]})


def _first_id(pf: Mapping[str, object]) -> str:
    ids = pf.get("productIds")
    return str(ids[0])[:200] if isinstance(ids, list) and ids else str(pf.get("id"))


def requests(session: Session, organisation_id: int, supplier: str | None = None) -> list[RequestInfo]:
    """The organisation's footprint requests, newest first."""
    return [_request_info(r, code) for r, code in repo.requests_sent(session, organisation_id, supplier)]


# -- pulling -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PullReport:
    supplier: str
    listed: int  # footprints the host showed us
    stored: int  # of those, kept (the requested products, or all when none were named)
    recorded: int  # of those, active ones recorded as supplier data
    fulfilled_requests: int


def pull(sessions: sessionmaker[Session], organisation_id: int, key: bytes, *, supplier: str,
         product_ids: Iterable[str] = (), product_keys: Mapping[str, str] | None = None,
         page_size: int | None = 100, actor: str = "cli") -> PullReport:
    """List the footprints the supplier's host shows us (every page) and keep them as supplier data.

    With `product_ids` only those products are kept (a v3 host filters by `productId` itself). A product's key in
    our models is, in order: `product_keys[product id]`, the key of a request we sent for it, the product id.
    Pending requests for a product whose active footprint arrives this way are fulfilled."""
    wanted = [p.strip() for p in product_ids if p.strip()]
    with transaction(sessions) as s:
        conn = connection(s, organisation_id, supplier)
        client = client_for(conn, key)
    filters = {"productId": wanted} if wanted and client.version == "3" else None
    listed = client.list_footprints(limit=page_size, filters=filters)
    stored = recorded = fulfilled = 0
    with transaction(sessions) as s:
        conn = connection(s, organisation_id, supplier)
        reqs = repo.requests_over(s, conn)
        # product ids are compared regardless of case, as PACT hosts filter them
        keys = {r.product_id.lower(): r.product_key for r in reqs}
        keys.update({k.lower(): v for k, v in (product_keys or {}).items()})
        named = {p.lower() for p in wanted}
        now = datetime.now(UTC)
        for pf in listed:
            raw = pf.get("productIds")
            ids = [i.lower() for i in raw if isinstance(i, str)] if isinstance(raw, list) else []
            if named and not set(ids) & named:
                continue
            product = next((i for i in ids if i in keys), "")
            first = next((i for i in raw if isinstance(i, str)), None) if isinstance(raw, list) else None
            key = keys[product] if product else (first or str(pf.get("id")))
            row = store_footprint(s, conn, pf, key[:200])
            stored += 1
            if row.status != "Active":
                continue
            recorded += 1
            for req in reqs:
                if req.product_id.lower() in ids and req.status in ("pending", "error"):
                    req.status, req.reason, req.footprints, req.answered_at = "fulfilled", "pulled", 1, now
                    row.request_id = req.id
                    fulfilled += 1
        audit.record(s, actor, "pull", "pact_footprint", supplier, organisation_id=organisation_id,
                     detail={"listed": len(listed), "stored": stored})
    return PullReport(supplier, len(listed), stored, recorded, fulfilled)


# -- what a customer sees ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedInfo:
    supplier: str
    pf_id: str
    version: str
    status: str
    product_key: str
    product_name: str
    unit: str
    pcf_excluding_biogenic: float
    pcf_including_biogenic: float | None
    received_at: datetime


def received(session: Session, organisation_id: int, supplier: str | None = None) -> list[ReceivedInfo]:
    """The PACT footprints received, newest first."""
    return [ReceivedInfo(code, r.pf_id, r.version, r.status, r.product_key, r.product_name, r.declared_unit,
                         r.pcf_excluding_biogenic, r.pcf_including_biogenic, r.updated_at)
            for r, code in repo.footprints_received(session, organisation_id, supplier)]


# -- coverage: how much of what the organisation buys is covered by suppliers' own footprints --------------------

#: The activity kind of purchased goods and services (scope 3 category 1 in the inventory).
PURCHASED_GOODS = "purchased_goods"
#: Bases a purchased quantity can be summed on, in the unit the sum is shown in.
_BASES = (("[mass]", "t"), ("[volume]", "m**3"), ("[energy]", "MWh"), ("[currency_cny]", "CNY"),
          ("[currency_usd]", "USD"), ("[currency_eur]", "EUR"), ("[count]", "piece"))


@dataclass(frozen=True)
class CoverageLine:
    """Purchases of one supplier (or of all) summed on one basis (mass, spend …): how much has primary data."""

    supplier: str
    basis: str  # the unit the quantities are in: t, CNY, …
    purchased: float
    with_primary: float

    @property
    def share(self) -> float | None:
        return self.with_primary / self.purchased if self.purchased else None


@dataclass(frozen=True)
class InputSource:
    """One purchased input and where its footprint comes from: a received PACT footprint, a footprint entered by
    hand, or (no supplier footprint backs it) the model's or the library's secondary factor."""

    item: str
    supplier: str  # as the purchase names it ("" for a model's input)
    amount: float
    unit: str
    kind: str  # one of SOURCE_KINDS
    supplier_footprint: str = ""  # the supplier whose footprint backs it
    reference: str = ""  # the PACT footprint id and version, or the document it was entered from
    source: str = ""  # how that footprint reached us: pact:<host>, manual, …
    kg_per_unit: float | None = None  # kg CO2e per `footprint_unit` of the backing footprint
    footprint_unit: str = ""
    model: str = ""  # the product model the input belongs to (model coverage only)


#: where an input's number comes from
PACT_FOOTPRINT, BY_HAND, LIBRARY_FACTOR = "received PACT footprint", "entered by hand", "library factor"
SOURCE_KINDS = (PACT_FOOTPRINT, BY_HAND, LIBRARY_FACTOR)


@dataclass(frozen=True)
class Coverage:
    """Share of purchased volume with suppliers' primary data. `source` says where the volumes came from:
    "activity" (purchased-goods activity records) or "model" (the product models' bought-in inputs). Only the
    footprint the calculation actually uses counts (the newest per product, from the supplier a purchase names)."""

    source: str
    lines: tuple[CoverageLine, ...]  # per supplier and basis
    totals: tuple[CoverageLine, ...]  # supplier "" = all suppliers, per basis
    inputs: tuple[InputSource, ...] = ()  # per purchased input: where its number comes from


def _basis(unit: str) -> tuple[str, float] | None:
    try:
        one = parse_unit(unit)
    except InputError:
        return None
    for dimension, shown in _BASES:
        if one.check(dimension):
            return shown, float(one.to(parse_unit(shown).units).magnitude)
    return None


def _kind(row: SupplierFootprint | None) -> str:
    if row is None:
        return LIBRARY_FACTOR
    return PACT_FOOTPRINT if row.source.startswith("pact:") else BY_HAND


def _backing(row: SupplierFootprint | None) -> dict[str, object]:
    if row is None:
        return {}
    return {"supplier_footprint": row.supplier, "reference": row.reference, "source": row.source,
            "kg_per_unit": row.fossil_kg_per_unit, "footprint_unit": row.unit}


def coverage(session: Session, organisation_id: int) -> Coverage:
    """Coverage from the purchased-goods activity records when there are any, else from the product models."""
    used: dict[str, SupplierFootprint] = {}
    for row in supplier_footprint_rows(session, organisation_id):
        used.setdefault(row.product_key, row)  # the newest per product: the one the calculations take
    rows = repo.purchases(session, organisation_id, PURCHASED_GOODS)
    inputs: list[InputSource] = []
    for item, supplier, amount, unit in rows:
        fp = used.get(item)
        # the inventory's rule: the item's footprint counts, if from the supplier a purchase names
        backing = fp if fp is not None and (not supplier or supplier == fp.supplier) else None
        inputs.append(InputSource(item, supplier, amount, unit, _kind(backing),
                                  **_backing(backing)))  # type: ignore[arg-type]
    source = "activity"
    if not rows:
        inputs, source = _model_inputs(session, organisation_id, used), "model"
    sums: dict[tuple[str, str], list[float]] = {}
    for i in inputs:
        basis = _basis(i.unit)
        if basis is None:
            continue
        shown, factor = basis
        primary = i.kind != LIBRARY_FACTOR
        for key in {(i.supplier, shown), ("", shown)}:  # a purchase without a supplier counts once, in the total
            total = sums.setdefault(key, [0.0, 0.0])
            total[0] += i.amount * factor
            total[1] += i.amount * factor if primary else 0.0
    lines = tuple(CoverageLine(s, b, v[0], v[1]) for (s, b), v in sorted(sums.items()) if s)
    totals = tuple(CoverageLine("", b, v[0], v[1]) for (s, b), v in sorted(sums.items()) if not s)
    return Coverage(source, lines, totals, tuple(inputs))


def _model_inputs(session: Session, organisation_id: int,
                  used: Mapping[str, SupplierFootprint]) -> list[InputSource]:
    """Every product input the organisation's models do not make themselves, per unit of the process's reference
    product (a model holds recipes, not purchased volumes), backed by a supplier footprint only where the model's
    calculation puts that footprint in place of its secondary factor."""
    out: list[InputSource] = []
    for key, document in repo.model_documents(session, organisation_id):
        try:
            db = product_model.parse(document, file=f"model '{key}'").database
        except InputError:
            continue  # a model that no longer parses has no say in coverage
        made = {e.flow for p in db.processes.values() for e in p.exchanges if not e.is_input}
        for p in db.processes.values():
            for e in p.exchanges:
                flow = db.flows.get(e.flow)
                if e.is_input and flow is not None and flow.kind == "product" and e.flow not in made:
                    backing = used.get(e.flow)
                    out.append(InputSource(e.flow, "", e.amount, flow.unit, _kind(backing), model=key,
                                           **_backing(backing)))  # type: ignore[arg-type]
    return out


# -- the use cases: what the CLI, the API and the pages call, each checking who acts --------------------------------


@dataclass(frozen=True)
class SupplierView(ConnectionInfo):
    """A supplier connection with the footprints received over it and its requests counted by status."""

    footprints_received: int
    requests: dict[str, int]


def _views(infos: Iterable[ConnectionInfo], got: Iterable[ReceivedInfo],
           reqs: Iterable[RequestInfo]) -> list[SupplierView]:
    got, reqs = list(got), list(reqs)
    out = []
    for c in infos:
        counts = {k: 0 for k in STATUSES}
        for r in reqs:
            if r.supplier == c.supplier:
                counts[r.status] = counts.get(r.status, 0) + 1
        out.append(SupplierView(**vars(c), footprints_received=sum(r.supplier == c.supplier for r in got),
                                requests=counts))
    return out


def suppliers_of(sessions: sessionmaker[Session], actor: Actor, code: str) -> list[SupplierView]:
    """The suppliers whose PACT hosts the organisation is connected to, with footprints received and requests."""
    with sessions() as s:
        org_id = tenancy.access(s, actor, code, tenancy.DATA_READ).organisation_id
        return _views(connections(s, org_id), received(s, org_id), requests(s, org_id))


def connect(sessions: sessionmaker[Session], actor: Actor, code: str, key: bytes, *, supplier: str, host_url: str,
            client_id: str, client_secret: str, name: str = "", pact_version: str = "3",
            ca_pem: str = "") -> SupplierView:
    """Connect the organisation to a supplier's PACT host; the client secret is stored encrypted."""
    with unit_of_work(sessions, actor) as work:
        org_id = tenancy.access(work.session, actor, code, tenancy.DATA_WRITE).organisation_id
        info = add_connection(work.session, org_id, key, supplier=supplier, name=name, host_url=host_url,
                              client_id=client_id, client_secret=client_secret, pact_version=pact_version,
                              ca_pem=ca_pem, actor=actor.actor)
    return _views([info], (), ())[0]


def disconnect(sessions: sessionmaker[Session], actor: Actor, code: str, supplier: str) -> None:
    """Forget a supplier connection with its requests (received footprints stay as supplier data)."""
    with unit_of_work(sessions, actor) as work:
        org_id = tenancy.access(work.session, actor, code, tenancy.DATA_WRITE).organisation_id
        remove_connection(work.session, org_id, supplier, actor=actor.actor)


def requests_of(sessions: sessionmaker[Session], actor: Actor, code: str,
                supplier: str | None = None) -> list[RequestInfo]:
    """The organisation's footprint requests, newest first; only those to `supplier` (which must exist) if given."""
    with sessions() as s:
        org_id = tenancy.access(s, actor, code, tenancy.DATA_READ).organisation_id
        if supplier is not None:
            connection(s, org_id, supplier)
        return requests(s, org_id, supplier)


def ask(sessions: sessionmaker[Session], actor: Actor, code: str, key: bytes, *, supplier: str, product_id: str,
        product_key: str = "", public_url: str) -> RequestInfo:
    """Ask a supplier for a product's footprint (`create_request`), for an actor who may write the data."""
    org_id = tenancy.check(sessions, actor, code, tenancy.DATA_WRITE).organisation_id
    return create_request(sessions, org_id, key, supplier=supplier, product_id=product_id, product_key=product_key,
                          public_url=public_url, actor=actor.actor)


def pull_from(sessions: sessionmaker[Session], actor: Actor, code: str, key: bytes, *, supplier: str,
              product_ids: Iterable[str] = (), product_keys: Mapping[str, str] | None = None) -> PullReport:
    """Fetch every footprint the supplier's host shows the organisation (`pull`), for an actor who may write."""
    org_id = tenancy.check(sessions, actor, code, tenancy.DATA_WRITE).organisation_id
    return pull(sessions, org_id, key, supplier=supplier, product_ids=product_ids, product_keys=product_keys,
                actor=actor.actor)


def received_of(sessions: sessionmaker[Session], actor: Actor, code: str) -> list[ReceivedInfo]:
    """PACT footprints the organisation received from suppliers, newest first."""
    with sessions() as s:
        return received(s, tenancy.access(s, actor, code, tenancy.DATA_READ).organisation_id)


def coverage_of(sessions: sessionmaker[Session], actor: Actor, code: str) -> Coverage:
    """Share of the organisation's purchases with suppliers' primary data (`coverage`)."""
    with sessions() as s:
        return coverage(s, tenancy.access(s, actor, code, tenancy.DATA_READ).organisation_id)


@dataclass(frozen=True)
class SupplyChain:
    """Everything a customer's supplier page shows, read in one transaction."""

    profile: tenancy.Profile
    access: tenancy.Access
    suppliers: list[SupplierView]
    coverage: Coverage
    requests: list[RequestInfo]
    received: list[ReceivedInfo]


def supply_chain(sessions: sessionmaker[Session], actor: Actor, code: str) -> SupplyChain:
    """The organisation's suppliers, coverage, requests and received footprints."""
    with sessions() as s:
        access = tenancy.access(s, actor, code, tenancy.DATA_READ)
        org_id = access.organisation_id
        reqs, got = requests(s, org_id), received(s, org_id)
        return SupplyChain(tenancy.profile(s, access), access, _views(connections(s, org_id), got, reqs),
                           coverage(s, org_id), reqs, got)


@dataclass(frozen=True)
class ChainSummary:
    """One organisation on the supply-chain overview: its supplier connections and requests still pending."""

    profile: tenancy.Profile
    connections: int
    pending: int


def overview(sessions: sessionmaker[Session], actor: Actor) -> list[ChainSummary]:
    """Every organisation whose supply chain the actor may read, with its connections and pending requests."""
    out = []
    with sessions() as s:
        for access in tenancy.visible_organisations(s, actor):
            if access.allows(tenancy.DATA_READ):
                reqs = requests(s, access.organisation_id)
                out.append(ChainSummary(tenancy.profile(s, access), len(connections(s, access.organisation_id)),
                                        sum(r.status == "pending" for r in reqs)))
    return out
