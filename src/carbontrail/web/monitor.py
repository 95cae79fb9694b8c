"""Monitoring pages: an enterprise's energy dashboard (load curves, carrier mix, heat-map of a month by hour, data
quality), park / city / province oversight (entities with their status colours, trajectory against the target,
ranking, warnings, XLSX and PDF export), and the warnings inbox with acknowledgement and resolution."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from carbontrail.errors import NotFound, PermissionDenied
from carbontrail.http.deps import AppContext
from carbontrail.reports.monitor import oversight_pdf, oversight_xlsx
from carbontrail.services.monitor import figures, prices, readings, report, warnings
from carbontrail.web.page import page_router, posted, signed_in

router = page_router()
INBOX_SHOWN = 50  # the newest warnings an oversight page lists (the inbox has them all)


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, default=str).replace("</", "<\\/")


@router.get("/monitor", response_class=HTMLResponse)
def home(request: Request, ctx: AppContext) -> Response:
    """Where to start: the jurisdictions you oversee and the enterprises whose readings you may see."""
    page = signed_in(request, ctx)
    where = figures.start(ctx.sessions, page.principal)
    return page.render("monitor_home.html", organisations=where.organisations, trees=where.trees)


@router.get("/monitor/org/{code}", response_class=HTMLResponse)
def dashboard(code: str, request: Request, ctx: AppContext, month: str | None = None,
              year: int | None = None) -> Response:
    """The enterprise's energy dashboard for a month (its own members only): the latest month with readings and
    the latest year with figures unless others are asked for."""
    page = signed_in(request, ctx)
    if month is None:
        month = readings.latest_month(ctx.sessions, page.principal, code) or f"{date.today():%Y-%m}"
    if year is None:
        known = figures.enterprise_years(ctx.sessions, page.principal, code)
        year = known[-1] if known else int(month[:4])
    meters = readings.dashboard(ctx.sessions, page.principal, code, month)
    bench = figures.enterprise(ctx.sessions, page.principal, code, year)
    _ = page._
    chart = {"locale": page.locale,
             "meters": [{"name": m.meter, "unit": m.unit, "days": m.days, "daily": m.daily, "heat": m.heat}
                        for m in meters],
             "mix": [{"name": m.meter, "value": sum(m.daily)} for m in meters],
             "labels": {"load": _("Daily use"), "heat": _("Use by hour of day"), "mix": _("Meters")}}
    try:
        filed = report.filings(ctx.sessions, page.principal, code)
    except PermissionDenied:  # a data-entry member sees the readings, not the reports
        filed = None
    return page.render("monitor_dashboard.html", code=code, month=month, year=year, meters=meters, bench=bench,
                       chart_json=_json(chart), filings=filed)


@router.post("/monitor/org/{code}/filings", response_class=HTMLResponse)
def file_report(code: str, request: Request, ctx: AppContext, month: Annotated[str, Form()],
                csrf_token: Annotated[str, Form()]) -> Response:
    """File the key energy-using unit's monthly report of `month`."""
    page = posted(request, ctx, csrf_token)
    report.file_report(ctx.sessions, page.principal, code, month)
    return RedirectResponse(f"/monitor/org/{quote(code)}?month={quote(month)}", status_code=303)


@router.get("/monitor/j/{jurisdiction}", response_class=HTMLResponse)
def oversight(jurisdiction: str, request: Request, ctx: AppContext, year: int | None = None,
              page: Annotated[int, Query(ge=1)] = 1) -> Response:
    """A park's, city's or province's oversight page (the latest year with figures unless `year` is asked); its
    enterprises and their ranking a page at a time."""
    signed = signed_in(request, ctx)
    shown = figures.oversight_page(ctx.sessions, signed.principal, jurisdiction, year, page=page)
    view = shown.view
    inbox = warnings.list_warnings(ctx.sessions, signed.principal, jurisdiction_code=jurisdiction,
                                   limit=INBOX_SHOWN)
    _ = signed._
    chart = {"locale": signed.locale, "years": [y for y, _v, _l in view.trajectory],
             "actual": [v for _y, v, _l in view.trajectory], "line": [line for _y, _v, line in view.trajectory],
             "labels": {"actual": _("Energy intensity"), "line": _("Trajectory to the target"),
                        "title": _("tce per 10⁴ yuan of value added")}}
    below: dict[str, list[figures.TreeNode]] = {}
    for node in view.tree:
        below.setdefault(node.parent or "", []).append(node)
    return signed.render("monitor_oversight.html", view=view, shown=shown, inbox=inbox, ranking=shown.ranking,
                         year=shown.year, years=shown.years, chart_json=_json(chart), below=below,
                         indices=prices.list_indices(ctx.sessions, signed.principal, jurisdiction))


@router.get("/monitor/j/{jurisdiction}/export.{fmt}")
def export(jurisdiction: str, fmt: str, request: Request, ctx: AppContext, year: int | None = None) -> Response:
    """The oversight table as XLSX or PDF, ranked by CO2 intensity (the latest year with figures unless asked)."""
    page = signed_in(request, ctx)
    if year is None:
        shown = figures.years(ctx.sessions, page.principal, jurisdiction)
        year = shown[-1] if shown else date.today().year
    view = figures.oversight(ctx.sessions, page.principal, jurisdiction, year)
    name = f"oversight-{quote(jurisdiction)}-{year}"
    if fmt == "xlsx":
        return Response(oversight_xlsx(view, page.locale, page._), media_type="application/vnd.openxmlformats-officedocument"
                        ".spreadsheetml.sheet", headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    if fmt == "pdf":
        return Response(oversight_pdf(view, page.locale, page._), media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})
    return page.error(_unknown(fmt))


def _unknown(fmt: str):  # type: ignore[no-untyped-def]

    return NotFound(f"no export as '{fmt}' (xlsx or pdf)")


@router.get("/monitor/warnings", response_class=HTMLResponse)
def inbox(request: Request, ctx: AppContext, status: str | None = None) -> Response:
    page = signed_in(request, ctx)
    rows = warnings.list_warnings(ctx.sessions, page.principal, status=status or None)
    return page.render("monitor_warnings.html", rows=rows, shown=status or "")


@router.get("/monitor/warnings/{warning_id}", response_class=HTMLResponse)
def warning_page(warning_id: int, request: Request, ctx: AppContext) -> Response:
    page = signed_in(request, ctx)
    return page.render("monitor_warning.html", w=warnings.get_warning(ctx.sessions, page.principal, warning_id))


@router.post("/monitor/warnings/{warning_id}", response_class=HTMLResponse)
def handle(warning_id: int, request: Request, ctx: AppContext, action: Annotated[str, Form()],
           note: Annotated[str, Form()], csrf_token: Annotated[str, Form()]) -> Response:
    page = posted(request, ctx, csrf_token)
    warnings.handle(ctx.sessions, page.principal, warning_id, action, note)
    return RedirectResponse(f"/monitor/warnings/{warning_id}", status_code=303)
