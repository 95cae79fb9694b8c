"""The `carbontrail` command: one sub-command group per area, each in its own module here."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="carbontrail",
    help="carbontrail: industrial carbon data — inventories, product footprints, declarations.",
    no_args_is_help=True,
    add_completion=False,
)


def main() -> None:
    app()
