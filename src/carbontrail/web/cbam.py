"""CBAM pages: an organisation's installations (upload a model), and an installation's SEE table and
direct/indirect chart, communication download, certificate cost form and Sichuan-vs-China grid comparison."""

from __future__ import annotations

import json

import yaml
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from carbontrail.http.deps import AppContext
from carbontrail.errors import CarbontrailError, ImportRejected, InputError, NotFound
from carbontrail.services import cbam, tenancy
from carbontrail.services.cbam_views import cost_out, grid_out
from carbontrail.web.page import Page, page_router, posted, signed_in

router = page_router()


@router.get("/cbam", response_class=HTMLResponse)
def overview(request: Request, ctx: AppContext) -> Response:
    """The organisations whose CBAM installations you may see, with how many each has."""
    page = signed_in(request, ctx)
    return page.render("cbam_overview.html", rows=cbam.overview(ctx.sessions, page.principal))


def _list(page: Page, code: str, status: int = 200, rejected: ImportRejected | None = None,
          failed: str | None = None) -> Response:
    listed = cbam.installations_page(page.ctx.sessions, page.principal, code)
    return page.render("cbam_list.html", status=status, org=listed.profile, writable=listed.writable,
                       installations=listed.installations, tables=listed.tables, facilities=listed.facilities,
                       rejected=rejected, failed=failed)


@router.get("/org/{code}/cbam", response_class=HTMLResponse)
def installations(code: str, request: Request, ctx: AppContext) -> Response:
    page = signed_in(request, ctx)
    return _list(page, code)


@router.post("/org/{code}/cbam", response_class=HTMLResponse)
async def upload(code: str, request: Request, ctx: AppContext, file: UploadFile,
                 installation: Annotated[str, Form()], csrf_token: Annotated[str, Form()],
                 facility: Annotated[str, Form()] = "") -> Response:
    """Store an installation model from the form; a bad file shows every problem on the list page."""
    page = posted(request, ctx, csrf_token)
    data = await file.read()
    try:
        stored, _ = cbam.save_installation(ctx.sessions, page.principal, code, installation, data,
                                           file_name=file.filename or "installation.yaml",
                                           facility=facility.strip() or None)
    except ImportRejected as exc:
        return _list(page, code, status=422, rejected=exc)
    except InputError as exc:
        return _list(page, code, status=422, failed=page.say(exc))
    return RedirectResponse(f"/org/{quote(code)}/cbam/{quote(stored.code)}?period={stored.period_end.year}",
                            status_code=303)


def _chart(page: Page, summary: dict[str, object]) -> str:
    _ = page._
    processes = summary["processes"]
    assert isinstance(processes, list)
    data = {"processes": [p["process_id"] for p in processes],
            "direct": [p["see_direct_t_per_t"] for p in processes],
            "indirect": [p["see_indirect_t_per_t"] for p in processes],
            "labels": {"direct": _("Direct"), "indirect": _("Indirect"),
                       "title": _("Specific embedded emissions (t CO2e per t)")},
            "locale": page.locale}
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


@router.get("/org/{code}/cbam/{installation}", response_class=HTMLResponse)
def installation_page(code: str, installation: str, request: Request, ctx: AppContext, period: int | None = None,
                      markup_year: int | None = None, defaults: str | None = None, process: str | None = None,
                      mass_t: float | None = None, price_eur_per_t: float | None = None,
                      import_year: int | None = None, free_allocation_share: float | None = None,
                      cny_per_eur: float | None = None, grid_year: int | None = None) -> Response:
    return _installation(signed_in(request, ctx), code, installation, period=period, markup_year=markup_year,
                         defaults=defaults, process=process, mass_t=mass_t, price_eur_per_t=price_eur_per_t,
                         import_year=import_year, free_allocation_share=free_allocation_share,
                         cny_per_eur=cny_per_eur, grid_year=grid_year)


@router.post("/org/{code}/cbam/{installation}", response_class=HTMLResponse)
def edit_installation(code: str, installation: str, request: Request, ctx: AppContext,
                      model: Annotated[str, Form(max_length=2_000_000)], csrf_token: Annotated[str, Form()],
                      facility: Annotated[str, Form(max_length=64)] = "", period: int | None = None) -> Response:
    """Store the edited model of the installation (as an upload of the same code would); a refusal keeps the page
    with every problem and the text as typed."""
    page = posted(request, ctx, csrf_token)
    tenancy.profile_of(ctx.sessions, page.principal, code, tenancy.DATA_WRITE)  # a stranger learns nothing
    try:
        stored, _ = cbam.save_installation(ctx.sessions, page.principal, code, installation, model.encode("utf-8"),
                                           file_name="form", facility=facility.strip() or None)
    except (ImportRejected, InputError, NotFound) as exc:
        return _installation(page, code, installation, period=period, status=422, edited=model,
                             edit_failed=exc)
    return RedirectResponse(f"/org/{quote(code)}/cbam/{quote(stored.code)}?period={stored.period_end.year}&saved=1",
                            status_code=303)


def _installation(page: Page, code: str, installation: str, *, period: int | None = None,
                  markup_year: int | None = None, defaults: str | None = None, process: str | None = None,
                  mass_t: float | None = None, price_eur_per_t: float | None = None, import_year: int | None = None,
                  free_allocation_share: float | None = None, cny_per_eur: float | None = None,
                  grid_year: int | None = None, status: int = 200, edited: str | None = None,
                  edit_failed: CarbontrailError | None = None) -> Response:
    ctx = page.ctx
    profile = tenancy.profile_of(ctx.sessions, page.principal, code, tenancy.INVENTORY)
    tables = cbam.list_defaults(ctx.sessions, page.principal, code)
    done = cbam.compute(ctx.sessions, page.principal, code, installation, year=period, markup_year=markup_year,
                        defaults=defaults)
    summary = cbam.see_summary(done.result)
    stored = done.stored
    query = {"period": stored.period_end.year, "markup_year": done.result.markup_year}
    if defaults:
        query["defaults"] = defaults
    api = f"/api/organisations/{quote(code)}/cbam/installations/{quote(stored.code)}"

    cost_result, cost_error = None, None
    if process is not None and mass_t is not None and price_eur_per_t is not None:
        try:
            cost_result = cost_out(cbam.cost(
                ctx.sessions, page.principal, code, stored.code, process=process, mass_t=mass_t, price_eur_per_t=price_eur_per_t,
                import_year=import_year or 2026, free_allocation=free_allocation_share
                if free_allocation_share is not None else 0.0, cny_per_eur=cny_per_eur,
                year=stored.period_end.year, defaults=defaults))
        except CarbontrailError as exc:
            cost_error = str(exc)
    grid_year = grid_year or stored.period_end.year
    grids, grid_error = [], None
    for p in stored.installation.processes:
        if not p.electricity:
            continue
        try:
            grids.append(grid_out(cbam.grid_of(done.stored.installation, done.result, process=p.id,
                                               grid_year=grid_year)))
        except CarbontrailError as exc:
            grid_error = str(exc)
            break
    listed = cbam.installations_page(ctx.sessions, page.principal, code)
    problems = edit_failed.problems if isinstance(edit_failed, ImportRejected) else []
    return page.render("cbam_installation.html", status=status, org=profile, stored=stored, summary=summary,
                       writable=listed.writable, facilities=listed.facilities, saved=page.request.query_params.get("saved"),
                       model_text=edited if edited is not None else yaml.safe_dump(
                           stored.installation.model_dump(mode="json"), allow_unicode=True, sort_keys=False),
                       problems=problems, failed=page.say(edit_failed) if edit_failed is not None and not problems
                       else None,
                       result=done.result, chart_json=_chart(page, summary), api=api, query=urlencode(query),
                       tables=tables, defaults=defaults or "", cost=cost_result, cost_error=cost_error,
                       form={"process": process or stored.installation.processes[0].id, "mass_t": mass_t or 1000,
                             "price_eur_per_t": price_eur_per_t or 75.36, "import_year": import_year or 2026,
                             "free_allocation_share": free_allocation_share or 0.0,
                             "cny_per_eur": cny_per_eur or ""},
                       grids=grids, grid_error=grid_error, grid_year=grid_year,
                       reconciliation=cbam.reconcile(ctx.sessions, page.principal, code, stored.code,
                                                     year=stored.period_end.year))
