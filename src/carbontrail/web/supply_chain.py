"""Supplier engagement pages: a customer's suppliers with coverage, requests and received footprints; a supplier's
PACT outbox (published footprints, grants, versions) and request inbox (accept, reject with a reason)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from carbontrail.http.deps import AppContext
from carbontrail.errors import CarbontrailError, InputError, NotFound
from carbontrail.services import tenancy, uploads
from carbontrail.services.pact import host as pact_host, inbox as pact_inbox, publishing
from carbontrail.services.pact import requests as pr
from carbontrail.web.page import Page, page_router, posted, require_access, signed_in

router = page_router()
MAX_FOOTPRINT_FILE = 2 * 2**20  # a footprint document is a few kB


@router.get("/suppliers", response_class=HTMLResponse)
def overview(request: Request, ctx: AppContext) -> Response:
    """The organisations whose supply chain you may see, with their supplier connections and open requests."""
    page = signed_in(request, ctx)
    rows = [(c.profile, c.connections, c.pending) for c in pr.overview(ctx.sessions, page.principal)]
    return page.render("supply_chain_overview.html", rows=rows)


def _suppliers_page(page: Page, code: str, status: int = 200, failed: str | None = None) -> Response:
    chain = pr.supply_chain(page.ctx.sessions, page.principal, code)
    return page.render("supply_chain_suppliers.html", status=status, org=chain.profile, access=chain.access,
                       perm=tenancy, suppliers=chain.suppliers, coverage=chain.coverage, requests=chain.requests,
                       received=chain.received, failed=failed, coverage_json=_chart(page, chain.coverage))


def _chart(page: Page, coverage: pr.Coverage) -> str:
    """The chart's data: per supplier, purchases with and without primary data on the largest basis."""
    _ = page._
    main = max(coverage.totals, key=lambda c: c.purchased, default=None)
    lines = [c for c in coverage.lines if main is not None and c.basis == main.basis]
    data = {"title": _("Purchases with the supplier's own footprint"), "basis": main.basis if main else "",
            "labels": {"primary": _("With supplier footprint"), "secondary": _("Secondary factors")},
            "suppliers": [c.supplier for c in lines] or [_("All suppliers")],
            "primary": [c.with_primary for c in lines] or [main.with_primary if main else 0],
            "secondary": [c.purchased - c.with_primary for c in lines] or
                         [main.purchased - main.with_primary if main else 0]}
    # "</" would end the embedding <script> element early
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


@router.get("/org/{code}/suppliers", response_class=HTMLResponse)
def suppliers(code: str, request: Request, ctx: AppContext) -> Response:
    page = signed_in(request, ctx)
    return _suppliers_page(page, code)


def _back(code: str) -> RedirectResponse:
    return RedirectResponse(f"/org/{quote(code)}/suppliers", status_code=303)


def _change(page: Page, code: str, csrf_token: str, action: Callable[[], object]) -> Response:
    """Run a form's change; a mistake in the input shows on the page itself, anything else on the error page."""
    page.check_csrf(csrf_token)
    require_access(page, code, tenancy.DATA_WRITE)
    try:
        action()
    except CarbontrailError as exc:
        try:
            return _suppliers_page(page, code, status=422, failed=page.say(exc))
        except CarbontrailError as again:
            return page.error(again)
    return _back(code)


@router.post("/org/{code}/suppliers", response_class=HTMLResponse)
def add_supplier(code: str, request: Request, ctx: AppContext, supplier: Annotated[str, Form()],
                 host_url: Annotated[str, Form()], client_id: Annotated[str, Form()],
                 client_secret: Annotated[str, Form()], csrf_token: Annotated[str, Form()],
                 name: Annotated[str, Form()] = "", pact_version: Annotated[str, Form()] = "3",
                 ca_pem: Annotated[str, Form()] = "") -> Response:
    page = signed_in(request, ctx)
    return _change(page, code, csrf_token, lambda: pr.connect(
        ctx.sessions, page.principal, code, ctx.key, supplier=supplier, name=name, host_url=host_url,
        client_id=client_id, client_secret=client_secret, pact_version=pact_version, ca_pem=ca_pem))


@router.post("/org/{code}/suppliers/{supplier}/requests", response_class=HTMLResponse)
def request_footprint(code: str, supplier: str, request: Request, ctx: AppContext,
                      product_id: Annotated[str, Form()], csrf_token: Annotated[str, Form()],
                      product_key: Annotated[str, Form()] = "", callback_url: Annotated[str, Form()] = "") -> Response:
    page = signed_in(request, ctx)
    return _change(page, code, csrf_token, lambda: pr.ask(
        ctx.sessions, page.principal, code, ctx.key, supplier=supplier, product_id=product_id,
        product_key=product_key, public_url=callback_url or str(request.base_url)))


@router.post("/org/{code}/suppliers/{supplier}/pull", response_class=HTMLResponse)
def pull(code: str, supplier: str, request: Request, ctx: AppContext,
         csrf_token: Annotated[str, Form()]) -> Response:
    page = signed_in(request, ctx)
    return _change(page, code, csrf_token, lambda: pr.pull_from(ctx.sessions, page.principal, code, ctx.key,
                                                                supplier=supplier))


# -- the supplier's side ---------------------------------------------------------------------------------------


def _pact_page(page: Page, code: str, status: int = 200, failed: str | None = None) -> Response:
    access = require_access(page, code, tenancy.DATA_READ)
    profile = tenancy.profile_of(page.ctx.sessions, page.principal, code, tenancy.DATA_READ)
    published = pact_host.outbox(page.ctx.sessions, page.principal, code)
    inbox = pact_inbox.inbox(page.ctx.sessions, page.principal, code)
    fresh = {f.pf_id: f for f in publishing.freshness(page.ctx.sessions, page.principal, code)}
    may_answer = all(access.allows(p) for p in pact_host.PUBLISH)
    return page.render("supply_chain_pact.html", status=status, org=profile, published=published, inbox=inbox,
                       fresh=fresh, may_answer=may_answer, failed=failed)


@router.get("/org/{code}/pact", response_class=HTMLResponse)
def pact_page(code: str, request: Request, ctx: AppContext) -> Response:
    page = signed_in(request, ctx)
    return _pact_page(page, code)


@router.post("/org/{code}/pact/footprints/{pf_id}/republish", response_class=HTMLResponse)
def republish(code: str, pf_id: str, request: Request, ctx: AppContext,
              csrf_token: Annotated[str, Form()]) -> Response:
    """Publish the next version of an out-of-date computed footprint from its model as it computes today."""
    page = posted(request, ctx, csrf_token)
    try:
        publishing.republish(ctx.sessions, page.principal, code, pf_id)
    except CarbontrailError as exc:
        return _pact_page(page, code, status=422, failed=page.say(exc))
    return RedirectResponse(f"/org/{quote(code)}/pact", status_code=303)


@router.post("/org/{code}/pact/footprints", response_class=HTMLResponse)
async def publish(code: str, request: Request, ctx: AppContext, file: UploadFile, csrf_token: Annotated[str, Form()],
                  status_comment: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Publish the footprint of an uploaded file (as `carbontrail pact publish FILE`): a new version when one for
    the same product is Active."""
    page = posted(request, ctx, csrf_token)
    require_access(page, code, *pact_host.PUBLISH)  # a stranger learns nothing from the form
    name = file.filename or "footprint.yaml"
    try:
        data = uploads.read_document(name, await file.read(MAX_FOOTPRINT_FILE + 1), max_bytes=MAX_FOOTPRINT_FILE)
        pact_host.publish_document(ctx.sessions, page.principal, code, data, file=name, status_comment=status_comment)
    except CarbontrailError as exc:
        return _pact_page(page, code, status=422, failed=page.say(exc))
    return RedirectResponse(f"/org/{quote(code)}/pact#outbox", status_code=303)


@router.post("/org/{code}/pact/footprints/{pf_id}/grants", response_class=HTMLResponse)
def grant(code: str, pf_id: str, request: Request, ctx: AppContext, csrf_token: Annotated[str, Form()],
          customer: Annotated[str, Form(max_length=64)]) -> Response:
    """Share a footprint with a customer organisation, or (`revoke`) stop sharing it."""
    return _share(pact_host.grant, code, pf_id, customer.strip(), signed_in(request, ctx), csrf_token)


@router.post("/org/{code}/pact/footprints/{pf_id}/revoke", response_class=HTMLResponse)
def revoke(code: str, pf_id: str, request: Request, ctx: AppContext, csrf_token: Annotated[str, Form()],
           customer: Annotated[str, Form(max_length=64)]) -> Response:
    return _share(pact_host.revoke, code, pf_id, customer.strip(), signed_in(request, ctx), csrf_token)


def _share(change: Callable[..., None], code: str, pf_id: str, customer: str, page: Page, csrf_token: str) -> Response:
    page.check_csrf(csrf_token)
    require_access(page, code, *pact_host.PUBLISH)
    try:
        change(page.ctx.sessions, page.principal, code, pf_id, customer)
    except (InputError, NotFound) as exc:
        return _pact_page(page, code, status=404 if isinstance(exc, NotFound) else 422, failed=page.say(exc))
    return RedirectResponse(f"/org/{quote(code)}/pact#outbox", status_code=303)


@router.post("/org/{code}/pact/inbox/{request_id}", response_class=HTMLResponse)
def decide(code: str, request_id: int, request: Request, ctx: AppContext, decision: Annotated[str, Form()],
           csrf_token: Annotated[str, Form()], reason: Annotated[str, Form()] = "") -> Response:
    """Accept or reject a customer's footprint request; the answer is sent to the customer at once."""
    page = posted(request, ctx, csrf_token)
    require_access(page, code, tenancy.DATA_WRITE)
    try:
        pact_inbox.decide(ctx.sessions, page.principal, code, request_id, accept=decision == "accept",
                         reason=reason, key=ctx.key)
    except CarbontrailError as exc:
        try:
            return _pact_page(page, code, status=422, failed=page.say(exc))
        except CarbontrailError as again:
            return page.error(again)
    return RedirectResponse(f"/org/{quote(code)}/pact", status_code=303)
