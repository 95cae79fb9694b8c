"""The PACT host: suppliers publish footprints (with versions) and grant them to customers; customers' clients list
and fetch what was granted to them. Footprint requests are services/pact/inbox.py.

Visibility: a principal sees a footprint through the PACT API only if it is granted to an organisation on which
the principal holds a role.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, delete, update
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import InputError, Location, NotFound
from carbontrail.lca.footprint import Footprint, ProductFootprints
from carbontrail.formats import catenax, pact
from carbontrail.services import audit, tenancy
from carbontrail.services.accounts import AuthenticationFailed, Principal
from carbontrail.services.work import Actor, SystemActor
from carbontrail.store import changes
from carbontrail.store.db import transaction
from carbontrail.store.repositories import pact as repo
from carbontrail.store.repositories.pact import Filters
from carbontrail.store.models.pact import (
    PactFootprint,
    PactFootprintKey,
    PactGrant,
    PactState,
)

log = logging.getLogger("carbontrail.pact")

MAJORS = ("2", "3")
#: who may publish, grant and answer requests: those who may both write data and read results
PUBLISH = (tenancy.DATA_WRITE, tenancy.INVENTORY)


#: who acts when a caller names no one: a command or script on this machine
LOCAL = SystemActor("cli")


def actor_name(principal: Actor | None) -> str:
    return (principal or LOCAL).actor


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def require(session: Session, principal: Actor | None, org_code: str, *permissions: str) -> tenancy.Access:
    """The organisation if `principal` may do all `permissions` on it (`tenancy.access`); None is the local
    operator, a command on this machine."""
    return tenancy.access(session, LOCAL if principal is None else principal, org_code, *permissions)


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
    source: str = "entered by hand"  # or "computed": made from the stored product-footprint result `result_id`
    result_id: int | None = None


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
               actor: str = "cli", pf_id: str | None = None, audited: bool = True) -> PactFootprint:
    """Publish `values` for the organisation inside the caller's transaction.

    If the organisation already has an Active footprint for the same first product id, this is its next version:
    version + 1, precedingPfIds = the old one's plus the old id, the old one Deprecated, and every customer the
    old one was granted to is granted the new one. `audited=False`: the calling use case writes the one audit row."""
    pact.check(values)
    key = values.product_ids[0].lower()
    now = utc_now()
    previous = repo.active_version(session, organisation_id, key)
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
        grantees = repo.grantee_ids(session, previous.id)
    _render(row, values)
    session.add(row)
    session.flush()
    session.add_all(PactFootprintKey(footprint_id=row.id, kind=k, value=v[:300]) for k, v in _keys(values))
    session.add_all(PactGrant(footprint_id=row.id, organisation_id=g) for g in grantees)
    touch(session)
    if audited:
        audit.record(session, actor, "publish", "pact_footprint", row.pf_id, organisation_id=organisation_id,
                     detail={"product": values.product_ids[0], "version": row.version,
                             "supersedes": previous.pf_id if previous is not None else None})
    return row


def publish(sessions: sessionmaker[Session], principal: Actor | None, org_code: str,
            values: pact.FootprintValues, *, status_comment: str = "") -> Published:
    """Publish a footprint for organisation `org_code` (a new version if one for the product is Active)."""
    with transaction(sessions) as s:
        access = require(s, principal, org_code, *PUBLISH)
        row = publish_in(s, access.organisation_id, values, status_comment=status_comment, actor=actor_name(principal))
        return published_of(s, row, org_code)


def values_of_document(data: object, file: str = "") -> pact.FootprintValues:
    """The footprint a document holds: a PACT v2/v3 ProductFootprint (it has `specVersion`) or carbontrail's own
    fields (examples/pact/); errors name `file` when one is given."""
    if not isinstance(data, dict):
        raise InputError("the file must hold one footprint (a mapping)", location=Location(file=file or None))
    try:
        return pact.parse(data)[0] if "specVersion" in data else pact.values_from_json(data)
    except InputError as exc:
        raise exc.at(file=file or None) from None


def publish_document(sessions: sessionmaker[Session], principal: Actor | None, org_code: str, data: object, *,
                     file: str = "", status_comment: str = "") -> Published:
    """`publish` the footprint a document holds (`values_of_document`): what `carbontrail pact publish FILE`, the
    API and the PACT page's upload do. Who may publish is decided before the document is read."""
    tenancy.check(sessions, LOCAL if principal is None else principal, org_code, *PUBLISH)
    return publish(sessions, principal, org_code, values_of_document(data, file), status_comment=status_comment)


def published_of(s: Session, row: PactFootprint, org_code: str) -> Published:
    values = pact.values_from_json(json.loads(row.values_json))
    grantees = repo.grantee_codes(s, row.id)
    return Published(row.pf_id, org_code, values.product_ids, values.product_name, row.version, row.status,
                     tuple(json.loads(row.preceding_pf_ids)), values.pcf_excluding, values.declared_unit,
                     row.created_at, grantees, "computed" if row.result_id is not None else "entered by hand",
                     row.result_id)


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


def grant(sessions: sessionmaker[Session], principal: Actor | None, org_code: str, pf_id: str,
          customer: str) -> None:
    """Share footprint `pf_id` of `org_code` with organisation `customer` (its clients can then see it)."""
    with transaction(sessions) as s:
        access = require(s, principal, org_code, *PUBLISH)
        row = own_footprint(s, access, pf_id)
        customer_id = tenancy.known_organisation_id(s, customer)
        if customer_id == access.organisation_id:
            raise InputError("a footprint is granted to customers, not to its own publisher",
                             location=Location(field="customer"))
        grant_in(s, row.id, customer_id)
        audit.record(s, actor_name(principal), "grant", "pact_footprint", pf_id, organisation_id=access.organisation_id,
                     detail={"customer": customer})


def grant_in(s: Session, footprint_id: int, customer_id: int) -> bool:
    """Grant inside the caller's transaction; False if it was granted already."""
    if repo.grant_id(s, footprint_id, customer_id) is None:
        s.add(PactGrant(footprint_id=footprint_id, organisation_id=customer_id))
        s.flush()
        touch(s)
        return True
    return False


def revoke(sessions: sessionmaker[Session], principal: Actor | None, org_code: str, pf_id: str,
           customer: str) -> None:
    """Stop sharing `pf_id` with `customer`; `NotFound` if it was not shared with it."""
    with transaction(sessions) as s:
        access = require(s, principal, org_code, *PUBLISH)
        row = own_footprint(s, access, pf_id)
        customer_id = tenancy.known_organisation_id(s, customer)
        gone = s.execute(delete(PactGrant).where(PactGrant.footprint_id == row.id,
                                                 PactGrant.organisation_id == customer_id))
        if not gone.rowcount:  # type: ignore[attr-defined]
            raise NotFound(f"footprint {pf_id} is not granted to '{customer}'")
        touch(s)
        audit.record(s, actor_name(principal), "revoke", "pact_footprint", pf_id, organisation_id=access.organisation_id,
                     detail={"customer": customer})


def outbox(sessions: sessionmaker[Session], principal: Actor | None, org_code: str) -> list[Published]:
    """Every footprint version the organisation published, newest first, with whom each is shared."""
    with sessions() as s:
        access = require(s, principal, org_code, tenancy.DATA_READ)
        return [published_of(s, r, org_code) for r in repo.published_versions(s, access.organisation_id)]


def document(sessions: sessionmaker[Session], principal: Actor | None, org_code: str, pf_id: str,
             major: str = "3") -> dict[str, Any]:
    """The PACT document of one of the organisation's own footprints, as published."""
    with sessions() as s:
        access = require(s, principal, org_code, tenancy.DATA_READ)
        row = own_footprint(s, access, pf_id)
        text = row.payload_v2 if major == "2" else row.payload_v3
        if not text:
            raise InputError(f"footprint {pf_id} has no PACT v2.3 form (its declared unit is new in v3.0)")
        doc: dict[str, Any] = json.loads(text)
        return doc


def catenax_document(sessions: sessionmaker[Session], principal: Actor | None, org_code: str,
                     pf_id: str) -> dict[str, Any]:
    """One of the organisation's own footprints in the Catena-X PCF 7.0.0 aspect shape."""
    with sessions() as s:
        access = require(s, principal, org_code, tenancy.DATA_READ)
        row = own_footprint(s, access, pf_id)
        life = pact.Lifecycle(row.pf_id, row.version, row.created_at, row.updated_at, row.status, row.status_comment,
                              tuple(json.loads(row.preceding_pf_ids)))
        return catenax.to_catenax(pact.values_from_json(json.loads(row.values_json)), life)


def own_footprint(s: Session, access: tenancy.Access, pf_id: str) -> PactFootprint:
    row = repo.own_footprint(s, access.organisation_id, pf_id)
    if row is None:
        raise NotFound(f"organisation '{access.code}' has no published footprint {pf_id}")
    return row


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


#: (sub, cid) → (commit counter, when, viewer) per database: a viewer is read again once this process committed a
#: write or `RECHECK_SECONDS` passed (another process's revocation, grant or publish).
_VIEWERS: weakref.WeakKeyDictionary[Engine, dict[tuple[str, str | None], tuple[int, float, tuple[tuple[int, ...], int]]]]
_VIEWERS = weakref.WeakKeyDictionary()
_VIEWERS_LOCK = threading.Lock()
VIEWERS_KEPT = 4096  # per database; dropped together when full


def viewer(engine: Engine, claims: Mapping[str, object]) -> tuple[tuple[int, ...], int]:
    """For a verified access token's claims: the organisations its principal holds roles on (what it may see is
    what is granted to them) and the data version; `AuthenticationFailed` if the client or user is gone or
    disabled. Kept in this process's memory like every principal (`changes`): a write committed here is seen by the
    next request, another process's revoked role or client, grant or publish within `RECHECK_SECONDS`."""
    key = (str(claims["sub"]), None if claims.get("cid") is None else str(claims["cid"]))
    now, seen = tenancy.clock(), changes.generation()
    with _VIEWERS_LOCK:
        kept = _VIEWERS.get(engine, {}).get(key)
    if kept is not None and kept[0] == seen and now - kept[1] < changes.RECHECK_SECONDS:
        return kept[2]
    found = read_viewer(engine, claims)
    with _VIEWERS_LOCK:
        memory = _VIEWERS.setdefault(engine, {})
        if len(memory) >= VIEWERS_KEPT:
            memory.clear()
        memory[key] = (seen, now, found)
    return found


def read_viewer(engine: Engine, claims: Mapping[str, object]) -> tuple[tuple[int, ...], int]:
    """`viewer` read from the database, in one query. It goes to the driver directly: through the ORM it costs ten
    times more."""
    client = claims.get("cid")
    params: tuple[object, ...] = (int(str(claims["sub"])),)
    if client is not None:
        params = (str(client), *params)
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    rows = _viewer_rows(engine, _viewer_sql(client is not None, mark), params)
    if not rows:
        raise AuthenticationFailed("this API client or its user has been removed or disabled")
    return tuple(sorted({int(r[0]) for r in rows if r[0] is not None})), int(rows[0][1] or 0)


_VIEWER_CONNECTIONS = threading.local()


def _viewer_rows(engine: Engine, sql: str, params: tuple[object, ...]) -> list[Any]:
    """Run the viewer query on a connection of this thread's own, kept open and in autocommit (each query sees
    what is committed, and holds no transaction or lock between requests): checking a pooled connection out and
    back in costs more than the query. A connection that fails is dropped and the query tried once on a new one."""
    own: weakref.WeakKeyDictionary[Engine, Any] | None = getattr(_VIEWER_CONNECTIONS, "by_engine", None)
    if own is None:
        own = _VIEWER_CONNECTIONS.by_engine = weakref.WeakKeyDictionary()
    for attempt in (1, 2):
        connection = own.get(engine)
        if connection is None:
            pooled = engine.raw_connection()
            pooled.detach()  # ours from now on, outside the pool
            connection = pooled.dbapi_connection
            if engine.dialect.name == "sqlite":
                connection.isolation_level = None  # the driver's autocommit: no implicit transaction
            else:
                connection.autocommit = True
            own[engine] = connection
        try:
            cursor = connection.cursor()
            cursor.execute(sql, params)
            rows: list[Any] = cursor.fetchall()
            cursor.close()
            return rows
        except engine.dialect.loaded_dbapi.Error:
            own.pop(engine, None)
            try:
                connection.close()
            except engine.dialect.loaded_dbapi.Error:
                pass  # already broken: nothing to close
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def member_organisations(principal: Principal) -> tuple[int, ...]:
    """The organisations the principal holds a role on: footprints granted to them are what it may see."""
    return tuple(sorted({g.organisation_id for g in principal.grants if g.organisation_id is not None}))


def list_documents(sessions: sessionmaker[Session], org_ids: Sequence[int], major: str, *,
                   filters: Filters = Filters(), limit: int = 100, offset: int = 0) -> tuple[list[str], bool]:
    """What a PACT client whose organisations are `org_ids` may list: the JSON texts of footprints granted to
    them (oldest first), one page, and whether more follow."""
    with sessions() as s:
        return repo.granted_documents(s, org_ids, major, filters=filters, limit=limit, offset=offset)


def get_document(sessions: sessionmaker[Session], org_ids: Sequence[int], major: str, pf_id: str) -> str | None:
    """The JSON text of footprint `pf_id` if it is granted to one of `org_ids` (the PACT client's), else None."""
    with sessions() as s:
        return repo.granted_document(s, org_ids, major, pf_id)
