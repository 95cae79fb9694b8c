"""Fuels in a battery declaration entered as amount × factor (Reg. (EU) 2023/1542 Art. 7, Annex II)."""

from __future__ import annotations

import dataclasses

import pytest

from battery_example import f, inputs
from carbontrail.battery.declaration import FuelUse, declare
from carbontrail.errors import InputError
from carbontrail.units import magnitude, quantity


def test_natural_gas_as_megajoules_times_its_ipcc_factor() -> None:
    """Reg. (EU) 2023/1542 Art. 7 and Annex II (production and distribution stages): 12,000 MJ of natural gas in
    formation ovens × 56.1 kg CO2/GJ (IPCC 2006 Vol.2 Ch.2 Table 2.2 default for natural gas) = 0.0561 kg/MJ →
    673.2 kg CO2e, added to main production; 2,000 MJ of diesel for distribution × 0.0741 kg/MJ (74.1 kg/GJ, same
    table) = 148.2 kg. The declaration's line shows the product, not only the result."""
    base = inputs()
    fuels = (FuelUse("natural gas, formation ovens", "main_production", quantity(12_000, "MJ"), f(0.0561, "kg/MJ",
                                                                                              "IPCC 2006")),
             FuelUse("diesel, delivery trucks", "distribution", quantity(2_000, "MJ"), f(0.0741, "kg/MJ", "IPCC 2006")))
    before = declare(base).footprint
    after = declare(dataclasses.replace(base, fuels=fuels)).footprint
    grown = {s: magnitude(after.stage(s).absolute, "kg") - magnitude(before.stage(s).absolute, "kg")
             for s in ("main_production", "distribution")}
    assert grown["main_production"] == pytest.approx(673.2)
    assert grown["distribution"] == pytest.approx(148.2)
    line = next(c for c in after.contributions if c.item == "natural gas, formation ovens")
    assert "12000 MJ × 0.0561 kg/MJ = 673.200 kg CO2e" in line.basis and "IPCC 2006" in line.basis


def test_a_factor_in_the_wrong_unit_is_refused_in_one_sentence() -> None:
    wrong = FuelUse("natural gas", "main_production", quantity(12_000, "MJ"), f(0.0561, "kg/kg"))
    with pytest.raises(InputError, match="is not a mass of CO2e"):
        declare(dataclasses.replace(inputs(), fuels=(wrong,)))
