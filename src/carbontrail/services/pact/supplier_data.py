"""Suppliers' own product footprints (primary data) an organisation holds: recorded by hand or via PACT.

The footprint service uses them in place of secondary factors for inputs whose flow matches `product_key`.
"""

from __future__ import annotations

import math

from sqlalchemy.orm import Session

from carbontrail.errors import InputError, Location
from carbontrail.store.models import SupplierFootprint
from carbontrail.store.repositories.footprints import supplier_footprint_row, supplier_footprint_rows, supplier_footprints
from carbontrail.units import parse_unit

__all__ = ["record_supplier_footprint", "supplier_footprint_rows", "supplier_footprints"]


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
    row = supplier_footprint_row(session, organisation_id, product_key, supplier, reference)
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
