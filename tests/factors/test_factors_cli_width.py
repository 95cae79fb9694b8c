"""`carbontrail factors` tables fit an 80-column terminal (columns chosen, long text wrapped, never cut to "…");
`--wide` shows every column."""

from __future__ import annotations

import unicodedata

import pytest
import typer
from rich.console import Console
from sqlalchemy import Engine
from typer.testing import CliRunner

from carbontrail.cli import factors as cli_factors

root = typer.Typer()
root.add_typer(cli_factors.app, name="factors")
runner = CliRunner()


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


@pytest.fixture
def terminal80(engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARBONTRAIL_DATABASE_URL", db_url)
    monkeypatch.setattr(cli_factors, "console", Console(width=80))


@pytest.mark.parametrize("command", [["factors", "search"], ["factors", "search", "天然气"], ["factors", "datasets"]])
def test_tables_fit_80_columns_without_cutting(terminal80: None, command: list[str]) -> None:
    result = runner.invoke(root, command)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) > 4
    assert max(_width(line) for line in lines) <= 80
    assert "…" not in result.stdout


def test_every_dataset_name_is_shown_whole_at_80_columns(terminal80: None) -> None:
    """Wrapped cells keep every character: 'ipcc2006-stationary-combustion' (30 characters) is still there once
    the wrapped pieces of its column are joined."""
    result = runner.invoke(root, ["factors", "datasets"])
    column = "".join(line.split("│")[1].strip() for line in result.stdout.splitlines() if line.startswith("│"))
    assert "ipcc2006-stationary-combustion" in column


def test_wide_shows_every_column(terminal80: None) -> None:
    narrow = runner.invoke(root, ["factors", "search", "--geography", "Sichuan"]).stdout
    wide = runner.invoke(root, ["factors", "search", "--geography", "Sichuan", "--wide"]).stdout
    assert "confidence" not in narrow and "series" not in narrow
    assert "confidence" in wide and "series" in wide and "medium" in wide
    assert "description" in runner.invoke(root, ["factors", "datasets", "--wide"]).stdout
