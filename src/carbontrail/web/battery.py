"""Battery pages: an organisation's units, deposits, declarations and passports; a unit's whole history on one
page; the declaration with its stage shares beside ISO 14067; a passport per Annex XIII tier; residual values."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from carbontrail.http.deps import AppContext
from carbontrail.errors import InputError, Location
from carbontrail.services import battery_declarations as declarations
from carbontrail.services import battery_passports as passports
from carbontrail.services import battery_residual as residual
from carbontrail.services import battery_units as units
from carbontrail.services import tenancy
from carbontrail.units import magnitude
from carbontrail.web.page import Page, page_router, require_access, signed_in

router = page_router()
TIERS = ("public", "legitimate_interest", "authority")


def _profile(page: Page, access: tenancy.Access) -> tenancy.Profile:
    with page.ctx.sessions() as s:
        return tenancy.profile(s, access)


@router.get("/org/{code}/battery", response_class=HTMLResponse)
def overview(code: str, request: Request, ctx: AppContext) -> Response:
    page = signed_in(request, ctx)
    access = require_access(page, code, tenancy.DATA_READ)
    held = units.units_held(ctx.sessions, access.code, limit=100)
    counts = units.status_counts(ctx.sessions, access.code)
    deposit, deposit_units = units.deposit_of(ctx.sessions, access.code)
    decls = declarations.list_for(ctx.sessions, access.code)
    passes = passports.list_for(ctx.sessions, access.code)
    org = _profile(page, access)
    return page.render("battery_overview.html", org=org, held=held, counts=counts,
                       deposit=magnitude(deposit, "yuan"), deposit_units=deposit_units, declarations=decls,
                       passports=passes)


@router.get("/org/{code}/battery/units/{unit}", response_class=HTMLResponse)
def unit_history(code: str, unit: str, request: Request, ctx: AppContext) -> Response:
    page = signed_in(request, ctx)
    access = require_access(page, code, tenancy.DATA_READ)
    history = units.history_for(ctx.sessions, access.code, unit)
    parent = units.parent_of(ctx.sessions, unit)
    inside = units.children(ctx.sessions, unit)
    return page.render("battery_unit.html", code=access.code, unit=unit, history=history, parent=parent,
                       children=inside, magnitude=magnitude)


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
    access = require_access(page, code, tenancy.DATA_READ)
    if not declaration.isdigit():
        raise InputError("a declaration is named by its number", location=Location(field="declaration"))
    stored = declarations.get(ctx.sessions, access.code, int(declaration))
    return page.render("battery_declaration.html", code=access.code, d=stored, r=stored.result,
                       chart_json=_declaration_chart(page, stored.result))


@router.get("/org/{code}/battery/passports/{passport}", response_class=HTMLResponse)
def owner_passport(code: str, passport: str, request: Request, ctx: AppContext, tier: str = "full") -> Response:
    page = signed_in(request, ctx)
    access = require_access(page, code, tenancy.DATA_READ)
    if tier not in ("full", *TIERS):
        raise InputError(f"unknown tier '{tier}'", location=Location(field="tier"),
                         expected="full, " + ", ".join(TIERS))
    doc = passports.owner_view(ctx.sessions, access.code, passport, None if tier == "full" else tier)  # type: ignore[arg-type]
    info = passports.info(ctx.sessions, access.code, passport)
    return page.render("battery_passport.html", doc=doc, tier=tier, tiers=("full", *TIERS), info=info,
                       base=f"/org/{access.code}/battery/passports/{passport}")


@router.get("/battery/passport/{passport}", response_class=HTMLResponse)
def public_passport(passport: str, request: Request, ctx: AppContext) -> Response:
    """Anyone may open a passport: the tier follows who is signed in (anonymous: public)."""
    page = Page(request, ctx)
    doc = passports.serve(ctx.sessions, passport, page.principal)
    return page.render("battery_passport.html", doc=doc, tier=doc["audience"], tiers=(), info=None, base="")


@router.get("/org/{code}/battery/residual", response_class=HTMLResponse)
def residual_batch(code: str, request: Request, ctx: AppContext) -> Response:
    page = signed_in(request, ctx)
    access = require_access(page, code, tenancy.DATA_READ)
    batch = residual.latest(ctx.sessions, access.code)
    return page.render("battery_residual.html", code=access.code, batch=batch, shown=batch["units"][:500])


@router.get("/battery", response_class=HTMLResponse)
def battery_home(request: Request, ctx: AppContext) -> Response:
    """The organisations whose battery data the signed-in user may read, and a passport look-up."""
    page = signed_in(request, ctx)
    with ctx.sessions() as s:
        orgs = [tenancy.profile(s, a) for a in tenancy.visible_organisations(s, page.principal)
                if a.allows(tenancy.DATA_READ)]
    return page.render("battery_home.html", orgs=orgs)
