"""`carbontrail factors`: search the emission-factor library, select a factor with its fallback, add a dataset."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from carbontrail.cli._common import JsonOption, console, print_json, show, user_errors
from carbontrail.errors import InputError, Location
from carbontrail.factors import ELECTRICITY_SERIES, Factor, FactorLibrary, FactorQuery
from carbontrail.services import database
from carbontrail.services.factors import load_library
from carbontrail.services import factors
from carbontrail.services.work import cli_actor
from carbontrail.services.factors import add_dataset

app = typer.Typer(
    help="The emission-factor library: IPCC fuels, China grid factors, GWPs and your own datasets.",
    no_args_is_help=True,
)

WideOption = Annotated[bool, typer.Option("--wide", help="Every column, however wide the table gets.")]
WIDE = 240  # the width a --wide table may take (a pager or a wide terminal shows it whole)


def _print(title: str, columns: tuple[str, ...], wide: bool, right: tuple[str, ...],
           rows: list[dict[str, str]]) -> None:
    """`columns` of `rows` as a table whose cells wrap (never cut to "…"), so it fits the terminal (80 columns
    at least); `wide` lets it take up to WIDE columns."""
    table = Table(title=title, pad_edge=False, collapse_padding=True)
    for col in columns:
        table.add_column(col, justify="right" if col in right else "left", overflow="fold")
    for cells in rows:
        table.add_row(*(escape(cells[c]) for c in columns))
    (Console(width=WIDE) if wide else console).print(table)


def _library() -> FactorLibrary:
    return load_library(database.open_sessions())


def _sessions() -> sessionmaker[Session]:
    return database.open_sessions()


def _pins(values: list[str]) -> dict[str, str]:
    pins = {}
    for value in values:
        name, sep, version = value.partition("=")
        if not sep or not name.strip() or not version.strip():
            raise InputError(f"'{value}' is not a pin", location=Location(field="--pin"), expected="DATASET=VERSION")
        pins[name.strip()] = version.strip()
    return pins


def _factor_json(factor: Factor) -> dict[str, object]:
    return asdict(factor)


#: the columns of `factors search` at 80 columns, and with --wide
SEARCH_NARROW = ("activity", "geography", "year", "value", "unit", "dataset")
SEARCH_WIDE = ("activity", "series", "gas", "geography", "year", "value", "unit", "dataset", "confidence")


@app.command("search")
def search_command(
    text: Annotated[str | None, typer.Argument(help="Words to look for: a fuel (天然气, diesel), a place (四川), "
                                                    "a gas, a source …")] = None,
    activity: Annotated[str | None, typer.Option(help="Activity or its prefix: electricity, combustion, "
                                                      "ncv, carbon_content, energy_coefficient …")] = None,
    geography: Annotated[str | None, typer.Option(help="Province, grid or country: 四川, Sichuan, CN-SC, 西南, CN.")]
    = None,
    year: Annotated[int | None, typer.Option(help="Data year.")] = None,
    series: Annotated[str | None, typer.Option(help=f"Series, e.g. {', '.join(ELECTRICITY_SERIES)}.")] = None,
    all_versions: Annotated[bool, typer.Option("--all-versions", help="Include older dataset versions.")] = False,
    wide: WideOption = False,
    as_json: JsonOption = False,
) -> None:
    """List the factors matching every filter, with value, unit, year, dataset version, source and confidence."""
    with user_errors(as_json):

        found = factors.search(_sessions(), cli_actor(), text, activity=activity, geography=geography, year=year,
                               series=series, all_versions=all_versions)
        if as_json:
            print_json([_factor_json(f) for f in found])
            return
        if not found:
            console.print("no factor matches; try fewer filters, or `carbontrail factors datasets`")
            return
        _print(f"{len(found)} factor(s)", SEARCH_WIDE if wide else SEARCH_NARROW, wide, ("year", "value"),
               [{"activity": f.activity, "series": f.series, "gas": f.gas, "geography": f.geography,
                 "year": "" if f.year is None else str(f.year), "value": f"{f.value:g}", "unit": f.unit,
                 "dataset": f"{f.dataset} {f.dataset_version}", "confidence": f.confidence} for f in found])


@app.command("select")
def select_command(
    activity: Annotated[str, typer.Option(help="What the factor is for: electricity, combustion:natural_gas, "
                                               "purchased_heat …")],
    geography: Annotated[str | None, typer.Option(help="Where: 四川, Sichuan, CN-SC; falls back province → "
                                                       "regional grid → national.")] = None,
    year: Annotated[int | None, typer.Option(help="Year; falls back to the most recent earlier year.")] = None,
    series: Annotated[str | None, typer.Option(help="Series; for electricity: "
                                                    f"{', '.join(ELECTRICITY_SERIES)} (default average).")] = None,
    gas: Annotated[str | None, typer.Option(help="Gas, when the activity has several: CO2, CH4_fossil, N2O …")] = None,
    pin: Annotated[list[str], typer.Option(help="Use a dataset version: DATASET=VERSION (repeatable).")] = [],  # noqa: B006
    as_json: JsonOption = False,
) -> None:
    """Select one factor by an explicit query and explain which fallback (geography, year) was used."""
    with user_errors(as_json):
        if activity.strip().lower() == "electricity" and series is None:
            series = "average"
        selection = _library().select(FactorQuery(activity, geography, year, series, gas), pins=_pins(pin))
        if as_json:
            print_json({"factor": _factor_json(selection.factor), "query": asdict(selection.query),
                        "used_geography": selection.used_geography, "used_year": selection.used_year,
                        "fallback": list(selection.fallback), "explanation": selection.explanation})
            return
        f = selection.factor
        where = f"{selection.used_geography}" + (f" {selection.used_year}" if selection.used_year is not None else "")
        series = f" [{f.series}]" if f.series else ""
        console.print(f"[bold]{f.value:g} {escape(f.unit)}[/] {escape(f'{f.gas}  ({f.activity}{series}, {where})')}",
                      highlight=False)
        console.print(escape(selection.explanation), highlight=False)
        for step in selection.fallback:
            console.print(f"  tried: {escape(step)}", highlight=False)


@app.command("datasets")
def datasets_command(wide: WideOption = False, as_json: JsonOption = False) -> None:
    """List every dataset and version (shipped and added), with publisher, licence and number of factors."""
    with user_errors(as_json):
        listing = factors.datasets(_sessions(), cli_actor())
        if as_json:
            print_json(listing)
            return
        _print("factor datasets", ("name", "version", "factors", "publisher") + (("description",) if wide else ()),
               wide, ("factors",), [{"name": d.name, "version": d.version, "factors": str(d.factors),
                                     "publisher": d.publisher, "description": d.description} for d in listing])


@app.command("add")
def add_command(
    file: Annotated[Path, typer.Argument(help="CSV with columns activity, value, unit, source and optionally "
                                              "gas, geography, year, series, confidence, notes.")],
    name: Annotated[str, typer.Option(help="Dataset name, e.g. supplier-abc-pcf.")],
    version: Annotated[str, typer.Option(help="Dataset version; an existing version is never overwritten.")],
    publisher: Annotated[str, typer.Option(help="Who publishes the factors.")] = "",
    licence: Annotated[str, typer.Option(help="Licence or terms of use.")] = "",
    description: Annotated[str, typer.Option(help="One line on what the dataset holds.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Add your own factor dataset (e.g. a supplier's); any bad row rejects the whole file."""
    with user_errors(as_json):
        dataset = add_dataset(_sessions(), file, name=name, version=version, publisher=publisher,
                              licence=licence, description=description, actor=cli_actor())
        show(as_json, {"name": dataset.name, "version": dataset.version, "factors": dataset.factors},
             f"added {dataset.name} {dataset.version}: {dataset.factors} factor(s)")
