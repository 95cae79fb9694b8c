"""CN codes → categories, the versioned default-value table and its loading rules."""

from __future__ import annotations

import pytest

from carbontrail.cbam import DefaultValues, cn_code, sector_of
from carbontrail.errors import FactorNotFound, ImportRejected, InputError
from carbontrail.units import magnitude


def test_cn_codes_and_categories() -> None:
    """The shipped list has 749 codes (src/carbontrail/cbam/data/README.md); V-Ti pig iron 7201 50 10 is Pig iron."""
    from carbontrail.cbam.defaults import _cn_table

    assert len(_cn_table()) == 749
    assert cn_code("7201 50 10").category == "Pig iron"
    assert cn_code("72083900").sector == "Iron & Steel"
    assert cn_code("2523 10 00").category == "Cement clinker"
    assert sector_of("Urea") == "Fertilisers"
    with pytest.raises(InputError, match="not a CBAM good"):
        cn_code("8703 80 10")  # electric cars
    with pytest.raises(InputError, match="not a CN code"):
        cn_code("76-01")


def test_shipped_defaults_have_a_source_each() -> None:
    table = DefaultValues.shipped()
    assert len(table) == 14
    assert all(v.source.strip() for v in table.values())
    # cbamdefaults.com, CN 7207 12 10 (slabs), China: 3.17 t/t direct (Implementing Reg. (EU) 2025/2621)
    assert magnitude(table.lookup("72071210", "CN").see_direct, "t/t") == pytest.approx(3.17)
    value = table.lookup("7211 14 00", "cn")
    assert magnitude(value.see_direct, "t/t") == pytest.approx(3.19)
    assert "cbamdefaults.com" in value.source
    assert value.dataset_version == "2025-2621/2026-02-04"


def test_lookup_falls_back_to_the_heading() -> None:
    """7605 11 00 has no row of its own; the heading 7605 (China 4.8808 t/t, 2025/2621 via autocbam.com) applies."""
    value = DefaultValues.shipped().lookup("7605 11 00", "CN")
    assert value.cn_code == "7605"
    assert magnitude(value.see_direct, "t/t") == pytest.approx(4.8808)


def test_no_row_is_not_found() -> None:
    with pytest.raises(FactorNotFound, match="no value for CN 2523 10 00 made in CN"):
        DefaultValues.shipped().lookup("2523 10 00", "CN")


def test_a_bad_row_rejects_the_file() -> None:
    text = ("cn_code,country,see_direct,see_indirect,route,source,confidence\n"
            "7601,CN,3.0,,,ok,high\n"
            "7601,China,3.0,,,ok,high\n"
            "7602,CN,abc,,,ok,high\n"
            "7603,CN,1.0,,,,high\n")
    with pytest.raises(ImportRejected) as info:
        DefaultValues.from_csv(text, name="mine", version="1", file="d.csv")
    rows = [(p.location.row, p.location.field) for p in info.value.problems]
    assert rows == [(3, "country"), (4, "see_direct"), (5, "source")]
