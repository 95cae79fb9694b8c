"""The work on an organisation's own data in the browser: its activity records (list, view, edit, delete), its
audit trail, meters and reporting periods (create, lock for verification), and the import templates to download.

Each form posts its values as the import template's columns; the service reads them with the importer's own row
checker, so a refusal is the import's message, shown in the reader's language beside the values as they were typed.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from carbontrail.errors import Conflict, ImportRejected, InputError, Location, NotFound
from carbontrail.http.deps import AppContext
from carbontrail.inventory.readers import MeterRow, PeriodRow
from carbontrail.inventory.templates import KINDS, TEMPLATES, get_template, write_csv, write_xlsx
from carbontrail.services import activity, imports, organisations, tenancy
from carbontrail.services.inventory import list_activity
from carbontrail.web.page import Page, page_router, require_access, signed_in

router = page_router()
PAGE_SIZE = 100
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


# -- the import templates -------------------------------------------------------------------------------------


@router.get("/templates/{name}.{fmt}")
def template_file(name: str, fmt: str, request: Request, ctx: AppContext, example: bool = False) -> Response:
    """An import template as the CLI's `carbontrail template NAME` writes it (CSV with a BOM, or XLSX with a help
    sheet and drop-down lists); `example=1` adds the example row."""
    signed_in(request, ctx)
    if fmt not in FORMATS:
        raise InputError(f"unknown format '{fmt}'", location=Location(field="format"), expected="csv or xlsx")
    if name.strip().lower() not in TEMPLATES:
        raise NotFound(f"there is no template '{name[:64]}'")
    template = get_template(name)
    if fmt == "csv":
        text = io.StringIO(newline="")
        write_csv(template, text, example=example)
        body = text.getvalue().encode("utf-8-sig")  # the BOM makes Excel read Chinese correctly
    else:
        out = io.BytesIO()
        write_xlsx(template, out, example=example)  # type: ignore[arg-type]
        body = out.getvalue()
    return Response(body, media_type=FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{template.name}.{fmt}"'})


# -- activity records -----------------------------------------------------------------------------------------


@router.get("/org/{code}/activity", response_class=HTMLResponse)
def records(code: str, request: Request, ctx: AppContext, kind: str | None = None,
            page: Annotated[int, Query(ge=1, le=1_000_000)] = 1, deleted: int | None = None) -> Response:
    """The organisation's activity records, a hundred a page, oldest period first."""
    p = signed_in(request, ctx)
    access = require_access(p, code, tenancy.DATA_READ)
    kind = kind if kind in KINDS else None
    total = activity.count(ctx.sessions, p.principal, code, kind)  # type: ignore[arg-type]
    shown = list_activity(ctx.sessions, p.principal, code, kind=kind, limit=PAGE_SIZE,  # type: ignore[arg-type]
                          offset=(page - 1) * PAGE_SIZE)
    return p.render("activity_list.html", code=code, rows=shown, total=total, page=page, kind=kind or "",
                    kinds=KINDS, pages=max(1, -(-total // PAGE_SIZE)), deleted=deleted,
                    may_write=access.allows(tenancy.DATA_WRITE))


def _field_labels(p: Page) -> dict[str, str]:
    """Each activity column's label in the reader's language (the column's own name is shown beside it)."""
    _ = p._
    return {"facility": _("Facility"), "period_start": _("Period start"), "period_end": _("Period end"),
            "kind": _("Kind"), "item": _("Item"), "quantity": _("Quantity"), "unit": _("Unit"),
            "category": _("Category"), "gas": _("Gas"), "meter": _("Meter"), "supplier": _("Supplier"),
            "instrument": _("Instrument"), "instrument_ref": _("Instrument reference"),
            "contract_factor": _("Contract factor (kg CO2e/kWh)"), "source": _("Source")}


def _record_page(p: Page, code: str, record: int, *, status: int = 200, values: dict[str, str] | None = None,
                 failed: Exception | None = None, saved: bool = False) -> Response:
    shown = activity.get_record(p.ctx.sessions, p.principal, code, record)  # type: ignore[arg-type]
    access = require_access(p, code, tenancy.DATA_READ)
    problems = failed.problems if isinstance(failed, ImportRejected) else []
    site = organisations.organisation_page(p.ctx.sessions, p.principal, code)  # type: ignore[arg-type]
    return p.render("activity_record.html", status=status, code=code, r=shown, values=values or shown.form_values(),
                    fields=activity.FIELDS, labels=_field_labels(p), kinds=KINDS, help={c.name: c.help_zh if p.locale == "zh_CN" else c.help_en
                                                               for c in get_template("activity").columns}, facilities=site.facilities, meters=site.meters,
                    problems=problems, failed=None if isinstance(failed, ImportRejected) or failed is None
                    else p.say(failed),  # type: ignore[arg-type]
                    may_write=access.allows(tenancy.DATA_WRITE) and not shown.locked, saved=saved)


@router.get("/org/{code}/activity/{record}", response_class=HTMLResponse)
def record_page(code: str, record: int, request: Request, ctx: AppContext, saved: bool = False) -> Response:
    return _record_page(signed_in(request, ctx), code, record, saved=saved)


@router.post("/org/{code}/activity/{record}", response_class=HTMLResponse)
async def edit_record(code: str, record: int, request: Request, ctx: AppContext) -> Response:
    """Change the record to the form's values; a refusal keeps the page with every problem and the values typed."""
    p = signed_in(request, ctx)
    form = await request.form()
    values = {name: str(form.get(name, ""))[:600] for name in activity.FIELDS}
    p.check_csrf(str(form.get("csrf_token", "")))
    require_access(p, code, tenancy.DATA_WRITE)  # a stranger learns nothing from the form
    try:
        activity.edit_record(ctx.sessions, p.principal, code, record, values)  # type: ignore[arg-type]
    except ImportRejected as exc:
        return _record_page(p, code, record, status=422, values=values, failed=exc)
    except Conflict as exc:
        return _record_page(p, code, record, status=409, values=values, failed=exc)
    return RedirectResponse(f"/org/{quote(code)}/activity/{record}?saved=1", status_code=303)


@router.post("/org/{code}/activity/{record}/delete", response_class=HTMLResponse)
def delete_record(code: str, record: int, request: Request, ctx: AppContext,
                  csrf_token: Annotated[str, Form()]) -> Response:
    p = signed_in(request, ctx)
    p.check_csrf(csrf_token)
    require_access(p, code, tenancy.DATA_WRITE)
    try:
        activity.delete_record(ctx.sessions, p.principal, code, record)  # type: ignore[arg-type]
    except Conflict as exc:
        return _record_page(p, code, record, status=409, failed=exc)
    return RedirectResponse(f"/org/{quote(code)}/activity?deleted={record}", status_code=303)


# -- the audit trail --------------------------------------------------------------------------------------------


@router.get("/org/{code}/audit", response_class=HTMLResponse)
def audit_page(code: str, request: Request, ctx: AppContext,
               before: Annotated[int | None, Query(ge=1, le=2**62)] = None) -> Response:
    """Who changed what in the organisation, newest first, a hundred a page."""
    p = signed_in(request, ctx)
    trail = organisations.audit_trail(ctx.sessions, p.principal, code, before=before,  # type: ignore[arg-type]
                                      limit=PAGE_SIZE)
    return p.render("audit.html", code=code, entries=trail.entries, next_before=trail.next_before)


# -- meters and reporting periods -------------------------------------------------------------------------------


def organisation_page(p: Page, code: str, *, status: int = 200, failed: Exception | None = None,
                      form: str = "", values: dict[str, str] | None = None) -> Response:
    """The organisation's page; after a refused form, its problems beside that form and the values as typed."""
    seen = organisations.organisation_page(p.ctx.sessions, p.principal, code)  # type: ignore[arg-type]
    problems = failed.problems if isinstance(failed, ImportRejected) else \
        [failed] if isinstance(failed, InputError) else []
    message = p.say(failed) if failed is not None and not problems else None  # type: ignore[arg-type]
    return p.render("organisation.html", status=status, org=seen.organisation, access=seen.organisation,
                    facilities=seen.facilities, periods=seen.periods, meters=seen.meters, perm=tenancy,
                    failed_form=form, problems=problems, failed=message, values=values or {})


async def _form(request: Request, p: Page, names: tuple[str, ...]) -> dict[str, str]:
    form = await request.form()
    p.check_csrf(str(form.get("csrf_token", "")))
    return {name: str(form.get(name, ""))[:600] for name in names}


@router.post("/org/{code}/meters", response_class=HTMLResponse)
async def add_meter(code: str, request: Request, ctx: AppContext) -> Response:
    """A new meter at one of the organisation's facilities, checked as a row of the meters template."""
    p = signed_in(request, ctx)
    values = await _form(request, p, ("facility", "code", "medium", "unit", "supplier"))
    require_access(p, code, tenancy.DATA_WRITE)
    try:
        row = imports.check_form("meters", values, code)
        assert isinstance(row, MeterRow)
        organisations.add_meter(ctx.sessions, p.principal, code, row.facility, row.code,  # type: ignore[arg-type]
                                row.medium, row.unit, supplier=row.supplier)
    except (ImportRejected, InputError, Conflict, NotFound) as exc:
        return organisation_page(p, code, status=409 if isinstance(exc, Conflict) else 422, failed=exc,
                                 form="meter", values=values)
    return RedirectResponse(f"/org/{quote(code)}#meters", status_code=303)


@router.post("/org/{code}/periods", response_class=HTMLResponse)
async def add_period(code: str, request: Request, ctx: AppContext) -> Response:
    """A new reporting period, checked as a row of the periods template."""
    p = signed_in(request, ctx)
    values = await _form(request, p, ("name", "start", "end", "is_base_year"))
    require_access(p, code, tenancy.DATA_WRITE)
    try:
        row = imports.check_form("periods", values, code)
        assert isinstance(row, PeriodRow)
        organisations.add_period(ctx.sessions, p.principal, code, row.name, row.start, row.end,  # type: ignore[arg-type]
                                 is_base_year=row.is_base_year)
    except (ImportRejected, InputError, Conflict) as exc:
        return organisation_page(p, code, status=409 if isinstance(exc, Conflict) else 422, failed=exc,
                                 form="period", values=values)
    return RedirectResponse(f"/org/{quote(code)}#periods", status_code=303)


@router.post("/org/{code}/periods/{period}/lock", response_class=HTMLResponse)
def lock_period(code: str, period: str, request: Request, ctx: AppContext,
                csrf_token: Annotated[str, Form()]) -> Response:
    """Lock the period for verification: its activity records can no longer be imported, changed or deleted."""
    return _period_change(organisations.lock_period, code, period, signed_in(request, ctx), csrf_token)


@router.post("/org/{code}/periods/{period}/unlock", response_class=HTMLResponse)
def unlock_period(code: str, period: str, request: Request, ctx: AppContext,
                  csrf_token: Annotated[str, Form()]) -> Response:
    return _period_change(organisations.unlock_period, code, period, signed_in(request, ctx), csrf_token)


def _period_change(change: Callable[..., object], code: str, period: str, p: Page, csrf_token: str) -> Response:
    p.check_csrf(csrf_token)
    try:
        change(p.ctx.sessions, p.principal, code, period)
    except Conflict as exc:
        return organisation_page(p, code, status=409, failed=exc, form="lock")
    return RedirectResponse(f"/org/{quote(code)}#periods", status_code=303)
