"""Organisations (tenants), their facilities, meters, reporting periods, members and audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from carbontrail.api.schemas import FacilityIn, MemberIn, MeterIn, OrganisationIn, PeriodIn
from carbontrail.http.deps import AppContext, CurrentPrincipal
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.services import accounts, audit, organisations
from carbontrail.services.audit import AuditEntry
from carbontrail.services.organisations import FacilityView, Member, MeterView, OrganisationView, PeriodView

router = APIRouter(prefix="/api/organisations", tags=["organisations"], responses=ERROR_RESPONSES)


@router.get("", response_model=list[OrganisationView])
def list_organisations(ctx: AppContext, principal: CurrentPrincipal) -> list[OrganisationView]:
    """The organisations you may see (members, grantees, and the overseers of their jurisdictions)."""
    return organisations.visible(ctx.sessions, principal)


@router.post("", response_model=OrganisationView, status_code=status.HTTP_201_CREATED)
def create_organisation(body: OrganisationIn, ctx: AppContext, principal: CurrentPrincipal) -> OrganisationView:
    """Add a tenant (platform administrators only); its first org_admin is granted with /members."""
    return organisations.add_organisation(ctx.sessions, principal, **body.model_dump())


@router.get("/{code}", response_model=OrganisationView)
def get_organisation(code: str, ctx: AppContext, principal: CurrentPrincipal) -> OrganisationView:
    return organisations.profile(ctx.sessions, principal, code)


@router.get("/{code}/facilities", response_model=list[FacilityView])
def list_facilities(code: str, ctx: AppContext, principal: CurrentPrincipal) -> list[FacilityView]:
    return organisations.facilities(ctx.sessions, principal, code)


@router.post("/{code}/facilities", response_model=FacilityView, status_code=status.HTTP_201_CREATED)
def create_facility(code: str, body: FacilityIn, ctx: AppContext, principal: CurrentPrincipal) -> FacilityView:
    return organisations.add_facility(ctx.sessions, principal, code, **body.model_dump())


@router.get("/{code}/facilities/{facility}/meters", response_model=list[MeterView])
def list_meters(code: str, facility: str, ctx: AppContext, principal: CurrentPrincipal) -> list[MeterView]:
    return organisations.meters(ctx.sessions, principal, code, facility)


@router.post("/{code}/facilities/{facility}/meters", response_model=MeterView, status_code=status.HTTP_201_CREATED)
def create_meter(code: str, facility: str, body: MeterIn, ctx: AppContext,
                 principal: CurrentPrincipal) -> MeterView:
    return organisations.add_meter(ctx.sessions, principal, code, facility, **body.model_dump())


@router.get("/{code}/periods", response_model=list[PeriodView])
def list_periods(code: str, ctx: AppContext, principal: CurrentPrincipal) -> list[PeriodView]:
    return organisations.periods(ctx.sessions, principal, code)


@router.post("/{code}/periods", response_model=PeriodView, status_code=status.HTTP_201_CREATED)
def create_period(code: str, body: PeriodIn, ctx: AppContext, principal: CurrentPrincipal) -> PeriodView:
    return organisations.add_period(ctx.sessions, principal, code, **body.model_dump())


@router.post("/{code}/periods/{period}/lock", response_model=PeriodView)
def lock_period(code: str, period: str, ctx: AppContext, principal: CurrentPrincipal) -> PeriodView:
    """Lock the period for verification: no activity record inside it may be imported, changed or deleted."""
    return organisations.lock_period(ctx.sessions, principal, code, period)


@router.post("/{code}/periods/{period}/unlock", response_model=PeriodView)
def unlock_period(code: str, period: str, ctx: AppContext, principal: CurrentPrincipal) -> PeriodView:
    """Open a locked period again (the organisation's administrators)."""
    return organisations.unlock_period(ctx.sessions, principal, code, period)


@router.get("/{code}/members", response_model=list[Member])
def list_members(code: str, ctx: AppContext, principal: CurrentPrincipal) -> list[Member]:
    return organisations.members(ctx.sessions, principal, code)


@router.post("/{code}/members", response_model=Member, status_code=status.HTTP_201_CREATED)
def add_member(code: str, body: MemberIn, ctx: AppContext, principal: CurrentPrincipal) -> Member:
    """Grant a user an organisation role: a member role, or access for a verifier or supplier (the tenant's
    administrator; a platform administrator only appoints the tenant's administrator)."""
    accounts.grant(ctx.sessions, principal, body.email, body.role, organisation=code)
    return Member(body.email.strip().lower(), body.role)


@router.delete("/{code}/members/{email}/{role}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(code: str, email: str, role: str, ctx: AppContext, principal: CurrentPrincipal) -> None:
    accounts.revoke(ctx.sessions, principal, email, role, organisation=code)


@router.get("/{code}/audit", response_model=list[AuditEntry], responses={200: {"headers": {"Link": {
    "description": 'The next (older) page, `<URL>; rel="next"`, while one remains', "schema": {"type": "string"}}}}})
def audit_trail(code: str, request: Request, response: Response, ctx: AppContext, principal: CurrentPrincipal,
                before: Annotated[int | None, Query(ge=1, le=2**62, description=(
                    "Cursor: only events older than this id (from the previous page's `Link: rel=next`)"))] = None,
                limit: Annotated[int, Query(ge=1, le=audit.MAX_PAGE)] = 100) -> list[AuditEntry]:
    """Who changed what in this organisation, newest first, one page at a time: while older events remain, the
    answer carries `Link: <…?before=ID&limit=N>; rel="next"`."""
    page = organisations.audit_trail(ctx.sessions, principal, code, before=before, limit=limit)
    if page.next_before is not None:
        url = request.url.include_query_params(before=page.next_before, limit=limit)
        response.headers["Link"] = f'<{url}>; rel="next"'
    return page.entries
