"""GB/T 34014-2017 traction-battery codes (24 characters): parse, validate, and say where and why a code is wrong.

Structure (GB/T 34014-2017 §4.2–4.3, Tables 1–2; also the MIIT traceability rules of 2018 that made it mandatory):
positions 1–3 manufacturer code (assigned by the coding registration system), 4 product type (P pack, M module,
C cell), 5 battery type, 6–7 specification code, 8–14 traceability information (both registered by the maker),
15–17 production date (year, month, day, one character each), 18–24 serial number of the day (0000001–9999999).
Cascade-use (梯次利用) products get a new code and keep the original one (§4.2).

The date characters run 1–9 then A–Z without I, O, Q and U (31 symbols: month 1–C, day 1–Z; year symbol n is
2000 + n, so 'J' = 2018, 'L' = 2020). The standard's own table could not be consulted here: `DATE_SYMBOLS` and
`BATTERY_TYPES` are parameters of `parse_code` so the tables can be corrected without touching the parser.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from carbontrail.errors import InputError, Location

CODE_LENGTH = 24
ProductType = Literal["pack", "module", "cell"]
PRODUCT_TYPES: dict[str, ProductType] = {"P": "pack", "M": "module", "C": "cell"}
BATTERY_TYPES: dict[str, str] = {
    "A": "nickel-metal hydride",
    "B": "lithium iron phosphate",
    "C": "lithium manganese oxide",
    "D": "lithium cobalt oxide",
    "E": "ternary (NCM / NCA)",
    "F": "supercapacitor",
    "G": "lithium titanate",
    "Z": "other",
}
DATE_SYMBOLS = "123456789" + "".join(c for c in string.ascii_uppercase if c not in "IOQU")
_ALNUM = set(string.digits + string.ascii_uppercase)


@dataclass(frozen=True)
class CodeProblem:
    """One thing wrong with a code: the 1-based positions it concerns and why."""

    start: int
    end: int
    part: str
    reason: str

    def describe(self) -> str:
        where = f"position {self.start}" if self.start == self.end else f"positions {self.start}–{self.end}"
        return f"{where} ({self.part}): {self.reason}"


class InvalidCode(InputError):
    """A GB/T 34014 code is malformed; `problems` lists every position that is wrong and why."""

    code = "invalid_battery_code"

    def __init__(self, text: str, problems: list[CodeProblem], *, location: Location | None = None):
        self.text = text
        self.problems = problems
        super().__init__(f"battery code '{text}' is not a valid GB/T 34014 code: "
                         + "; ".join(p.describe() for p in problems),
                         location=location or Location(field="code"),
                         expected="24 characters: maker(3) type(P/M/C) chemistry spec(2) trace(7) date(3) serial(7)")


@dataclass(frozen=True)
class BatteryCode:
    """A valid code, split into its parts."""

    text: str
    manufacturer: str
    product_type: ProductType
    battery_type: str
    specification: str
    traceability: str
    production_date: date
    serial: int

    @property
    def chemistry(self) -> str:
        return BATTERY_TYPES.get(self.battery_type, self.battery_type)

    def __str__(self) -> str:
        return self.text


def _date_value(symbol: str, symbols: str) -> int | None:
    index = symbols.find(symbol)
    return index + 1 if index >= 0 else None


def encode_date(day: date, symbols: str = DATE_SYMBOLS) -> str:
    """The three date characters of a production date (year 2001–2031)."""
    if not 2001 <= day.year <= 2000 + len(symbols):
        raise InputError(f"year {day.year} cannot be coded", location=Location(field="production_date"),
                         expected=f"a year from 2001 to {2000 + len(symbols)}")
    return symbols[day.year - 2001] + symbols[day.month - 1] + symbols[day.day - 1]


def parse_code(text: str, *, location: Location | None = None, battery_types: Mapping[str, str] = BATTERY_TYPES,
               date_symbols: str = DATE_SYMBOLS) -> BatteryCode:
    """The parts of a code, or `InvalidCode` listing each bad position with its reason."""
    if not isinstance(text, str):
        raise InvalidCode(str(text), [CodeProblem(1, 1, "code", "the code is not text")], location=location)
    code = text.strip()
    if len(code) != CODE_LENGTH:
        raise InvalidCode(code, [CodeProblem(1, max(len(code), 1), "code",
                                             f"has {len(code)} characters, not {CODE_LENGTH}")], location=location)
    problems: list[CodeProblem] = []
    for i, ch in enumerate(code, start=1):
        if ch not in _ALNUM:
            problems.append(CodeProblem(i, i, "character", f"'{ch}' is not a digit or capital letter"))
    if problems:
        raise InvalidCode(code, problems, location=location)

    if code[3] not in PRODUCT_TYPES:
        problems.append(CodeProblem(4, 4, "product type", f"'{code[3]}' is not P (pack), M (module) or C (cell)"))
    if code[4] not in battery_types:
        problems.append(CodeProblem(5, 5, "battery type",
                                    f"'{code[4]}' is not a battery type code ({', '.join(battery_types)})"))
    year = _date_value(code[14], date_symbols)
    month = _date_value(code[15], date_symbols)
    day_no = _date_value(code[16], date_symbols)
    if year is None:
        problems.append(CodeProblem(15, 15, "production year", f"'{code[14]}' is not a year symbol"))
    if month is None or month > 12:
        problems.append(CodeProblem(16, 16, "production month", f"'{code[15]}' is not a month (1–9, A–C)"))
    if day_no is None or day_no > 31:
        problems.append(CodeProblem(17, 17, "production day", f"'{code[16]}' is not a day symbol"))
    produced: date | None = None
    if year is not None and month is not None and month <= 12 and day_no is not None and day_no <= 31:
        try:
            produced = date(2000 + year, month, day_no)
        except ValueError:
            problems.append(CodeProblem(15, 17, "production date",
                                        f"{2000 + year}-{month:02d}-{day_no:02d} is not a calendar date"))
    serial_text = code[17:24]
    if not serial_text.isdigit():
        problems.append(CodeProblem(18, 24, "serial number", f"'{serial_text}' is not seven digits"))
    elif int(serial_text) == 0:
        problems.append(CodeProblem(18, 24, "serial number", "0000000 is not a serial (they start at 0000001)"))
    if problems or produced is None:
        raise InvalidCode(code, problems, location=location)
    return BatteryCode(text=code, manufacturer=code[0:3], product_type=PRODUCT_TYPES[code[3]],
                       battery_type=code[4], specification=code[5:7], traceability=code[7:14],
                       production_date=produced, serial=int(serial_text))


def make_code(manufacturer: str, product_type: ProductType, battery_type: str, specification: str,
              traceability: str, production_date: date, serial: int) -> BatteryCode:
    """A code from its parts, checked by `parse_code` (so a bad part is reported by position)."""
    letter = {v: k for k, v in PRODUCT_TYPES.items()}[product_type]
    if not 1 <= serial <= 9_999_999:
        raise InputError(f"serial {serial} is out of range", location=Location(field="serial"),
                         expected="1 to 9999999")
    text = f"{manufacturer}{letter}{battery_type}{specification}{traceability}" \
           f"{encode_date(production_date)}{serial:07d}"
    return parse_code(text)
