"""`carbontrail template NAME`: write an empty import template (CSV or XLSX); `carbontrail template list`: name them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from carbontrail.cli._common import console, print_json, user_errors
from carbontrail.errors import InputError, Location
from carbontrail.inventory.templates import TEMPLATES, get_template, write_csv, write_xlsx

app = typer.Typer(context_settings={"allow_interspersed_args": True}, help="Import templates: `template list`, or `template NAME [--format csv|xlsx] [--output PATH]`.")


@app.callback(invoke_without_command=True)
def template_command(
    name: Annotated[str | None, typer.Argument(help="Template name (organisations, facilities, meters, periods, "
                                                    "activity), or `list`.")] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="csv or xlsx.")] = "csv",
    output: Annotated[Path | None, typer.Option("--output", "-o",
                                                help="File to write (default NAME.csv / NAME.xlsx here; "
                                                     "`-` writes CSV to stdout).")] = None,
    example: Annotated[bool, typer.Option("--example", help="Add the example row under the header.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result (or the list) as JSON.")] = False,
) -> None:
    """Write the template a file must follow to be imported with `carbontrail import`."""
    with user_errors(as_json):
        if name is None or name == "list":
            _list(as_json)
            return
        template = get_template(name)
        fmt = output_format.lower()
        if fmt not in ("csv", "xlsx"):
            raise InputError(f"unknown format '{output_format}'", location=Location(field="--format"),
                             expected="csv or xlsx")
        if output is not None and str(output) == "-":
            if fmt != "csv":
                raise InputError("XLSX cannot be written to stdout", location=Location(field="--output"),
                                 expected="a file name ending in .xlsx")
            write_csv(template, sys.stdout, example=example)
            return
        path = output or Path(f"{template.name}.{fmt}")
        if fmt == "csv":
            # utf-8-sig: the BOM makes Excel read the file as UTF-8, so Chinese names show correctly.
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                write_csv(template, fh, example=example)
        else:
            write_xlsx(template, path, example=example)
        if as_json:
            print_json({"template": template.name, "format": fmt, "file": str(path),
                        "columns": list(template.column_names)})
        else:
            console.print(f"wrote {path} ({template.name}: {len(template.columns)} columns)")


def _list(as_json: bool) -> None:
    if as_json:
        print_json([{"name": t.name, "title_en": t.title_en, "title_zh": t.title_zh,
                     "columns": list(t.column_names), "required": list(t.required)} for t in TEMPLATES.values()])
        return
    table = Table("template", "what", "columns (* required)")
    for t in TEMPLATES.values():
        table.add_row(t.name, f"{t.title_en} / {t.title_zh}",
                      ", ".join(c.name + ("*" if c.required else "") for c in t.columns))
    console.print(table)
