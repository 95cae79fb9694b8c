"""The pages: sign-in, organisations and facilities, upload with row errors, inventory charts, jurisdiction
overviews."""

from __future__ import annotations

import hmac
import json
import secrets
from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from carbontrail.inventory.templates import IMPORT_ORDER, TEMPLATES
from carbontrail.http.deps import SESSION_COOKIE, AppContext, client_address
from carbontrail.errors import (CarbontrailError, Conflict, ImportRejected, InputError, Location, NotFound,
                                PermissionDenied)
from carbontrail.services import dashboard, jurisdictions, organisations
from carbontrail.services.accounts import (
    SESSION_TTL_SECONDS,
    AuthenticationFailed,
    SignInThrottled,
    authenticate_user,
    session_token,
    sign_out,
)
from carbontrail.services import aggregates, cbam, imports
from carbontrail.services import inventory as inventories
from carbontrail.web import i18n, records
from carbontrail.web.page import LANG_COOKIE, Page, page_router, posted, signed_in

router = page_router()
LOGIN_CSRF_COOKIE = "ct_login_csrf"
def _safe_next(target: str | None) -> str:
    # only same-site paths: never redirect a signed-in user to another host
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, ctx: AppContext, next: str | None = None) -> HTMLResponse:
    page = Page(request, ctx)
    token = secrets.token_urlsafe(24)
    response = page.render("login.html", login_csrf=token, next=_safe_next(next), failed=None)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict")
    return response


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, ctx: AppContext, email: Annotated[str, Form()], password: Annotated[str, Form()],
          csrf_token: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
    page = Page(request, ctx)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return page.error(PermissionDenied("the sign-in form has expired; reload the page and try again"))
    try:
        principal = authenticate_user(ctx.sessions, email, password, address=client_address(request),
                                      now=ctx.clock())
    except SignInThrottled as exc:
        response = page.render("login.html", status=429, login_csrf=expected, next=_safe_next(next),
                               failed=page._("Too many wrong attempts. Try again in %(seconds)s seconds.",
                                             seconds=exc.retry_after))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except AuthenticationFailed:
        response = page.render("login.html", status=401, login_csrf=expected, next=_safe_next(next),
                               failed=page._("The e-mail address or the password is wrong."))
        return response
    session = session_token(ctx.key, principal)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="lax", max_age=SESSION_TTL_SECONDS,
                        secure=request.url.scheme == "https")
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, ctx: AppContext, csrf_token: Annotated[str, Form()] = "") -> Response:
    page = Page(request, ctx)
    try:
        page.check_csrf(csrf_token)
    except PermissionDenied as exc:
        return page.error(exc)
    if page.principal is not None:
        sign_out(ctx.sessions, page.principal)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{locale}")
def switch_language(locale: str, next: str | None = None) -> RedirectResponse:
    response = RedirectResponse(_safe_next(next), status_code=303)
    if locale in i18n.LOCALES:
        response.set_cookie(LANG_COOKIE, locale, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, ctx: AppContext, period: Annotated[str | None, Query(max_length=64)] = None,
         year: Annotated[int | None, Query(ge=1990, le=2100)] = None) -> Response:
    """Each role's dashboard (services/dashboard.py), on the latest period with data unless one is asked for."""
    page = signed_in(request, ctx)
    assert page.principal is not None
    dash = dashboard.home(ctx.sessions, page.principal, period=period or None, year=year,
                          cache=_inventory_cache(ctx))
    return page.render("home.html", dash=dash, dash_period=period or "", dash_year=year or "",
                       organisations=[(o, o) for o in dash.organisations], jurisdictions=dash.jurisdictions)


def _inventory_cache(ctx: AppContext) -> inventories.InventoryCache:
    """The inventories computed for the pages, kept while their tenant's data is unchanged."""
    cache = ctx.caches.setdefault("inventories", inventories.InventoryCache())
    assert isinstance(cache, inventories.InventoryCache)
    return cache


@router.post("/organisations", response_class=HTMLResponse)
def create_organisation(request: Request, ctx: AppContext, code: Annotated[str, Form()], name: Annotated[str, Form()],
                        csrf_token: Annotated[str, Form()], name_en: Annotated[str, Form()] = "",
                        industry: Annotated[str, Form()] = "", province: Annotated[str, Form()] = "",
                        city: Annotated[str, Form()] = "", park: Annotated[str, Form()] = "") -> Response:
    page = posted(request, ctx, csrf_token)
    assert page.principal is not None
    org = organisations.add_organisation(ctx.sessions, page.principal, code, name, name_en=name_en,
                                         industry=industry, province=province, city=city, park=park)
    return RedirectResponse(f"/org/{quote(org.code)}", status_code=303)


@router.get("/org/{code}", response_class=HTMLResponse)
def organisation(code: str, request: Request, ctx: AppContext) -> Response:
    return records.organisation_page(signed_in(request, ctx), code)


@router.post("/org/{code}/facilities", response_class=HTMLResponse)
def add_facility(code: str, request: Request, ctx: AppContext, facility: Annotated[str, Form()],
                 name: Annotated[str, Form()], province: Annotated[str, Form()], csrf_token: Annotated[str, Form()],
                 city: Annotated[str, Form()] = "", park: Annotated[str, Form()] = "") -> Response:
    page = posted(request, ctx, csrf_token)
    assert page.principal is not None
    try:
        organisations.add_facility(ctx.sessions, page.principal, code, facility, name, province, city=city, park=park)
    except (InputError, Conflict) as exc:
        return records.organisation_page(page, code, status=409 if isinstance(exc, Conflict) else 422, failed=exc,
                                         form="facility", values={"facility": facility, "name": name,
                                                                  "province": province, "city": city, "park": park})
    return RedirectResponse(f"/org/{quote(code)}", status_code=303)


@router.get("/org/{code}/upload", response_class=HTMLResponse)
def upload_form(code: str, request: Request, ctx: AppContext) -> Response:
    page = signed_in(request, ctx)
    return page.render("upload.html", code=imports.may_upload(ctx.sessions, page.principal, code), report=None,
                       rejected=None, templates=[TEMPLATES[name] for name in IMPORT_ORDER])


# A plain `def`: it runs on a worker thread, so a long import never holds up the event loop. With script on, the
# form goes to the import-jobs API instead and shows a progress bar (static/imports.js).
@router.post("/org/{code}/upload", response_class=HTMLResponse)
def upload(code: str, request: Request, ctx: AppContext, file: UploadFile,
           csrf_token: Annotated[str, Form()]) -> Response:
    page = posted(request, ctx, csrf_token)
    try:
        report = imports.upload(ctx.sessions, page.principal, code, file.filename or "upload.csv", file.file.read())
    except ImportRejected as exc:
        return page.render("upload.html", status=422, code=code, report=None, rejected=exc,
                           templates=[TEMPLATES[name] for name in IMPORT_ORDER])
    return page.render("upload.html", code=code, report=report, rejected=None,
                       templates=[TEMPLATES[name] for name in IMPORT_ORDER])


@router.get("/org/{code}/upload/jobs/{job}")
def upload_job(code: str, job: str, request: Request, ctx: AppContext) -> Response:
    """An import job's status for the upload page's script (static/imports.js), as `GET /api/imports/{job}` gives
    it but with its messages in the reader's language."""
    page = signed_in(request, ctx)
    try:
        status = ctx.imports.status(ctx.sessions, page.principal, job)
        if status.organisation != code:
            raise NotFound(f"no import job '{job[:64]}'")
    except CarbontrailError as exc:
        return JSONResponse({"message": page.say(exc)}, status_code=404 if isinstance(exc, NotFound) else 403)
    body = jsonable_encoder(status)
    body["errors"] = [{"row": e.row, "field": e.field, "message": page.say(e.error())} for e in status.errors]
    if status.message:
        body["message"] = i18n.message(status.message, page.locale)
    return JSONResponse(body)


def _chart_data(page: Page, summary: dict[str, object]) -> str:
    _ = page._
    monthly = summary["monthly"]
    assert isinstance(monthly, dict)
    months = sorted(monthly)
    data = {
        "labels": {"scope1": _("Scope 1"), "scope2_location": _("Scope 2 (location-based)"),
                   "scope2_market": _("Scope 2 (market-based)"), "energy": _("Energy (tce)"),
                   "split": _("Scope split (t CO2e)"), "trend": _("Monthly trend (t CO2e)"),
                   "mix": _("Energy mix (tce)")},
        "scopes": {"scope1": summary["scope1_t_co2e"], "scope2_location": summary["scope2_location_t_co2e"]},
        "months": months,
        "monthly": {k: [monthly[m].get(k, 0.0) for m in months]
                    for k in ("scope1", "scope2_location", "scope2_market")},
        "energy_mix": {_(k) if k in ("electricity", "heat", "steam") else k: v
                       for k, v in dict(summary["energy_mix_tce"]).items()},  # type: ignore[call-overload]
        "locale": page.locale,
    }
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


@router.get("/org/{code}/inventory", response_class=HTMLResponse)
def inventory(code: str, request: Request, ctx: AppContext, period: str | None = None,
              start: date | None = None, end: date | None = None) -> Response:
    page = signed_in(request, ctx)
    view = inventories.inventory_view(ctx.sessions, page.principal, code, period=period, start=start, end=end,
                                      latest=True)
    if view.result is None:
        raise InputError(page._("Add a reporting period first, or give a start and an end date."),
                         location=Location(field="period"))
    summary = view.result.summary()
    query = f"period={quote(view.period)}" if view.period else f"start={start}&end={end}"
    beside = cbam.reconciliations_in(ctx.sessions, page.principal, code, view.result.period_start,
                                     view.result.period_end)
    choices = inventories.period_choices(ctx.sessions, page.principal, code)
    compared = inventories.compare_periods(ctx.sessions, page.principal, code, view.period, choices=choices,
                                           current=view.result, cache=_inventory_cache(ctx)) if view.period else None
    return page.render("inventory.html", org=view.profile, result=view.result, summary=summary,
                       periods=choices, period=view.period, query=query, comparison=compared,
                       chart_json=_chart_data(page, summary), factors=view.result.factors_used(), cbam=beside)


@router.get("/jurisdiction/{code}", response_class=HTMLResponse)
def jurisdiction(code: str, request: Request, ctx: AppContext,
                 year: Annotated[int | None, Query(ge=1990, le=2100)] = None) -> Response:
    page = signed_in(request, ctx)
    agg = aggregates.aggregate(ctx.sessions, page.principal, code, year)
    earlier = aggregates.aggregate(ctx.sessions, page.principal, code, agg.earlier_year) \
        if agg.has_data and agg.earlier_year is not None else None
    nodes = jurisdictions.overseen_subtree(ctx.sessions, page.principal, code)
    shown = [e for e in agg.enterprises if e.error is None and e.has_data]
    chart = json.dumps({"enterprises": [e.name for e in shown],
                        "scope1": [e.scope1_t_co2e for e in shown],
                        "scope2": [e.scope2_location_t_co2e for e in shown],
                        "labels": {"scope1": page._("Scope 1"), "scope2_location": page._("Scope 2 (location-based)"),
                                   "title": page._("Emissions by enterprise (t CO2e)")}},
                       ensure_ascii=False).replace("</", "<\\/")
    return page.render("jurisdiction.html", agg=agg, year=agg.year, node=nodes, chart_json=chart, earlier=earlier,
                       ranks=agg.ranking())

