"""An inventory result as line-level CSV and as an XLSX workbook (summary, lines, energy, factors)."""

from __future__ import annotations

import csv
from dataclasses import asdict
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Font

from carbontrail.inventory.ghg import InventoryResult

LINE_COLUMNS = ["facility", "scope", "category", "basis", "gas", "month", "item", "activity_amount",
                "activity_unit", "gas_t", "gwp", "co2e_t", "factor_value", "factor_unit", "factor_dataset",
                "factor_version", "factor_geography", "factor_year", "factor_source", "fallback"]
FACTOR_COLUMNS = ["dataset", "dataset_version", "activity", "gas", "value", "unit", "geography", "year",
                  "series", "source", "fallback"]


def line_rows(result: InventoryResult) -> list[list[object]]:
    rows = []
    for line in result.lines:
        f = line.factors[-1] if line.factors else None
        rows.append([
            line.facility, line.scope, line.category, line.basis, line.gas, line.period_start.strftime("%Y-%m"),
            line.item, line.activity_amount, line.activity_unit, line.gas_t, line.gwp, line.co2e_t,
            f.value if f else "", f.unit if f else "", f.dataset if f else "", f.dataset_version if f else "",
            f.geography if f else "", f.year if f else "", f.source if f else "", f.fallback if f else "",
        ])
    return rows


def write_csv(result: InventoryResult, out: IO[str]) -> None:
    """One row per emission line, with the factor behind it."""
    writer = csv.writer(out)
    writer.writerow(LINE_COLUMNS)
    writer.writerows(line_rows(result))


def write_xlsx(result: InventoryResult, path: Path) -> None:
    """A workbook with the summary, every line, the energy use and the factors (with versions) used."""
    wb = Workbook()
    bold = Font(bold=True)
    ws = wb.active
    ws.title = "summary"
    rows: list[tuple[str, object]] = [
        ("organisation", result.organisation),
        ("period start", result.period_start.isoformat()),
        ("period end", result.period_end.isoformat()),
        ("GWP", result.options.gwp),
        ("scope 1 (t CO2e)", result.scope1_t),
        ("scope 2 location-based (t CO2e)", result.scope2_location_t),
        ("scope 2 market-based (t CO2e)", result.scope2_market_t),
        ("energy use (tce)", result.energy_tce),
        ("industrial value added (10^4 yuan)", result.value_added_10k_yuan),
        ("energy intensity (tce / 10^4 yuan)", result.energy_intensity),
        ("CO2 intensity (t CO2e / 10^4 yuan)", result.co2_intensity),
    ]
    rows += [(f"scope 1 {gas} (t CO2e)", v) for gas, v in result.scope1_by_gas().items()]
    rows += [(f"scope 1 {cat} (t CO2e)", v) for cat, v in result.scope1_by_category().items()]
    for key, value in rows:
        ws.append([key, value])
        ws.cell(row=ws.max_row, column=1).font = bold
    ws.column_dimensions["A"].width = 40

    lines = wb.create_sheet("lines")
    lines.append(LINE_COLUMNS)
    for row in line_rows(result):
        lines.append(row)
    energy = wb.create_sheet("energy")
    energy.append(["facility", "kind", "item", "month", "tce", "method"])
    for e in result.energy:
        energy.append([e.facility, e.kind, e.item, e.period_start.strftime("%Y-%m"), e.tce, e.method])
    factors = wb.create_sheet("factors")
    factors.append(FACTOR_COLUMNS)
    for f in result.factors_used():
        d = asdict(f)
        factors.append([d[c] for c in FACTOR_COLUMNS])
    for sheet in (lines, energy, factors):
        for cell in sheet[1]:
            cell.font = bold
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
