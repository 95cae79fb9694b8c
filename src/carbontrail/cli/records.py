"""`carbontrail activity show|edit|delete` and `carbontrail period lock|unlock`: one activity record at a time (the
import's checks and messages, an audit row with the values before and after) and reporting periods locked for
verification — the same use cases as the pages and the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from rich.markup import escape

from carbontrail.cli._common import JsonOption, OrgArgument, show, user_errors
from carbontrail.errors import InputError, Location
from carbontrail.services import activity, organisations
from carbontrail.services.database import open_sessions
from carbontrail.services.work import cli_actor

activity_app = typer.Typer(help="One activity record: `activity show|edit|delete ORG NUMBER`.", no_args_is_help=True)
period_app = typer.Typer(help="Reporting periods locked for verification: `period lock|unlock ORG NAME`.",
                         no_args_is_help=True)

Record = Annotated[int, typer.Argument(help="The record's number (the `id` of the API's activity list).")]
Period = Annotated[str, typer.Argument(help="Name of the reporting period, e.g. 2023.")]


@activity_app.command("show")
def show_command(organisation: OrgArgument, record: Record, as_json: JsonOption = False) -> None:
    """The record's values as the activity template's columns, and the locked period it lies in."""
    with user_errors(as_json):
        r = activity.get_record(open_sessions(), cli_actor(), organisation, record)
        show(as_json, r, "\n".join(f"{k}: {escape(v)}" for k, v in r.form_values().items()) +
             (f"\nlocked in period {escape(r.locked)}" if r.locked else ""))


@activity_app.command("edit")
def edit_command(organisation: OrgArgument, record: Record,
                 values: Annotated[list[str], typer.Option("--set", help="COLUMN=VALUE, once per column changed "
                                                                         "(the activity template's columns).")],
                 as_json: JsonOption = False) -> None:
    """Change columns of a record; checked as the import checks a row, refused inside a locked period."""
    with user_errors(as_json):
        sessions = open_sessions()
        current = activity.get_record(sessions, cli_actor(), organisation, record).form_values()
        for pair in values:
            name, sep, value = pair.partition("=")
            if not sep or name.strip() not in activity.FIELDS:
                raise InputError(f"'{pair[:60]}' is not COLUMN=VALUE", location=Location(field="--set"),
                                 expected="one of " + ", ".join(activity.FIELDS))
            current[name.strip()] = value
        r = activity.edit_record(sessions, cli_actor(), organisation, record, current)
        show(as_json, r, f"record {r.id} saved: {r.kind} {escape(r.item)} {r.quantity:g} {r.unit}")


@activity_app.command("delete")
def delete_command(organisation: OrgArgument, record: Record, as_json: JsonOption = False) -> None:
    """Delete a record (its values stay in the audit trail); refused inside a locked period."""
    with user_errors(as_json):
        r = activity.delete_record(open_sessions(), cli_actor(), organisation, record)
        show(as_json, r, f"record {r.id} deleted")


@period_app.command("lock")
def lock_command(organisation: OrgArgument, period: Period, as_json: JsonOption = False) -> None:
    """Lock the period for verification: no activity record inside it may be imported, changed or deleted."""
    _period(organisations.lock_period, organisation, period, as_json, "locked for verification")


@period_app.command("unlock")
def unlock_command(organisation: OrgArgument, period: Period, as_json: JsonOption = False) -> None:
    """Open a locked period again."""
    _period(organisations.unlock_period, organisation, period, as_json, "unlocked")


def _period(change: Callable[..., organisations.PeriodView], organisation: str, period: str, as_json: bool,
            done: str) -> None:
    with user_errors(as_json):
        p = change(open_sessions(), cli_actor(), organisation, period)
        show(as_json, p, f"period {escape(p.name)} {done}")
