"""An organisation's inventory: as JSON, as an XLSX workbook, and as a PDF report in Chinese or English."""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response

from carbontrail.http.deps import AppContext, organisation_access
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.api.schemas import FactorUseOut, InventoryOut, Scope3LineOut
from carbontrail.inventory.ghg import InventoryResult
from carbontrail.services import tenancy
from carbontrail.services.inventory import organisation_inventory
from carbontrail.services.tenancy import Access

router = APIRouter(prefix="/api/organisations", tags=["inventory"], responses=ERROR_RESPONSES)

Inventory = Annotated[Access, Depends(organisation_access(tenancy.INVENTORY))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Recent:
    """The last few inventories computed, each valid while its tenant's data fingerprint is unchanged, with its
    JSON answer once rendered.

    Computing an inventory takes ~0.1–0.3 s (unit conversions of every record); a dashboard asks for the same
    one again and again, and a fingerprint costs a few small queries.
    """

    def __init__(self, size: int = 64):
        self.size = size
        self.items: OrderedDict[tuple[object, ...], list[InventoryResult | bytes | None]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> InventoryResult | None:
        with self.lock:
            entry = self.items.get(key)
            if entry is None:
                return None
            self.items.move_to_end(key)
            result = entry[0]
            assert isinstance(result, InventoryResult)
            return result

    def put(self, key: tuple[object, ...], result: InventoryResult) -> None:
        with self.lock:
            self.items[key] = [result, None]
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def rendered(self, key: tuple[object, ...], result: InventoryResult) -> bytes:
        """The JSON answer for the result under `key`, rendered (and validated) once."""
        with self.lock:
            entry = self.items.get(key)
            cached = entry[1] if entry is not None and entry[0] is result else None
        if isinstance(cached, bytes):
            return cached
        body = inventory_out(result).model_dump_json().encode()
        with self.lock:
            entry = self.items.get(key)
            if entry is not None and entry[0] is result:
                entry[1] = body
        return body


def _recent(ctx: AppContext) -> _Recent:
    recent = ctx.caches.setdefault("inventories", _Recent())
    assert isinstance(recent, _Recent)
    return recent


def compute_keyed(ctx: AppContext, access: Access, period: str | None, start: date | None, end: date | None,
                  facility: str | None) -> tuple[tuple[object, ...], InventoryResult]:
    """The inventory and its cache key, reused from an earlier request when nothing it depends on changed."""
    recent = _recent(ctx)
    with ctx.sessions() as s:
        key = (access.organisation_id, period, start, end, facility, tenancy.data_fingerprint(s, access))
    found = recent.get(key)
    if found is None:
        found = organisation_inventory(ctx.sessions, access.code, period=period, start=start, end=end,
                                       facility=facility)
        recent.put(key, found)
    return key, found


def compute(ctx: AppContext, access: Access, period: str | None, start: date | None, end: date | None,
            facility: str | None) -> InventoryResult:
    return compute_keyed(ctx, access, period, start, end, facility)[1]


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
def inventory(access: Inventory, ctx: AppContext, period: str | None = None, start: date | None = None,
              end: date | None = None, facility: str | None = None) -> Response:
    """Scope 1 by gas and source, scope 2 location- and market-based, energy (tce) and intensities."""
    key, result = compute_keyed(ctx, access, period, start, end, facility)
    # rendered and validated against InventoryOut once per computed result, then served as is
    return Response(_recent(ctx).rendered(key, result), media_type="application/json")


@router.get("/{code}/inventory.xlsx", response_class=Response,
            responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
def inventory_xlsx(access: Inventory, ctx: AppContext, period: str | None = None, start: date | None = None,
                   end: date | None = None, facility: str | None = None) -> Response:
    from carbontrail.reports.inventory import write_xlsx

    result = compute(ctx, access, period, start, end, facility)
    with tempfile.TemporaryDirectory(prefix="carbontrail-xlsx-") as folder:
        path = Path(folder) / "inventory.xlsx"
        write_xlsx(result, path)
        data = path.read_bytes()
    name = f"{access.code}-inventory-{result.period_start:%Y%m%d}-{result.period_end:%Y%m%d}.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/{code}/inventory.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
def inventory_pdf(access: Inventory, ctx: AppContext, period: str | None = None, start: date | None = None,
                  end: date | None = None, facility: str | None = None,
                  lang: Literal["zh_CN", "en"] = "zh_CN") -> Response:
    """The inventory report: title page, boundary, method, factors with sources, results and charts."""
    from carbontrail.reports.pdf import Site, inventory_pdf as render

    result = compute(ctx, access, period, start, end, facility)
    with ctx.sessions() as s:
        profile = tenancy.profile(s, access)
        sites = [Site(f.code, f.name, f.province, f.city, f.park) for f in tenancy.facilities(s, access)]
    data = render(result, organisation_name=profile.name if lang == "zh_CN" else (profile.name_en or profile.name),
                  facilities=sites, locale=lang)
    name = f"{access.code}-inventory-{result.period_start:%Y%m%d}-{lang}.pdf"
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
