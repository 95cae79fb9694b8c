"""CBAM reference data: CN code → aggregated goods category, the versioned default-value tables, the CBAM factor.

Everything here is read from the package's own data files (or from text a user hands in) and carries its source.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pint

from carbontrail.errors import FactorNotFound, ImportRejected, InputError, Location
from carbontrail.units import quantity

CN_LIST_SOURCE = ("CBAM Communication template for installations, tab c_CodeLists, V2 2024-12-13, via "
                  "github.com/virendersinghrana001/CBAM-Project src/lib/cn-catalog.ts @1d374ea (MIT)")
SHIPPED_DEFAULTS = "cbam-default-values"
SHIPPED_DEFAULTS_VERSION = "2025-2621/2026-02-04"

# Free-allocation phase-out: the "CBAM factor" of Directive 2003/87/EC Art. 10a(1a) as inserted by Directive
# (EU) 2023/959, to which Regulation (EU) 2023/956 Art. 31 ties the adjustment of certificates to surrender
# (rules of calculation: Implementing Regulation (EU) 2025/2620). 2026 = 97.5 % confirmed by cbamreports.com
# ("CBAM payments evolution"); the rest is the Directive's schedule as printed there.
CBAM_FACTOR: dict[int, float] = {
    2026: 0.975, 2027: 0.95, 2028: 0.90, 2029: 0.775, 2030: 0.515,
    2031: 0.39, 2032: 0.265, 2033: 0.14, 2034: 0.0,
}
CBAM_FACTOR_SOURCE = ("Directive 2003/87/EC Art. 10a(1a) as amended by Directive (EU) 2023/959; "
                      "Reg. (EU) 2023/956 Art. 31")


def cbam_factor(year: int) -> float:
    """Share of the benchmark-based free allocation EU producers still receive in `year` (0 from 2034)."""
    if year < 2026:
        raise InputError(f"no CBAM certificates are surrendered for {year}; the definitive period starts in 2026",
                         location=Location(field="year"), expected="a year from 2026")
    return CBAM_FACTOR.get(year, 0.0)


# -- CN codes and categories ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CNCode:
    """One CN code (or heading) in CBAM scope."""

    code: str
    description: str
    category: str
    sector: str


def normalise_cn(code: str, *, location: Location | None = None) -> str:
    """A CN code as digits only ('7601 10 00' → '76011000'); anything else is an `InputError`."""
    digits = str(code).replace(" ", "").replace(".", "")
    if not digits.isdigit() or len(digits) not in (4, 6, 8):
        raise InputError(f"'{code}' is not a CN code", location=location,
                         expected="4, 6 or 8 digits such as 7601 10 00")
    return digits


@lru_cache(maxsize=1)
def _cn_table() -> dict[str, CNCode]:
    text = resources.files("carbontrail.cbam").joinpath(
        "data/cbam_cn_codes_aggregated_categories.csv").read_text(encoding="utf-8")
    return {row["cn_code"]: CNCode(row["cn_code"], row["cn_description"], row["aggregated_goods_category"],
                                   row["sector"])
            for row in csv.DictReader(io.StringIO(text))}


def cn_code(code: str, *, location: Location | None = None) -> CNCode:
    """The CBAM entry of a CN code: the code itself, else the longest heading in scope that contains it."""
    digits = normalise_cn(code, location=location)
    table = _cn_table()
    for length in (8, 6, 4):
        if len(digits) >= length and digits[:length] in table:
            return table[digits[:length]]
    raise InputError(f"CN code {code} is not a CBAM good", location=location,
                     expected="a CN code listed in Annex I of Regulation (EU) 2023/956")


def categories() -> dict[str, str]:
    """Every aggregated goods category → its sector."""
    return {c.category: c.sector for c in _cn_table().values()}


def sector_of(category: str, *, location: Location | None = None) -> str:
    """The sector (Cement, Iron & Steel, Aluminium, Fertilisers, Hydrogen, Electricity) of a category."""
    known = categories()
    if category not in known:
        raise InputError(f"unknown CBAM aggregated goods category '{category}'", location=location,
                         expected=", ".join(sorted(known)))
    return known[category]


# -- default values ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DefaultValue:
    """A default specific embedded emission (before mark-up) of goods of a CN code made in a country."""

    cn_code: str
    country: str
    see_direct: pint.Quantity  # t CO2e / t good
    see_indirect: pint.Quantity | None
    route: str
    source: str
    confidence: str
    dataset: str
    dataset_version: str


_COLUMNS = ("cn_code", "country", "see_direct", "see_indirect", "route", "source", "confidence")


class DefaultValues:
    """One version of a default-value table; a lookup takes the most specific CN code that has a row."""

    def __init__(self, name: str, version: str, values: Iterable[DefaultValue]):
        self.name = name
        self.version = version
        self._rows: dict[tuple[str, str], DefaultValue] = {}
        for v in values:
            self._rows[(v.cn_code, v.country)] = v

    def __len__(self) -> int:
        return len(self._rows)

    def values(self) -> list[DefaultValue]:
        """Every value of the table, by CN code then country."""
        return [self._rows[key] for key in sorted(self._rows)]

    @classmethod
    def shipped(cls) -> DefaultValues:
        """The partial table shipped with carbontrail (see cbam/data/README.md)."""
        return _shipped()

    @classmethod
    def from_csv(cls, text: str, *, name: str, version: str, file: str = "default values") -> DefaultValues:
        """A table from CSV text in the layout of cbam/data/default_values.csv; any bad row rejects the file."""
        lines = [line for line in io.StringIO(text) if not line.lstrip().startswith("#")]
        reader = csv.DictReader(lines)
        missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"missing column(s) {', '.join(missing)}", location=Location(file=file, row=1),
                             expected=", ".join(_COLUMNS))
        values: list[DefaultValue] = []
        problems: list[InputError] = []
        for row_no, row in enumerate(reader, start=2):
            try:
                values.append(_row(row, name, version, Location(file=file, row=row_no)))
            except InputError as exc:
                problems.append(exc)
        if problems:
            raise ImportRejected(file, problems, total_rows=len(values) + len(problems))
        return cls(name, version, values)

    def lookup(self, code: str, country: str) -> DefaultValue:
        """The default value for goods of `code` made in `country` (ISO 3166 alpha-2)."""
        digits = normalise_cn(code, location=Location(field="cn_code"))
        place = country.strip().upper()
        for length in (8, 6, 4):
            hit = self._rows.get((digits[:length], place)) if len(digits) >= length else None
            if hit is not None:
                return hit
        raise FactorNotFound(
            f"the default-value table {self.name} {self.version} has no value for CN {code} made in {place}; "
            "load the official table (Implementing Regulation (EU) 2025/2621) or give actual values")


def _row(row: dict[str, str], name: str, version: str, where: Location) -> DefaultValue:
    code = normalise_cn(row["cn_code"], location=Location(where.file, where.row, "cn_code"))
    country = (row["country"] or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise InputError(f"'{row['country']}' is not a country code", location=Location(where.file, where.row,
                                                                                       "country"),
                         expected="ISO 3166 alpha-2, e.g. CN")
    direct = quantity(row["see_direct"], "t/t", location=Location(where.file, where.row, "see_direct"))
    indirect_text = (row.get("see_indirect") or "").strip()
    indirect = (quantity(indirect_text, "t/t", location=Location(where.file, where.row, "see_indirect"))
                if indirect_text else None)
    source = (row.get("source") or "").strip()
    if not source:
        raise InputError("the source is empty", location=Location(where.file, where.row, "source"),
                         expected="where the value was published")
    return DefaultValue(code, country, direct, indirect, (row.get("route") or "").strip(), source,
                        (row.get("confidence") or "").strip(), name, version)


@lru_cache(maxsize=1)
def _shipped() -> DefaultValues:
    text = resources.files("carbontrail.cbam").joinpath("data/default_values.csv").read_text(encoding="utf-8")
    return DefaultValues.from_csv(text, name=SHIPPED_DEFAULTS, version=SHIPPED_DEFAULTS_VERSION,
                                  file="cbam/data/default_values.csv")
