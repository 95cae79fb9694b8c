"""Issue 12 items 1 and 7: units through a bounded grammar and numbers through one strict reader."""

from __future__ import annotations

import time

import pytest

from carbontrail.errors import InputError, UnitError
from carbontrail.units import magnitude, parse_unit, quantity, read_number

# Each of these hung the worker or raised a traceback before the grammar (issue 12, item 1).
HOSTILE = ["kWh*9**9**9", "kWh/0", "1/0", "kWh**1000000", "9**9**9", "kWh^99", "(kWh", "kWh**-1000000",
           "kWh*" * 40, "__import__('os')", "kWh; rm", "kWh**0.5**9", "1e999 kWh", "kWh\x00"]


@pytest.mark.parametrize("unit", HOSTILE)
def test_hostile_units_are_quick_unit_errors(unit: str) -> None:
    start = time.perf_counter()
    with pytest.raises(UnitError) as err:
        parse_unit(unit)
    assert time.perf_counter() - start < 0.05
    assert "unit" in str(err.value)


@pytest.mark.parametrize(("unit", "in_unit", "factor"), [
    ("kWh", "MJ", 3.6), ("MWh", "GJ", 3.6), ("TJ", "GJ", 1000), ("tce", "GJ", 29.3076), ("kgce", "MJ", 29.3076),
    ("t", "kg", 1000), ("Nm3", "m**3", 1), ("Nm³", "m**3", 1), ("m3", "m**3", 1), ("m³", "m**3", 1),
    ("t-km", "tkm", 1), ("t*km", "tkm", 1), ("10^4 yuan", "yuan", 10000), ("万元", "yuan", 10000),
    ("CNY", "yuan", 1), ("kg/kWh", "g/kWh", 1000), ("kilowatt hour", "kWh", 1), ("万Nm3", "Nm3", 10000),
    ("kWh**2", "MJ**2", 12.96),
])
def test_units_in_use_keep_working(unit: str, in_unit: str, factor: float) -> None:
    """Factors by hand: 1 kWh = 3.6 MJ; 1 tce = 29.3076 GJ (GB/T 2589-2020); 万 = 10^4."""
    assert magnitude(parse_unit(unit), in_unit) == pytest.approx(factor)


@pytest.mark.parametrize(("text", "value"), [
    ("1.5", 1.5), ("-2", -2.0), ("1e3", 1000.0), ("1,234.5", 1234.5), ("1,234,567", 1234567.0), ("1,000", 1000.0), (" 7 ", 7.0),
    (12, 12.0), (0.25, 0.25), ("0", 0.0),
])
def test_numbers_read(text: object, value: float) -> None:
    assert read_number(text) == value


@pytest.mark.parametrize("text", ["1,5", "1.234,5", "1,23", "1,2345", "1.234.567", "nan", "inf", "-inf", "1e308", "5e-324", "1e999",
                                  "0x10", "1_000", "", "12abc", float("nan"), 10**400, True])
def test_numbers_refused(text: object) -> None:
    with pytest.raises(InputError):
        read_number(text)


def test_decimal_comma_read_only_when_declared() -> None:
    assert read_number("1.234,5", locale="decimal_comma") == 1234.5
    assert read_number("1,5", locale="decimal_comma") == 1.5
    with pytest.raises(InputError, match="decimal comma"):
        read_number("1,5")


def test_plausibility_bound_named() -> None:
    """1e15 kWh = 3.6e21 J, above the 1e21 J bound (world primary energy is about 6e20 J a year)."""
    with pytest.raises(InputError, match="plausible energy"):
        quantity("1e15", "kWh")
    assert quantity("1e6", "MWh").to("GJ").magnitude == pytest.approx(3.6e6)
