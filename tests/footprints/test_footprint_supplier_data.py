"""Supplier primary data: upsert by (organisation, product, supplier, reference), newest per product, checks."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import InputError, UnitError
from carbontrail.services.pact.supplier_data import record_supplier_footprint, supplier_footprints
from carbontrail.store.models import Organisation, SupplierFootprint


def _org(session: Session, code: str) -> int:
    org = Organisation(code=code, name=code)
    session.add(org)
    session.flush()
    return org.id


def test_upsert_newest_and_tenant_separation(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        a, b = _org(session, "buyer-a"), _org(session, "buyer-b")
        first = record_supplier_footprint(session, a, product_key="li2co3", supplier="Tianqi", fossil_kg_per_unit=9.0,
                                          biogenic_kg_per_unit=None, unit="kg", source="manual", reference="EPD-1")
        again = record_supplier_footprint(session, a, product_key="li2co3", supplier="Tianqi",
                                          fossil_kg_per_unit=8.5, biogenic_kg_per_unit=0.1, unit="kg",
                                          source="manual", reference="EPD-1", dqr=(2, 1, 2), year=2024)
        assert again == first  # same key: updated in place
        record_supplier_footprint(session, b, product_key="li2co3", supplier="Other", fossil_kg_per_unit=20.0,
                                  biogenic_kg_per_unit=None, unit="t", source="manual", reference="X")
        session.commit()
        assert session.query(SupplierFootprint).count() == 2
        # A newer footprint for the same product from another reference supersedes the older one.
        newer = record_supplier_footprint(session, a, product_key="li2co3", supplier="Tianqi",
                                          fossil_kg_per_unit=7.0, biogenic_kg_per_unit=None, unit="t",
                                          source="pact", reference="urn:pact:2")
        session.commit()
        assert newer != first
        mine = supplier_footprints(session, a)
        fp = mine["li2co3"]
        assert fp.primary and fp.supplier == "Tianqi" and fp.version == "urn:pact:2"
        # 7 kg CO2e per tonne → 0.007 kg CO2e per kg.
        assert fp.per_unit("kg") == pytest.approx((0.007, 0.0))
        theirs = supplier_footprints(session, b)
        assert theirs["li2co3"].per_unit("kg")[0] == pytest.approx(0.020)
        assert set(supplier_footprints(session, a)) == {"li2co3"}


def test_bad_input_names_the_field(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        org = _org(session, "buyer")
        base = dict(product_key="x", supplier="s", fossil_kg_per_unit=1.0, biogenic_kg_per_unit=None, unit="kg",
                    source="manual", reference="r")
        with pytest.raises(UnitError):
            record_supplier_footprint(session, org, **{**base, "unit": "bananas"})
        with pytest.raises(InputError, match="dqr"):
            record_supplier_footprint(session, org, **{**base, "dqr": (0, 2, 3)})
        with pytest.raises(InputError, match="negative"):
            record_supplier_footprint(session, org, **{**base, "fossil_kg_per_unit": -1.0})
        with pytest.raises(InputError, match="supplier"):
            record_supplier_footprint(session, org, **{**base, "supplier": " "})
        with pytest.raises(InputError, match="longer than 200") as info:
            record_supplier_footprint(session, org, **{**base, "reference": "r" * 201})
        assert info.value.location.field == "reference"
        assert session.query(SupplierFootprint).count() == 0
