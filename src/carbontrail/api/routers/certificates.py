"""Green-electricity certificates: an organisation's holdings, registry imports, transfers, claims and releases,
and the hourly matching of its claims to its consumption."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, UploadFile, status
from pydantic import BaseModel, Field

from carbontrail.http.deps import AppContext, CurrentPrincipal, organisation_access
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.services import certificates as certs
from carbontrail.services import tenancy
from carbontrail.services.tenancy import Access

router = APIRouter(tags=["certificates"], responses=ERROR_RESPONSES)
ORG = "/api/organisations/{code}/certificates"
#: checked before the body is read, so another tenant's organisation answers 404 whatever is sent
Reader = Annotated[Access, Depends(organisation_access(tenancy.DATA_READ))]
Writer = Annotated[Access, Depends(organisation_access(tenancy.DATA_WRITE))]
Reference = Annotated[str, Field(min_length=1, max_length=100)]
Kind = Literal["GEC", "I-REC", "green_power_trade", "PPA", "direct_line"]
PeriodText = Annotated[str, Query(min_length=4, max_length=40, description="YYYY, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD")]


class TransferIn(BaseModel):
    """Instruments the organisation hands to another organisation (all or none)."""

    to: Annotated[str, Field(min_length=1, max_length=64)]
    kind: Kind = "GEC"
    references: Annotated[list[Reference], Field(min_length=1, max_length=10_000)]


class ClaimIn(BaseModel):
    """Instruments the organisation claims against its consumption in a period (all or none)."""

    kind: Kind = "GEC"
    references: Annotated[list[Reference], Field(min_length=1, max_length=10_000)]
    period_start: date
    period_end: date
    mwh: Annotated[float | None, Field(gt=0, le=1e9, allow_inf_nan=False)] = None
    province: Annotated[str | None, Field(max_length=64)] = None
    boundary: Literal["country", "grid", "province"] | None = None


@router.get(ORG)
def overview(code: str, access: Reader, ctx: AppContext, principal: CurrentPrincipal) -> dict[str, Any]:
    """Holdings, totals, claims, transfers, expiry warnings and log entries of the organisation."""
    return asdict(certs.overview(ctx.sessions, principal, code))


@router.post(ORG + "/imports", status_code=status.HTTP_201_CREATED)
async def upload(code: str, access: Writer, file: UploadFile, ctx: AppContext, principal: CurrentPrincipal) -> dict[str, Any]:
    """A registry export (CSV/XLSX) or hourly production; any bad row rejects the whole file (422, every row)."""
    data = await file.read()
    return asdict(certs.import_upload(ctx.sessions, principal, code, file.filename or "upload.csv", data,
                                      key=ctx.key))


@router.post(ORG + "/transfers", status_code=status.HTTP_201_CREATED)
def transfer(code: str, access: Writer, body: TransferIn, ctx: AppContext, principal: CurrentPrincipal) -> dict[str, Any]:
    """Hand instruments on; refused (409) with the reason if one cannot change hands."""
    return asdict(certs.transfer(ctx.sessions, principal, code, body.to, body.references, kind=body.kind,
                                 key=ctx.key))


@router.post(ORG + "/claims", status_code=status.HTTP_201_CREATED)
def claim(code: str, access: Writer, body: ClaimIn, ctx: AppContext, principal: CurrentPrincipal) -> dict[str, Any]:
    """Claim instruments; refused (409) with the reason if one is claimed, expired, frozen or not held."""
    return asdict(certs.claim(ctx.sessions, principal, code, body.references, (body.period_start, body.period_end),
                              kind=body.kind, mwh=body.mwh, province=body.province, boundary=body.boundary,
                              key=ctx.key))


@router.delete(ORG + "/claims/{claim_id}")
def release(code: str, access: Writer, claim_id: Annotated[int, Path(ge=1, le=2**31 - 1)], ctx: AppContext, principal: CurrentPrincipal) -> dict[str, Any]:
    """Withdraw a claim made in error."""
    return asdict(certs.release(ctx.sessions, principal, code, claim_id, key=ctx.key))


@router.get(ORG + "/matching")
def matching(code: str, access: Reader, period: PeriodText, ctx: AppContext, principal: CurrentPrincipal) -> dict[str, Any]:
    """Claims matched to consumption hour by hour, monthly and annually, with the residual at each level."""
    report = certs.match_report(ctx.sessions, principal, code, certs.parse_period(period))
    out = asdict(report)
    out["residual_mwh"] = report.residual_mwh
    return out
