"""Units: the conversions energy statistics rely on, and errors that say where a bad unit came from."""

import pytest

from carbontrail.errors import InputError, Location, UnitError
from carbontrail.units import convert, magnitude, parse_unit, quantity


def test_tce_is_29_3076_gj():
    """GB/T 2589-2020: 1 kgce = 29,307.6 kJ, so 1 tce = 29.3076 GJ."""
    assert magnitude(quantity(1, "tce"), "GJ") == pytest.approx(29.3076, rel=1e-12)
    assert magnitude(quantity(1, "kgce"), "kJ") == pytest.approx(29307.6, rel=1e-12)


def test_energy_units():
    assert magnitude(quantity(1, "MWh"), "GJ") == pytest.approx(3.6)
    assert magnitude(quantity(1, "TJ"), "GJ") == pytest.approx(1000)
    assert magnitude(quantity(10_000, "kWh"), "MWh") == pytest.approx(10)


@pytest.mark.parametrize(("text", "target", "expected"), [
    ("10^4 yuan", "yuan", 10_000),
    ("万元", "yuan", 10_000),
    ("10⁴ yuan", "wan_yuan", 1),
    ("Nm³", "m**3", 1),
    ("万Nm3", "Nm3", 10_000),
    ("t-km", "kg*km", 1000),
    ("tkm", "tonne*kilometer", 1),
    ("万kWh", "kWh", 10_000),
])
def test_spellings_from_statistical_forms(text, target, expected):
    assert magnitude(quantity(1, text), target) == pytest.approx(expected)


def test_unknown_unit_names_file_row_and_field():
    with pytest.raises(UnitError) as err:
        quantity(5, "kilowatt-hourz", location=Location("activity.csv", 7, "unit"))
    assert str(err.value).startswith("activity.csv, row 7, field 'unit': unknown unit 'kilowatt-hourz'")


def test_incompatible_unit_is_an_error():
    with pytest.raises(UnitError) as err:
        convert(quantity(5, "kWh"), "10^4 yuan", location=Location("a.xlsx", 3, "unit"))
    assert "a.xlsx, row 3, field 'unit'" in str(err.value)
    assert "cannot be converted" in str(err.value)


def test_bad_number_is_an_input_error():
    with pytest.raises(InputError, match="'abc' is not a number"):
        quantity("abc", "kWh")
    with pytest.raises(InputError, match="not a finite number"):
        quantity(float("nan"), "kWh")
    assert magnitude(quantity("1,234.5", "kWh"), "kWh") == 1234.5


def test_a_bare_number_is_not_a_unit():
    with pytest.raises(UnitError):
        parse_unit("1000")
    with pytest.raises(UnitError):
        parse_unit("  ")
