"""Suppliers' own product footprints (primary data) an organisation holds: recorded by hand or via PACT.

The footprint service uses them in place of secondary factors for inputs whose flow matches `product_key`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import InputError, Location
from carbontrail.services import tenancy
from carbontrail.services.work import Actor, unit_of_work
from carbontrail.store.models import SupplierFootprint
from carbontrail.store.repositories.footprints import (
    supplier_footprint_row,
    supplier_footprint_rows,
    supplier_footprints,
)
from carbontrail.units import parse_unit

__all__ = ["SupplierFootprintInfo", "enter_supplier_footprint", "record_supplier_footprint", "supplier_footprint_rows",
           "supplier_footprints", "supplier_footprints_of"]


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


@dataclass(frozen=True)
class SupplierFootprintInfo:
    """A supplier footprint the organisation holds, and how it got it: received over PACT or entered by hand."""

    id: int
    product_key: str
    supplier: str
    fossil_kg_per_unit: float
    biogenic_kg_per_unit: float | None
    unit: str
    source: str
    reference: str
    dqr: tuple[int | None, int | None, int | None]
    year: int | None
    geography: str
    kind: str  # "received PACT footprint" or "entered by hand"


def _info(row: SupplierFootprint) -> SupplierFootprintInfo:
    return SupplierFootprintInfo(row.id, row.product_key, row.supplier, row.fossil_kg_per_unit,
                                 row.biogenic_kg_per_unit, row.unit, row.source, row.reference,
                                 (row.dqr_technological, row.dqr_temporal, row.dqr_geographical), row.year,
                                 row.geography,
                                 "received PACT footprint" if row.source.startswith("pact:") else "entered by hand")


def supplier_footprints_of(sessions: sessionmaker[Session], actor: Actor, code: str) -> list[SupplierFootprintInfo]:
    """Every supplier footprint organisation `code` holds, newest first within each product."""
    with sessions() as s:
        org = tenancy.access(s, actor, code, tenancy.DATA_READ)
        return [_info(r) for r in supplier_footprint_rows(s, org.organisation_id)]


def enter_supplier_footprint(sessions: sessionmaker[Session], actor: Actor, code: str, *, product_key: str,
                             supplier: str, fossil_kg_per_unit: float, biogenic_kg_per_unit: float | None, unit: str,
                             reference: str, dqr: tuple[int, int, int] | None = None, year: int | None = None,
                             geography: str = "") -> SupplierFootprintInfo:
    """Enter a supplier's footprint by hand (source "manual"); it replaces one with the same product, supplier and
    reference."""
    with unit_of_work(sessions, actor) as work:
        org = tenancy.access(work.session, actor, code, tenancy.DATA_WRITE)
        row_id = record_supplier_footprint(work.session, org.organisation_id, product_key=product_key,
                                           supplier=supplier, fossil_kg_per_unit=fossil_kg_per_unit,
                                           biogenic_kg_per_unit=biogenic_kg_per_unit, unit=unit, source="manual",
                                           reference=reference, dqr=dqr, year=year, geography=geography)
        row = work.session.get(SupplierFootprint, row_id)
        assert row is not None
        info = _info(row)
        work.audit("record", "supplier_footprint", f"{code}/{product_key.strip()}",
                   organisation_id=org.organisation_id,
                   after={"supplier": info.supplier, "fossil_kg_per_unit": info.fossil_kg_per_unit,
                          "unit": info.unit, "reference": info.reference})
        return info
