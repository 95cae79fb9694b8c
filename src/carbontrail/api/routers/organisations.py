"""Organisations (tenants), their facilities, meters, reporting periods, members and audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from carbontrail.http.deps import AppContext, CurrentPrincipal, organisation_access
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.api.schemas import (
    AuditOut,
    FacilityIn,
    FacilityOut,
    MemberIn,
    MemberOut,
    MeterIn,
    MeterOut,
    OrganisationIn,
    OrganisationOut,
    PeriodIn,
    PeriodOut,
)
from carbontrail.services import accounts, audit, organisations, tenancy
from carbontrail.services.tenancy import Access

router = APIRouter(prefix="/api/organisations", tags=["organisations"], responses=ERROR_RESPONSES)

Profile = Annotated[Access, Depends(organisation_access(tenancy.PROFILE))]
Reader = Annotated[Access, Depends(organisation_access(tenancy.DATA_READ))]
Writer = Annotated[Access, Depends(organisation_access(tenancy.DATA_WRITE))]
Manager = Annotated[Access, Depends(organisation_access(tenancy.MANAGE))]


def _out(p: tenancy.Profile, access: Access) -> OrganisationOut:
    return OrganisationOut(code=p.code, name=p.name, name_en=p.name_en, industry=p.industry, province=p.province,
                           city=p.city, park=p.park, permissions=sorted(access.permissions))


@router.get("", response_model=list[OrganisationOut])
def list_organisations(ctx: AppContext, principal: CurrentPrincipal) -> list[OrganisationOut]:
    """The organisations you may see (members, grantees, and the overseers of their jurisdictions)."""
    with ctx.sessions() as s:
        return [_out(tenancy.profile(s, a), a) for a in tenancy.visible_organisations(s, principal)]


@router.post("", response_model=OrganisationOut, status_code=status.HTTP_201_CREATED)
def create_organisation(body: OrganisationIn, ctx: AppContext, principal: CurrentPrincipal) -> OrganisationOut:
    """Add a tenant (platform administrators only); its first org_admin is granted with /members."""
    tenancy.require_platform_admin(principal)
    with ctx.sessions.begin() as s:
        org = organisations.create_organisation(s, **body.model_dump())
        audit.record(s, principal.actor, "create", "organisation", body.code, organisation_id=org.id,
                     detail=body.model_dump())
    with ctx.sessions() as s:
        access = tenancy.require(s, principal, body.code, tenancy.PROFILE)
        return _out(tenancy.profile(s, access), access)


@router.get("/{code}", response_model=OrganisationOut)
def get_organisation(access: Profile, ctx: AppContext) -> OrganisationOut:
    with ctx.sessions() as s:
        return _out(tenancy.profile(s, access), access)


@router.get("/{code}/facilities", response_model=list[FacilityOut])
def list_facilities(access: Reader, ctx: AppContext) -> list[FacilityOut]:
    with ctx.sessions() as s:
        return [FacilityOut(code=f.code, name=f.name, province=f.province, city=f.city, park=f.park)
                for f in tenancy.facilities(s, access)]


@router.post("/{code}/facilities", response_model=FacilityOut, status_code=status.HTTP_201_CREATED)
def create_facility(body: FacilityIn, access: Writer, ctx: AppContext, principal: CurrentPrincipal) -> FacilityOut:
    with ctx.sessions.begin() as s:
        organisations.create_facility(s, access.code, **body.model_dump())
        audit.record(s, principal.actor, "create", "facility", f"{access.code}/{body.code}",
                     organisation_id=access.organisation_id, detail=body.model_dump())
    return FacilityOut(**body.model_dump())


@router.get("/{code}/facilities/{facility}/meters", response_model=list[MeterOut])
def list_meters(facility: str, access: Reader, ctx: AppContext) -> list[MeterOut]:
    with ctx.sessions() as s:
        return [MeterOut(facility=facility, code=m.code, medium=m.medium, unit=m.unit, supplier=m.supplier)
                for m in tenancy.meters(s, access, facility)]


@router.post("/{code}/facilities/{facility}/meters", response_model=MeterOut, status_code=status.HTTP_201_CREATED)
def create_meter(facility: str, body: MeterIn, access: Writer, ctx: AppContext,
                 principal: CurrentPrincipal) -> MeterOut:
    with ctx.sessions.begin() as s:
        organisations.create_meter(s, access.code, facility, **body.model_dump())
        audit.record(s, principal.actor, "create", "meter", f"{access.code}/{facility}/{body.code}",
                     organisation_id=access.organisation_id, detail=body.model_dump())
    return MeterOut(facility=facility, **body.model_dump())


@router.get("/{code}/periods", response_model=list[PeriodOut])
def list_periods(access: Reader, ctx: AppContext) -> list[PeriodOut]:
    with ctx.sessions() as s:
        return [PeriodOut(name=p.name, start=p.start, end=p.end, is_base_year=p.is_base_year)
                for p in tenancy.periods(s, access)]


@router.post("/{code}/periods", response_model=PeriodOut, status_code=status.HTTP_201_CREATED)
def create_period(body: PeriodIn, access: Writer, ctx: AppContext, principal: CurrentPrincipal) -> PeriodOut:
    with ctx.sessions.begin() as s:
        organisations.create_period(s, access.code, **body.model_dump())
        audit.record(s, principal.actor, "create", "reporting_period", f"{access.code}/{body.name}",
                     organisation_id=access.organisation_id, detail=body.model_dump(mode="json"))
    return PeriodOut(**body.model_dump())


@router.get("/{code}/members", response_model=list[MemberOut])
def list_members(access: Reader, ctx: AppContext) -> list[MemberOut]:
    with ctx.sessions() as s:
        return [MemberOut(email=e, role=r) for e, r in tenancy.members(s, access)]


@router.post("/{code}/members", response_model=MemberOut, status_code=status.HTTP_201_CREATED)
def add_member(body: MemberIn, access: Manager, ctx: AppContext, principal: CurrentPrincipal) -> MemberOut:
    """Grant a user an organisation role: a member role, or access for a verifier or supplier."""
    accounts.grant_role(ctx.sessions, body.email, body.role, organisation=access.code, actor=principal.actor)
    return MemberOut(email=body.email.strip().lower(), role=body.role)


@router.delete("/{code}/members/{email}/{role}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(email: str, role: str, access: Manager, ctx: AppContext, principal: CurrentPrincipal) -> None:
    accounts.revoke_role(ctx.sessions, email, role, organisation=access.code, actor=principal.actor)


@router.get("/{code}/audit", response_model=list[AuditOut])
def audit_trail(access: Reader, ctx: AppContext) -> list[AuditOut]:
    """Who changed what in this organisation, newest first."""
    return [AuditOut(**e.__dict__) for e in audit.events(ctx.sessions, access.organisation_id)]
