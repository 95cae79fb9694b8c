"""Supplier engagement: a customer's supplier connections, footprint requests, received footprints and coverage;
a supplier's PACT outbox (published footprints, grants, versions) and request inbox (accept, reject)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, status
from pydantic import BaseModel, Field

from carbontrail.http.deps import AppContext, CurrentPrincipal, organisation_access
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.services.pact import host as pact_host, inbox as pact_inbox, publishing
from carbontrail.services.pact import requests as pr
from carbontrail.services import tenancy
from carbontrail.services.tenancy import Access

router = APIRouter(prefix="/api/organisations", tags=["supply chain"], responses=ERROR_RESPONSES)

Reader = Annotated[Access, Depends(organisation_access(tenancy.DATA_READ))]
Writer = Annotated[Access, Depends(organisation_access(tenancy.DATA_WRITE))]
Code = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")


class SupplierIn(BaseModel):
    """A supplier's PACT host and the client credentials it issued to this organisation."""

    supplier: str = Code
    name: str = Field(default="", max_length=200)
    host_url: str = Field(min_length=8, max_length=500, description="https://… base URL of the PACT host")
    client_id: str = Field(min_length=1, max_length=200)
    client_secret: str = Field(min_length=1, max_length=500)
    pact_version: str = Field(default="3", pattern="^[23]$", description="2 (v2.3) or 3 (v3.0)")
    ca_pem: str = Field(default="", max_length=20000, description="the host's CA or self-signed certificate (PEM)")


class RequestIn(BaseModel):
    product_id: str = Field(min_length=1, max_length=500, description="the product as the supplier names it")
    product_key: str = Field(default="", max_length=200, description="the input's flow id in our product models")
    callback_url: str = Field(default="", max_length=500,
                              description="our public https:// base URL (default: the one this request came to)")


class PullIn(BaseModel):
    product_ids: list[str] = Field(default_factory=list, max_length=100)
    product_keys: dict[str, str] = Field(default_factory=dict, description="product id → our flow id")


class CoverageLineOut(BaseModel):
    supplier: str
    basis: str
    purchased: float
    with_primary: float
    share: float | None


class CoverageOut(BaseModel):
    source: str = Field(description="activity (purchased-goods records) or model (product models' inputs)")
    totals: list[CoverageLineOut]
    suppliers: list[CoverageLineOut]
    inputs: list[pr.InputSource] = Field(default_factory=list, description="per purchased input, where its footprint "
                                         "comes from: received PACT footprint, entered by hand, or library factor")


class InboundOut(BaseModel):
    id: int
    requester: str | None
    product_ids: list[str]
    comment: str
    status: str
    reason: str
    answered_pf_ids: list[str]
    delivery: str
    delivery_note: str
    created: datetime


class RejectIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class AcceptIn(BaseModel):
    pf_ids: list[str] = Field(default_factory=list, max_length=100)


def _line(c: pr.CoverageLine) -> CoverageLineOut:
    return CoverageLineOut(supplier=c.supplier, basis=c.basis, purchased=c.purchased, with_primary=c.with_primary,
                           share=c.share)


@router.get("/{code}/suppliers", response_model=list[pr.SupplierView])
def list_suppliers(code: str, ctx: AppContext, principal: CurrentPrincipal) -> list[pr.SupplierView]:
    """The suppliers whose PACT hosts this organisation is connected to, with footprints received and requests."""
    return pr.suppliers_of(ctx.sessions, principal, code)


@router.post("/{code}/suppliers", response_model=pr.SupplierView, status_code=status.HTTP_201_CREATED)
def add_supplier(code: str, body: SupplierIn, ctx: AppContext, principal: CurrentPrincipal) -> pr.SupplierView:
    """Connect to a supplier's PACT host; the client secret is stored encrypted and never shown again."""
    return pr.connect(ctx.sessions, principal, code, ctx.key, **body.model_dump())


@router.delete("/{code}/suppliers/{supplier}", status_code=status.HTTP_204_NO_CONTENT)
def remove_supplier(code: str, supplier: str, ctx: AppContext, principal: CurrentPrincipal) -> None:
    pr.disconnect(ctx.sessions, principal, code, supplier)


@router.get("/{code}/suppliers/{supplier}/requests", response_model=list[pr.RequestInfo])
def list_requests(code: str, supplier: str, ctx: AppContext, principal: CurrentPrincipal) -> list[pr.RequestInfo]:
    return pr.requests_of(ctx.sessions, principal, code, supplier)


@router.post("/{code}/suppliers/{supplier}/requests", response_model=pr.RequestInfo,
             status_code=status.HTTP_201_CREATED)
def request_footprint(code: str, supplier: str, body: RequestIn, request: Request, ctx: AppContext,
                      principal: CurrentPrincipal) -> pr.RequestInfo:
    """Ask the supplier for a product's footprint (PACT RequestCreated); its host answers our events endpoint.
    A host that cannot be reached or refuses leaves the request in status `error` with the reason."""
    return pr.ask(ctx.sessions, principal, code, ctx.key, supplier=supplier, product_id=body.product_id,
                  product_key=body.product_key, public_url=body.callback_url or str(request.base_url))


@router.post("/{code}/suppliers/{supplier}/pull", response_model=pr.PullReport)
def pull_footprints(code: str, supplier: str, body: PullIn, ctx: AppContext,
                    principal: CurrentPrincipal) -> pr.PullReport:
    """Fetch every footprint the supplier's host shows us (all pages) and keep them as supplier data."""
    return pr.pull_from(ctx.sessions, principal, code, ctx.key, supplier=supplier, product_ids=body.product_ids,
                        product_keys=body.product_keys)


@router.get("/{code}/received-footprints", response_model=list[pr.ReceivedInfo])
def received_footprints(code: str, ctx: AppContext, principal: CurrentPrincipal) -> list[pr.ReceivedInfo]:
    """PACT footprints received from suppliers, newest first."""
    return pr.received_of(ctx.sessions, principal, code)


# an organisation with no purchased inputs answers without `inputs`, as before the field existed
@router.get("/{code}/supplier-coverage", response_model=CoverageOut, response_model_exclude_unset=True)
def supplier_coverage(code: str, ctx: AppContext, principal: CurrentPrincipal) -> CoverageOut:
    """Share of purchased volume with suppliers' primary data, per basis (mass, spend …) and per supplier."""
    cov = pr.coverage_of(ctx.sessions, principal, code)
    inputs = {"inputs": list(cov.inputs)} if cov.inputs else {}
    return CoverageOut(source=cov.source, totals=[_line(c) for c in cov.totals],
                       suppliers=[_line(c) for c in cov.lines], **inputs)


# -- the supplier's side (services/pact/host.py, inbox.py, publishing.py) ----------------------------------


@router.get("/{code}/pact/outbox", response_model=list[pact_host.Published])
def outbox(access: Reader, ctx: AppContext, principal: CurrentPrincipal) -> list[pact_host.Published]:
    """Every footprint version this organisation published, with its grantees (newest version first), and
    whether each was computed from a stored product-footprint result or entered by hand."""
    return pact_host.outbox(ctx.sessions, principal, access.code)


@router.get("/{code}/pact/freshness", response_model=list[publishing.Freshness])
def freshness(access: Reader, ctx: AppContext, principal: CurrentPrincipal) -> list[publishing.Freshness]:
    """Each Active published footprint against what its model computes today: out of date (`stale`) when the
    model, its factors or a supplier's footprint changed since, with the difference."""
    return publishing.freshness(ctx.sessions, principal, access.code)


@router.post("/{code}/pact/footprints/{pf_id}/republish", response_model=pact_host.Published,
             status_code=status.HTTP_201_CREATED)
def republish(pf_id: Annotated[str, Path(max_length=36)], access: Writer, ctx: AppContext,
              principal: CurrentPrincipal) -> pact_host.Published:
    """Publish the next version of an out-of-date computed footprint from its model as it computes today
    (version n+1, precedingPfIds, the customers it was shared with receive it)."""
    return publishing.republish(ctx.sessions, principal, access.code, pf_id)


class PublishIn(BaseModel):
    """A footprint to publish: a PACT v2/v3 ProductFootprint (with `specVersion`) or carbontrail's own fields
    (examples/pact/lfp-cathode.yaml as JSON)."""

    footprint: dict[str, Any]
    status_comment: str = Field(default="", max_length=500, description="why this version")


class GrantIn(BaseModel):
    customer: str = Code


@router.post("/{code}/pact/footprints", response_model=pact_host.Published, status_code=status.HTTP_201_CREATED)
def publish(code: str, body: PublishIn, ctx: AppContext, principal: CurrentPrincipal) -> pact_host.Published:
    """Publish a footprint; if one for the same product is Active, this is its next version (the customers it was
    shared with receive the new one)."""
    return pact_host.publish_document(ctx.sessions, principal, code, body.footprint,
                                      status_comment=body.status_comment)


@router.post("/{code}/pact/footprints/{pf_id}/grants", status_code=status.HTTP_204_NO_CONTENT)
def grant(code: str, pf_id: Annotated[str, Path(max_length=36)], body: GrantIn, ctx: AppContext,
          principal: CurrentPrincipal) -> None:
    """Share a footprint with a customer organisation (its PACT clients can then list and fetch it)."""
    pact_host.grant(ctx.sessions, principal, code, pf_id, body.customer)


@router.delete("/{code}/pact/footprints/{pf_id}/grants/{customer}", status_code=status.HTTP_204_NO_CONTENT)
def revoke(code: str, pf_id: Annotated[str, Path(max_length=36)], customer: str, ctx: AppContext,
           principal: CurrentPrincipal) -> None:
    """Stop sharing a footprint with a customer (404 if it was not shared with it)."""
    pact_host.revoke(ctx.sessions, principal, code, pf_id, customer)


def _inbound(i: pact_inbox.Inbound) -> InboundOut:
    return InboundOut(id=i.id, requester=i.requester, product_ids=list(i.product_ids), comment=i.comment,
                      status=i.status, reason=i.reason, answered_pf_ids=list(i.answered_pf_ids), delivery=i.delivery,
                      delivery_note=i.delivery_note, created=i.created)


@router.get("/{code}/pact/inbox", response_model=list[InboundOut])
def inbox(access: Reader, ctx: AppContext, principal: CurrentPrincipal) -> list[InboundOut]:
    """Footprint requests customers sent this organisation, newest first."""
    return [_inbound(i) for i in pact_inbox.inbox(ctx.sessions, principal, access.code)]


@router.post("/{code}/pact/inbox/{request_id}/accept", response_model=InboundOut)
def accept_request(request_id: int, body: AcceptIn, access: Writer, ctx: AppContext,
                   principal: CurrentPrincipal) -> InboundOut:
    """Fulfil a pending request (with the footprints named, else the Active ones matching it); the answer is
    sent to the customer's events endpoint at once."""
    return _inbound(pact_inbox.decide(ctx.sessions, principal, access.code, request_id, accept=True,
                                     pf_ids=body.pf_ids, key=ctx.key))


@router.post("/{code}/pact/inbox/{request_id}/reject", response_model=InboundOut)
def reject_request(request_id: int, body: RejectIn, access: Writer, ctx: AppContext,
                   principal: CurrentPrincipal) -> InboundOut:
    """Reject a pending request with a reason the customer will see."""
    return _inbound(pact_inbox.decide(ctx.sessions, principal, access.code, request_id, accept=False,
                                     reason=body.reason, key=ctx.key))
