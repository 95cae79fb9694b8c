"""Battery pages: an organisation's units, deposits, declarations and passports; a unit's whole history on one
page; the declaration with its stage shares beside ISO 14067; a passport per Annex XIII tier; residual values."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from carbontrail.http.deps import AppContext
from carbontrail.errors import InputError, Location
from carbontrail.services import battery_declarations as declarations
from carbontrail.services import battery_passports as passports
from carbontrail.services import battery_residual as residual
from carbontrail.services import battery_units as units
from carbontrail.services import acting, tenancy
from carbontrail.units import magnitude
from carbontrail.web.page import Page, page_router, signed_in

router = page_router()
TIERS = ("public", "legitimate_interest", "authority")


@router.get("/org/{code}/battery", response_class=HTMLResponse)
def overview(code: str, request: Request, ctx: AppContext) -> Response:
    page = signed_in(request, ctx)
    who = page.principal
    org = acting.profile(ctx.sessions, who, code, tenancy.DATA_READ)
    o = units.overview(ctx.sessions, who, code)
    return page.render("battery_overview.html", org=org, held=o.held, counts=o.counts,
                       deposit=magnitude(o.deposit, "yuan"), deposit_units=o.deposit_units,
                       declarations=declarations.list_for(ctx.sessions, who, code),
                       passports=passports.list_for(ctx.sessions, who, code))


@router.get("/org/{code}/battery/units/{unit}", response_class=HTMLResponse)
def unit_history(code: str, unit: str, request: Request, ctx: AppContext) -> Response:
    page = signed_in(request, ctx)
    history = units.history(ctx.sessions, page.principal, unit, organisation=code)
    return page.render("battery_unit.html", code=code, unit=unit, history=history, parent=history.parent,
                       children=history.children, magnitude=magnitude)


def _declaration_chart(page: Page, result: dict[str, Any]) -> str:
    _ = page._
    decl, iso = result["declaration"], result["iso14067"]
    data = {
        "stages": [_(s["label"]) for s in decl["stages"]],
        "shares": [s["share"] for s in decl["stages"]],
        "declaration": [s["per_kwh"] for s in decl["stages"]],
        "iso14067": [s["per_kwh"] for s in iso["stages"]],
        "labels": {"shares": _("Stage shares of the declaration"), "declaration": _("EU declaration"),
                   "iso": _("ISO 14067"), "compare": _("kg CO2e per kWh by stage")},
    }
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


@router.get("/org/{code}/battery/declarations/{declaration}", response_class=HTMLResponse)
def declaration(code: str, declaration: str, request: Request, ctx: AppContext) -> Response:
    page = signed_in(request, ctx)
    if not declaration.isdigit():
        raise InputError("a declaration is named by its number", location=Location(field="declaration"))
    stored = declarations.get(ctx.sessions, page.principal, code, int(declaration))
    return page.render("battery_declaration.html", code=code, d=stored, r=stored.result,
                       chart_json=_declaration_chart(page, stored.result))


@router.get("/org/{code}/battery/passports/{passport}", response_class=HTMLResponse)
def owner_passport(code: str, passport: str, request: Request, ctx: AppContext, tier: str = "full") -> Response:
    page = signed_in(request, ctx)
    if tier not in ("full", *TIERS):
        raise InputError(f"unknown tier '{tier}'", location=Location(field="tier"),
                         expected="full, " + ", ".join(TIERS))
    doc = passports.owner_view(ctx.sessions, page.principal, code, passport,
                               None if tier == "full" else tier)  # type: ignore[arg-type]
    info = passports.info(ctx.sessions, page.principal, code, passport)
    return page.render("battery_passport.html", doc=doc, tier=tier, tiers=("full", *TIERS), info=info, owner=code,
                       base=f"/org/{quote(code)}/battery/passports/{quote(passport)}")


@router.get("/battery/passport/{passport}", response_class=HTMLResponse)
def public_passport(passport: str, request: Request, ctx: AppContext) -> Response:
    """Anyone may open a passport: the tier follows who is signed in (anonymous: public)."""
    page = Page(request, ctx)
    doc = passports.serve(ctx.sessions, passport, page.principal)
    return page.render("battery_passport.html", doc=doc, tier=doc["audience"], tiers=(), info=None, base="")


@router.get("/org/{code}/battery/residual", response_class=HTMLResponse)
def residual_batch(code: str, request: Request, ctx: AppContext) -> Response:
    """The latest valued batch, or a page saying there is none yet (with the tested units that could be valued)."""
    page = signed_in(request, ctx)
    org = acting.profile(ctx.sessions, page.principal, code, tenancy.DATA_READ)
    batch = residual.latest(ctx.sessions, page.principal, code)
    tested = residual.tested_rows(ctx.sessions, page.principal, code)
    return page.render("battery_residual.html", org=org, code=code, batch=batch,
                       shown=batch["units"][:500] if batch else [], tested=tested)  # type: ignore[index]


@router.get("/battery", response_class=HTMLResponse)
def battery_home(request: Request, ctx: AppContext) -> Response:
    """The organisations whose battery data the signed-in user may read, and a passport look-up."""
    page = signed_in(request, ctx)
    return page.render("battery_home.html", orgs=acting.readable(ctx.sessions, page.principal, tenancy.DATA_READ))
