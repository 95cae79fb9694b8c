"""Jurisdictions (province → city → park) and the aggregates park and government roles oversee."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from carbontrail.http.deps import AppContext, CurrentPrincipal
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.api.schemas import AggregateOut, JurisdictionIn
from carbontrail.services import aggregates, jurisdictions
from carbontrail.services.jurisdictions import JurisdictionNode

router = APIRouter(prefix="/api/jurisdictions", tags=["jurisdictions"], responses=ERROR_RESPONSES)


@router.get("", response_model=list[JurisdictionNode])
def tree(ctx: AppContext, principal: CurrentPrincipal) -> list[JurisdictionNode]:
    """The jurisdictions you oversee, as a tree."""
    return jurisdictions.overseen_tree(ctx.sessions, principal)


@router.post("", response_model=JurisdictionNode, status_code=status.HTTP_201_CREATED)
def create(body: JurisdictionIn, ctx: AppContext, principal: CurrentPrincipal) -> JurisdictionNode:
    return jurisdictions.create(ctx.sessions, body.code, body.kind, body.name, name_en=body.name_en,
                                parent=body.parent, actor=principal)


@router.get("/{jurisdiction}/aggregates", response_model=AggregateOut)
def totals(jurisdiction: str, ctx: AppContext, principal: CurrentPrincipal,
               year: Annotated[int | None, Query(ge=1990, le=2100)] = None) -> AggregateOut:
    """Energy, emissions and intensities of the enterprises in the jurisdiction, for a calendar year (the latest
    year holding data when none is named)."""
    return AggregateOut.of(aggregates.aggregate(ctx.sessions, principal, jurisdiction, year))
