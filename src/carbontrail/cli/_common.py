"""What every CLI command shares: the database, JSON output, and turning errors into exit codes.

Exit codes scripts can trust: 0 done; 1 bad input or a rule refused it; 2 usage error (Typer);
3 not found; 4 set-up problem (database, configuration); 5 the address to serve on is taken.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import yaml
from rich.console import Console
from rich.table import Table

from carbontrail.config import Settings
from carbontrail.services.accounts import secret_key
from carbontrail.errors import (
    CarbontrailError,
    ConfigurationError,
    ImportRejected,
    InputError,
    Location,
    NotFound,
)

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)

# the parameters many commands take, said the same way everywhere
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
OrgArgument = Annotated[str, typer.Argument(help="Organisation code.")]

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_NOT_FOUND, EXIT_SETUP, EXIT_ADDRESS_IN_USE = 0, 1, 2, 3, 4, 5


def installation_key() -> bytes:
    """This installation's secret (CARBONTRAIL_SECRET_KEY or the key file): it opens the signing keys the trust
    log and credentials are signed with, and the stored supplier secrets."""
    return secret_key(Settings.from_env())


def bundle_path(document: Path) -> Path:
    """Where the proof bundle of a credential or event file is saved: `name.proof.json` beside `name.json`."""
    return document.with_name(document.name.removesuffix(".json") + ".proof.json")


def write_json(path: Path, data: Any) -> None:
    """Save `data` as readable JSON (UTF-8, Chinese kept)."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def read_text(path: Path) -> str:
    """A UTF-8 file's text, or an input error naming the file."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", location=Location(file=str(path))) from None


def read_document(path: Path, expected: str = "a YAML or JSON document") -> Any:
    """A parsed YAML or JSON file (JSON is YAML, so one parser serves both); errors name the file and line."""
    text = read_text(path)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError("not valid YAML/JSON", location=Location(file=str(path), row=mark.line + 1 if mark else None),
                         expected=expected) from None


def _default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "__dataclass_fields__"):

        return asdict(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def print_json(data: Any) -> None:
    """Write `data` as JSON on stdout (UTF-8, Chinese kept readable)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n")


def show(as_json: bool, data: Any, text: str) -> None:
    """The result of a command: `data` as JSON with --json, otherwise the sentence `text` (rich markup)."""
    if as_json:
        print_json(data)
    else:
        console.print(text)


def show_rows(as_json: bool, rows: Sequence[T], columns: Sequence[str], cells: Callable[[T], Sequence[str]]) -> None:
    """A command's list: the rows as JSON with --json, otherwise a table of `columns`, `cells` of each row."""
    if as_json:
        print_json(rows)
        return
    table = Table(*columns)
    for row in rows:
        table.add_row(*cells(row))
    console.print(table)


@contextmanager
def user_errors(as_json: bool = False) -> Iterator[None]:
    """Show a `CarbontrailError` as one message (or a JSON error object) and exit with its code."""
    try:
        yield
    except ImportRejected as exc:
        _fail(exc, EXIT_INPUT, as_json, extra={"problems": [p.message for p in exc.problems]})
    except NotFound as exc:
        _fail(exc, EXIT_NOT_FOUND, as_json)
    except ConfigurationError as exc:
        _fail(exc, EXIT_SETUP, as_json)
    except CarbontrailError as exc:
        _fail(exc, EXIT_INPUT, as_json)


def _fail(exc: CarbontrailError, code: int, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    if as_json:
        print_json({"error": {"code": exc.code, "message": str(exc), **(extra or {})}})
    else:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        for problem in (extra or {}).get("problems", [])[:50]:
            err_console.print(f"  - {problem}", highlight=False)
    raise typer.Exit(code)

