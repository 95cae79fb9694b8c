"""An organisation's inventory: as JSON, as an XLSX workbook, and as a PDF report in Chinese or English."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Response

from carbontrail.http.deps import AppContext, Context, CurrentPrincipal
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.api.schemas import FactorUseOut, InventoryOut, Scope3LineOut
from carbontrail.inventory.ghg import InventoryResult
from carbontrail.services import inventory as inventories
from carbontrail.services.inventory import InventoryCache

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
    factors = [FactorUseOut(activity=f.activity, value=f.value, unit=f.unit, gas=f.gas, geography=f.geography,
                            year=f.year, series=f.series, dataset=f.dataset, dataset_version=f.dataset_version,
                            source=f.source, fallback=f.fallback) for f in result.factors_used()]
    scope3 = [Scope3LineOut(facility=line.facility, category=line.category, month=f"{line.period_start:%Y-%m}",
                            item=line.item, supplier=line.supplier, quantity=line.quantity, unit=line.unit,
                            method=line.method, data=line.data, co2e_t=line.co2e_t, factor_value=line.factor_value,
                            factor_unit=line.factor_unit, note=line.note) for line in result.scope3]
    return InventoryOut.model_validate({**data, "factors": factors, "scope3_lines": scope3})


@router.get("/{code}/inventory", response_model=InventoryOut)
def inventory(code: str, ctx: AppContext, principal: CurrentPrincipal, period: str | None = None,
              start: date | None = None, end: date | None = None, facility: str | None = None) -> Response:
    """Scope 1 by gas and source, scope 2 location- and market-based, energy (tce) and intensities."""
    cache = _cache(ctx)
    result = inventories.inventory(ctx.sessions, principal, code, period=period, start=start, end=end,
                                   facility=facility, cache=cache)
    # rendered and validated against InventoryOut once per computed result, then served as is
    return Response(cache.rendered(result, "json", _json), media_type="application/json")


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
