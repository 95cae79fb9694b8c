"""Users' own factor datasets (e.g. a supplier's) as CSV: checked row by row, all rows or none.

Columns are the `Factor` fields: activity, value, unit, source are required; gas (default CO2e), geography,
year, series, confidence, notes are optional; id, dataset and dataset_version may be present (the dataset
columns must then agree with the name and version the dataset is added under).
"""

from __future__ import annotations

import csv
import io
import math

from carbontrail.errors import ImportRejected, InputError, Location, UnitError
from carbontrail.factors import geography
from carbontrail.factors.gwp import canonical_species, gwp100
from carbontrail.factors.model import Factor, FactorDataset
from carbontrail.units import parse_unit

REQUIRED = ("activity", "value", "unit", "source")
OPTIONAL = ("gas", "geography", "year", "series", "confidence", "notes", "id", "dataset", "dataset_version")
FACTOR_COLUMNS = REQUIRED + OPTIONAL[:6]


def read_factor_csv(text: str, *, file: str, name: str, version: str, publisher: str = "", licence: str = "",
                    description: str = "") -> FactorDataset:
    """A dataset from CSV text; any bad row → `ImportRejected` listing every problem (file, row, field)."""
    _check_label(name, "name", file)
    _check_label(version, "version", file)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    problems: list[InputError] = []
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c and c not in REQUIRED + OPTIONAL]
    if missing:
        problems.append(InputError(f"missing column(s) {', '.join(missing)}", location=Location(file, 1),
                                   expected=f"columns {', '.join(FACTOR_COLUMNS)}"))
    if unknown:
        problems.append(InputError(f"unknown column(s) {', '.join(unknown)}", location=Location(file, 1),
                                   expected=f"columns among {', '.join(REQUIRED + OPTIONAL)}"))
    if problems:
        raise ImportRejected(file, problems, total_rows=0)
    factors: list[Factor] = []
    seen: dict[tuple[str, str, int | None, str, str], int] = {}
    rows = 0
    for row_no, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        rows += 1
        try:
            factor = _factor(row, row_no, file, name, version, len(factors) + 1)
        except InputError as exc:
            problems.append(exc.at(file=file, row=row_no))
            continue
        key = (factor.activity.lower(), factor.geography, factor.year, factor.series, factor.gas)
        if key in seen:
            problems.append(InputError(f"repeats the factor of row {seen[key]} (same activity, geography, year, "
                                       "series and gas)", location=Location(file, row_no, "activity")))
            continue
        seen[key] = row_no
        factors.append(factor)
    if not rows and not problems:
        problems.append(InputError("the file has no factor rows", location=Location(file),
                                   expected="a header and at least one row"))
    if problems:
        raise ImportRejected(file, problems, total_rows=rows)
    return FactorDataset(name, version, tuple(factors), publisher=publisher, licence=licence,
                         description=description)


def _check_label(value: str, what: str, file: str) -> None:
    if not value or not value.strip() or len(value) > (200 if what == "name" else 64):
        raise InputError(f"the dataset {what} '{value}' is empty or too long", location=Location(file, field=what),
                         expected=f"a {what} of 1–{200 if what == 'name' else 64} characters")


def _factor(row: dict[str, str], row_no: int, file: str, name: str, version: str, n: int) -> Factor:
    def loc(field: str) -> Location:
        return Location(file, row_no, field)

    activity = row.get("activity", "")
    if not activity:
        raise InputError("the activity is empty", location=loc("activity"), expected="e.g. electricity, lfp_cathode")
    text = row.get("value", "").replace(",", "")
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"'{row.get('value', '')}' is not a number", location=loc("value"),
                         expected="a number") from None
    if not math.isfinite(value) or value < 0:
        raise InputError(f"'{row.get('value', '')}' is not a finite, non-negative number", location=loc("value"),
                         expected="a number ≥ 0")
    unit = row.get("unit", "")
    parse_unit(unit, location=loc("unit"))
    if "/" not in unit:  # a factor is per unit of activity; kg/kg (per kg of product) is fine
        raise UnitError(f"'{unit}' is not a unit per unit of activity", location=loc("unit"),
                        expected="e.g. kg/kWh, kg/t, kg/TJ, GJ/t")
    gas = row.get("gas") or "CO2e"
    if gas.upper() != "CO2_BIOGENIC":
        try:
            gwp100(gas)
        except InputError:
            raise InputError(f"unknown gas '{gas}'", location=loc("gas"),
                             expected="CO2e, CO2, CH4_fossil, CH4_non_fossil, N2O, SF6, CF4 …") from None
        gas = "CO2e" if gas.upper() == "CO2E" else canonical_species(gas)
    year: int | None = None
    if row.get("year"):
        try:
            year = int(row["year"])
        except ValueError:
            raise InputError(f"'{row['year']}' is not a year", location=loc("year"), expected="e.g. 2023") from None
        if not 1900 <= year <= 2100:
            raise InputError(f"{year} is not a plausible year", location=loc("year"), expected="1900–2100")
    source = row.get("source", "")
    if not source:
        raise InputError("the source is empty; every factor needs its provenance", location=loc("source"),
                         expected="the document and table/row the value comes from")
    for field, expected in (("dataset", name), ("dataset_version", version)):
        if row.get(field) and row[field] != expected:
            raise InputError(f"says {field} '{row[field]}' but the file is added as '{expected}'",
                             location=loc(field), expected=expected)
    return Factor(
        id=f"{name}@{version}#{n}", activity=activity, value=value, unit=unit, gas=gas,
        geography=geography.resolve(row.get("geography", "")) or geography.GLOBAL, year=year,
        series=row.get("series", ""), dataset=name, dataset_version=version, source=source,
        confidence=row.get("confidence", ""), notes=row.get("notes", ""))
