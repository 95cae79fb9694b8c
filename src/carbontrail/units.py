"""Typed quantities: one pint registry with the units of energy statistics and carbon accounting.

A number without a unit does not cross a module boundary; `quantity()` and `convert()` are the two
ways in and across, and both raise `UnitError` naming where the bad unit came from.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from tokenize import TokenError

import pint

from carbontrail.errors import InputError, Location, UnitError

ureg = pint.UnitRegistry(cache_folder=None, autoconvert_offset_to_baseunit=True)
# Energy statistics and carbon accounting units. Sources: tce per GB/T 2589-2020 §3.4
# (1 kgce = 29,307.6 kJ); toe per IEA (41.868 GJ); Nm³ = dry gas at 0 °C and 101.325 kPa.
ureg.define("tonne_coal_equivalent = 29.3076 * gigajoule = tce")
ureg.define("kilogram_coal_equivalent = 0.001 * tonne_coal_equivalent = kgce")
ureg.define("tonne_oil_equivalent = 41.868 * gigajoule = toe")
ureg.define("normal_cubic_meter = meter ** 3 = Nm3")
ureg.define("tonne_kilometer = tonne * kilometer = tkm")
ureg.define("passenger_kilometer = kilometer = pkm")
ureg.define("yuan = [currency_cny] = CNY = RMB")
ureg.define("wan_yuan = 10000 * yuan")
ureg.define("euro = [currency_eur] = EUR")
ureg.define("us_dollar = [currency_usd] = USD")
ureg.define("piece = [count] = pcs = unit_item")

Quantity = ureg.Quantity
Unit = ureg.Unit

# Spellings found in Chinese statistical forms and LCA data, mapped onto registry names.
_ALIASES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"10\s*\^?\s*4\s*yuan|10⁴\s*yuan|万元"), "wan_yuan"),
    (re.compile(r"10\s*\^?\s*4\s*(?=Nm3|Nm³|m3|m³)|10⁴\s*(?=Nm3|Nm³|m3|m³)|万(?=Nm3|Nm³|m3|m³)"), "10000*"),
    (re.compile(r"万\s*kWh|10\s*\^?\s*4\s*kWh|10⁴\s*kWh"), "10000*kWh"),
    (re.compile(r"Nm³|Nm\^3|Nm\*\*3"), "Nm3"),
    (re.compile(r"m³"), "m**3"),
    (re.compile(r"\bt[-·*\s]?km\b"), "tkm"),
    (re.compile(r"元"), "yuan"),
    (re.compile(r"吨标准煤|吨标煤"), "tce"),
    (re.compile(r"千瓦时|度"), "kWh"),
    (re.compile(r"吨"), "t"),
]


def _normalise(unit: str) -> str:
    text = unit.strip()
    for pattern, replacement in _ALIASES:
        text = pattern.sub(replacement, text)
    return text


@lru_cache(maxsize=1024)
def _parse(unit: str) -> pint.Quantity:
    return ureg.parse_expression(_normalise(unit))


def parse_unit(unit: str, *, location: Location | None = None) -> pint.Quantity:
    """The unit as a quantity of 1 (so '10^4 yuan' keeps its 10,000), or `UnitError`."""
    if not isinstance(unit, str) or not unit.strip():
        raise UnitError("the unit is empty", location=location, expected="a unit such as kWh, t, GJ, Nm3")
    try:
        parsed = _parse(unit)
    except (pint.errors.PintError, SyntaxError, TypeError, ValueError, AttributeError, TokenError, AssertionError):
        raise UnitError(f"unknown unit '{unit}'", location=location,
                        expected="a unit such as kWh, MWh, GJ, TJ, tce, t, kg, Nm3, tkm, 10^4 yuan") from None
    if not isinstance(parsed, pint.Quantity) or (parsed.dimensionless and not any(c.isalpha() for c in unit)):
        raise UnitError(f"'{unit}' is a number, not a unit", location=location)
    return parsed


def quantity(value: float | int | str, unit: str, *, location: Location | None = None) -> pint.Quantity:
    """A typed quantity from a value and a unit string; bad values and units name their location."""
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        try:
            value = float(text)
        except ValueError:
            raise InputError(f"'{value}' is not a number", location=location, expected="a number") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"'{value}' is not a finite number", location=location, expected="a finite number")
    return value * parse_unit(unit, location=location)


def convert(q: pint.Quantity, unit: str, *, location: Location | None = None) -> pint.Quantity:
    """`q` expressed in the units of `unit`, or `UnitError` when the dimensions differ."""
    target = parse_unit(unit, location=location)
    try:
        return q.to(target.units)
    except pint.errors.DimensionalityError:
        raise UnitError(
            f"'{q.units:~}' cannot be converted to '{unit}'", location=location,
            expected=f"a unit of {target.dimensionality}",
        ) from None


def magnitude(q: pint.Quantity, unit: str, *, location: Location | None = None) -> float:
    """The plain number of `q` in `unit` (for arrays and storage, after the unit has been checked)."""
    target = parse_unit(unit, location=location)
    try:
        return float((q / target).to("dimensionless").magnitude)
    except pint.errors.DimensionalityError:
        raise UnitError(
            f"'{q.units:~}' cannot be converted to '{unit}'", location=location,
            expected=f"a unit of {target.dimensionality}",
        ) from None


def is_compatible(unit: str, reference: str) -> bool:
    """Whether `unit` measures the same kind of thing as `reference` (both must parse)."""
    return parse_unit(unit).dimensionality == parse_unit(reference).dimensionality
