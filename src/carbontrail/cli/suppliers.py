"""`carbontrail suppliers`: connect to suppliers' PACT hosts, request and pull their footprints, list what came."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from carbontrail.cli._common import JsonOption, console, installation_key, print_json, show, user_errors
from carbontrail.errors import InputError, Location
from carbontrail.services.pact import requests as pr
from carbontrail.services.database import open_sessions
from carbontrail.services.work import cli_actor

app = typer.Typer(help="Suppliers' PACT hosts: connections, footprint requests, pulls, coverage.",
                  no_args_is_help=True)

Org = Annotated[str, typer.Argument(help="Your organisation's code (the customer).")]
Supplier = Annotated[str, typer.Argument(help="The supplier connection's code.")]


def _secret(from_stdin: bool) -> str:
    # never on the command line, where other users could read it from the process list
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if os.environ.get("CARBONTRAIL_SUPPLIER_SECRET"):
        return os.environ["CARBONTRAIL_SUPPLIER_SECRET"]
    return str(typer.prompt("Client secret", hide_input=True))


def _public_url(given: str | None) -> str:
    url = given or os.environ.get("CARBONTRAIL_PUBLIC_URL", "")
    if not url:
        raise InputError("say where suppliers answer: this instance's public https:// address",
                         location=Location(field="callback"),
                         expected="--callback https://… or CARBONTRAIL_PUBLIC_URL")
    return url


@app.command("add")
def add(organisation: Org, supplier: Supplier,
        host: Annotated[str, typer.Option(help="The supplier's PACT host, https://…")],
        client_id: Annotated[str, typer.Option(help="The client id the supplier issued to you.")],
        name: Annotated[str, typer.Option(help="The supplier's name as you show it.")] = "",
        pact_version: Annotated[str, typer.Option("--pact-version", help="2 (v2.3) or 3 (v3.0).")] = "3",
        ca: Annotated[Path | None, typer.Option(help="The host's CA or self-signed certificate (PEM file).")] = None,
        secret_stdin: Annotated[bool, typer.Option("--secret-stdin",
                                                   help="Read the client secret from standard input.")] = False,
        as_json: JsonOption = False) -> None:
    """Connect to a supplier's PACT host (secret from a prompt, --secret-stdin or CARBONTRAIL_SUPPLIER_SECRET)."""
    with user_errors(as_json):
        ca_pem = ""
        if ca is not None:
            if not ca.is_file():
                raise InputError(f"'{ca}' is not a file", location=Location(file=str(ca)),
                                 expected="a PEM certificate file")
            ca_pem = ca.read_text(encoding="utf-8")
        info = pr.connect(open_sessions(), cli_actor(), organisation, installation_key(),
                          supplier=supplier, name=name, host_url=host, client_id=client_id,
                          client_secret=_secret(secret_stdin), pact_version=pact_version, ca_pem=ca_pem)
        show(as_json, info, f"{organisation}: connected to {info.name} at {info.host_url} (PACT v{pact_version})")


@app.command("request")
def request(organisation: Org, supplier: Supplier,
            product_id: Annotated[str, typer.Argument(help="The product as the supplier names it (urn:…).")],
            key: Annotated[str, typer.Option(help="The input's flow id in your product models.")] = "",
            callback: Annotated[str | None, typer.Option(
                help="This instance's public https:// base URL (else CARBONTRAIL_PUBLIC_URL).")] = None,
            as_json: JsonOption = False) -> None:
    """Ask a supplier for a product's footprint; its host answers at {callback}/{version}/events."""
    with user_errors(as_json):
        info = pr.ask(open_sessions(), cli_actor(), organisation, installation_key(),
                      supplier=supplier, product_id=product_id, product_key=key, public_url=_public_url(callback))
        if as_json:
            print_json(info)
        elif info.status == "error":
            console.print(f"[red]request not delivered:[/] {info.reason}", highlight=False)
            raise typer.Exit(1)
        else:
            console.print(f"request {info.event_id} sent to {supplier} for {product_id}: {info.status}")


@app.command("pull")
def pull(organisation: Org, supplier: Supplier,
         product: Annotated[list[str] | None, typer.Option(help="Only this product id (repeatable).")] = None,
         map_: Annotated[list[str] | None, typer.Option(
             "--map", help="PRODUCT_ID=FLOW: the flow id in your models for a product (repeatable).")] = None,
         as_json: JsonOption = False) -> None:
    """Fetch every footprint the supplier's host shows you (all pages) and keep them as supplier data."""
    with user_errors(as_json):
        keys = {}
        for item in map_ or []:
            pid, sep, flow = item.rpartition("=")
            if not sep or not pid or not flow:
                raise InputError(f"'{item}' is not PRODUCT_ID=FLOW", location=Location(field="--map"))
            keys[pid] = flow
        report = pr.pull_from(open_sessions(), cli_actor(), organisation, installation_key(),
                              supplier=supplier, product_ids=product or [], product_keys=keys)
        show(as_json, report, f"{supplier}: {report.listed} listed, {report.stored} kept, {report.recorded} recorded "
                              f"as supplier data, {report.fulfilled_requests} request(s) fulfilled")


@app.command("list")
def list_(organisation: Org, as_json: JsonOption = False) -> None:
    """Supplier connections, requests sent, footprints received and coverage with primary data."""
    with user_errors(as_json):
        chain = pr.supply_chain(open_sessions(), cli_actor(), organisation)
        conns, reqs, got, cov = chain.suppliers, chain.requests, chain.received, chain.coverage
        if as_json:
            print_json({"suppliers": conns, "requests": reqs, "received": got,
                        "coverage": {"source": cov.source,
                                     "lines": [{**vars(c), "share": c.share} for c in cov.totals + cov.lines]}})
            return
        table = Table(title=f"{organisation}: suppliers")
        for col in ("code", "name", "host", "PACT", "received"):
            table.add_column(col)
        for c in conns:
            table.add_row(c.supplier, c.name, c.host_url, f"v{c.pact_version}", str(c.footprints_received))
        console.print(table)
        table = Table(title="requests")
        for col in ("supplier", "product", "flow", "status", "reason"):
            table.add_column(col)
        for r in reqs:
            table.add_row(r.supplier, r.product_id, r.product_key, r.status, r.reason)
        console.print(table)
        table = Table(title=f"coverage with primary data ({cov.source})")
        for col in ("supplier", "basis", "purchased", "with primary", "share"):
            table.add_column(col)
        for c in cov.totals + cov.lines:
            share = f"{c.share:.1%}" if c.share is not None else "—"
            table.add_row(c.supplier or "all", c.basis, f"{c.purchased:,.2f}", f"{c.with_primary:,.2f}", share)
        console.print(table)
