"""Suppliers' own product footprints (primary data) an organisation holds: recorded by hand or via PACT.

The footprint service uses them in place of secondary factors for inputs whose flow matches `product_key`.
"""

from __future__ import annotations

import math

from sqlalchemy import select
from sqlalchemy.orm import Session

from carbontrail.errors import InputError, Location
from carbontrail.lca.external import ExternalFootprint
from carbontrail.store.models import SupplierFootprint
from carbontrail.units import parse_unit, quantity


def _check(product_key: str, supplier: str, fossil: float, biogenic: float | None, unit: str, source: str,
           reference: str, dqr: tuple[int, int, int] | None, year: int | None) -> None:
    for name, text in (("product_key", product_key), ("supplier", supplier), ("source", source),
                       ("reference", reference)):
        if not isinstance(text, str) or not text.strip():
            raise InputError(f"the {name.replace('_', ' ')} is empty", location=Location(field=name))
    for name, value in (("fossil_kg_per_unit", fossil), ("biogenic_kg_per_unit", biogenic)):
        if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool)
                                  or not math.isfinite(value)):
            raise InputError(f"the {name} '{value}' is not a number", location=Location(field=name),
                             expected="kg CO2e per unit of the product")
    if fossil < 0:
        raise InputError(f"the fossil footprint {fossil} is negative", location=Location(field="fossil_kg_per_unit"),
                         expected="zero or more kg CO2e per unit (removals go in the biogenic part)")
    for name, text, limit in (("product_key", product_key, 200), ("supplier", supplier, 200), ("source", source, 200),
                              ("reference", reference, 200), ("unit", unit, 32)):
        if len(text.strip()) > limit:
            raise InputError(f"the {name.replace('_', ' ')} is longer than {limit} characters",
                             location=Location(field=name))
    parse_unit(unit, location=Location(field="unit"))
    if dqr is not None:
        if len(dqr) != 3 or any(not isinstance(d, int) or not 1 <= d <= 5 for d in dqr):
            raise InputError(f"the data-quality ratings {tuple(dqr)} are not three ratings from 1 to 5",
                             location=Location(field="dqr"),
                             expected="technological, temporal, geographical, each 1 (best) … 5")
    if year is not None and not 1990 <= year <= 2100:
        raise InputError(f"the year {year} is out of range", location=Location(field="year"),
                         expected="a year between 1990 and 2100")


def record_supplier_footprint(session: Session, organisation_id: int, *, product_key: str, supplier: str,
                              fossil_kg_per_unit: float, biogenic_kg_per_unit: float | None, unit: str,
                              source: str, reference: str, dqr: tuple[int, int, int] | None = None,
                              year: int | None = None, geography: str = "") -> int:
    """Insert or update (by organisation, product, supplier, reference) a supplier footprint; returns its id.

    Does not commit: the caller owns the transaction.
    """
    product_key, supplier, reference = product_key.strip(), supplier.strip(), reference.strip()
    _check(product_key, supplier, fossil_kg_per_unit, biogenic_kg_per_unit, unit, source, reference, dqr, year)
    if len(geography) > 64:
        raise InputError("the geography is longer than 64 characters", location=Location(field="geography"))
    row = session.scalars(select(SupplierFootprint).where(
        SupplierFootprint.organisation_id == organisation_id, SupplierFootprint.product_key == product_key,
        SupplierFootprint.supplier == supplier, SupplierFootprint.reference == reference)).one_or_none()
    if row is None:
        row = SupplierFootprint(organisation_id=organisation_id, product_key=product_key, supplier=supplier,
                                reference=reference)
        session.add(row)
    row.fossil_kg_per_unit = float(fossil_kg_per_unit)
    row.biogenic_kg_per_unit = float(biogenic_kg_per_unit) if biogenic_kg_per_unit is not None else None
    row.unit = unit.strip()
    row.source = source.strip()
    row.dqr_technological, row.dqr_temporal, row.dqr_geographical = dqr if dqr is not None else (None, None, None)
    row.year = year
    row.geography = geography
    session.flush()
    return row.id


def supplier_footprint_rows(session: Session, organisation_id: int) -> list[SupplierFootprint]:
    """Every supplier footprint the organisation holds, newest first within each product."""
    return list(session.scalars(select(SupplierFootprint)
                                .where(SupplierFootprint.organisation_id == organisation_id)
                                .order_by(SupplierFootprint.product_key, SupplierFootprint.updated_at.desc(),
                                          SupplierFootprint.id.desc())))


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
