"""Reading template files row by row (CSV or XLSX, streaming) and checking each row into a plain dataclass.

Nothing here touches the database: references between files (does this facility exist?) are the importer's job.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import IO
from zipfile import BadZipFile

import pint

from carbontrail.errors import FactorNotFound, InputError, Location, UnitError
from carbontrail.factors import FactorLibrary
from carbontrail.factors.gwp import gwp100
from carbontrail.inventory.organisations import MeterInfo, Profile, Site
from carbontrail.inventory.scope3 import check_activity
from carbontrail.inventory.words import Word, fuel_word, unit_word
from carbontrail.inventory.templates import FUEL_CATEGORIES, INSTRUMENTS, KINDS, Template, check_header
from carbontrail.spreadsheets import MAX_COLUMNS, MAX_ROWS, check_shape, check_xlsx
from carbontrail.units import parse_unit, read_number, ureg

Cell = str | int | float | date | datetime | bool | None

# -- the rows, once checked ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationRow(Profile):
    row: int = dataclasses.field(kw_only=True)


@dataclass(frozen=True)
class FacilityRow(Site):
    row: int = dataclasses.field(kw_only=True)
    organisation: str = dataclasses.field(kw_only=True)


@dataclass(frozen=True)
class MeterRow(MeterInfo):
    row: int = dataclasses.field(kw_only=True)
    organisation: str = dataclasses.field(kw_only=True)


@dataclass(frozen=True)
class PeriodRow:
    row: int
    organisation: str
    name: str
    start: date
    end: date
    is_base_year: bool


@dataclass(frozen=True)
class ActivityRow:
    """An activity row, checked. `amount` is the number as written, in `unit` (already known to fit `kind`);
    `quantity` is the two as a pint quantity, made on demand because a million of them cost seconds."""

    row: int
    organisation: str
    facility: str
    period_start: date
    period_end: date
    kind: str
    item: str
    amount: float
    unit: str
    category: str
    gas: str
    meter: str
    supplier: str
    instrument: str
    instrument_ref: str
    contract_factor_kg_per_kwh: float | None
    source: str

    @property
    def quantity(self) -> pint.Quantity:
        return self.amount * parse_unit(self.unit)

    @property
    def contract_factor(self) -> pint.Quantity | None:
        """The contract's emission factor in kg CO2e per kWh, when the row gives one."""
        if self.contract_factor_kg_per_kwh is None:
            return None
        return ureg.Quantity(self.contract_factor_kg_per_kwh, "kg/kWh")


ParsedRow = OrganisationRow | FacilityRow | MeterRow | PeriodRow | ActivityRow

# -- reading files ---------------------------------------------------------------------------------------------


class TableFile:
    """A CSV or XLSX file opened for streaming: `header`, then `rows()` as (spreadsheet row number, cells).

    CSV is read as UTF-8 (a BOM is allowed); XLSX in openpyxl's read-only mode, first sheet. Memory stays flat.
    """

    def __init__(self, path: Path, display_name: str | None = None, encoding: str | None = None):
        self.path = Path(path)
        self.encoding = _check_encoding(encoding, display_name or self.path.name)
        self.name = display_name or self.path.name
        suffix = self.path.suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise InputError(f"'{self.name}' is neither a CSV nor an XLSX file", location=Location(file=self.name),
                             expected="a .csv or .xlsx file")
        self.kind = suffix[1:]
        self._handle: IO[str] | None = None
        self._workbook: object | None = None
        self._rows: Iterator[tuple[int, list[Cell]]] | None = None
        self.header: list[Cell] = []
        self.estimated_rows: int | None = None

    def __enter__(self) -> TableFile:
        try:
            if self.kind == "csv":
                self._open_csv()
            else:
                self._open_xlsx()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._workbook is not None:
            self._workbook.close()  # type: ignore[attr-defined]
            self._workbook = None

    def _open_csv(self) -> None:
        self.estimated_rows = _count_lines(self.path) - 1
        if self.encoding is None:
            self.encoding = detect_encoding(self.path)
        self._handle = self.path.open("r", encoding=self.encoding, newline="")
        try:
            self.delimiter = _delimiter(self._handle.readline(64 * 1024))
        except UnicodeDecodeError:
            raise self._not_text(1) from None
        self._handle.seek(0)
        reader = csv.reader(self._handle, delimiter=self.delimiter)

        def rows() -> Iterator[tuple[int, list[Cell]]]:
            try:
                for cells in reader:
                    if reader.line_num > MAX_ROWS or len(cells) > MAX_COLUMNS:
                        check_shape(reader.line_num, len(cells), self.name)
                    yield reader.line_num, list(cells)
            except UnicodeDecodeError:
                raise self._not_text(reader.line_num + 1) from None
            except csv.Error as exc:
                raise InputError(f"the CSV cannot be read ({exc})",
                                 location=Location(file=self.name, row=reader.line_num)) from None

        self._rows = rows()
        first = next(self._rows, None)
        if first is None:
            raise InputError("the file is empty", location=Location(file=self.name), expected="a header row")
        self.header = first[1]

    def _not_text(self, row: int) -> InputError:
        return InputError(f"the file is not {ENCODING_NAMES.get(self.encoding or '', self.encoding)} text (from "
                          f"row {row} on)", location=Location(file=self.name),
                          expected="a CSV saved as UTF-8 (Excel: 'CSV UTF-8') or GBK/GB18030, with its encoding "
                                   "named when it is not detected")

    def _open_xlsx(self) -> None:

        # openpyxl loads when a workbook is read, not at start-up
        from openpyxl import load_workbook

        check_xlsx(self.path, self.name)
        try:
            wb = load_workbook(self.path, read_only=True, data_only=True)
        except (BadZipFile, OSError, KeyError, ValueError):
            raise InputError("the file is not a readable XLSX workbook", location=Location(file=self.name),
                             expected="an .xlsx file saved by Excel, WPS or LibreOffice") from None
        self._workbook = wb
        sheet = wb.worksheets[0]
        self.estimated_rows = (sheet.max_row - 1) if sheet.max_row else None
        check_shape(sheet.max_row, sheet.max_column, self.name)

        def rows() -> Iterator[tuple[int, list[Cell]]]:
            # The declared dimension can lie, so the bounds hold for what is read too.
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number > MAX_ROWS or len(cells) > MAX_COLUMNS:
                    check_shape(number, len(cells), self.name)
                yield number, list(cells)

        self._rows = rows()
        first = next(self._rows, None)
        if first is None:
            raise InputError("the workbook's first sheet is empty", location=Location(file=self.name),
                             expected="a header row")
        header = list(first[1])
        while header and header[-1] in (None, ""):
            header.pop()
        self.header = header

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        """The data rows after the header, with their row numbers as a spreadsheet shows them."""
        assert self._rows is not None, "open the file with `with TableFile(...)` first"
        return self._rows


#: the encodings a CSV may be stated in; GBK and GB2312 files are read as GB18030, which contains both
ENCODINGS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "utf-8-sig": "utf-8-sig", "gbk": "gb18030",
             "gb2312": "gb18030", "gb18030": "gb18030", "cp936": "gb18030"}
#: how a value-added row states its prices: constant (2020) prices, the default, or current prices
VALUE_ADDED_PRICES = ("", "constant_prices", "current_prices")
ENCODING_NAMES = {"utf-8-sig": "UTF-8", "gb18030": "GB18030 (GBK)"}
_SAMPLE = 1 << 20


def _check_encoding(encoding: str | None, file: str) -> str | None:
    if encoding is None or not encoding.strip():
        return None
    found = ENCODINGS.get(encoding.strip().lower())
    if found is None:
        raise InputError(f"'{encoding}' is not an encoding carbontrail reads", location=Location(file=file,
                         field="encoding"), expected="utf-8, gbk or gb18030")
    return found


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without a BOM) when the file's first megabyte is valid UTF-8, else GB18030 (the superset of
    GBK that Excel and WPS on Chinese Windows save "CSV" in)."""
    with path.open("rb") as fh:
        sample = fh.read(_SAMPLE)
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not (len(sample) == _SAMPLE and exc.start >= len(sample) - 3):  # not a character cut by the sample
            return "gb18030"
    return "utf-8-sig"


def _delimiter(header: str) -> str:
    """Comma, or semicolon (Excel's CSV where the decimal mark is a comma) or tab, whichever the header line
    separates its columns with (counted outside quotes)."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda c: counts[c])
    return best if counts[best] > counts[","] else ","


def _count_lines(path: Path) -> int:
    """Lines in a file, counted in blocks (an estimate of rows for the progress bar: quoted newlines count too)."""
    count = 0
    last = b"\n"
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


# -- checking rows ---------------------------------------------------------------------------------------------


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _is_blank(cells: list[Cell]) -> bool:
    if cells and type(cells[0]) is str and cells[0].strip():
        return False  # the common case, decided by the first cell
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


_TRUE = {"true", "1", "yes", "y", "是", "t"}
_FALSE = {"false", "0", "no", "n", "否", "f", ""}


class RowChecker:
    """Checks the rows of one file against its template; caches what is the same for many rows (units, fuels)."""

    def __init__(self, template: Template, header: list[Cell], file: str,
                 fuel_check: Callable[[str], str | None] | None = None):
        self.template = template
        self.file = file
        self.names = check_header(template, header, file)
        self.width = len(self.names)
        self._fuel_check = fuel_check or check_fuel
        self._unit_problems: dict[tuple[str, str], tuple[str, str] | None] = {}
        #: (field, written, read as) → rows, for the words of Chinese statistics read as units and fuels
        self.mappings: dict[tuple[str, str, str], int] = {}
        self._required = [c for c in template.columns if c.required]
        self._parse = {
            "organisations": self._organisation, "facilities": self._facility, "meters": self._meter,
            "periods": self._period, "activity": self._activity,
        }[template.name]

    def is_blank(self, cells: list[Cell]) -> bool:
        return _is_blank(cells)

    def check(self, number: int, cells: list[Cell]) -> tuple[ParsedRow | None, list[InputError]]:
        """The parsed row, or None and every problem found in it (each naming file, row and field)."""
        if len(cells) > self.width and not _is_blank(cells[self.width:]):
            return None, [InputError(f"the row has {len(cells)} values but the header has {self.width} columns",
                                     location=Location(self.file, number))]
        values: dict[str, str] = {}
        raw: dict[str, Cell] = {}
        for name, cell in zip(self.names, cells):  # short rows: the missing cells count as empty
            if name:
                raw[name] = cell
                values[name] = cell.strip() if type(cell) is str else _text(cell)
        problems: list[InputError] = []
        for col in self._required:
            if not values.get(col.name):
                problems.append(InputError(f"the required {col.name} is missing",
                                           location=Location(self.file, number, col.name),
                                           expected=" | ".join(col.allowed) if col.allowed else None))
        if len(values) < len(self.template.columns):
            for name in self.template.column_names:
                values.setdefault(name, "")
        if problems:
            return None, problems
        parsed = self._parse(number, values, raw, problems)
        return (parsed if not problems else None), problems

    # -- helpers --------------------------------------------------------------------------------------------

    def _loc(self, row: int, field: str) -> Location:
        return Location(self.file, row, field)

    def _date(self, row: int, field: str, value: str, raw: Cell, problems: list[InputError]) -> date | None:
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        try:
            return _iso_date(value)
        except ValueError:
            problems.append(InputError(f"'{value}' is not a date", location=self._loc(row, field),
                                       expected="a date as YYYY-MM-DD"))
            return None

    def _number(self, row: int, field: str, value: str, raw: Cell, problems: list[InputError]) -> float | None:
        try:
            return read_number(raw if isinstance(raw, (int, float)) and not isinstance(raw, bool) else value,
                               location=self._loc(row, field))
        except InputError as exc:
            problems.append(exc)
            return None

    def _word(self, field: str, written: str, word: Word | None) -> str:
        """`written`, or what the word of Chinese statistics it is stands for (counted, to be reported)."""
        if word is None:
            return written
        key = (field, word.written, word.used)
        self.mappings[key] = self.mappings.get(key, 0) + 1
        return word.used

    def _unit(self, row: int, field: str, unit: str, kind: str, problems: list[InputError]) -> bool:
        """Whether `unit` is known and fits `kind`; the answer per (kind, unit) is worked out once."""
        key = (kind, unit)
        if key not in self._unit_problems:
            self._unit_problems[key] = _unit_problem(kind, unit)
        problem = self._unit_problems[key]
        if problem is not None:
            problems.append(UnitError(problem[0], location=self._loc(row, field), expected=problem[1]))
            return False
        return True

    # -- one parser per template ----------------------------------------------------------------------------

    def _organisation(self, row: int, v: dict[str, str], raw: dict[str, Cell],
                      problems: list[InputError]) -> OrganisationRow:
        return OrganisationRow(v["code"], v["name"], v["name_en"], v["industry"], v["province"], v["city"], v["park"],
                               row=row)

    def _facility(self, row: int, v: dict[str, str], raw: dict[str, Cell], problems: list[InputError]) -> FacilityRow:
        return FacilityRow(v["code"], v["name"], v["province"], v["city"], v["park"], row=row,
                           organisation=v["organisation"])

    def _meter(self, row: int, v: dict[str, str], raw: dict[str, Cell], problems: list[InputError]) -> MeterRow:
        v["unit"] = self._word("unit", v["unit"], unit_word(v["unit"]))
        self._unit(row, "unit", v["unit"], "", problems)
        return MeterRow(v["facility"], v["code"], v["medium"], v["unit"], v["supplier"], row=row,
                        organisation=v["organisation"])

    def _period(self, row: int, v: dict[str, str], raw: dict[str, Cell], problems: list[InputError]) -> PeriodRow:
        start = self._date(row, "start", v["start"], raw.get("start"), problems)
        end = self._date(row, "end", v["end"], raw.get("end"), problems)
        if start and end and end < start:
            problems.append(InputError(f"the end {end} is before the start {start}", location=self._loc(row, "end"),
                                       expected="an end date on or after the start date"))
        flag = v["is_base_year"].lower()
        if flag not in _TRUE and flag not in _FALSE:
            problems.append(InputError(f"'{v['is_base_year']}' is not true or false",
                                       location=self._loc(row, "is_base_year"), expected="true or false"))
        return PeriodRow(row, v["organisation"], v["name"], start or date.min, end or date.min, flag in _TRUE)

    def _activity(self, row: int, v: dict[str, str], raw: dict[str, Cell],
                  problems: list[InputError]) -> ActivityRow | None:
        start = self._date(row, "period_start", v["period_start"], raw.get("period_start"), problems)
        end = self._date(row, "period_end", v["period_end"], raw.get("period_end"), problems)
        if start and end and end < start:
            problems.append(InputError(f"period_end {end} is before period_start {start}",
                                       location=self._loc(row, "period_end"),
                                       expected="a date on or after period_start"))
        kind = v["kind"]
        if kind not in KINDS:
            problems.append(InputError(f"unknown kind '{kind}'", location=self._loc(row, "kind"),
                                       expected=" | ".join(KINDS)))
        amount = self._number(row, "quantity", v["quantity"], raw.get("quantity"), problems)
        if amount is not None and amount < 0 and kind != "value_added":
            problems.append(InputError(f"the quantity {v['quantity']} is negative", location=self._loc(row, "quantity"),
                                       expected="a number ≥ 0"))
        v["unit"] = self._word("unit", v["unit"], unit_word(v["unit"]))
        if kind == "fuel_combustion":
            v["item"] = self._word("item", v["item"], fuel_word(v["item"]))
        unit = self._unit(row, "unit", v["unit"], kind if kind in KINDS else "", problems)
        category, gas = v["category"], v["gas"]
        if kind == "fuel_combustion":
            category = category or "stationary"
            if category not in FUEL_CATEGORIES:
                problems.append(InputError(f"unknown combustion category '{category}'",
                                           location=self._loc(row, "category"), expected="stationary or mobile"))
            problem = self._fuel_check(v["item"])
            if problem:
                problems.append(InputError(problem, location=self._loc(row, "item"),
                                           expected="a fuel the factor library knows, e.g. natural_gas, 天然气, "
                                                    "diesel, other_bituminous_coal"))
        if kind == "value_added" and category not in VALUE_ADDED_PRICES:
            problems.append(InputError(f"unknown value-added category '{category}'",
                                       location=self._loc(row, "category"),
                                       expected="empty or constant_prices (at 2020 prices), or current_prices "
                                                "(deflated with the jurisdiction's price index)"))
        if kind in _SCOPE3_KINDS and unit:
            problem = check_scope3(kind, category, v["unit"])
            if problem:
                problems.append(InputError(problem[1], location=self._loc(row, problem[0]), expected=problem[2]))
        if kind == "process":
            if not gas:
                problems.append(InputError("a process row needs the gas it reports", location=self._loc(row, "gas"),
                                           expected="CO2, CH4, N2O, SF6, CF4, C2F6 …"))
            else:
                problem = _gas_problem(gas)
                if problem:
                    problems.append(InputError(problem, location=self._loc(row, "gas"),
                                               expected="a gas such as CO2, CH4, N2O, SF6, CF4, C2F6"))
        elif gas:
            problems.append(InputError(f"gas '{gas}' is given on a {kind} row", location=self._loc(row, "gas"),
                                       expected="a gas only on process rows (fuel gases are computed)"))
        instrument = v["instrument"]
        factor: float | None = None
        if instrument and instrument not in INSTRUMENTS:
            problems.append(InputError(f"unknown instrument '{instrument}'", location=self._loc(row, "instrument"),
                                       expected="empty or one of " + ", ".join(INSTRUMENTS)))
        if v["contract_factor"]:
            number = self._number(row, "contract_factor", v["contract_factor"], raw.get("contract_factor"), problems)
            if number is not None and number < 0:
                problems.append(InputError(f"the contract factor {v['contract_factor']} is negative",
                                           location=self._loc(row, "contract_factor"),
                                           expected="kg CO2e per kWh, ≥ 0"))
            elif number is not None:
                factor = number
        for field in ("instrument", "contract_factor", "instrument_ref"):
            if v[field] and kind in KINDS and kind != "electricity":
                problems.append(InputError(f"{field} is given on a {kind} row", location=self._loc(row, field),
                                           expected="contractual instruments on electricity rows only"))
        if problems or start is None or end is None or amount is None or not unit:
            return None
        return ActivityRow(row, v["organisation"], v["facility"], start, end, kind, v["item"], amount,
                           v["unit"], category, gas, v["meter"], v["supplier"], instrument, v["instrument_ref"],
                           factor, v["source"])


@lru_cache(maxsize=4096)
def _iso_date(text: str) -> date:
    # Many rows share a handful of period dates: parse each spelling once.
    if len(text) > 10 and text[10] in "T ":
        stamp = datetime.fromisoformat(text)
        if stamp.time() != datetime.min.time():
            raise ValueError(text)
        return stamp.date()
    if len(text) != 10:
        raise ValueError(text)
    return date.fromisoformat(text)


# Units each kind accepts, as (description, dimensionalities).
_DIMENSIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "fuel_combustion": ("a unit of mass, volume or energy (t, kg, Nm3, m3, L, GJ, TJ, tce)",
                        ("[mass]", "[length] ** 3", "[energy]")),
    "electricity": ("a unit of energy (kWh, MWh, GWh, 万kWh)", ("[energy]",)),
    "heat": ("a unit of energy (GJ, MWh, tce)", ("[energy]",)),
    "steam": ("a unit of mass or energy (t, GJ)", ("[mass]", "[energy]")),
    "process": ("a unit of mass of the gas (t, kg)", ("[mass]",)),
    "value_added": ("a currency in yuan (yuan, 10^4 yuan, 万元)", ("[currency_cny]",)),
    # energy: batteries and cells are bought and declared per kWh of capacity
    "purchased_goods": ("a mass, volume, count or battery capacity (t, kg, m3, pcs, kWh) or a spend in CNY or USD",
                        ("[mass]", "[length] ** 3", "[count]", "[energy]", "[currency_cny]", "[currency_usd]")),
    "upstream_transport": ("transport work in tonne-kilometres (t-km, tkm)", ("[mass] * [length]",)),
}
_SCOPE3_KINDS = ("purchased_goods", "upstream_transport")


def _unit_problem(kind: str, unit: str) -> tuple[str, str] | None:
    """(reason, expected) when `unit` is unknown or does not measure what `kind` needs; None when it is fine."""
    try:
        parsed = parse_unit(unit)
    except UnitError as exc:
        return exc.reason, exc.expected or ""
    if kind not in _DIMENSIONS:
        return None
    wanted, dimensions = _DIMENSIONS[kind]
    if any(parsed.dimensionality == ureg.get_dimensionality(d) for d in dimensions):
        return None
    return f"'{unit}' cannot be used for {kind}", wanted


def _gas_problem(gas: str) -> str | None:

    try:
        gwp100(gas)
    except InputError:
        return f"unknown gas '{gas}'"
    return None


@lru_cache(maxsize=1024)
def check_scope3(kind: str, category: str, unit: str) -> tuple[str, str, str] | None:
    """(field, reason, expected) when a scope 3 row names no known factor or mode, or a unit that does not fit it."""

    return check_activity(FactorLibrary.default(), kind, category, unit)


@lru_cache(maxsize=1024)
def check_fuel(name: str) -> str | None:
    """Why the factor library does not know fuel `name`, or None when it does (the one place the importer asks it)."""

    try:
        FactorLibrary.default().fuel(name)
    except FactorNotFound as exc:
        return str(exc)
    except InputError as exc:
        return exc.reason
    return None
