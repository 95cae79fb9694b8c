"""Jurisdictions (province → city → park) and the aggregates park and government roles oversee."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from carbontrail.http.deps import AppContext, CurrentPrincipal
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.api.schemas import AggregateOut, JurisdictionIn, JurisdictionOut
from carbontrail.services import jurisdictions, tenancy

router = APIRouter(prefix="/api/jurisdictions", tags=["jurisdictions"], responses=ERROR_RESPONSES)


@router.get("", response_model=list[JurisdictionOut])
def tree(ctx: AppContext, principal: CurrentPrincipal) -> list[JurisdictionOut]:
    """The jurisdictions you oversee, as a tree."""
    with ctx.sessions() as s:
        if principal.platform_admin:
            return [JurisdictionOut.of(n) for n in jurisdictions.tree(s)]
        roots = {g.jurisdiction_id for g in principal.grants if g.jurisdiction_id is not None}
        return [JurisdictionOut.of(n) for n in jurisdictions.tree(s, roots)]


@router.post("", response_model=JurisdictionOut, status_code=status.HTTP_201_CREATED)
def create(body: JurisdictionIn, ctx: AppContext, principal: CurrentPrincipal) -> JurisdictionOut:
    tenancy.require_platform_admin(principal)
    return JurisdictionOut.of(jurisdictions.create(ctx.sessions, body.code, body.kind, body.name,
                                                   name_en=body.name_en, parent=body.parent, actor=principal.actor))


@router.get("/{jurisdiction}/aggregates", response_model=AggregateOut)
def aggregates(jurisdiction: str, ctx: AppContext, principal: CurrentPrincipal,
               year: Annotated[int, Query(ge=1990, le=2100)]) -> AggregateOut:
    """Energy, emissions and intensities of the enterprises in the jurisdiction, for a calendar year."""
    with ctx.sessions() as s:
        jurisdictions.require_overseen(s, principal.grants, jurisdiction)
    return AggregateOut.of(jurisdictions.aggregate(ctx.sessions, jurisdiction, year))
