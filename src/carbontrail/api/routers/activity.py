"""An organisation's activity records: list them, and import a CSV or XLSX file (all rows or none)."""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePath
from typing import Annotated

from fastapi import APIRouter, Depends, Query, UploadFile

from carbontrail.api.deps import AppContext, CurrentPrincipal, organisation_access
from carbontrail.api.errors import ERROR_RESPONSES
from carbontrail.api.schemas import ActivityOut, ImportOut
from carbontrail.errors import InputError, Location
from carbontrail.services import audit, tenancy
from carbontrail.services.imports import import_file
from carbontrail.services.tenancy import Access

router = APIRouter(prefix="/api/organisations", tags=["activity"], responses=ERROR_RESPONSES)

Reader = Annotated[Access, Depends(organisation_access(tenancy.DATA_READ))]
Writer = Annotated[Access, Depends(organisation_access(tenancy.DATA_WRITE))]
MAX_UPLOAD = 200 * 1024 * 1024


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


def import_upload(ctx: AppContext, access: Access, actor: str, file_name: str, data: bytes,
                  template: str | None = None) -> ImportOut:
    """Import uploaded bytes as this organisation's file; rows naming another organisation are refused."""
    name = PurePath(file_name or "upload.csv").name
    if not name.lower().endswith((".csv", ".xlsx")):
        raise InputError(f"'{name}' is neither a CSV nor an XLSX file", location=Location(file=name),
                         expected="a .csv or .xlsx file")
    if len(data) > MAX_UPLOAD:
        raise InputError(f"'{name}' is larger than {MAX_UPLOAD // 2**20} MB", location=Location(file=name))
    with tempfile.TemporaryDirectory(prefix="carbontrail-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        report = import_file(ctx.sessions, path, template=template, organisation=access.code, display_name=name)
    out = ImportOut(file=name, template=report.template, rows=report.rows, inserted=report.inserted,
                    updated=report.updated, unchanged=report.unchanged)
    audit.log(ctx.sessions, actor, "import", "file", name, organisation_id=access.organisation_id,
              detail=out.model_dump())
    return out


@router.post("/{code}/imports", response_model=ImportOut)
async def upload(file: UploadFile, access: Writer, ctx: AppContext, principal: CurrentPrincipal,
                 template: str | None = None) -> ImportOut:
    """Upload a CSV or XLSX file of a `carbontrail template`; any bad row rejects the whole file (422, with
    every problem's row and field)."""
    data = await file.read()
    return import_upload(ctx, access, principal.actor, file.filename or "upload.csv", data, template)
