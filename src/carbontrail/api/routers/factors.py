"""The emission-factor library: datasets (shipped and users' own), factor search, and adding a dataset version."""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePath
from typing import Annotated

from fastapi import APIRouter, Form, Query, UploadFile, status

from carbontrail.http.deps import AppContext, CurrentPrincipal
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.inventory.records import FactorUse
from carbontrail.services import factors
from carbontrail.services.factors import DatasetInfo

router = APIRouter(prefix="/api/factors", tags=["factors"], responses=ERROR_RESPONSES)


@router.get("/datasets", response_model=list[DatasetInfo])
def datasets(ctx: AppContext, principal: CurrentPrincipal) -> list[DatasetInfo]:
    """Every dataset version you may see: the shipped ones, and users' own of your organisations."""
    return factors.datasets(ctx.sessions, principal)


@router.get("", response_model=list[FactorUse])
def search(ctx: AppContext, principal: CurrentPrincipal, q: str | None = None, activity: str | None = None,
           geography: str | None = None, year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
           limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[FactorUse]:
    """Factors matching every filter: `q` anywhere, `activity` as a prefix, exact geography and year."""
    found = factors.search(ctx.sessions, principal, q, activity=activity, geography=geography, year=year)
    return [FactorUse.of(f) for f in found[:limit]]


@router.post("/datasets", response_model=DatasetInfo, status_code=status.HTTP_201_CREATED)
def upload_dataset(ctx: AppContext, principal: CurrentPrincipal, file: UploadFile,
                   name: Annotated[str, Form(min_length=1, max_length=200)],
                   version: Annotated[str, Form(min_length=1, max_length=64)],
                   organisation: Annotated[str, Form(min_length=1, max_length=64)],
                   publisher: Annotated[str, Form(max_length=200)] = "",
                   licence: Annotated[str, Form(max_length=200)] = "") -> DatasetInfo:
    """Add a version of an organisation's own factor dataset (a CSV of the factor-library columns)."""
    shown = PurePath(file.filename or "factors.csv").name[:200] or "factors.csv"
    with tempfile.TemporaryDirectory(prefix="carbontrail-factors-") as folder:
        path = Path(folder) / "upload.csv"
        path.write_bytes(file.file.read())
        return factors.add_dataset(ctx.sessions, path, name=name, version=version, publisher=publisher,
                                   licence=licence, organisation=organisation, actor=principal, shown=shown)
