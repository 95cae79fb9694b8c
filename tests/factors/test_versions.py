"""Dataset versions: the newest is used by default, a pin reproduces an old result exactly."""

from __future__ import annotations

from dataclasses import replace

import pytest

from carbontrail.errors import Conflict, FactorNotFound
from carbontrail.factors import Factor, FactorDataset, FactorLibrary, FactorQuery


def _grid_v2() -> FactorDataset:
    """A hypothetical corrected release of the China electricity dataset: Sichuan 2022 changed to 0.1500."""
    base = FactorLibrary.default().dataset("china-electricity")
    factors = tuple(
        replace(f, value=0.15, dataset_version="2027.01", id=f.id.replace("2026.01", "2027.01"))
        if (f.geography, f.year, f.series) == ("CN-SC", 2022, "average")
        else replace(f, dataset_version="2027.01", id=f.id.replace("2026.01", "2027.01"))
        for f in base.factors)
    return FactorDataset("china-electricity", "2027.01", factors, base.publisher, base.licence, base.description)


def test_newest_version_by_default_and_pin_returns_the_old() -> None:
    lib = FactorLibrary.default().with_datasets([_grid_v2()])
    assert ("china-electricity", "2026.01") in lib.datasets() and ("china-electricity", "2027.01") in lib.datasets()
    new = lib.electricity("四川", 2022)
    assert (new.factor.value, new.factor.dataset_version) == (0.15, "2027.01")
    old = lib.electricity("四川", 2022, pins={"china-electricity": "2026.01"})
    assert (old.factor.value, old.factor.dataset_version) == (0.1404, "2026.01")
    # the default library itself is untouched
    assert FactorLibrary.default().electricity("四川", 2022).factor.value == 0.1404


def test_versions_order_naturally() -> None:
    lib = FactorLibrary([FactorDataset("x", v, (Factor(f"x@{v}#1", "a", float(i), "kg/t", "CO2e", "GLO", None, "", "x",
                                                       v, "test"),)) for i, v in enumerate(["1.9", "1.10", "1.2"])])
    assert lib.dataset("x").version == "1.10"
    assert lib.select(FactorQuery("a", "GLO")).factor.value == 1


def test_pins_and_versions_are_checked() -> None:
    lib = FactorLibrary.default()
    with pytest.raises(FactorNotFound, match="has no version '1999'"):
        lib.electricity("四川", 2022, pins={"china-electricity": "1999"})
    with pytest.raises(FactorNotFound, match="no factor dataset named 'nope'"):
        lib.electricity("四川", 2022, pins={"nope": "1"})
    with pytest.raises(Conflict):
        lib.with_datasets([lib.dataset("china-electricity")])


def test_user_dataset_wins_at_the_same_level_and_says_so() -> None:
    supplier = FactorDataset("supplier-hydro", "1", (
        Factor("s#1", "electricity", 0.01, "kg/kWh", "CO2", "CN-SC", 2022, "average", "supplier-hydro", "1",
               "PPA with a run-of-river plant, contract 2022-17"),))
    sel = FactorLibrary.default().with_datasets([supplier]).electricity("四川", 2023)
    assert sel.factor.value == 0.01
    assert "supplier-hydro takes precedence over china-electricity 2026.01" in sel.explanation
