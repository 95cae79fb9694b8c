"""`carbontrail import FILE…`: import template files (CSV or XLSX) into the database, all rows or none."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.markup import escape
from rich.table import Table

from carbontrail.cli._common import EXIT_INPUT, console, err_console, print_json, user_errors
from carbontrail.errors import ImportRejected, InputError, Location
from carbontrail.services.database import open_sessions
from carbontrail.services.imports import describe, import_files
from carbontrail.services.work import cli_actor


def import_command(
    files: Annotated[list[Path], typer.Argument(help="CSV or XLSX files written from `carbontrail template`; "
                                                     "several files are imported together, in template order.")],
    template: Annotated[str | None, typer.Option(
        "--template", "-t", help="Template name; detected from the header when not given.")] = None,
    organisation: Annotated[str | None, typer.Option(
        "--organisation", help="Refuse rows of any other organisation.")] = None,
    encoding: Annotated[str | None, typer.Option(
        "--encoding", help="A CSV's encoding: utf-8, gbk or gb18030 (detected when not given).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON (no progress bar).")] = False,
) -> None:
    """Check every row and import the file only if all are good; importing the same file again adds nothing."""
    with user_errors(as_json):
        try:
            _import(files, template, organisation, as_json, encoding)
        except ImportRejected as exc:
            if as_json:
                raise
            # one line counting the problems, then each problem once (the error's own text repeats the first five)
            err_console.print(f"[bold red]error:[/] {escape(exc.file)}: {len(exc.problems)} problem(s), nothing "
                              "was imported", highlight=False)
            for problem in exc.problems:
                err_console.print(f"  - {escape(problem.message)}", highlight=False)
            raise typer.Exit(EXIT_INPUT) from None


def _import(files: list[Path], template: str | None, organisation: str | None, as_json: bool,
            encoding: str | None) -> None:

    for path in files:
        if not path.is_file():
            raise InputError(f"there is no file '{path}'", location=Location(file=str(path)))
    templates = [template] * len(files)
    if as_json:
        reports = import_files(open_sessions(), files, templates=templates, organisation=organisation,
                               actor=cli_actor(), encoding=encoding)
        print_json(describe(reports))
        return
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TextColumn("rows"),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("import", total=None)

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        reports = import_files(open_sessions(), files, templates=templates, organisation=organisation,
                               progress=progress, actor=cli_actor(), encoding=encoding)
    table = Table("file", "template", "rows", "inserted", "updated", "unchanged")
    for r in reports:
        table.add_row(r.file, r.template, f"{r.rows:,}", f"{r.inserted:,}", f"{r.updated:,}", f"{r.unchanged:,}")
    console.print(table)
    for r in reports:
        if r.encoding and r.encoding != "UTF-8" or r.delimiter not in (None, ","):
            console.print(f"{escape(r.file)}: read as {r.encoding}, columns separated by {r.delimiter!r}",
                          highlight=False)
        for m in r.mappings:
            console.print(f"{escape(r.file)}: {m.field} '{escape(m.written)}' read as '{escape(m.used)}' "
                          f"({m.rows:,} row(s)): {escape(m.basis)}", highlight=False)
