"""The `carbontrail` command: one sub-command group per area, each in its own module here."""

from __future__ import annotations

import typer

from carbontrail.cli import cbam, factors, template, users
from carbontrail.cli.imports import import_command
from carbontrail.cli.inventory import inventory_command
from carbontrail.cli.setup import demo_app, init_command, serve_command
from carbontrail.cli import footprint
from carbontrail.cli import suppliers
from carbontrail.cli import battery
from carbontrail.cli import pact as pact_cli
from carbontrail.cli import monitor as monitor_cli
from carbontrail.cli import ledger as ledger_cli
from carbontrail.cli import certificates
from carbontrail.cli import engagements as engagements_cli
from carbontrail.cli import records

app = typer.Typer(
    name="carbontrail",
    help="carbontrail: industrial carbon data — inventories, product footprints, declarations.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("init")(init_command)
app.command("import")(import_command)
app.command("inventory")(inventory_command)
app.command("serve")(serve_command)
app.add_typer(demo_app, name="demo")
app.add_typer(factors.app, name="factors")
app.add_typer(template.app, name="template")
app.add_typer(users.app, name="users")
app.add_typer(cbam.app, name="cbam")
app.add_typer(footprint.app, name="footprint")
app.add_typer(suppliers.app, name="suppliers")
app.add_typer(battery.app, name="battery")
app.add_typer(pact_cli.app, name="pact")
app.add_typer(monitor_cli.readings_app, name="readings")
app.add_typer(monitor_cli.app, name="monitor")
app.add_typer(ledger_cli.app, name="ledger")
app.add_typer(engagements_cli.app, name="engagement")
app.command("verify")(ledger_cli.verify_command)
app.add_typer(certificates.app, name="certificates")
app.add_typer(records.activity_app, name="activity")
app.add_typer(records.period_app, name="period")


def main() -> None:
    app()
