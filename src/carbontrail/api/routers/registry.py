"""The public footprint registry (search, CSV/JSON export, carbon labels) and publishing into it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from carbontrail.http.deps import AppContext, CurrentPrincipal
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.reports import carbon_label
from carbontrail.services.ledger import credentials, registry

router = APIRouter(tags=["registry"], responses=ERROR_RESPONSES)
Filter = Annotated[str, Query(max_length=200)]


class PublishIn(BaseModel):
    credential_id: str = Field(max_length=100)
    statement_id: str = Field(max_length=100)
    product: str = Field(max_length=300)
    category: str = Field(max_length=200)
    declared_unit: str = Field(max_length=64)
    value: float | None = Field(None, ge=0, le=1e12, allow_inf_nan=False,
                                description="kg CO2e per declared unit; omit it to take the one the credential signs")
    standard: str = Field("ISO 14067:2018", max_length=100)
    cn_code: str = Field("", max_length=16)
    region: str = Field("", max_length=64)


@router.get("/api/registry", response_model=list[registry.Listing],
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                             "description": "The entries as JSON, or as CSV with `format=csv`"}})
def search(ctx: AppContext, category: Filter = "", cn_code: Filter = "", region: Filter = "",
           declared_unit: Filter = "", assurance: Filter = "", verifier: Filter = "",
           format: Literal["json", "csv"] = "json") -> Response | list[registry.Listing]:
    """Published verified footprints (withdrawn and superseded ones are listed, marked); `format=csv` exports."""
    found = registry.search(ctx.sessions, category=category, cn_code=cn_code, region=region,
                            declared_unit=declared_unit, assurance=assurance, verifier=verifier)
    if format == "csv":
        return Response(registry.to_csv(found), media_type="text/csv; charset=utf-8",
                        headers={"content-disposition": 'attachment; filename="registry.csv"'})
    return found


@router.get("/api/registry/{entry_id}", response_model=registry.Listing)
def show(entry_id: int, ctx: AppContext) -> registry.Listing:
    return registry.entry(ctx.sessions, entry_id)


def label_of(item: registry.Listing) -> carbon_label.Label:
    url = f"https://{credentials.host()}/registry/{item.id}"
    return carbon_label.Label(item.product, item.value, item.declared_unit, item.standard, item.assurance,
                              item.verifier, item.status, url)


@router.get("/api/registry/{entry_id}/label.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}})
def label_svg(entry_id: int, ctx: AppContext, lang: Literal["zh_CN", "en"] = "zh_CN") -> Response:
    """The carbon label of a registry entry, SVG."""
    return Response(carbon_label.svg(label_of(registry.entry(ctx.sessions, entry_id)), lang),
                    media_type="image/svg+xml")


@router.get("/api/registry/{entry_id}/label.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
def label_png(entry_id: int, ctx: AppContext, lang: Literal["zh_CN", "en"] = "zh_CN") -> Response:
    """The carbon label of a registry entry, PNG."""
    return Response(carbon_label.png(label_of(registry.entry(ctx.sessions, entry_id)), lang), media_type="image/png")


@router.post("/api/organisations/{code}/registry", response_model=registry.Listing, status_code=201)
def publish(code: str, body: PublishIn, principal: CurrentPrincipal, ctx: AppContext) -> registry.Listing:
    """Publish a verified footprint credential in the public registry."""
    item = registry.Publication(body.product, body.category, body.declared_unit, body.value, body.standard,
                                body.cn_code, body.region)
    return registry.publish(ctx.sessions, principal, ctx.key, code, body.credential_id, body.statement_id, item)


@router.post("/api/organisations/{code}/registry/{entry_id}/withdraw", response_model=registry.Listing)
def withdraw(code: str, entry_id: int, principal: CurrentPrincipal, ctx: AppContext) -> registry.Listing:
    return registry.withdraw(ctx.sessions, principal, code, entry_id)
