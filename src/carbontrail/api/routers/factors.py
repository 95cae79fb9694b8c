"""The emission-factor library: datasets (shipped and users' own), factor search, and adding a dataset version."""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePath
from typing import Annotated

from fastapi import APIRouter, Form, Query, UploadFile, status

from carbontrail.http.deps import AppContext, CurrentPrincipal
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.api.schemas import DatasetOut, FactorOut
from carbontrail.services import audit, tenancy
from carbontrail.services.factors import add_dataset, load_library

router = APIRouter(prefix="/api/factors", tags=["factors"], responses=ERROR_RESPONSES)


@router.get("/datasets", response_model=list[DatasetOut])
def datasets(ctx: AppContext, principal: CurrentPrincipal) -> list[DatasetOut]:
    """Every dataset version you may see: the shipped ones, and users' own of your organisations."""
    library = load_library(ctx.sessions)
    with ctx.sessions() as s:
        hidden = tenancy.hidden_datasets(s, principal)
    out = []
    for name, version in library.datasets():
        if (name, version) in hidden:
            continue
        d = library.dataset(name, version)
        out.append(DatasetOut(name=d.name, version=d.version, publisher=d.publisher, licence=d.licence,
                              description=d.description, factors=len(d.factors)))
    return out


@router.get("", response_model=list[FactorOut])
def search(ctx: AppContext, principal: CurrentPrincipal, q: str | None = None, activity: str | None = None,
           geography: str | None = None, year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
           limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[FactorOut]:
    """Factors matching every filter: `q` anywhere, `activity` as a prefix, exact geography and year."""
    library = load_library(ctx.sessions)
    with ctx.sessions() as s:
        hidden = tenancy.hidden_datasets(s, principal)
    found = [f for f in library.search(text=q, activity=activity, geography=geography, year=year)
             if (f.dataset, f.dataset_version) not in hidden]
    return [FactorOut(activity=f.activity, value=f.value, unit=f.unit, gas=f.gas, geography=f.geography,
                      year=f.year, series=f.series, dataset=f.dataset, dataset_version=f.dataset_version,
                      source=f.source) for f in found[:limit]]


@router.post("/datasets", response_model=DatasetOut, status_code=status.HTTP_201_CREATED)
async def upload_dataset(ctx: AppContext, principal: CurrentPrincipal, file: UploadFile,
                         name: Annotated[str, Form(min_length=1, max_length=200)],
                         version: Annotated[str, Form(min_length=1, max_length=64)],
                         organisation: Annotated[str, Form(min_length=1, max_length=64)],
                         publisher: Annotated[str, Form(max_length=200)] = "",
                         licence: Annotated[str, Form(max_length=200)] = "") -> DatasetOut:
    """Add a version of an organisation's own factor dataset (a CSV of the factor-library columns)."""
    with ctx.sessions() as s:
        access = tenancy.require(s, principal, organisation, tenancy.DATA_WRITE)
    data = await file.read()
    with tempfile.TemporaryDirectory(prefix="carbontrail-factors-") as folder:
        path = Path(folder) / PurePath(file.filename or "factors.csv").name
        path.write_bytes(data)
        d = add_dataset(ctx.sessions, path, name=name, version=version, publisher=publisher, licence=licence,
                        organisation_id=access.organisation_id)
    audit.log(ctx.sessions, principal.actor, "create", "factor_dataset", f"{name}@{version}",
              organisation_id=access.organisation_id, detail={"factors": len(d.factors)})
    return DatasetOut(name=d.name, version=d.version, publisher=d.publisher, licence=d.licence,
                      description=d.description, factors=len(d.factors))
