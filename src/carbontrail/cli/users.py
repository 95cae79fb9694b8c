"""`carbontrail users`: create users and API clients, grant and revoke roles, list who holds what."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from rich.table import Table

from carbontrail.cli._common import JsonOption, OrgArgument, console, print_json, show, user_errors
from carbontrail.errors import InputError, Location
from carbontrail.services import accounts, jurisdictions
from carbontrail.services.database import open_sessions
from carbontrail.services.work import cli_actor

app = typer.Typer(help="Users, API clients and roles.", no_args_is_help=True)



def _password(from_stdin: bool) -> str:
    # never on the command line, where other users could read it from the process list
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if os.environ.get("CARBONTRAIL_PASSWORD"):
        return os.environ["CARBONTRAIL_PASSWORD"]
    first = typer.prompt("Password", hide_input=True)
    if typer.prompt("Repeat the password", hide_input=True) != first:
        raise InputError("the two passwords differ", location=Location(field="password"))
    return str(first)


@app.command("create")
def create(email: Annotated[str, typer.Argument(help="The user's e-mail address (their sign-in name).")],
           name: Annotated[str, typer.Option(help="Display name.")] = "",
           locale: Annotated[str, typer.Option(help="Page language: zh_CN or en.")] = "zh_CN",
           platform_admin: Annotated[bool, typer.Option("--platform-admin",
                                                        help="May create organisations and jurisdictions.")] = False,
           password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                        help="Read the password from standard input.")] = False,
           as_json: JsonOption = False) -> None:
    """Add a user (password from a prompt, --password-stdin, or CARBONTRAIL_PASSWORD)."""
    with user_errors(as_json):
        user_id = accounts.add_user(open_sessions(), cli_actor(), email, _password(password_stdin), name=name,
                                    locale=locale, platform_admin=platform_admin)
        show(as_json, {"id": user_id, "email": email.strip().lower()}, f"user {email} created")


@app.command("client")
def client(email: Annotated[str, typer.Argument(help="The user the client acts for.")],
           name: Annotated[str, typer.Option(help="What the client is, e.g. 'ERP export'.")] = "",
           as_json: JsonOption = False) -> None:
    """Create an OAuth2 client (client credentials) acting with the user's roles; the secret is shown once."""
    with user_errors(as_json):
        client_id, secret = accounts.add_client(open_sessions(), cli_actor(), email, name=name)
        if as_json:
            print_json({"client_id": client_id, "client_secret": secret})
        else:
            console.print(f"client_id:     {client_id}\nclient_secret: {secret}\n"
                          "(keep the secret; it is not shown again)")


@app.command("grant")
def grant(email: Annotated[str, typer.Argument(help="The user's e-mail address.")],
          role: Annotated[str, typer.Argument(help=", ".join(accounts.ROLES))],
          organisation: Annotated[str | None, typer.Option(help="Organisation code (organisation roles).")] = None,
          jurisdiction: Annotated[str | None, typer.Option(help="Jurisdiction code (park / government).")] = None,
          as_json: JsonOption = False) -> None:
    """Give a user a role on an organisation or a jurisdiction."""
    with user_errors(as_json):
        g = accounts.grant(open_sessions(), cli_actor(), email, role, organisation=organisation,
                           jurisdiction=jurisdiction)
        show(as_json, {"email": email, "role": g.role, "organisation": g.organisation, "jurisdiction": g.jurisdiction},
             f"{email}: {g.role} on {g.organisation or g.jurisdiction}")


@app.command("revoke")
def revoke(email: Annotated[str, typer.Argument(help="The user's e-mail address.")],
           role: Annotated[str, typer.Argument(help="The organisation role to take away.")],
           organisation: Annotated[str, typer.Option(help="Organisation code.")],
           as_json: JsonOption = False) -> None:
    """Take an organisation role away from a user."""
    with user_errors(as_json):
        accounts.revoke(open_sessions(), cli_actor(), email, role, organisation=organisation)
        show(as_json, {"email": email, "role": role, "organisation": organisation, "revoked": True},
             f"{email}: {role} on {organisation} revoked")


@app.command("jurisdiction")
def jurisdiction(code: Annotated[str, typer.Argument(help="Code, e.g. SC or SC-CD-TF.")],
                 kind: Annotated[str, typer.Argument(help="province, city or park.")],
                 name: Annotated[str, typer.Argument(help="Name (Chinese).")],
                 name_en: Annotated[str, typer.Option(help="Name in English.")] = "",
                 parent: Annotated[str | None, typer.Option(help="Parent jurisdiction code.")] = None,
                 as_json: JsonOption = False) -> None:
    """Add a jurisdiction (province → city → park) that park and government roles are granted on."""
    with user_errors(as_json):
        node = jurisdictions.create(open_sessions(), code, kind, name, name_en=name_en, parent=parent,
                                    actor=cli_actor())
        show(as_json, {"code": node.code, "kind": node.kind, "parent": node.parent}, f"{node.kind} {node.code} created")


@app.command("place")
def place(jurisdiction_code: Annotated[str, typer.Argument(metavar="JURISDICTION", help="Jurisdiction code.")],
          organisation: OrgArgument,
          facility: Annotated[str | None, typer.Option(help="Only this facility of the organisation.")] = None,
          as_json: JsonOption = False) -> None:
    """Put an enterprise (or one facility) inside a jurisdiction."""
    with user_errors(as_json):
        jurisdictions.place(open_sessions(), jurisdiction_code, organisation=organisation, facility=facility,
                            actor=cli_actor())
        show(as_json, {"jurisdiction": jurisdiction_code, "organisation": organisation, "facility": facility},
             f"{organisation}{'/' + facility if facility else ''} is in {jurisdiction_code}")


@app.command("list")
def list_users(as_json: JsonOption = False) -> None:
    """Every user and the roles they hold."""
    with user_errors(as_json):
        users = accounts.users(open_sessions(), cli_actor())
        if as_json:
            print_json([{"email": u.email, "name": u.name, "platform_admin": u.platform_admin,
                         "grants": [g.__dict__ for g in u.grants]} for u in users])
            return
        table = Table("e-mail", "name", "roles")
        for u in users:
            roles = ", ".join(f"{g.role}@{g.organisation or g.jurisdiction}" for g in u.grants)
            table.add_row(u.email, u.name, ("platform_admin; " if u.platform_admin else "") + roles)
        console.print(table)
