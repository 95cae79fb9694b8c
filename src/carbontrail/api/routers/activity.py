"""An organisation's activity records: list them, and import a CSV or XLSX file (all rows or none)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, UploadFile

from carbontrail.http.deps import AppContext, CurrentPrincipal, organisation_access
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.api.schemas import ActivityOut, ImportOut
from carbontrail.services import tenancy
from carbontrail.services.imports import import_upload
from carbontrail.services.tenancy import Access

router = APIRouter(prefix="/api/organisations", tags=["activity"], responses=ERROR_RESPONSES)

Reader = Annotated[Access, Depends(organisation_access(tenancy.DATA_READ))]
Writer = Annotated[Access, Depends(organisation_access(tenancy.DATA_WRITE))]


@router.get("/{code}/activity", response_model=list[ActivityOut])
def list_activity(access: Reader, ctx: AppContext, kind: str | None = None,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                  offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0) -> list[ActivityOut]:
    with ctx.sessions() as s:
        return [ActivityOut(facility=fac, kind=r.kind, item=r.item, category=r.category, gas=r.gas,
                            period_start=r.period_start, period_end=r.period_end, quantity=r.quantity, unit=r.unit,
                            supplier=r.supplier, instrument=r.instrument, instrument_ref=r.instrument_ref,
                            contract_factor=r.contract_factor, source=r.source)
                for r, fac in tenancy.activity_records(s, access, limit=limit, offset=offset, kind=kind)]


@router.post("/{code}/imports", response_model=ImportOut)
async def upload(file: UploadFile, access: Writer, ctx: AppContext, principal: CurrentPrincipal,
                 template: str | None = None) -> ImportOut:
    """Upload a CSV or XLSX file of a `carbontrail template`; any bad row rejects the whole file (422, with
    every problem's row and field)."""
    data = await file.read()
    report = import_upload(ctx.sessions, principal, access, file.filename or "upload.csv", data, template)
    return ImportOut(file=report.file, template=report.template, rows=report.rows, inserted=report.inserted,
                     updated=report.updated, unchanged=report.unchanged)
