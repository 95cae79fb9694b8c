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
    (re.compile(r"m³|(?<![A-Za-z])m3(?![A-Za-z0-9])"), "m**3"),
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


# The bounded grammar every unit passes before pint sees it: pint's parser evaluates arithmetic, so
# `kWh*9**9**9` would compute a huge integer and `kWh/0` divide by zero (issue 12, item 1).
MAX_UNIT_LENGTH = 64
MAX_FACTORS = 6
MAX_EXPONENT = 4
MAX_DEPTH = 2
MAX_SCALE = 1e9
_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<word>[A-Za-z_µ°%][A-Za-z_µ°%0-9]*)|(?P<op>\*\*|[*/^])|(?P<paren>[()]))")


def _checked(text: str) -> str:
    """`text` rebuilt from whitelisted tokens (unit words, small numbers, * / and small integer powers).

    Raises ValueError with the reason; the caller turns it into a `UnitError` with the location.
    """
    if len(text) > MAX_UNIT_LENGTH:
        raise ValueError(f"is longer than {MAX_UNIT_LENGTH} characters")
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            if text[pos:].strip() == "":
                break
            raise ValueError(f"has an unexpected character '{text[pos]}'")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    out: list[str] = []
    factors = depth = 0
    i = 0
    expect_factor = True
    while i < len(tokens):
        kind, value = tokens[i]
        if expect_factor:
            if value == "(":
                depth += 1
                if depth > MAX_DEPTH:
                    raise ValueError(f"has brackets nested deeper than {MAX_DEPTH}")
                out.append("(")
                i += 1
                continue
            if kind == "op":
                raise ValueError(f"has '{value}' where a unit or number was expected")
            if kind == "number":
                number = float(value)
                if not 0 < number <= MAX_SCALE:
                    raise ValueError(f"has a factor {value} outside (0, {MAX_SCALE:g}]")
            elif value not in ureg:
                raise ValueError(f"has an unknown unit word '{value}'")
            factors += 1
            if factors > MAX_FACTORS:
                raise ValueError(f"has more than {MAX_FACTORS} factors")
            out.append(value)
            i = _power(tokens, i + 1, out)
            expect_factor = False
        elif value == ")":
            depth -= 1
            if depth < 0:
                raise ValueError("has a ')' without its '('")
            out.append(")")
            i = _power(tokens, i + 1, out)
        elif kind == "op":  # only * or / reach here; powers were consumed with their base
            out.append(value)
            i += 1
            expect_factor = True
        else:
            out.append("*")  # juxtaposition, as in 'kilowatt hour' or '10000 yuan'
            expect_factor = True
    if expect_factor:
        raise ValueError("ends where a unit was expected")
    if depth:
        raise ValueError("has a '(' without its ')'")
    return " ".join(out)


def _power(tokens: list[tuple[str, str]], i: int, out: list[str]) -> int:
    """Consume an optional `** n` / `^ n` at `i` (n a whole number up to MAX_EXPONENT); the next index."""
    if i >= len(tokens) or tokens[i][1] not in ("**", "^"):
        return i
    if i + 1 >= len(tokens) or tokens[i + 1][0] != "number" or "." in tokens[i + 1][1]:
        raise ValueError("has a power that is not a small whole number")
    exponent = int(tokens[i + 1][1])
    if exponent > MAX_EXPONENT:
        raise ValueError(f"has a power above {MAX_EXPONENT}")
    out.append(f"**{exponent}")
    if i + 2 < len(tokens) and tokens[i + 2][1] in ("**", "^"):
        raise ValueError("has a power of a power")
    return i + 2


@lru_cache(maxsize=1024)
def _parse(unit: str) -> pint.Quantity:
    return ureg.parse_expression(_checked(_normalise(unit)))


def parse_unit(unit: str, *, location: Location | None = None) -> pint.Quantity:
    """The unit as a quantity of 1 (so '10^4 yuan' keeps its 10,000), or `UnitError`."""
    if not isinstance(unit, str) or not unit.strip():
        raise UnitError("the unit is empty", location=location, expected="a unit such as kWh, t, GJ, Nm3")
    try:
        parsed = _parse(unit)
    except ValueError as exc:
        if isinstance(exc, pint.errors.PintError):
            raise UnitError(f"unknown unit '{unit[:MAX_UNIT_LENGTH]}'", location=location) from None
        raise UnitError(f"unknown unit '{unit[:MAX_UNIT_LENGTH]}': it {exc}", location=location,
                        expected="a unit such as kWh, MWh, GJ, TJ, tce, t, kg, Nm3, tkm, 10^4 yuan") from None
    except (pint.errors.PintError, SyntaxError, TypeError, ValueError, AttributeError, TokenError, AssertionError):
        raise UnitError(f"unknown unit '{unit}'", location=location,
                        expected="a unit such as kWh, MWh, GJ, TJ, tce, t, kg, Nm3, tkm, 10^4 yuan") from None
    if not isinstance(parsed, pint.Quantity) or (parsed.dimensionless and not any(c.isalpha() for c in unit)):
        raise UnitError(f"'{unit}' is a number, not a unit", location=location)
    return parsed


def known_unit(unit: str) -> str:
    """`unit` unchanged when it parses, else a ValueError with the reason: the check a model's unit field runs
    (pydantic reports a ValueError as the field's error)."""
    try:
        parse_unit(unit)
    except UnitError as exc:
        raise ValueError(exc.message) from None
    return unit


# Plain numbers as Chinese and English forms write them. Without a declared locale the point is the decimal
# mark and a comma is read only as a thousands separator in whole groups of three ("1,000", "1,234.5");
# anything else with a comma ("1,5", "1,23", "1.234,5") is refused, never guessed. With locale "decimal_comma"
# the roles swap ("1.234,5" = 1234.5, "1,5" = 1.5).
MAX_NUMBER = 1e15
MIN_NONZERO = 1e-9
_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?")
_GROUPED_POINT = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_GROUPED_COMMA = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?|[+-]?\d+(?:,\d+)?")
LOCALES = ("decimal_comma",)


def read_number(value: object, *, location: Location | None = None, locale: str | None = None) -> float:
    """A finite, plausible float from a cell; `InputError` naming the location for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(f"'{str(value)[:40]}' is not a number", location=location, expected="a number")
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 40:
            raise InputError(f"'{text[:40]}…' is not a number", location=location, expected="a number")
        if locale == "decimal_comma":
            if not _GROUPED_COMMA.fullmatch(text):
                raise InputError(f"'{text}' is not a number with a decimal comma", location=location,
                                 expected="a number such as 1.234,5")
            text = text.replace(".", "").replace(",", ".")
        elif locale is not None:
            raise InputError(f"unknown number locale '{locale}'", location=location,
                             expected=" | ".join(LOCALES))
        elif _GROUPED_POINT.fullmatch(text):
            text = text.replace(",", "")
        elif "," in text:
            raise InputError(f"'{text}' has a comma that may be a decimal comma or a thousands separator",
                             location=location, expected="a number with a decimal point, such as 1.5 or 1234.5")
        elif not _PLAIN.fullmatch(text):
            raise InputError(f"'{text}' is not a number", location=location, expected="a number")
        number = float(text)
    else:
        number = float(value) if isinstance(value, float) or abs(value) <= 10 * MAX_NUMBER else math.inf
    if not math.isfinite(number):
        raise InputError(f"'{value}' is not a finite number", location=location, expected="a finite number")
    if abs(number) > MAX_NUMBER:
        raise InputError(f"{number:g} is larger than the bound {MAX_NUMBER:g}", location=location,
                         expected=f"a number of at most {MAX_NUMBER:g} in size")
    if number != 0 and abs(number) < MIN_NONZERO:
        raise InputError(f"{number:g} is smaller than the bound {MIN_NONZERO:g}", location=location,
                         expected=f"0 or a number of at least {MIN_NONZERO:g} in size")
    return number


# Physical plausibility per dimension, in base units: a bound well above any single facility's yearly figure
# (world primary energy supply is about 6e20 J a year, IEA 2023), so only typing slips and attacks are refused.
_BOUNDS: dict[str, tuple[str, float]] = {
    "[mass] * [length] ** 2 / [time] ** 2": ("energy", 1e21),
    "[mass]": ("mass", 1e13),
    "[length] ** 3": ("volume", 1e13),
    "[currency_cny]": ("money", 1e15),
    "[currency_eur]": ("money", 1e14),
    "[currency_usd]": ("money", 1e14),
}


def quantity(value: float | int | str, unit: str, *, location: Location | None = None,
             locale: str | None = None) -> pint.Quantity:
    """A typed quantity from a value and a unit string; bad values and units name their location."""
    number = read_number(value, location=location, locale=locale)
    unit_q = parse_unit(unit, location=location)
    # built directly rather than as number × unit: pint's multiplication re-checks the units (half the time)
    q = ureg.Quantity(number * unit_q.magnitude, unit_q.units)
    bound = _bound(unit)
    if bound is not None and not abs(number) * bound[1] <= bound[2]:
        limit = ureg.Quantity(bound[2], q.to_base_units().units)
        raise InputError(f"{number:g} {unit} is beyond the plausible {bound[0]} of {limit:~g}",
                         location=location, expected=f"a {bound[0]} of at most {limit:~g}")
    return q


@lru_cache(maxsize=1024)
def _bound(unit: str) -> tuple[str, float, float] | None:
    """(what, base units per one `unit`, plausible limit in base units) of a parsed unit with a bound; worked out
    once per unit string, as the dimension and base-unit conversion are the slow part of `quantity`."""
    parsed = _parse(unit)
    bound = _BOUNDS.get(str(parsed.dimensionality))
    if bound is None:
        return None
    return bound[0], abs(float(parsed.to_base_units().magnitude)), bound[1]


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
