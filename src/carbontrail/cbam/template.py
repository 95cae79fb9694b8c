"""The operator → importer communication in the layout of the Commission's template.

The European Commission (DG TAXUD) publishes an Excel "CBAM Communication template for installations" (version 2,
13 December 2024) that operators fill in and send to their importers. Its importer-facing part is three tabs:
`A_InstData` (reporting period, the installation, its production processes and purchased precursors),
`Summary_Products` (one row per product: process, route, aggregated goods category, CN code, specific embedded
emissions direct / indirect, the share from default values, the electricity factor's source, carbon price due) and
`Summary_Communication` (installation details and the products' SEE, the sheet importers load into their tools; its
name must be kept as it is). This module writes a workbook with those tab names and the fields as the template
names them, from the same `Communication` the JSON and carbontrail's own XLSX carry, so the numbers cannot differ.

The Commission's workbook also holds the operator's working tabs (B_EmInst, C_Emissions&Energy, D_Processes,
E_PurchPrec) with formulas, and places each field at fixed cells; this workbook carries the fields, not those
cell positions, so a tool that reads the official file by cell address will not read it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font

from carbontrail.cbam.communication import Communication, GoodRow, communication_to_xlsx
from carbontrail.spreadsheets import append_row

TEMPLATE_NAME = "CBAM Communication template for installations"
TEMPLATE_VERSION = "V2 2024-12-13"
SHEETS = ("A_InstData", "Summary_Products", "Summary_Communication")
UNIT = "tCO2e/t"

PRODUCT_COLUMNS = (
    "Production process from which the products arise",
    "Production route",
    "Type of aggregated good or precursor",
    "CN Code",
    "CN Name",
    "Product name",
    "Activity level (t)",
    "SEE (direct)",
    "SEE (indirect)",
    "SEE (total)",
    "Unit",
    "Share of emissions determined by default values",
    "Indirect emissions count toward the CBAM obligation",
    "Source for the electricity emission factor",
    "Carbon price instrument",
    "Carbon price due (per t of product)",
    "Currency of the carbon price",
)

COMMUNICATION_COLUMNS = (
    "Production process from which the products arise",
    "Type of aggregated good or precursor",
    "CN Code",
    "Product name",
    "SEE (direct)",
    "SEE (indirect)",
    "SEE (total)",
    "Unit",
    "Share of emissions determined by default values",
)


def communication_to_template_xlsx(comm: Communication) -> bytes:
    """The communication as a workbook with the template's tabs A_InstData, Summary_Products, Summary_Communication."""
    wb = Workbook()
    _installation_tab(wb.active, comm)
    _table(wb.create_sheet("Summary_Products"), [f"Summary of products ({TEMPLATE_NAME}, {TEMPLATE_VERSION})"],
           PRODUCT_COLUMNS, [_product_row(comm, g) for g in comm.goods])
    summary = wb.create_sheet("Summary_Communication")
    inst = comm.installation
    heading = [f"Communication with reporting declarants ({TEMPLATE_NAME}, {TEMPLATE_VERSION})", "",
               "Installation details", ("Name", inst.name), ("City", inst.city), ("Country", inst.country),
               ("UNLOCODE", inst.unlocode), ("Reporting period start", inst.period_start.isoformat()),
               ("Reporting period end", inst.period_end.isoformat()), "", "Summary of products"]
    _table(summary, heading, COMMUNICATION_COLUMNS,
           [[g.process_id, g.category, g.cn_code, g.description, g.see_direct_t_per_t, g.see_indirect_t_per_t,
             g.see_total_t_per_t, UNIT, g.default_share] for g in comm.goods])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _installation_tab(ws: object, comm: Communication) -> None:
    inst = comm.installation
    ws.title = "A_InstData"  # type: ignore[attr-defined]
    rows: list[object] = [
        f"Installation data ({TEMPLATE_NAME}, {TEMPLATE_VERSION})", "",
        "1. Reporting period", ("Start", inst.period_start.isoformat()), ("End", inst.period_end.isoformat()), "",
        "2. About the installation",
        ("Name of the installation (English)", inst.name), ("Name of the operator", inst.operator),
        ("Street, Number", inst.address), ("City", inst.city), ("Region", inst.region), ("Country", inst.country),
        ("UNLOCODE", inst.unlocode),
        ("Coordinates of the main emission source: latitude", inst.latitude),
        ("Coordinates of the main emission source: longitude", inst.longitude),
        ("Name of authorised representative", inst.contact), "",
        "3. Methods",
        ("Global warming potentials", inst.gwp_assessment), ("Default values used", inst.default_values),
        ("Mark-up year of default values", inst.markup_year), "",
    ]
    _write(ws, rows)
    processes: dict[str, GoodRow] = {}
    for g in comm.goods:
        processes.setdefault(g.process_id, g)
    _table(ws, ["4. Aggregated goods categories and production processes"],
           ("Production process", "Aggregated goods category", "Production route", "Activity level (t)"),
           [[g.process_id, g.category, g.route, g.activity_level_t] for g in processes.values()])
    _write(ws, [""])
    _table(ws, ["5. Purchased precursors"],
           ("Production process", "Purchased precursor", "Aggregated goods category", "Country of origin",
            "Mass consumed (t)", "SEE (direct)", "SEE (indirect)", "Mark-up on default value",
            "Source of the data"),
           [[p.process_id, p.precursor, p.category, p.origin, p.mass_t, p.see_direct_t_per_t,
             p.see_indirect_t_per_t, p.markup, p.source] for p in comm.precursors])


def _product_row(comm: Communication, g: GoodRow) -> list[object]:
    electricity = "; ".join(m.description for m in comm.methods
                            if m.process_id == g.process_id and m.kind == "electricity")
    prices = [cp for cp in comm.carbon_prices if cp.process_id == g.process_id]
    due = (sum(cp.price * cp.emissions_covered_t for cp in prices) / g.activity_level_t
           if prices and g.activity_level_t > 0 else None)
    currencies = sorted({cp.price_unit.split("/")[0] for cp in prices})
    return [g.process_id, g.route, g.category, g.cn_code, g.description, g.description, g.activity_level_t,
            g.see_direct_t_per_t, g.see_indirect_t_per_t, g.see_total_t_per_t, UNIT, g.default_share,
            "yes" if g.indirect_counts else "no", electricity,
            "; ".join(cp.instrument for cp in prices), None if due is None else float(f"{due:.12g}"),
            ", ".join(currencies)]


def _table(ws: object, heading: Sequence[object], columns: Sequence[str], rows: list[list[object]]) -> None:
    _write(ws, heading)
    ws.append(list(columns))  # type: ignore[attr-defined]
    for cell in ws[ws.max_row]:  # type: ignore[attr-defined,index]
        cell.font = Font(bold=True)
    for row in rows:
        append_row(ws, row)


def _write(ws: object, rows: Sequence[object]) -> None:
    """Section headings as one bold cell, (label, value) pairs as two cells, "" as an empty row."""
    for row in rows:
        if isinstance(row, tuple):
            append_row(ws, list(row))
        else:
            ws.append([row] if row else [])  # type: ignore[attr-defined]
            if row:
                ws.cell(ws.max_row, 1).font = Font(bold=True)  # type: ignore[attr-defined]


LAYOUTS = ("carbontrail", "commission")


def communication_workbook(comm: Communication, layout: str = "carbontrail") -> bytes:
    """The communication as XLSX: carbontrail's own layout (reopens with `communication_from_xlsx`) or the
    Commission template's tabs and field names (`commission`)."""
    if layout == "commission":
        return communication_to_template_xlsx(comm)
    if layout == "carbontrail":
        return communication_to_xlsx(comm)
    raise ValueError(f"unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
