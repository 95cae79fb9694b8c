"""Product footprints over HTTP: an organisation's product models, its products' footprints, contributions,
supply-chain tree, Monte Carlo, comparisons, PCF report PDFs, and the supplier footprints it holds."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel, Field

from carbontrail.http.deps import AppContext, CurrentPrincipal, organisation_access
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.services import footprints as fps, tenancy
from carbontrail.services.accounts import Principal
from carbontrail.services.pact import host as pact_host, publishing
from carbontrail.services.pact.supplier_data import (
    SupplierFootprintInfo,
    enter_supplier_footprint,
    supplier_footprints_of,
)
from carbontrail.services.tenancy import Access

router = APIRouter(prefix="/api/organisations", tags=["footprints"], responses=ERROR_RESPONSES)

Reader = Annotated[Access, Depends(organisation_access(tenancy.DATA_READ))]
Writer = Annotated[Access, Depends(organisation_access(tenancy.DATA_WRITE))]
Results = Annotated[Access, Depends(organisation_access(tenancy.INVENTORY))]
AllocationQ = Annotated[Literal["physical", "mass", "economic", "substitution"], Query()]
BoundaryQ = Annotated[Literal["cradle-to-gate", "cradle-to-grave"], Query()]
GwpQ = Annotated[Literal["AR6", "AR5"], Query()]
AmountQ = Annotated[float | None, Query(gt=0, le=1e12, description="Amount in the product's unit (default 1).")]
IterationsQ = Annotated[int, Query(ge=1, le=5000)]
SeedQ = Annotated[int, Query(ge=0, le=2**31 - 1)]


class ModelIn(BaseModel):
    """A product model in carbontrail's format (docs/product-models.md) to store under `key`."""

    key: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    model: dict[str, object]


class ImportOut(BaseModel):
    model: fps.ModelInfo
    created: bool
    secondary_factors: int


class SupplierFootprintIn(BaseModel):
    """A supplier's own footprint of a product the organisation buys, entered by hand."""

    product_key: str = Field(min_length=1, max_length=200)
    supplier: str = Field(min_length=1, max_length=200)
    fossil_kg_per_unit: float = Field(ge=0, le=1e9)
    biogenic_kg_per_unit: float | None = Field(default=None, ge=-1e9, le=1e9)
    unit: str = Field(min_length=1, max_length=32)
    reference: str = Field(min_length=1, max_length=200)
    dqr: tuple[int, int, int] | None = None
    year: int | None = Field(default=None, ge=1990, le=2100)
    geography: str = Field(default="", max_length=64)


def _options(allocation: str, boundary: str, gwp: str) -> fps.Options:
    return fps.Options(allocation, boundary, gwp)  # type: ignore[arg-type]


def _load(ctx: AppContext, access: Access, model: str, allocation: str, boundary: str, gwp: str,
          principal: Principal) -> fps.Loaded:
    return fps.open_model(ctx.sessions, principal, access.code, model, _options(allocation, boundary, gwp))


@router.get("/{code}/product-models", response_model=list[fps.ModelInfo])
def list_models(access: Reader, ctx: AppContext, principal: CurrentPrincipal) -> list[fps.ModelInfo]:
    """The organisation's stored product models (process databases)."""
    return fps.models_of(ctx.sessions, principal, access.code)


@router.post("/{code}/product-models", response_model=ImportOut, status_code=status.HTTP_201_CREATED)
def create_model(body: ModelIn, access: Writer, ctx: AppContext, principal: CurrentPrincipal) -> ImportOut:
    """Store a product model given in carbontrail's format (409 if the key is taken; PUT replaces)."""
    summary = fps.store_model(ctx.sessions, principal, access.code, key=body.key, document=body.model,
                              create_only=True)
    return ImportOut(model=summary.model, created=True,
                     secondary_factors=summary.secondary_factors)


@router.put("/{code}/product-models/{model}", response_model=ImportOut)
def replace_model(model: str, body: dict[str, object], access: Writer, ctx: AppContext,
                  principal: CurrentPrincipal) -> ImportOut:
    """Store or replace the product model `model` (body: the model in carbontrail's format)."""
    summary = fps.store_model(ctx.sessions, principal, access.code, key=model, document=body)
    return ImportOut(model=summary.model, created=summary.created,
                     secondary_factors=summary.secondary_factors)


@router.get("/{code}/product-models/{model}", response_model=dict[str, object])
def get_model(model: str, access: Reader, ctx: AppContext, principal: CurrentPrincipal) -> dict[str, object]:
    """The stored model in carbontrail's format: flows, processes, exchanges, secondary factors."""
    return fps.document_of(ctx.sessions, principal, access.code, model)


@router.delete("/{code}/product-models/{model}", status_code=status.HTTP_204_NO_CONTENT)
def delete_model(model: str, access: Writer, ctx: AppContext, principal: CurrentPrincipal) -> Response:
    fps.remove_model(ctx.sessions, principal, access.code, model)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{code}/products", response_model=list[fps.ProductRow])
def list_products(access: Results, ctx: AppContext, principal: CurrentPrincipal, allocation: AllocationQ = "physical",
                  boundary: BoundaryQ = "cradle-to-gate", gwp: GwpQ = "AR6") -> list[fps.ProductRow]:
    """Every product of every model with its footprint per unit (kg CO2e; biogenic apart)."""
    found = fps.catalogue(ctx.sessions, principal, access.code, _options(allocation, boundary, gwp))
    if found.problems:
        raise found.problems[0][1]
    return found.products


@router.get("/{code}/products/{model}/{product}", response_model=fps.FootprintReport)
def product_footprint(model: str, product: str, access: Results, ctx: AppContext,
                      principal: CurrentPrincipal, amount: AmountQ = None,
                      allocation: AllocationQ = "physical", boundary: BoundaryQ = "cradle-to-gate",
                      gwp: GwpQ = "AR6") -> fps.FootprintReport:
    """The footprint of an amount of one product, with data quality, cut-off, purchased inputs and provenance."""
    report = fps.compute(_load(ctx, access, model, allocation, boundary, gwp, principal), product, amount)
    return report


class PublishProductIn(BaseModel):
    """The product's identity in PACT; its numbers come from the computed result."""

    product_id: str = Field(min_length=1, max_length=500, description="e.g. urn:pact:example.com:product:cell-280ah")
    product_name: str = Field(default="", max_length=300)
    reference_year: str = Field(max_length=10, description="the calendar year the footprint refers to")
    mass_kg: str = Field(default="", max_length=40, description="mass per declared unit (1 for a kilogram)")
    status_comment: str = Field(default="", max_length=500)


@router.post("/{code}/products/{model}/{product}/publish", response_model=pact_host.Published,
             status_code=status.HTTP_201_CREATED)
def publish_product(code: str, model: str, product: str, body: PublishProductIn, ctx: AppContext,
                    principal: CurrentPrincipal) -> pact_host.Published:
    """Compute one declared unit of the product, keep the result and publish it as a PACT footprint (a new version
    when the product id already has an Active one)."""
    return publishing.publish_product(ctx.sessions, principal, code, model=model, product=product,
                                      **body.model_dump())


@router.get("/{code}/products/{model}/{product}/contributions", response_model=list[fps.Contribution])
def product_contributions(model: str, product: str, access: Results, ctx: AppContext,
                      principal: CurrentPrincipal,
                          by: Literal["process", "stage", "supplier", "gas"] = "process", amount: AmountQ = None,
                          allocation: AllocationQ = "physical", boundary: BoundaryQ = "cradle-to-gate",
                          gwp: GwpQ = "AR6") -> list[fps.Contribution]:
    """Contributions by process, life-cycle stage, supplier or gas, largest first."""
    rows = fps.contributions(_load(ctx, access, model, allocation, boundary, gwp, principal), product, amount, by)
    return rows


@router.get("/{code}/products/{model}/{product}/tree", response_model=list[fps.TreeRow])
def product_tree(model: str, product: str, access: Results, ctx: AppContext,
                      principal: CurrentPrincipal, amount: AmountQ = None,
                 cutoff: Annotated[float, Query(ge=0, le=1)] = 0.01, depth: Annotated[int, Query(ge=0, le=12)] = 6,
                 allocation: AllocationQ = "physical", boundary: BoundaryQ = "cradle-to-gate",
                 gwp: GwpQ = "AR6") -> list[fps.TreeRow]:
    """The upstream supply-chain tree, depth-first; inputs below `cutoff` of the total are summed as pruned."""
    rows = fps.tree(_load(ctx, access, model, allocation, boundary, gwp, principal), product, amount, cutoff=cutoff,
                    max_depth=depth)
    return rows


@router.get("/{code}/products/{model}/{product}/monte-carlo", response_model=fps.UncertaintyReport)
def product_monte_carlo(model: str, product: str, access: Results, ctx: AppContext,
                      principal: CurrentPrincipal, amount: AmountQ = None,
                        iterations: IterationsQ = 500, seed: SeedQ = 1, allocation: AllocationQ = "physical",
                        boundary: BoundaryQ = "cradle-to-gate", gwp: GwpQ = "AR6") -> fps.UncertaintyReport:
    """Monte Carlo from the model's distributions (seeded; on Dask when a scheduler is configured)."""
    report = fps.uncertainty(_load(ctx, access, model, allocation, boundary, gwp, principal), product, amount,
                             iterations=iterations, seed=seed)
    return report


@router.get("/{code}/products/{model}/{product}/compare", response_model=fps.ComparisonReport)
def product_compare(model: str, product: str, other: Annotated[str, Query(min_length=1, max_length=200)],
                    access: Results, ctx: AppContext, principal: CurrentPrincipal, iterations: IterationsQ = 500,
                    seed: SeedQ = 1,
                    allocation: AllocationQ = "physical", boundary: BoundaryQ = "cradle-to-gate",
                    gwp: GwpQ = "AR6") -> fps.ComparisonReport:
    """This product against `other` of the same model, one unit each, on the same Monte Carlo draws."""
    report = fps.compare(_load(ctx, access, model, allocation, boundary, gwp, principal), product, other,
                         iterations=iterations, seed=seed)
    return report


@router.get("/{code}/products/{model}/{product}/report.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
def product_report(model: str, product: str, access: Results, ctx: AppContext,
                      principal: CurrentPrincipal, amount: AmountQ = None,
                   lang: Literal["zh_CN", "en"] = "zh_CN", iterations: Annotated[int, Query(ge=0, le=2000)] = 500,
                   seed: SeedQ = 1, allocation: AllocationQ = "physical", boundary: BoundaryQ = "cradle-to-gate",
                   gwp: GwpQ = "AR6") -> Response:
    """The PCF report (ISO 14067 / GB/T 24067 elements) as a PDF in Chinese or English."""
    # reportlab loads when a PDF is asked for, not at start-up
    from carbontrail.reports.pcf import pcf_report

    loaded = _load(ctx, access, model, allocation, boundary, gwp, principal)
    who = fps.names_of(ctx.sessions, principal, access.code)
    data = pcf_report(loaded, product, amount, organisation_name=who.name if lang == "zh_CN" else
                      (who.name_en or who.name), locale=lang, iterations=iterations, seed=seed)
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in product)[:60]
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{access.code}-{safe}-pcf-{lang}.pdf"'})


@router.get("/{code}/supplier-footprints", response_model=list[SupplierFootprintInfo])
def list_supplier_footprints(access: Reader, ctx: AppContext,
                             principal: CurrentPrincipal) -> list[SupplierFootprintInfo]:
    """Suppliers' footprints the organisation holds (entered by hand or received over PACT), newest first."""
    return supplier_footprints_of(ctx.sessions, principal, access.code)


@router.post("/{code}/supplier-footprints", response_model=SupplierFootprintInfo,
             status_code=status.HTTP_201_CREATED)
def add_supplier_footprint(body: SupplierFootprintIn, access: Writer, ctx: AppContext,
                           principal: CurrentPrincipal) -> SupplierFootprintInfo:
    """Enter a supplier's footprint by hand; it replaces one with the same product, supplier and reference."""
    return enter_supplier_footprint(ctx.sessions, principal, access.code, **body.model_dump())
