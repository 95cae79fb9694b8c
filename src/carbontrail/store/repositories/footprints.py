"""Product-footprint queries: product models, stored results, and suppliers' own footprints (primary data)."""

from __future__ import annotations

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from carbontrail.lca.external import ExternalFootprint
from carbontrail.store.models import ProductFootprintResult, ProductModel, SupplierFootprint
from carbontrail.store.repositories import _owned as owned
from carbontrail.units import quantity


def supplier_footprint_rows(session: Session, organisation_id: int) -> list[SupplierFootprint]:
    """Every supplier footprint the organisation holds, newest first within each product."""
    return list(session.scalars(select(SupplierFootprint)
                                .where(SupplierFootprint.organisation_id == organisation_id)
                                .order_by(SupplierFootprint.product_key, SupplierFootprint.updated_at.desc(),
                                          SupplierFootprint.id.desc())))


def supplier_footprint_row(session: Session, organisation_id: int, product_key: str, supplier: str,
                           reference: str) -> SupplierFootprint | None:
    """The one footprint of `supplier` for `product_key` under `reference`, if the organisation holds it."""
    return owned.one(session, SupplierFootprint, organisation_id, product_key=product_key, supplier=supplier,
                     reference=reference)


def to_external(row: SupplierFootprint) -> ExternalFootprint:
    """A stored row as the engine's primary external footprint (kg CO2e per one `unit` of the product)."""
    per = f"kg/({row.unit})"
    dqr = None
    if None not in (row.dqr_technological, row.dqr_temporal, row.dqr_geographical):
        dqr = (int(row.dqr_technological), int(row.dqr_temporal), int(row.dqr_geographical))  # type: ignore[arg-type]
    return ExternalFootprint(
        flow=row.product_key, fossil=quantity(row.fossil_kg_per_unit, per),
        biogenic=quantity(row.biogenic_kg_per_unit, per) if row.biogenic_kg_per_unit is not None else None,
        primary=True, supplier=row.supplier, source=f"{row.source}: {row.reference}", version=row.reference,
        year=row.year, geography=row.geography, dqr=dqr)


def supplier_footprints(session: Session, organisation_id: int) -> dict[str, ExternalFootprint]:
    """The newest supplier footprint per product key, as primary `ExternalFootprint`s."""
    out: dict[str, ExternalFootprint] = {}
    for row in supplier_footprint_rows(session, organisation_id):
        out.setdefault(row.product_key, to_external(row))
    return out


def result_by_inputs(session: Session, organisation_id: int, inputs_digest: str,
                     product: str) -> ProductFootprintResult | None:
    """The stored result of `product` computed from exactly these inputs, if one was kept."""
    return session.scalars(select(ProductFootprintResult).where(
        ProductFootprintResult.organisation_id == organisation_id,
        ProductFootprintResult.inputs_digest == inputs_digest, ProductFootprintResult.product == product)
        .order_by(ProductFootprintResult.id.desc())).first()


# -- product models --------------------------------------------------------------------------------------------


def model(session: Session, organisation_id: int, key: str) -> ProductModel | None:
    """The organisation's product model `key`, or None."""
    return owned.one(session, ProductModel, organisation_id, key=key)


def models(session: Session, organisation_id: int) -> list[ProductModel]:
    """The organisation's product models, by key."""
    return owned.every(session, ProductModel, organisation_id, ProductModel.key)


def model_digest(session: Session, organisation_id: int, key: str) -> Row[tuple[int, str, str, str]] | None:
    """(id, key, name, digest) of model `key` without its document (a large model's is megabytes), or None."""
    return session.execute(select(ProductModel.id, ProductModel.key, ProductModel.name, ProductModel.digest)
                           .where(ProductModel.organisation_id == organisation_id,
                                  ProductModel.key == key)).one_or_none()


def model_exists(session: Session, organisation_id: int, key: str) -> bool:
    return session.scalar(select(ProductModel.id).where(ProductModel.organisation_id == organisation_id,
                                                        ProductModel.key == key)) is not None


def newest_result(session: Session, organisation_id: int, product: str) -> ProductFootprintResult | None:
    """The organisation's most recently stored result of `product` (of whichever model computes it)."""
    return session.scalars(select(ProductFootprintResult).where(
        ProductFootprintResult.organisation_id == organisation_id, ProductFootprintResult.product == product)
        .order_by(ProductFootprintResult.id.desc())).first()


def latest_results(session: Session, organisation_id: int) -> list[ProductFootprintResult]:
    """The organisation's most recently stored result of each (model, product), by model and product."""
    newest: dict[tuple[str, str], ProductFootprintResult] = {}
    for row in session.scalars(select(ProductFootprintResult).where(
            ProductFootprintResult.organisation_id == organisation_id).order_by(ProductFootprintResult.id.desc())):
        newest.setdefault((row.model_key, row.product), row)
    return [newest[k] for k in sorted(newest)]


def latest_results_of(session: Session, organisation_id: int, product: str) -> list[ProductFootprintResult]:
    """The organisation's most recently stored result of `product` from each model that computes it."""
    return [r for r in latest_results(session, organisation_id) if r.product == product]
