"""An organisation's inventory: as JSON, as an XLSX workbook, and as a PDF report in Chinese or English."""

from __future__ import annotations

import re
import tempfile
from datetime import date
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from carbontrail.http.deps import AppContext, Context, CurrentPrincipal
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.api.schemas import InventoryOut, Scope3LineOut
from carbontrail.inventory.ghg import InventoryResult
from carbontrail.errors import CarbontrailError
from carbontrail.services import inventory as inventories
from carbontrail.services.accounts import principal_from_token
from carbontrail.services.inventory import InventoryCache
from carbontrail.services.principals import Principal

router = APIRouter(prefix="/api/organisations", tags=["inventory"], responses=ERROR_RESPONSES)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cache(ctx: Context) -> InventoryCache:
    cache = ctx.caches.setdefault("inventories", InventoryCache())
    assert isinstance(cache, InventoryCache)
    return cache


def _json(result: InventoryResult) -> bytes:
    return inventory_out(result).model_dump_json().encode()


def inventory_out(result: InventoryResult) -> InventoryOut:
    data = result.summary()
    factors = list(result.factors_used())
    scope3 = [Scope3LineOut(facility=line.facility, category=line.category, month=f"{line.period_start:%Y-%m}",
                            item=line.item, supplier=line.supplier, quantity=line.quantity, unit=line.unit,
                            method=line.method, data=line.data, co2e_t=line.co2e_t, factor_value=line.factor_value,
                            factor_unit=line.factor_unit, note=line.note) for line in result.scope3]
    return InventoryOut.model_validate({**data, "factors": factors, "scope3_lines": scope3})


@router.get("/{code}/inventory", response_model=InventoryOut)
async def inventory(code: str, ctx: AppContext, principal: CurrentPrincipal, period: str | None = None,
                    start: date | None = None, end: date | None = None, facility: str | None = None) -> Response:
    """Scope 1 by gas and source, scope 2 location- and market-based, energy (tce) and intensities."""
    cache = _cache(ctx)
    # on the event loop when the answer, who may read it and the tenant's fingerprint are all in memory (no SQL);
    # otherwise off it, where the database is asked
    body = inventories.remembered_answer(ctx.sessions, principal, code, "json", cache=cache, period=period,
                                         start=start, end=end, facility=facility)
    if body is None:
        body = await run_in_threadpool(_answer, ctx, principal, code, period, start, end, facility)
    return Response(body, media_type="application/json")


def _answer(ctx: Context, principal: Principal, code: str, period: str | None, start: date | None, end: date | None,
            facility: str | None) -> bytes:
    cache = _cache(ctx)
    result = inventories.inventory(ctx.sessions, principal, code, period=period, start=start, end=end,
                                   facility=facility, cache=cache)
    # rendered and validated against InventoryOut once per computed result, then served as is
    return cache.rendered(result, "json", _json)


class RememberedInventory:
    """ASGI middleware answering `GET /api/organisations/{code}/inventory` ahead of the router when the answer is in
    memory: the bearer token verified and its principal (`principal_from_token`: revocations seen within
    `RECHECK_SECONDS`), the tenant's access decided from its roles and the answer kept for the tenant's current data
    fingerprint (`inventories.remembered_answer`). Everything else, and every doubt (no bearer token, a query it
    does not read exactly as the route does, a refusal, nothing remembered), goes on to the application, whose
    route above is the documented one and the one that computes and refuses. Routing and parameter solving cost
    more than the rest of such an answer (measured: benchmarks/bench_inventory_route.py)."""

    PREFIX, SUFFIX = "/api/organisations/", "/inventory"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            body = self._remembered(scope)
            if body is not None:
                await Response(body, media_type="application/json")(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _remembered(self, scope: Scope) -> bytes | None:
        path: str = scope["path"]
        if scope.get("root_path") or not (path.startswith(self.PREFIX) and path.endswith(self.SUFFIX)):
            return None
        code = path[len(self.PREFIX):-len(self.SUFFIX)]
        if not code or "/" in code:
            return None
        query = _query(scope.get("query_string", b""))
        token = _bearer(scope)
        app = scope.get("app")
        if query is None or token is None or app is None:
            return None
        ctx: Context = app.state.context
        try:
            principal, _claims = principal_from_token(ctx.sessions, ctx.key, token, "access")
            return inventories.remembered_answer(ctx.sessions, principal, code, "json", cache=_cache(ctx), **query)
        except CarbontrailError:
            return None  # the route answers it, with its error body


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _query(raw: bytes) -> dict[str, str | date] | None:
    """The route's query parameters as it reads them, or None when this reading could differ from FastAPI's (an
    unknown or repeated name, an empty value, a date not written YYYY-MM-DD)."""
    out: dict[str, str | date] = {}
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        if name not in ("period", "start", "end", "facility") or name in out or not value:
            return None
        if name in ("start", "end"):
            if not _DATE.fullmatch(value):
                return None
            try:
                out[name] = date.fromisoformat(value)
            except ValueError:
                return None
        else:
            out[name] = value
    return out


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            text = value.decode("latin-1")
            return text[7:].strip() or None if text[:7].lower() == "bearer " else None
    return None


@router.get("/{code}/inventory.xlsx", response_class=Response,
            responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
def inventory_xlsx(code: str, ctx: AppContext, principal: CurrentPrincipal, period: str | None = None,
                   start: date | None = None, end: date | None = None, facility: str | None = None) -> Response:
    # the report writers (openpyxl, reportlab) load when a report is asked for, not at start-up
    from carbontrail.reports.inventory import write_xlsx

    result = inventories.inventory(ctx.sessions, principal, code, period=period, start=start, end=end,
                                   facility=facility, cache=_cache(ctx))
    with tempfile.TemporaryDirectory(prefix="carbontrail-xlsx-") as folder:
        path = Path(folder) / "inventory.xlsx"
        write_xlsx(result, path)
        data = path.read_bytes()
    name = f"{quote(code)}-inventory-{result.period_start:%Y%m%d}-{result.period_end:%Y%m%d}.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/{code}/inventory.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
def inventory_pdf(code: str, ctx: AppContext, principal: CurrentPrincipal, period: str | None = None,
                  start: date | None = None, end: date | None = None, facility: str | None = None,
                  lang: Literal["zh_CN", "en"] = "zh_CN") -> Response:
    """The inventory report: title page, boundary, method, factors with sources, results and charts."""
    # reportlab loads when a PDF is asked for, not at start-up
    from carbontrail.reports.pdf import Site, inventory_pdf as render

    view = inventories.inventory_view(ctx.sessions, principal, code, period=period, start=start, end=end,
                                      facility=facility, cache=_cache(ctx))
    result = view.result
    assert result is not None
    sites = [Site(*f) for f in view.sites]
    profile = view.profile
    data = render(result, organisation_name=profile.name if lang == "zh_CN" else (profile.name_en or profile.name),
                  facilities=sites, locale=lang)
    name = f"{quote(code)}-inventory-{result.period_start:%Y%m%d}-{lang}.pdf"
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
