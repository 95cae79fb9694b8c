"""`carbontrail inventory`: an organisation's GHG inventory for a period, as a table, JSON, CSV or XLSX."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from carbontrail.cli._common import OrgArgument, console, print_json, user_errors
from carbontrail.errors import InputError, Location
from carbontrail.inventory.ghg import InventoryOptions, InventoryResult
from carbontrail.reports.inventory import write_csv, write_xlsx
from carbontrail.services.database import open_sessions
from carbontrail.services.inventory import inventory
from carbontrail.services.work import cli_actor


def _pins(values: list[str]) -> dict[str, str]:
    pins = {}
    for value in values:
        name, sep, version = value.partition("=")
        if not sep or not name or not version:
            raise InputError(f"'{value}' is not a pin", location=Location(field="--pin"), expected="DATASET=VERSION")
        pins[name.strip()] = version.strip()
    return pins


def inventory_command(
    organisation: OrgArgument,
    period: Annotated[str | None, typer.Option("--period", "-p", help="Reporting period name, e.g. 2023.")] = None,
    start: Annotated[str | None, typer.Option(help="Start date (YYYY-MM-DD) when no period is named.")] = None,
    end: Annotated[str | None, typer.Option(help="End date (YYYY-MM-DD), inclusive.")] = None,
    facility: Annotated[str | None, typer.Option(help="One facility's inventory instead of the organisation's.")] = None,
    gwp: Annotated[str, typer.Option(help="IPCC assessment report for GWP100: AR6, AR5, AR4.")] = "AR6",
    residual: Annotated[str, typer.Option(
        help="Market-based scope 2 for electricity without an instrument: "
             "national_excluding_market_nonfossil (MEE residual proxy) or location.")] = "national_excluding_market_nonfossil",
    pin: Annotated[list[str], typer.Option(help="Pin a factor dataset version: DATASET=VERSION (repeatable).")] = [],  # noqa: B006
    output_format: Annotated[str, typer.Option("--format", "-f", help="table, json, csv or xlsx.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (xlsx needs one).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
) -> None:
    """Scope 1 by gas and source, scope 2 location- and market-based, energy in tce and intensities."""
    fmt = "json" if as_json else output_format.lower()
    with user_errors(fmt == "json"):
        if fmt not in ("table", "json", "csv", "xlsx"):
            raise InputError(f"unknown format '{output_format}'", location=Location(field="--format"),
                             expected="table, json, csv or xlsx")
        if residual not in ("national_excluding_market_nonfossil", "location"):
            raise InputError(f"unknown residual choice '{residual}'", location=Location(field="--residual"),
                             expected="national_excluding_market_nonfossil or location")
        options = InventoryOptions(gwp=gwp.upper(), residual=residual, pins=_pins(pin))  # type: ignore[arg-type]
        result = inventory(
            open_sessions(), cli_actor(), organisation, period=period, start=_date(start, "--start"), end=_date(end, "--end"),
            facility=facility, options=options)
        if fmt == "json":
            data = result.summary()
            data["factors"] = [f.__dict__ for f in result.factors_used()]
            if output:

                output.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
            else:
                print_json(data)
        elif fmt == "csv":
            if output:
                with output.open("w", newline="", encoding="utf-8") as fh:
                    write_csv(result, fh)
            else:
                write_csv(result, sys.stdout)
        elif fmt == "xlsx":
            if output is None:
                raise InputError("XLSX needs a file", location=Location(field="--output"), expected="--output FILE.xlsx")
            write_xlsx(result, output)
            console.print(f"wrote {output}")
        else:
            _print_table(result)


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"'{text}' is not a date", location=Location(field=option), expected="YYYY-MM-DD") from None


def _print_table(result: InventoryResult) -> None:
    table = Table(title=f"{result.organisation}  {result.period_start} – {result.period_end}  (GWP100 {result.options.gwp})")
    table.add_column("indicator")
    table.add_column("value", justify="right")
    table.add_column("unit")
    rows = [("scope 1", result.scope1_t, "t CO2e")]
    rows += [(f"  {gas}", v, "t CO2e") for gas, v in result.scope1_by_gas().items()]
    rows += [(f"  {cat}", v, "t CO2e") for cat, v in result.scope1_by_category().items()]
    rows += [("scope 2 location-based", result.scope2_location_t, "t CO2e"),
             ("scope 2 market-based", result.scope2_market_t, "t CO2e"),
             ("energy use", result.energy_tce, "tce"),
             ("industrial value added", result.value_added_10k_yuan, "10^4 yuan")]
    if result.scope3:
        rows.append(("scope 3", result.scope3_t, "t CO2e"))
        rows += [(f"  category {cat}", v, "t CO2e") for cat, v in result.scope3_by_category().items()]
        rows += [(f"  {data} data", v, "t CO2e") for data, v in result.scope3_by_data().items()]
    if result.energy_intensity is not None:
        rows.append(("energy intensity", result.energy_intensity, "tce / 10^4 yuan"))
    if result.co2_intensity is not None:
        rows.append(("CO2 intensity (scope 1 + 2 location)", result.co2_intensity, "t CO2e / 10^4 yuan"))
    for name, value, unit in rows:
        table.add_row(name, f"{value:,.3f}", unit)
    console.print(table)
    factors = Table(title="factors used", pad_edge=False, collapse_padding=True)
    for col in ("dataset", "version", "activity", "gas", "value", "unit", "geography", "year", "fallback"):
        factors.add_column(col, overflow="fold")  # wrapped, never cut to "…", so 80 columns show every value
    for f in result.factors_used():
        factors.add_row(f.dataset, f.dataset_version, f.activity, f.gas, f"{f.value:g}", f.unit, f.geography,
                        str(f.year or ""), f.fallback)
    console.print(factors)
