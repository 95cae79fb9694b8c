"""An inventory result as line-level CSV and as an XLSX workbook (summary, lines, scope 3, energy, factors)."""

from __future__ import annotations

import csv
from dataclasses import asdict
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Font

from carbontrail.inventory.ghg import InventoryResult
from carbontrail.spreadsheets import append_row, csv_rows

LINE_COLUMNS = ["facility", "scope", "category", "basis", "gas", "month", "item", "activity_amount",
                "activity_unit", "gas_t", "gwp", "co2e_t", "factor_value", "factor_unit", "factor_dataset",
                "factor_version", "factor_geography", "factor_year", "factor_source", "fallback", "supplier", "data",
                "method"]
SCOPE3_COLUMNS = ["facility", "category", "month", "item", "supplier", "quantity", "unit", "data", "method",
                  "factor_value", "factor_unit", "factor_dataset", "factor_version", "factor_geography", "factor_year",
                  "factor_source", "kg_co2e", "t_co2e", "biogenic_kg", "note"]
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
            "", "", "",
        ])
    # Scope 3 lines share the layout: gas CO2e, GWP 1 (their factors are already CO2e), basis empty.
    for s3 in result.scope3:
        f = s3.factors[-1]
        rows.append([
            s3.facility, 3, _SCOPE3_CATEGORY[s3.category], "", "CO2e", s3.period_start.strftime("%Y-%m"), s3.item,
            s3.quantity, s3.unit, s3.co2e_t, 1.0, s3.co2e_t, f.value, f.unit, f.dataset, f.dataset_version,
            f.geography, f.year, f.source, s3.note or f.fallback, s3.supplier, s3.data, s3.method,
        ])
    return rows


_SCOPE3_CATEGORY = {1: "purchased_goods_and_services", 4: "upstream_transportation"}


def scope3_rows(result: InventoryResult) -> list[list[object]]:
    """One row per scope 3 line, with the factor behind it (the last one applied) and the conversion notes."""
    rows: list[list[object]] = []
    for s3 in result.scope3:
        f = s3.factors[-1]
        rows.append([s3.facility, s3.category, s3.period_start.strftime("%Y-%m"), s3.item, s3.supplier, s3.quantity,
                     s3.unit, s3.data, s3.method, f.value, f.unit, f.dataset, f.dataset_version, f.geography, f.year,
                     f.source, s3.kg_co2e, s3.co2e_t, s3.biogenic_kg, s3.note])
    return rows


def write_csv(result: InventoryResult, out: IO[str]) -> None:
    """One row per emission line, with the factor behind it."""
    writer = csv.writer(out)
    writer.writerow(LINE_COLUMNS)
    writer.writerows(csv_rows(line_rows(result)))


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
    if result.scope3:
        rows += [("scope 3 categories 1 and 4 (t CO2e)", result.scope3_t)]
        rows += [(f"scope 3 {cat.replace('_', ' ')} (t CO2e)", v) for cat, v in result.scope3_by_category().items()]
        rows += [(f"scope 3 on {kind} data (t CO2e)", v) for kind, v in result.scope3_by_data().items()]
        rows += [("scope 3 primary data share", result.scope3_primary_share)]
    if result.claims:
        rows += [(f"green electricity claimed and matched ({result.claims_matching}, MWh)", result.claims_matched_mwh)]
    for key, value in rows:
        append_row(ws, [key, value])
        ws.cell(row=ws.max_row, column=1).font = bold
    ws.column_dimensions["A"].width = 40

    lines = wb.create_sheet("lines")
    lines.append(LINE_COLUMNS)
    for row in line_rows(result):
        append_row(lines, row)
    scope3 = wb.create_sheet("scope3")
    scope3.append(SCOPE3_COLUMNS)
    for row in scope3_rows(result):
        append_row(scope3, row)
    energy = wb.create_sheet("energy")
    energy.append(["facility", "kind", "item", "month", "tce", "method"])
    for e in result.energy:
        append_row(energy, [e.facility, e.kind, e.item, e.period_start.strftime("%Y-%m"), e.tce, e.method])
    factors = wb.create_sheet("factors")
    factors.append(FACTOR_COLUMNS)
    for f in result.factors_used():
        d = asdict(f)
        append_row(factors, [d[c] for c in FACTOR_COLUMNS])
    claims = wb.create_sheet("claims")
    claims.append(["claim", "kind", "reference", "MWh", "log entry", "matching"])
    for c in result.claims:
        append_row(claims, [c.claim_id, c.kind, c.reference, c.mwh, c.log_seq, result.claims_matching])
    for sheet in (lines, scope3, energy, factors, claims):
        for cell in sheet[1]:
            cell.font = bold
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
