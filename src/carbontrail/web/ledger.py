"""Trust pages, open to everyone: the public footprint registry, a registry entry, and the in-browser verifier."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from carbontrail.http.deps import AppContext
from carbontrail.services.ledger import registry
from carbontrail.web.page import Page, page_router

router = page_router()
Filter = Annotated[str, Query(max_length=200)]


@router.get("/ledger/verify", response_class=HTMLResponse)
def verify(request: Request, ctx: AppContext) -> Response:
    """Drop a credential and its bundle: checked in the browser by /static/ledger-verify.js, nothing uploaded."""
    return Page(request, ctx).render("ledger_verify.html")


@router.get("/registry", response_class=HTMLResponse)
def listing(request: Request, ctx: AppContext, category: Filter = "", cn_code: Filter = "", region: Filter = "",
            declared_unit: Filter = "", assurance: Filter = "", verifier: Filter = "") -> Response:
    filters = {"category": category, "cn_code": cn_code, "region": region, "declared_unit": declared_unit,
               "assurance": assurance, "verifier": verifier}
    rows = registry.search(ctx.sessions, **filters)
    return Page(request, ctx).render("ledger_registry.html", rows=rows, filters=filters)


@router.get("/registry/{entry_id}", response_class=HTMLResponse)
def entry(entry_id: int, request: Request, ctx: AppContext) -> Response:
    """A registry entry (what a label's QR code opens): its row in the registry."""
    registry.entry(ctx.sessions, entry_id)  # NotFound becomes the error page
    return RedirectResponse(f"/registry#entry-{entry_id}", status_code=303)
