"""The PACT host: suppliers publish footprints (with versions) and grant them to customers; customers' clients list
and fetch what was granted to them; footprint requests arrive as events and are answered by hand or by rule.

Visibility: a principal sees a footprint through the PACT API only if it is granted to an organisation on which
the principal holds a role. A request is addressed to every supplier on this host that published a footprint
matching its criteria; one matching nothing is rejected at once with "NotFound".
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, delete, exists, select, update
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict, InputError, Location, NotFound, PermissionDenied
from carbontrail.lca.footprint import Footprint, ProductFootprints
from carbontrail.formats import catenax, pact
from carbontrail.services import audit, pact_callbacks, tenancy
from carbontrail.services.accounts import AuthenticationFailed, Principal
from carbontrail.store.db import transaction
from carbontrail.store.models import Organisation
from carbontrail.store.models.pact import (
    PactCallbackCredential,
    PactEvent,
    PactFootprint,
    PactFootprintKey,
    PactGrant,
    PactInboundRequest,
    PactRule,
    PactState,
)

log = logging.getLogger("carbontrail.pact")

MAJORS = ("2", "3")
EVENT_TYPES = {
    "2": {"published": "org.wbcsd.pathfinder.ProductFootprint.Published.v1",
          "created": "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1",
          "fulfilled": "org.wbcsd.pathfinder.ProductFootprintRequest.Fulfilled.v1",
          "rejected": "org.wbcsd.pathfinder.ProductFootprintRequest.Rejected.v1"},
    "3": {"published": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
          "created": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
          "fulfilled": "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3",
          "rejected": "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3"},
}
STATUSES = ("pending", "fulfilled", "rejected")
RULE_MODES = ("manual", "auto")
#: who may publish, grant and answer requests: those who may both write data and read results
PUBLISH = (tenancy.DATA_WRITE, tenancy.INVENTORY)


def _actor(principal: Principal | None) -> str:
    return principal.actor if principal is not None else "cli"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _require(session: Session, principal: Principal | None, org_code: str, *permissions: str) -> tenancy.Access:
    """The organisation if the principal may do all `permissions` on it; None is the local operator (the CLI)."""
    if principal is None:
        org_id = _organisation_id(session, org_code)
        return tenancy.Access(org_id, org_code, frozenset().union(*tenancy.ROLE_PERMISSIONS.values()))
    access = tenancy.require(session, principal, org_code, tenancy.PROFILE)
    for p in permissions:
        if not access.allows(p):
            raise PermissionDenied(f"your role does not allow this on organisation '{org_code}'")
    return access


# -- publishing ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    """A published footprint version as its supplier sees it."""

    pf_id: str
    organisation: str
    product_ids: tuple[str, ...]
    product_name: str
    version: int
    status: str
    preceding_pf_ids: tuple[str, ...]
    pcf_excluding: Decimal
    declared_unit: str
    created: dt.datetime
    grantees: tuple[str, ...] = ()


def _keys(values: pact.FootprintValues) -> list[tuple[str, str]]:
    keys = [("product", p.lower()) for p in values.product_ids]
    keys += [("company", c.lower()) for c in values.company_ids]
    keys += [("class", c.lower()) for c in values.classifications]
    if values.geography:
        keys.append(("geo", values.geography.lower()))
        if "-" in values.geography:  # a subdivision lies within its country
            keys.append(("geo", values.geography.split("-", 1)[0].lower()))
    return list(dict.fromkeys(keys))


def _render(row: PactFootprint, values: pact.FootprintValues) -> None:
    life = pact.Lifecycle(row.pf_id, row.version, row.created_at, row.updated_at, row.status, row.status_comment,
                          tuple(json.loads(row.preceding_pf_ids)))
    v2 = pact.to_v2(values, life) if values.declared_unit in pact.DECLARED_UNITS_V2 else None
    row.payload_v2 = json.dumps(v2, ensure_ascii=False, separators=(",", ":")) if v2 else ""
    row.payload_v3 = json.dumps(pact.to_v3(values, life), ensure_ascii=False, separators=(",", ":"))


def publish_in(session: Session, organisation_id: int, values: pact.FootprintValues, *, status_comment: str = "",
               actor: str = "cli", pf_id: str | None = None) -> PactFootprint:
    """Publish `values` for the organisation inside the caller's transaction.

    If the organisation already has an Active footprint for the same first product id, this is its next version:
    version + 1, precedingPfIds = the old one's plus the old id, the old one Deprecated, and every customer the
    old one was granted to is granted the new one."""
    pact.check(values)
    key = values.product_ids[0].lower()
    now = _now()
    previous = session.scalars(select(PactFootprint).where(
        PactFootprint.organisation_id == organisation_id, PactFootprint.product_key == key,
        PactFootprint.status == "Active").order_by(PactFootprint.version.desc())).first()
    row = PactFootprint(pf_id=pf_id or pact.new_pf_id(), organisation_id=organisation_id, product_key=key,
                        version=1, preceding_pf_ids="[]", status="Active", status_comment=status_comment,
                        values_json=json.dumps(pact.values_to_json(values), ensure_ascii=False), created_at=now)
    row.validity_start, row.validity_end = pact.validity(values)
    grantees: list[int] = []
    if previous is not None:
        row.version = previous.version + 1
        row.preceding_pf_ids = json.dumps(json.loads(previous.preceding_pf_ids) + [previous.pf_id])
        previous.status, previous.updated_at = "Deprecated", now
        previous.status_comment = f"superseded by {row.pf_id} (version {row.version})"
        _render(previous, pact.values_from_json(json.loads(previous.values_json)))
        grantees = list(session.scalars(select(PactGrant.organisation_id).where(
            PactGrant.footprint_id == previous.id)))
    _render(row, values)
    session.add(row)
    session.flush()
    session.add_all(PactFootprintKey(footprint_id=row.id, kind=k, value=v[:300]) for k, v in _keys(values))
    session.add_all(PactGrant(footprint_id=row.id, organisation_id=g) for g in grantees)
    touch(session)
    audit.record(session, actor, "publish", "pact_footprint", row.pf_id, organisation_id=organisation_id,
                 detail={"product": values.product_ids[0], "version": row.version,
                         "supersedes": previous.pf_id if previous is not None else None})
    return row


def publish(sessions: sessionmaker[Session], principal: Principal | None, org_code: str,
            values: pact.FootprintValues, *, status_comment: str = "") -> Published:
    """Publish a footprint for organisation `org_code` (a new version if one for the product is Active)."""
    with transaction(sessions) as s:
        access = _require(s, principal, org_code, *PUBLISH)
        row = publish_in(s, access.organisation_id, values, status_comment=status_comment, actor=_actor(principal))
        return _published(s, row, org_code)


def _published(s: Session, row: PactFootprint, org_code: str) -> Published:
    values = pact.values_from_json(json.loads(row.values_json))
    grantees = tuple(s.scalars(select(Organisation.code).join(PactGrant, PactGrant.organisation_id == Organisation.id)
                               .where(PactGrant.footprint_id == row.id).order_by(Organisation.code)))
    return Published(row.pf_id, org_code, values.product_ids, values.product_name, row.version, row.status,
                     tuple(json.loads(row.preceding_pf_ids)), values.pcf_excluding, values.declared_unit,
                     row.created_at, grantees)


def values_from_footprint(result: Footprint | ProductFootprints, *, product_ids: Sequence[str], product_name: str,
                          company_name: str, company_ids: Sequence[str], reference_start: dt.datetime,
                          reference_end: dt.datetime, product: str = "", demanded: float = 1.0, unit: str = "kg",
                          primary_data_share: float | None = None, dqr: Sequence[float] | None = None,
                          **extra: Any) -> pact.FootprintValues:
    """PACT values from an engine result: a `Footprint` of `demanded` units of the product, or `ProductFootprints`
    and the `product` (its product id, name or process/product). The first indicator (GWP100, kg CO2e) is taken
    per one unit as fossil GHG; the engine reports biogenic CO2 and CH4 apart in one indicator, which PACT splits
    further, so pass `biogenic_uptake` / `biogenic_non_co2` in `extra` when known. `dqr` is (technological,
    temporal, geographical)."""
    if isinstance(result, ProductFootprints):
        acts = result.model.system.activities
        index = next((j for j, a in enumerate(acts) if product in (a.product, a.name, f"{a.process}/{a.product}")),
                     None)
        if index is None:
            raise InputError(f"the result has no product '{product}'", location=Location(field="product"))
        kg, unit = float(result.scores[0, index]), acts[index].unit or unit
    else:
        if demanded <= 0:
            raise InputError("the demanded amount must be positive", location=Location(field="demanded"))
        kg = float(result.scores[0]) / demanded
    quality = None
    if dqr is not None:
        tech, temporal, geo = (Decimal(str(round(float(x), 2))) for x in dqr[:3])
        quality = pact.DataQuality(tech, temporal, geo)
    provenance = result.provenance
    sources = ((provenance.database, provenance.version or "-"),) if provenance.database else ()
    description = str(extra.pop("product_description", product_name))
    extra.setdefault("boundary", provenance.boundary or "cradle-to-gate")
    mass = Decimal(str(extra.pop("product_mass_kg", 1 if unit == "kg" else 0)))
    return pact.FootprintValues(
        product_ids=tuple(product_ids), product_name=product_name, product_description=description,
        company_name=company_name, company_ids=tuple(company_ids), declared_unit=pact.declared_unit(unit),
        declared_amount=Decimal(1), product_mass_kg=mass, fossil_ghg=Decimal(str(round(kg, 6))),
        reference_start=reference_start, reference_end=reference_end,
        primary_data_share=Decimal(str(round(primary_data_share, 2))) if primary_data_share is not None else None,
        dqr=quality, secondary_sources=sources, **extra)


def grant(sessions: sessionmaker[Session], principal: Principal | None, org_code: str, pf_id: str,
          customer: str) -> None:
    """Share footprint `pf_id` of `org_code` with organisation `customer` (its clients can then see it)."""
    with transaction(sessions) as s:
        access = _require(s, principal, org_code, *PUBLISH)
        row = _own(s, access, pf_id)
        customer_id = _organisation_id(s, customer)
        if customer_id == access.organisation_id:
            raise InputError("a footprint is granted to customers, not to its own publisher",
                             location=Location(field="customer"))
        grant_in(s, row.id, customer_id)
        audit.record(s, _actor(principal), "grant", "pact_footprint", pf_id, organisation_id=access.organisation_id,
                     detail={"customer": customer})


def grant_in(s: Session, footprint_id: int, customer_id: int) -> bool:
    """Grant inside the caller's transaction; False if it was granted already."""
    found = s.scalar(select(PactGrant.id).where(PactGrant.footprint_id == footprint_id,
                                                PactGrant.organisation_id == customer_id))
    if found is None:
        s.add(PactGrant(footprint_id=footprint_id, organisation_id=customer_id))
        s.flush()
        touch(s)
        return True
    return False


def revoke(sessions: sessionmaker[Session], principal: Principal | None, org_code: str, pf_id: str,
           customer: str) -> None:
    """Stop sharing `pf_id` with `customer`; `NotFound` if it was not shared with it."""
    with transaction(sessions) as s:
        access = _require(s, principal, org_code, *PUBLISH)
        row = _own(s, access, pf_id)
        customer_id = _organisation_id(s, customer)
        gone = s.execute(delete(PactGrant).where(PactGrant.footprint_id == row.id,
                                                 PactGrant.organisation_id == customer_id))
        if not gone.rowcount:  # type: ignore[attr-defined]
            raise NotFound(f"footprint {pf_id} is not granted to '{customer}'")
        touch(s)
        audit.record(s, _actor(principal), "revoke", "pact_footprint", pf_id, organisation_id=access.organisation_id,
                     detail={"customer": customer})


def outbox(sessions: sessionmaker[Session], principal: Principal | None, org_code: str) -> list[Published]:
    """Every footprint version the organisation published, newest first, with whom each is shared."""
    with sessions() as s:
        access = _require(s, principal, org_code, tenancy.DATA_READ)
        rows = s.scalars(select(PactFootprint).where(PactFootprint.organisation_id == access.organisation_id)
                         .order_by(PactFootprint.product_key, PactFootprint.version.desc()))
        return [_published(s, r, org_code) for r in rows]


def document(sessions: sessionmaker[Session], principal: Principal | None, org_code: str, pf_id: str,
             major: str = "3") -> dict[str, Any]:
    """The PACT document of one of the organisation's own footprints, as published."""
    with sessions() as s:
        access = _require(s, principal, org_code, tenancy.DATA_READ)
        row = _own(s, access, pf_id)
        text = row.payload_v2 if major == "2" else row.payload_v3
        if not text:
            raise InputError(f"footprint {pf_id} has no PACT v2.3 form (its declared unit is new in v3.0)")
        doc: dict[str, Any] = json.loads(text)
        return doc


def catenax_document(sessions: sessionmaker[Session], principal: Principal | None, org_code: str,
                     pf_id: str) -> dict[str, Any]:
    """One of the organisation's own footprints in the Catena-X PCF 7.0.0 aspect shape."""
    with sessions() as s:
        access = _require(s, principal, org_code, tenancy.DATA_READ)
        row = _own(s, access, pf_id)
        life = pact.Lifecycle(row.pf_id, row.version, row.created_at, row.updated_at, row.status, row.status_comment,
                              tuple(json.loads(row.preceding_pf_ids)))
        return catenax.to_catenax(pact.values_from_json(json.loads(row.values_json)), life)


def _own(s: Session, access: tenancy.Access, pf_id: str) -> PactFootprint:
    row = s.scalars(select(PactFootprint).where(PactFootprint.pf_id == pf_id,
                                                PactFootprint.organisation_id == access.organisation_id)).first()
    if row is None:
        raise NotFound(f"organisation '{access.code}' has no published footprint {pf_id}")
    return row


def _organisation_id(s: Session, code: str) -> int:
    org_id = s.scalar(select(Organisation.id).where(Organisation.code == code))
    if org_id is None:
        raise NotFound(f"no organisation with code '{code}'")
    return org_id


def touch(s: Session) -> None:
    """Count a change to what the PACT API serves (servers drop pages rendered before it)."""
    changed = s.execute(update(PactState).where(PactState.id == 1).values(version=PactState.version + 1))
    if not changed.rowcount:  # type: ignore[attr-defined]
        s.add(PactState(id=1, version=1))
        s.flush()


# -- what a customer's client sees ---------------------------------------------------------------------------------


def _viewer_sql(client: bool, mark: str) -> str:
    return ("SELECT rg.organisation_id, (SELECT version FROM pact_state WHERE id = 1) FROM app_user u "
            + (f"JOIN api_client c ON c.user_id = u.id AND c.client_id = {mark} AND c.active " if client else "")
            + f"LEFT JOIN role_grant rg ON rg.user_id = u.id WHERE u.id = {mark} AND u.active")


def viewer(engine: Engine, claims: Mapping[str, object]) -> tuple[tuple[int, ...], int]:
    """For a verified access token's claims, in one query: the organisations its principal holds roles on (what it
    may see is what is granted to them) and the data version; `AuthenticationFailed` if the client or user is gone
    or disabled — so a revoked role or client stops working at the next request, as everywhere else.

    It runs on every PACT read, so it goes to the driver directly: through the ORM it costs ten times more."""
    client = claims.get("cid")
    params: tuple[object, ...] = (int(str(claims["sub"])),)
    if client is not None:
        params = (str(client), *params)
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(_viewer_sql(client is not None, mark), params)
        rows = cursor.fetchall()
        cursor.close()
    finally:
        raw.close()  # back to the pool, which ends any transaction the driver opened
    if not rows:
        raise AuthenticationFailed("this API client or its user has been removed or disabled")
    return tuple(sorted({int(r[0]) for r in rows if r[0] is not None})), int(rows[0][1] or 0)


def member_organisations(principal: Principal) -> tuple[int, ...]:
    """The organisations the principal holds a role on: footprints granted to them are what it may see."""
    return tuple(sorted({g.organisation_id for g in principal.grants if g.organisation_id is not None}))


@dataclass(frozen=True)
class Filters:
    """v3 list filters: OR within one (any of the values), AND across them; matching ignores case."""

    product_ids: tuple[str, ...] = ()
    company_ids: tuple[str, ...] = ()
    geographies: tuple[str, ...] = ()
    classifications: tuple[str, ...] = ()
    valid_on: dt.datetime | None = None
    valid_after: dt.datetime | None = None
    valid_before: dt.datetime | None = None
    statuses: tuple[str, ...] = ()

    def empty(self) -> bool:
        return self == Filters()


def _filtered(stmt: Any, filters: Filters) -> Any:
    for kind, wanted in (("product", filters.product_ids), ("company", filters.company_ids),
                         ("geo", filters.geographies), ("class", filters.classifications)):
        if wanted:
            stmt = stmt.where(exists().where(PactFootprintKey.footprint_id == PactFootprint.id,
                                             PactFootprintKey.kind == kind,
                                             PactFootprintKey.value.in_([w.lower() for w in wanted])))
    if filters.valid_on is not None:
        stmt = stmt.where(PactFootprint.validity_start <= filters.valid_on,
                          PactFootprint.validity_end >= filters.valid_on)
    if filters.valid_after is not None:
        stmt = stmt.where(PactFootprint.validity_start > filters.valid_after)
    if filters.valid_before is not None:
        stmt = stmt.where(PactFootprint.validity_end < filters.valid_before)
    if filters.statuses:
        wanted = {s.lower() for s in filters.statuses}
        stmt = stmt.where(PactFootprint.status.in_([s for s in ("Active", "Deprecated") if s.lower() in wanted]))
    return stmt


def _granted(org_ids: Sequence[int]) -> Any:
    return exists().where(PactGrant.footprint_id == PactFootprint.id, PactGrant.organisation_id.in_(org_ids))


def list_documents(session: Session, org_ids: Sequence[int], major: str, *, filters: Filters = Filters(),
                   limit: int = 100, offset: int = 0) -> tuple[list[str], bool]:
    """The JSON texts of footprints granted to `org_ids` (oldest first), one page, and whether more follow."""
    if not org_ids:
        return [], False
    column = PactFootprint.payload_v2 if major == "2" else PactFootprint.payload_v3
    stmt = _filtered(select(column).where(_granted(org_ids)), filters)
    if major == "2":
        stmt = stmt.where(PactFootprint.payload_v2 != "")
    texts = list(session.scalars(stmt.order_by(PactFootprint.id).limit(limit + 1).offset(offset)))
    return texts[:limit], len(texts) > limit


def get_document(session: Session, org_ids: Sequence[int], major: str, pf_id: str) -> str | None:
    """The JSON text of footprint `pf_id` if it is granted to one of `org_ids`, else None."""
    if not org_ids:
        return None
    column = PactFootprint.payload_v2 if major == "2" else PactFootprint.payload_v3
    text = session.scalar(select(column).where(PactFootprint.pf_id == pf_id.lower(), _granted(org_ids)))
    return text or None


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
        if s.scalar(select(PactInboundRequest.id).where(PactInboundRequest.source == source,
                                                        PactInboundRequest.event_id == event_id)) is not None:
            return []
        suppliers: list[int] = []
        if not criteria.filters.empty():
            stmt = _filtered(select(PactFootprint.organisation_id).distinct(), criteria.filters)
            suppliers = sorted(set(s.scalars(stmt)) - {requester_id})
        base = dict(event_id=event_id, source=source, spec=major, requester_organisation_id=requester_id,
                    requester_client=principal.client_id or "", comment=criteria.comment[:4000],
                    product_ids=json.dumps(list(criteria.filters.product_ids)),
                    criteria=json.dumps(event.get("data", {}), ensure_ascii=False, default=str),
                    events_url=(pact_callbacks.events_url(source, major) or "")[:500],
                    host_origin=own_origin[:300])
        if not suppliers:
            row = PactInboundRequest(supplier_organisation_id=None, status="rejected", decided_at=_now(),
                                     reason="no footprint on this host matches the request", **base)
            s.add(row)
            s.flush()
            ready.append(row.id)
        for org_id in suppliers:
            row = PactInboundRequest(supplier_organisation_id=org_id, status="pending", **base)
            s.add(row)
            s.flush()
            audit.record(s, _actor(principal), "receive", "pact_request", event_id, organisation_id=org_id,
                         detail={"product_ids": list(criteria.filters.product_ids)})
            rule = s.scalars(select(PactRule).where(PactRule.organisation_id == org_id)).first()
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
    stmt = _filtered(select(PactFootprint).where(PactFootprint.organisation_id == row.supplier_organisation_id),
                     filters)
    if granted_only and row.requester_organisation_id is not None:
        stmt = stmt.where(_granted([row.requester_organisation_id]))
    elif granted_only:
        return []
    return list(s.scalars(stmt.order_by(PactFootprint.id)))


def _auto_decide(s: Session, row: PactInboundRequest, rule: PactRule) -> None:
    found = _matching(s, row, granted_only=not rule.grant_on_request)
    if found and (row.spec == "3" or all(f.payload_v2 for f in found)):
        _fulfil(s, row, found)
    else:
        row.status, row.reason, row.decided_at = "rejected", "no footprint matching the request is available", _now()


def _fulfil(s: Session, row: PactInboundRequest, found: Iterable[PactFootprint]) -> None:
    ids = []
    for f in found:
        if row.requester_organisation_id is not None:
            grant_in(s, f.id, row.requester_organisation_id)
        ids.append(f.pf_id)
    row.status, row.reason, row.decided_at = "fulfilled", "", _now()
    row.answered_pf_ids = json.dumps(ids)


def decide(sessions: sessionmaker[Session], principal: Principal | None, org_code: str, request_id: int, *,
           accept: bool, reason: str = "", pf_ids: Sequence[str] = (), deliver_now: bool = True,
           key: bytes | None = None) -> Inbound:
    """The supplier answers a pending request: accept (with `pf_ids`, else its Active footprints matching the
    request, granted to the requester) or reject with a reason. The answer is then delivered to the requester."""
    with transaction(sessions) as s:
        access = _require(s, principal, org_code, *PUBLISH)
        row = s.scalars(select(PactInboundRequest).where(
            PactInboundRequest.id == request_id,
            PactInboundRequest.supplier_organisation_id == access.organisation_id)).first()
        if row is None:
            raise NotFound(f"organisation '{org_code}' has no footprint request {request_id}")
        if row.status != "pending":
            raise Conflict(f"request {request_id} was already answered ({row.status})")
        if accept:
            if pf_ids:
                found = [_own(s, access, p) for p in pf_ids]
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
            row.status, row.reason, row.decided_at = "rejected", reason.strip()[:2000], _now()
        audit.record(s, _actor(principal), "accept" if accept else "reject", "pact_request", row.event_id,
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
    codes = dict(s.execute(select(Organisation.id, Organisation.code).where(Organisation.id.in_(
        [i for i in (row.supplier_organisation_id, row.requester_organisation_id) if i is not None]))).all())
    return Inbound(row.id, codes.get(row.supplier_organisation_id), codes.get(row.requester_organisation_id),
                   tuple(json.loads(row.product_ids)), row.comment, row.status, row.reason,
                   tuple(json.loads(row.answered_pf_ids)), row.events_url, row.delivery, row.delivery_note,
                   row.created_at, row.spec, json.loads(row.criteria))


def inbox(sessions: sessionmaker[Session], principal: Principal | None, org_code: str,
          status: str | None = None) -> list[Inbound]:
    """The organisation's footprint requests, newest first (optionally only those of one status)."""
    if status is not None and status not in STATUSES:
        raise InputError(f"'{status}' is not a request status", location=Location(field="status"),
                         expected=", ".join(STATUSES))
    with sessions() as s:
        access = _require(s, principal, org_code, tenancy.DATA_READ)
        stmt = select(PactInboundRequest).where(PactInboundRequest.supplier_organisation_id == access.organisation_id)
        if status:
            stmt = stmt.where(PactInboundRequest.status == status)
        return [_inbound(s, r) for r in s.scalars(stmt.order_by(PactInboundRequest.id.desc()))]


def set_rule(sessions: sessionmaker[Session], principal: Principal | None, org_code: str, mode: str, *,
             grant_on_request: bool = True) -> None:
    """How the organisation answers requests: "manual" (in its inbox) or "auto" (see `PactRule`)."""
    if mode not in RULE_MODES:
        raise InputError(f"'{mode}' is not a rule", location=Location(field="mode"), expected=", ".join(RULE_MODES))
    with transaction(sessions) as s:
        access = _require(s, principal, org_code, *PUBLISH)
        set_rule_in(s, access.organisation_id, mode, grant_on_request=grant_on_request)
        audit.record(s, _actor(principal), "rule", "pact_rule", mode, organisation_id=access.organisation_id,
                     detail={"grant_on_request": grant_on_request})


def set_rule_in(s: Session, organisation_id: int, mode: str, *, grant_on_request: bool = True) -> None:
    rule = s.scalars(select(PactRule).where(PactRule.organisation_id == organisation_id)).first()
    if rule is None:
        s.add(PactRule(organisation_id=organisation_id, mode=mode, grant_on_request=grant_on_request))
    else:
        rule.mode, rule.grant_on_request = mode, grant_on_request


def set_callback_credentials(sessions: sessionmaker[Session], principal: Principal | None, org_code: str | None,
                             key: bytes, *, host: str, client_id: str, client_secret: str, ca_pem: str = "") -> str:
    """Store the client credentials the customer's host `host` issued to supplier `org_code` (None: to this host
    itself, a platform administrator's business), for posting answers. Returns the host's origin as stored."""
    origin = pact_callbacks.origin(host.strip())
    if not origin.startswith("https://") or origin == "https://":
        raise InputError(f"'{host}' is not an HTTPS address", location=Location(field="host"),
                         expected="https://customer.example[:port]")
    if not client_id.strip() or not client_secret:
        raise InputError("both the client id and the client secret are needed", location=Location(field="client_id"))
    if ca_pem.strip() and "-----BEGIN CERTIFICATE-----" not in ca_pem:
        raise InputError("the CA certificate is not PEM", location=Location(field="ca_pem"))
    pact_callbacks.tls(ca_pem)
    with transaction(sessions) as s:
        if org_code is None:
            if principal is not None:
                tenancy.require_platform_admin(principal)
            org_id = None
        else:
            org_id = _require(s, principal, org_code, *PUBLISH).organisation_id
        row = s.scalars(select(PactCallbackCredential).where(
            PactCallbackCredential.organisation_id.is_(None) if org_id is None
            else PactCallbackCredential.organisation_id == org_id,
            PactCallbackCredential.host == origin)).first()
        if row is None:
            row = PactCallbackCredential(organisation_id=org_id, host=origin)
            s.add(row)
        row.client_id, row.secret, row.ca_pem = client_id.strip(), pact_callbacks.encrypt(key, client_secret), ca_pem
        audit.record(s, _actor(principal), "set", "pact_callback_credential", origin, organisation_id=org_id,
                     detail={"client_id": client_id.strip()})
    return origin


# -- answering -----------------------------------------------------------------------------------------------------


def answer_event(row: PactInboundRequest, documents: Sequence[dict[str, Any]], own_origin: str) -> dict[str, Any]:
    """The RequestFulfilled or RequestRejected CloudEvent answering `row`."""
    kind = "fulfilled" if row.status == "fulfilled" else "rejected"
    data: dict[str, Any] = {"requestEventId": row.event_id}
    if kind == "fulfilled":
        data["pfs"] = list(documents)
    else:
        data["error"] = {"code": "NotFound" if not row.supplier_organisation_id or "no footprint" in row.reason
                         else "BadRequest", "message": row.reason or "the request was rejected"}
    return {"type": EVENT_TYPES[row.spec][kind], "specversion": "1.0", "id": str(uuid.uuid4()),
            "source": f"{own_origin}/{row.spec}/events", "time": pact.timestamp(_now()), "data": data}


def deliver(sessions: sessionmaker[Session], key: bytes, request_id: int, *, own_origin: str = "") -> str:
    """Send the answer of a decided request to the requester's events endpoint (or hand it over in-process when
    the requester is an organisation of this very host). Records and returns the outcome: "sent" or "failed"."""
    with sessions() as s:
        row = s.get(PactInboundRequest, request_id)
        if row is None or row.status == "pending":
            return ""
        ids = json.loads(row.answered_pf_ids)
        column = PactFootprint.payload_v2 if row.spec == "2" else PactFootprint.payload_v3
        texts = dict(s.execute(select(PactFootprint.pf_id, column).where(PactFootprint.pf_id.in_(ids))).all())
        documents = [json.loads(texts[i]) for i in ids if texts.get(i)]
        own = own_origin or row.host_origin
        event = answer_event(row, documents, own)
        target = row.events_url
        credential = None
        if target:
            # the supplier's own credentials on that host first, else the host-wide ones
            candidates = s.scalars(select(PactCallbackCredential).where(
                PactCallbackCredential.host == pact_callbacks.origin(target),
                (PactCallbackCredential.organisation_id == row.supplier_organisation_id)
                | PactCallbackCredential.organisation_id.is_(None))).all()
            credential = min(candidates, key=lambda c: c.organisation_id is None, default=None)
        requester, supplier = row.requester_organisation_id, row.supplier_organisation_id
        client_id = credential.client_id if credential else ""
        secret = pact_callbacks.decrypt(key, credential.secret) if credential else ""
        ca_pem = credential.ca_pem if credential else ""
    outcome, note = "failed", ""
    try:
        if not target:
            note = "the request's source names no HTTPS events endpoint to answer"
        elif credential is None and own and pact_callbacks.origin(target) == own and requester is not None:
            from carbontrail.services import pact_requests  # the customer's side lives on this same host

            pact_requests.on_answer(sessions, requester, event)
            outcome, note = "sent", "handed over on this host"
        elif credential is None:
            note = (f"no client credentials for {pact_callbacks.origin(target)}: add them with "
                    "`carbontrail pact callback-credentials`")
        else:
            status = pact_callbacks.send(target, event, client_id=client_id, client_secret=secret, ca_pem=ca_pem)
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


def events(sessions: sessionmaker[Session], principal: Principal | None, org_code: str,
           limit: int = 100) -> list[PactEvent]:
    """The organisation's PACT event log, newest first."""
    with sessions() as s:
        access = _require(s, principal, org_code, tenancy.DATA_READ)
        return list(s.scalars(select(PactEvent).where(PactEvent.organisation_id == access.organisation_id)
                              .order_by(PactEvent.id.desc()).limit(limit)))
