"""Battery pages: an organisation's units, deposits, declarations and passports; a unit's whole history on one
page; the declaration with its stage shares beside ISO 14067; a passport per Annex XIII tier; residual values."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from carbontrail.http.deps import AppContext
from carbontrail.battery.document import parse_document
from carbontrail.battery.traceability import SOH_FIELDS, Event
from carbontrail.errors import Conflict, InputError, Location, NotFound
from carbontrail.services import battery_declarations as declarations
from carbontrail.services import battery_passports as passports
from carbontrail.services import battery_residual as residual
from carbontrail.services import battery_units as units
from carbontrail.services import tenancy, uploads
from carbontrail.units import magnitude, quantity
from carbontrail.web.page import Page, page_router, posted, require_access, signed_in

router = page_router()
TIERS = ("public", "legitimate_interest", "authority")


EVENT_KINDS = ("sold", "installed", "maintained", "handed_over", "retired", "tested", "repacked", "recycled")


def _moment(text: str) -> datetime:
    """A form's date and time (`datetime-local`, read as UTC), or the input error naming the field."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"'{text[:40]}' is not a date and time", location=Location(field="at"),
                         expected="YYYY-MM-DDTHH:MM (UTC)") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _number(text: str, field: str) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"'{text[:40]}' is not a number", location=Location(field=field),
                         expected="a number") from None
    if not math.isfinite(value):
        raise InputError(f"'{text[:40]}' is not a number", location=Location(field=field), expected="a number")
    return value


@router.get("/org/{code}/battery", response_class=HTMLResponse)
def overview(code: str, request: Request, ctx: AppContext) -> Response:
    return _overview(signed_in(request, ctx), code)


@router.post("/org/{code}/battery/units", response_class=HTMLResponse)
def register(code: str, request: Request, ctx: AppContext, csrf_token: Annotated[str, Form()],
             codes: Annotated[str, Form(max_length=300_000)] = "", at: Annotated[str, Form(max_length=40)] = "",
             parent: Annotated[str, Form(max_length=64)] = "") -> Response:
    """Register units from the form (one code a line); a refusal shows the same message as the import."""
    page = posted(request, ctx, csrf_token)
    tenancy.profile_of(ctx.sessions, page.principal, code, tenancy.DATA_WRITE)  # a stranger learns nothing from the form
    try:
        units.register_units(ctx.sessions, page.principal, [c.strip() for c in codes.splitlines() if c.strip()],
                             code, _moment(at), parent=parent.strip() or None)
    except InputError as exc:
        return _overview(page, code, status=422, failed=page.say(exc))
    return RedirectResponse(f"/org/{quote(code)}/battery", status_code=303)


def _overview(page: Page, code: str, status: int = 200, failed: str | None = None, form: str = "units") -> Response:
    who, ctx = page.principal, page.ctx
    org = tenancy.profile_of(ctx.sessions, who, code, tenancy.DATA_READ)
    o = units.overview(ctx.sessions, who, code)
    return page.render("battery_overview.html", status=status, failed=failed, failed_form=form, org=org,
                       may_write=require_access(page, code, tenancy.DATA_READ).allows(tenancy.DATA_WRITE),
                       held=o.held, counts=o.counts,
                       deposit=magnitude(o.deposit, "yuan"), deposit_units=o.deposit_units,
                       declarations=declarations.list_for(ctx.sessions, who, code),
                       passports=passports.list_for(ctx.sessions, who, code))


@router.get("/org/{code}/battery/units/{unit}", response_class=HTMLResponse)
def unit_history(code: str, unit: str, request: Request, ctx: AppContext) -> Response:
    return _unit(signed_in(request, ctx), code, unit)


def _unit(page: Page, code: str, unit: str, status: int = 200, failed: str | None = None) -> Response:
    history = units.history(page.ctx.sessions, page.principal, unit, organisation=code)
    return page.render("battery_unit.html", status=status, failed=failed, code=code, unit=unit, history=history,
                       parent=history.parent, children=history.children, magnitude=magnitude, kinds=EVENT_KINDS,
                       soh_fields=SOH_FIELDS)


@router.post("/org/{code}/battery/units/{unit}/events", response_class=HTMLResponse)
async def record(code: str, unit: str, request: Request, ctx: AppContext) -> Response:
    """Record a life event from the form, as the organisation of the page; refusals keep the page with the reason."""
    page = signed_in(request, ctx)
    form = await request.form()
    field = {k: str(v)[:500] for k, v in form.items() if isinstance(v, str)}
    page.check_csrf(field.get("csrf_token", ""))
    tenancy.profile_of(ctx.sessions, page.principal, code, tenancy.DATA_WRITE)  # a stranger learns nothing from the form
    try:
        kind = field.get("kind", "")
        if kind not in EVENT_KINDS:
            raise InputError(f"unknown event '{kind[:40]}'", location=Location(field="kind"),
                             expected=", ".join(EVENT_KINDS))
        measured = {f: v for f in SOH_FIELDS if (v := _number(field.get(f, ""), f)) is not None}
        deposit = _number(field.get("deposit_cny", ""), "deposit_cny")
        event = Event(kind, code, _moment(field.get("at", "")), to_actor=field.get("to_actor", "").strip() or None,  # type: ignore[arg-type]
                      vin=field.get("vin", "").strip() or None,
                      deposit=quantity(deposit, "yuan") if deposit is not None else None,
                      new_code=field.get("new_code", "").strip() or None, note=field.get("note", ""),
                      measured=measured)
        units.record_event(ctx.sessions, page.principal, unit, event)
    except InputError as exc:
        return _unit(page, code, unit, status=422, failed=page.say(exc))
    except Conflict as exc:
        return _unit(page, code, unit, status=409, failed=page.say(exc))
    return RedirectResponse(f"/org/{quote(code)}/battery/units/{quote(unit)}", status_code=303)


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
    return _declaration(page, code, int(declaration))


def _declaration(page: Page, code: str, declaration: int, status: int = 200, failed: str | None = None) -> Response:
    stored = declarations.get(page.ctx.sessions, page.principal, code, declaration)
    may_write = require_access(page, code, tenancy.DATA_READ).allows(tenancy.DATA_WRITE)
    return page.render("battery_declaration.html", status=status, failed=failed, code=code, d=stored,
                       r=stored.result, f=stored.freshness, may_write=may_write,
                       chart_json=_declaration_chart(page, stored.result))


@router.post("/org/{code}/battery/declarations/{declaration}/redeclare", response_class=HTMLResponse)
def redeclare(code: str, declaration: int, request: Request, ctx: AppContext,
              csrf_token: Annotated[str, Form()]) -> Response:
    """Make the next revision from the current stored results; a refusal keeps the page with the reason."""
    page = posted(request, ctx, csrf_token)
    tenancy.profile_of(ctx.sessions, page.principal, code, tenancy.DATA_WRITE)  # a stranger learns nothing
    try:
        new = declarations.redeclare(ctx.sessions, page.principal, code, declaration)
    except InputError as exc:
        return _declaration(page, code, declaration, status=422, failed=page.say(exc))
    except Conflict as exc:
        return _declaration(page, code, declaration, status=409, failed=page.say(exc))
    return RedirectResponse(f"/org/{quote(code)}/battery/declarations/{new.id}", status_code=303)


@router.post("/org/{code}/battery/declarations", response_class=HTMLResponse)
async def declare(code: str, request: Request, ctx: AppContext, file: UploadFile,
                  csrf_token: Annotated[str, Form()]) -> Response:
    """Compute and store the declaration of an uploaded input file (as `carbontrail battery declaration FILE
    --save`); a new input for the same model and plant is its next revision."""
    page = posted(request, ctx, csrf_token)
    tenancy.profile_of(ctx.sessions, page.principal, code, tenancy.DATA_WRITE)  # a stranger learns nothing
    name = file.filename or "declaration.yaml"
    try:
        doc = parse_document(uploads.read_document(name, await file.read(uploads.MAX_BYTES + 1)), file=name)
        stored = declarations.save(ctx.sessions, page.principal, code, doc)
    except (InputError, Conflict) as exc:
        return _overview(page, code, status=422, failed=page.say(exc), form="declaration")
    return RedirectResponse(f"/org/{quote(code)}/battery/declarations/{stored.id}", status_code=303)


@router.post("/org/{code}/battery/passports", response_class=HTMLResponse)
async def create_passport(code: str, request: Request, ctx: AppContext, file: UploadFile,
                          csrf_token: Annotated[str, Form()]) -> Response:
    """Store a passport from an uploaded file (as `carbontrail battery passport create`): its carbon footprint
    comes from the stored declaration of its model and plant."""
    page = posted(request, ctx, csrf_token)
    tenancy.profile_of(ctx.sessions, page.principal, code, tenancy.DATA_WRITE)
    name = file.filename or "passport.yaml"
    try:
        spec = uploads.read_document(name, await file.read(uploads.MAX_BYTES + 1))
        full = passports.create_from_spec(ctx.sessions, page.principal, code, spec, file=name)
    except (InputError, Conflict, NotFound) as exc:
        return _overview(page, code, status=409 if isinstance(exc, Conflict) else 422, failed=page.say(exc),
                         form="passport")
    identifier = str(spec["identifier"]) if isinstance(spec, dict) else str(full.get("identifier", ""))
    return RedirectResponse(f"/org/{quote(code)}/battery/passports/{quote(identifier, safe='')}", status_code=303)


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
    org = tenancy.profile_of(ctx.sessions, page.principal, code, tenancy.DATA_READ)
    batch = residual.latest(ctx.sessions, page.principal, code)
    tested = residual.tested_rows(ctx.sessions, page.principal, code)
    return page.render("battery_residual.html", org=org, code=code, batch=batch,
                       shown=batch["units"][:500] if batch else [], tested=tested)  # type: ignore[index]


@router.post("/org/{code}/battery/residual", response_class=HTMLResponse)
def assess(code: str, request: Request, ctx: AppContext, csrf_token: Annotated[str, Form()]) -> Response:
    """Value the units the organisation holds from their stored tests (the illustrative price model)."""
    page = posted(request, ctx, csrf_token)
    residual.assess_tested(ctx.sessions, page.principal, code, residual.Settings())
    return RedirectResponse(f"/org/{quote(code)}/battery/residual", status_code=303)


@router.get("/battery", response_class=HTMLResponse)
def battery_home(request: Request, ctx: AppContext) -> Response:
    """The organisations whose battery data the signed-in user may read, and a passport look-up."""
    page = signed_in(request, ctx)
    return page.render("battery_home.html", orgs=tenancy.readable(ctx.sessions, page.principal, tenancy.DATA_READ))
