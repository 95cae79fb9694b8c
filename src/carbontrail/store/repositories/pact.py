"""PACT queries: an organisation's published footprint versions, and a customer's supplier connections, requests
and received footprints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from carbontrail.store.models import (ActivityRecord, Organisation, OutboundRequest, PactFootprint,
                                      ProductFootprintResult, ProductModel, ReceivedFootprint, SupplierConnection)
from carbontrail.store.models.pact import (PactCallbackCredential, PactEvent, PactFootprintKey, PactGrant,
                                           PactInboundRequest, PactRule)


def active_footprints(session: Session, organisation_id: int) -> list[PactFootprint]:
    """The organisation's Active footprint versions (one per product), by product."""
    return list(session.scalars(select(PactFootprint).where(
        PactFootprint.organisation_id == organisation_id, PactFootprint.status == "Active")
        .order_by(PactFootprint.product_key)))


def purchases(session: Session, organisation_id: int, kind: str) -> list[tuple[str, str, float, str]]:
    """(item, supplier, quantity, unit) of the organisation's activity records of `kind` (purchased goods)."""
    rows = session.execute(select(ActivityRecord.item, ActivityRecord.supplier, ActivityRecord.quantity,
                                  ActivityRecord.unit)
                           .where(ActivityRecord.organisation_id == organisation_id, ActivityRecord.kind == kind)
                           .order_by(ActivityRecord.id))
    return [(item, supplier, quantity, unit) for item, supplier, quantity, unit in rows]


def model_documents(session: Session, organisation_id: int) -> list[tuple[str, dict[str, object]]]:
    """(key, document) of each of the organisation's product models, by key."""
    return [(key, document) for key, document in session.execute(
        select(ProductModel.key, ProductModel.document).where(ProductModel.organisation_id == organisation_id)
        .order_by(ProductModel.key))]


# -- a customer's side: supplier connections, requests sent, footprints received ----------------------------------


def connection(session: Session, organisation_id: int, supplier: str) -> SupplierConnection | None:
    """The organisation's connection to `supplier`, or None."""
    return session.scalars(select(SupplierConnection).where(SupplierConnection.organisation_id == organisation_id,
                                                            SupplierConnection.supplier == supplier)).one_or_none()


def connections(session: Session, organisation_id: int) -> list[SupplierConnection]:
    """The organisation's supplier connections, by supplier code."""
    return list(session.scalars(select(SupplierConnection).where(
        SupplierConnection.organisation_id == organisation_id).order_by(SupplierConnection.supplier)))


def delete_connection(session: Session, row: SupplierConnection) -> None:
    """Forget a connection with the requests sent and the footprints received over it."""
    for model in (ReceivedFootprint, OutboundRequest):
        for child in session.scalars(select(model).where(model.connection_id == row.id)):
            session.delete(child)
    session.flush()
    session.delete(row)


def received_footprint(session: Session, connection: SupplierConnection, pf_id: str) -> ReceivedFootprint | None:
    """The footprint `pf_id` as received over `connection`, or None."""
    return session.scalars(select(ReceivedFootprint).where(
        ReceivedFootprint.organisation_id == connection.organisation_id,
        ReceivedFootprint.connection_id == connection.id, ReceivedFootprint.pf_id == pf_id)).one_or_none()


def received_versions(session: Session, connection: SupplierConnection, pf_ids: Iterable[str]) -> list[ReceivedFootprint]:
    """The footprints among `pf_ids` received over `connection` (the versions a newer one replaces)."""
    return list(session.scalars(select(ReceivedFootprint).where(
        ReceivedFootprint.connection_id == connection.id, ReceivedFootprint.pf_id.in_(list(pf_ids)))))


def request_by_event(session: Session, organisation_id: int, event_id: str) -> OutboundRequest | None:
    """The organisation's footprint request whose RequestCreated event had this id, or None."""
    return session.scalars(select(OutboundRequest).where(OutboundRequest.organisation_id == organisation_id,
                                                         OutboundRequest.event_id == event_id)).one_or_none()


def requests_over(session: Session, connection: SupplierConnection) -> list[OutboundRequest]:
    """The requests sent over `connection`, oldest first."""
    return list(session.scalars(select(OutboundRequest).where(OutboundRequest.connection_id == connection.id)
                                .order_by(OutboundRequest.id)))


def requests_sent(session: Session, organisation_id: int,
                  supplier: str | None = None) -> list[tuple[OutboundRequest, str]]:
    """(request, supplier code) of the organisation's requests, newest first; only `supplier`'s if given."""
    stmt = (select(OutboundRequest, SupplierConnection.supplier)
            .join(SupplierConnection, OutboundRequest.connection_id == SupplierConnection.id)
            .where(OutboundRequest.organisation_id == organisation_id)
            .order_by(OutboundRequest.id.desc()))
    if supplier is not None:
        stmt = stmt.where(SupplierConnection.supplier == supplier)
    return [(r, code) for r, code in session.execute(stmt)]


def footprints_received(session: Session, organisation_id: int,
                        supplier: str | None = None) -> list[tuple[ReceivedFootprint, str]]:
    """(footprint, supplier code) of what the organisation received, newest first; only `supplier`'s if given."""
    stmt = (select(ReceivedFootprint, SupplierConnection.supplier)
            .join(SupplierConnection, ReceivedFootprint.connection_id == SupplierConnection.id)
            .where(ReceivedFootprint.organisation_id == organisation_id)
            .order_by(ReceivedFootprint.updated_at.desc(), ReceivedFootprint.id.desc()))
    if supplier is not None:
        stmt = stmt.where(SupplierConnection.supplier == supplier)
    return [(r, code) for r, code in session.execute(stmt)]


# -- a supplier's side: published versions, grants, the documents PACT clients read --------------------------------


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


def _granted_to(org_ids: Sequence[int]) -> Any:
    return exists().where(PactGrant.footprint_id == PactFootprint.id, PactGrant.organisation_id.in_(org_ids))


def _payload(major: str) -> Any:
    return PactFootprint.payload_v2 if major == "2" else PactFootprint.payload_v3


def active_version(session: Session, organisation_id: int, product_key: str) -> PactFootprint | None:
    """The organisation's Active footprint of a product (the newest version if there were several)."""
    return session.scalars(select(PactFootprint).where(
        PactFootprint.organisation_id == organisation_id, PactFootprint.product_key == product_key,
        PactFootprint.status == "Active").order_by(PactFootprint.version.desc())).first()


def grantee_ids(session: Session, footprint_id: int) -> list[int]:
    """The organisations a footprint version is granted to."""
    return list(session.scalars(select(PactGrant.organisation_id).where(PactGrant.footprint_id == footprint_id)))


def grantee_codes(session: Session, footprint_id: int) -> tuple[str, ...]:
    """The codes of the organisations a footprint version is granted to, by code."""
    return tuple(session.scalars(select(Organisation.code).join(PactGrant, PactGrant.organisation_id == Organisation.id)
                                 .where(PactGrant.footprint_id == footprint_id).order_by(Organisation.code)))


def grant_id(session: Session, footprint_id: int, organisation_id: int) -> int | None:
    """The grant of a footprint version to an organisation, or None."""
    return session.scalar(select(PactGrant.id).where(PactGrant.footprint_id == footprint_id,
                                                     PactGrant.organisation_id == organisation_id))


def published_versions(session: Session, organisation_id: int) -> list[PactFootprint]:
    """Every footprint version the organisation published, by product, newest version first."""
    return list(session.scalars(select(PactFootprint).where(PactFootprint.organisation_id == organisation_id)
                                .order_by(PactFootprint.product_key, PactFootprint.version.desc())))


def own_footprint(session: Session, organisation_id: int, pf_id: str) -> PactFootprint | None:
    """The organisation's published footprint `pf_id`, or None."""
    return session.scalars(select(PactFootprint).where(PactFootprint.pf_id == pf_id,
                                                       PactFootprint.organisation_id == organisation_id)).first()


def granted_documents(session: Session, org_ids: Sequence[int], major: str, *, filters: Filters = Filters(),
                      limit: int = 100, offset: int = 0) -> tuple[list[str], bool]:
    """The JSON texts of footprints granted to `org_ids` (oldest first), one page, and whether more follow."""
    if not org_ids:
        return [], False
    stmt = _filtered(select(_payload(major)).where(_granted_to(org_ids)), filters)
    if major == "2":
        stmt = stmt.where(PactFootprint.payload_v2 != "")
    texts = list(session.scalars(stmt.order_by(PactFootprint.id).limit(limit + 1).offset(offset)))
    return texts[:limit], len(texts) > limit


def granted_document(session: Session, org_ids: Sequence[int], major: str, pf_id: str) -> str | None:
    """The JSON text of footprint `pf_id` if it is granted to one of `org_ids`, else None."""
    if not org_ids:
        return None
    text = session.scalar(select(_payload(major)).where(PactFootprint.pf_id == pf_id.lower(), _granted_to(org_ids)))
    return text or None


def documents_by_id(session: Session, pf_ids: Sequence[str], major: str) -> dict[str, str]:
    """pf_id → JSON text of those footprints (as the PACT version `major` shows them)."""
    return dict(session.execute(select(PactFootprint.pf_id, _payload(major))
                                .where(PactFootprint.pf_id.in_(list(pf_ids)))).all())


# -- a supplier's inbox: requests customers sent, the answer rule, callback credentials, the event log -------------


def publishers_matching(session: Session, filters: Filters) -> set[int]:
    """The organisations that published a footprint matching `filters`."""
    return set(session.scalars(_filtered(select(PactFootprint.organisation_id).distinct(), filters)))


def supplier_footprints_matching(session: Session, supplier_id: int, filters: Filters,
                                 granted_to: int | None = None) -> list[PactFootprint]:
    """The supplier's footprints matching `filters`, oldest first; only those granted to `granted_to` if given."""
    stmt = _filtered(select(PactFootprint).where(PactFootprint.organisation_id == supplier_id), filters)
    if granted_to is not None:
        stmt = stmt.where(_granted_to([granted_to]))
    return list(session.scalars(stmt.order_by(PactFootprint.id)))


def inbound_seen(session: Session, source: str, event_id: str) -> bool:
    """Whether a request event with this source and id was received already (events are delivered at least once)."""
    return session.scalar(select(PactInboundRequest.id).where(PactInboundRequest.source == source,
                                                              PactInboundRequest.event_id == event_id)) is not None


def inbound_request(session: Session, supplier_id: int, request_id: int) -> PactInboundRequest | None:
    """Request `request_id` sent to the supplier, or None."""
    return session.scalars(select(PactInboundRequest).where(
        PactInboundRequest.id == request_id, PactInboundRequest.supplier_organisation_id == supplier_id)).first()


def inbound_requests(session: Session, supplier_id: int, status: str | None = None) -> list[PactInboundRequest]:
    """Requests sent to the supplier, newest first; only those in `status` if given."""
    stmt = select(PactInboundRequest).where(PactInboundRequest.supplier_organisation_id == supplier_id)
    if status:
        stmt = stmt.where(PactInboundRequest.status == status)
    return list(session.scalars(stmt.order_by(PactInboundRequest.id.desc())))


def organisation_codes(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """id → code of the organisations among `ids`."""
    wanted = [i for i in ids if i is not None]
    return dict(session.execute(select(Organisation.id, Organisation.code).where(Organisation.id.in_(wanted))).all())


def rule(session: Session, organisation_id: int) -> PactRule | None:
    """How the organisation answers footprint requests, if it set a rule."""
    return session.scalars(select(PactRule).where(PactRule.organisation_id == organisation_id)).first()


def callback_credential(session: Session, organisation_id: int | None, host: str) -> PactCallbackCredential | None:
    """The credentials stored for `host`: the organisation's own, or (organisation None) the host-wide ones."""
    return session.scalars(select(PactCallbackCredential).where(
        PactCallbackCredential.organisation_id.is_(None) if organisation_id is None
        else PactCallbackCredential.organisation_id == organisation_id,
        PactCallbackCredential.host == host)).first()


def callback_candidates(session: Session, organisation_id: int, host: str) -> list[PactCallbackCredential]:
    """Credentials that may serve the organisation on `host`: its own and the host-wide ones."""
    return list(session.scalars(select(PactCallbackCredential).where(
        PactCallbackCredential.host == host,
        (PactCallbackCredential.organisation_id == organisation_id)
        | PactCallbackCredential.organisation_id.is_(None))).all())


def events(session: Session, organisation_id: int, limit: int) -> list[PactEvent]:
    """The organisation's PACT event log, newest first."""
    return list(session.scalars(select(PactEvent).where(PactEvent.organisation_id == organisation_id)
                                .order_by(PactEvent.id.desc()).limit(limit)))


def published_products(session: Session, organisation_ids: Iterable[int]) -> set[str]:
    """The product keys the organisations published footprints for."""
    return set(session.scalars(select(PactFootprint.product_key).where(
        PactFootprint.organisation_id.in_(list(organisation_ids)))))


def shared_result(session: Session, supplier_id: int, customer_id: int, product: str
                  ) -> tuple[PactFootprint, ProductFootprintResult] | None:
    """The supplier's newest Active footprint made from a stored result of its product `product` and granted to
    the customer, with that result; None when it shares none."""
    row = session.execute(
        select(PactFootprint, ProductFootprintResult)
        .join(ProductFootprintResult, ProductFootprintResult.id == PactFootprint.result_id)
        .where(PactFootprint.organisation_id == supplier_id, PactFootprint.status == "Active",
               ProductFootprintResult.product == product, _granted_to([customer_id]))
        .order_by(PactFootprint.version.desc(), PactFootprint.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row is not None else None
