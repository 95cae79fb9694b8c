"""`carbontrail pact`: a supplier's PACT host from the command line — publish footprints, grant them to customers,
answer footprint requests (by hand or by rule), and export a footprint as PACT v2.3 / v3.0 or Catena-X."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from carbontrail.cli._common import (
    JsonOption,
    installation_key,
    print_json,
    read_document,
    show,
    show_rows,
    user_errors,
)
from carbontrail.errors import InputError, Location
from carbontrail.services.database import open_sessions
from carbontrail.services.pact import host as pact_host
from carbontrail.services.pact import publishing
from carbontrail.services.work import cli_actor
from carbontrail.services.pact import inbox as pact_inbox
from carbontrail.services.demo.pact import CLIENT_ID, CUSTOMER, demo_client_secret

app = typer.Typer(help="PACT host: publish and grant footprints, answer footprint requests.", no_args_is_help=True)

Org = Annotated[str, typer.Argument(help="Code of the publishing (supplier) organisation.")]
PfId = Annotated[str, typer.Argument(help="Footprint id (a UUID).")]


def _sessions():  # type: ignore[no-untyped-def]
    return open_sessions()



@app.command("publish")
def publish_command(
    org: Org,
    file: Annotated[Path, typer.Argument(help="The footprint: a PACT v2/v3 ProductFootprint (JSON) or carbontrail's "
                                              "own fields (YAML/JSON, see examples/pact/).")],
    comment: Annotated[str, typer.Option(help="Why this version (statusComment of the one it replaces).")] = "",
    as_json: JsonOption = False,
) -> None:
    """Publish a footprint; if the organisation has an Active one for the same product, this is its next version."""
    with user_errors(as_json):
        done = pact_host.publish_document(_sessions(), cli_actor(), org, read_document(file), file=str(file),
                                          status_comment=comment)
        show(as_json, done, f"published {done.pf_id} (version {done.version}) for {escape(', '.join(done.product_ids))}"
                            f"; shared with: {', '.join(done.grantees) or 'nobody yet'}")


@app.command("grant")
def grant_command(org: Org, pf_id: PfId,
                  customer: Annotated[str, typer.Argument(help="Code of the customer organisation.")],
                  revoke: Annotated[bool, typer.Option("--revoke", help="Stop sharing instead.")] = False,
                  as_json: JsonOption = False) -> None:
    """Share a footprint with a customer organisation (its PACT clients can then list and fetch it)."""
    with user_errors(as_json):
        (pact_host.revoke if revoke else pact_host.grant)(_sessions(), cli_actor(), org, pf_id, customer)
        show(as_json, {"pf_id": pf_id, "customer": customer, "granted": not revoke},
             f"{pf_id} {'no longer shared with' if revoke else 'shared with'} {customer}")


@app.command("list")
def list_command(org: Org, as_json: JsonOption = False) -> None:
    """The organisation's published footprints, every version, and with whom each is shared."""
    with user_errors(as_json):
        show_rows(as_json, pact_host.outbox(_sessions(), cli_actor(), org),
                  ("pf id", "product", "version", "status", "kg CO2e / unit", "source", "shared with"),
                  lambda r: (r.pf_id, escape(r.product_name), str(r.version), r.status,
                             f"{r.pcf_excluding} / {r.declared_unit}",
                             f"computed (result {r.result_id})" if r.result_id is not None else r.source,
                             ", ".join(r.grantees)))


@app.command("status")
def status_command(org: Org, as_json: JsonOption = False) -> None:
    """Each Active footprint: computed from which stored result (or entered by hand), and whether its model now
    computes a different number (out of date, with the difference)."""
    with user_errors(as_json):
        show_rows(as_json, publishing.freshness(_sessions(), cli_actor(), org),
                  ("pf id", "product", "version", "published", "source", "computes now", "state"), _freshness_cells)


def _freshness_cells(r: publishing.Freshness) -> tuple[str, ...]:
    source = (f"result {r.result.id} of model {r.result.model_key}" if r.result is not None
              else publishing.BY_HAND)
    now = (f"{r.current_kg:.6g} ({r.difference_kg:+.6g})" if r.current_kg is not None
           and r.difference_kg is not None else "-")
    state = "out of date" if r.stale else ("up to date" if r.result is not None else "-")
    return (r.pf_id, escape(r.product_name), str(r.version), f"{r.published_kg} / {r.declared_unit}",
            escape(source), now, state + (f": {escape(r.note)}" if r.note else ""))


@app.command("republish")
def republish_command(org: Org, pf_id: PfId, as_json: JsonOption = False) -> None:
    """Publish the next version of an out-of-date computed footprint from its model as it computes today."""
    with user_errors(as_json):
        done = publishing.republish(_sessions(), cli_actor(), org, pf_id)
        show(as_json, done, f"published {done.pf_id} (version {done.version}, {done.pcf_excluding} kg CO2e / "
                            f"{done.declared_unit}) replacing {done.preceding_pf_ids[-1]}; shared with: "
                            f"{', '.join(done.grantees) or 'nobody yet'}")


@app.command("show")
def show_command(org: Org, pf_id: PfId,
                 fmt: Annotated[str, typer.Option("--format", help="v3 (PACT 3.0), v2 (PACT 2.3) or catenax.")] = "v3",
                 ) -> None:
    """Print one of the organisation's footprints as a PACT or Catena-X document (JSON)."""
    with user_errors(True):
        if fmt == "catenax":
            print_json(pact_host.catenax_document(_sessions(), cli_actor(), org, pf_id))
        elif fmt in ("v2", "v3"):
            print_json(pact_host.document(_sessions(), cli_actor(), org, pf_id, fmt[1]))
        else:
            raise InputError(f"'{fmt}' is not a format", location=Location(field="format"),
                             expected="v3, v2 or catenax")


@app.command("requests")
def requests_command(org: Org,
                     status: Annotated[str | None, typer.Option(help="pending, fulfilled or rejected.")] = None,
                     as_json: JsonOption = False) -> None:
    """The footprint requests customers sent the organisation (its inbox), newest first."""
    with user_errors(as_json):
        show_rows(as_json, pact_inbox.inbox(_sessions(), cli_actor(), org, status),
                  ("id", "from", "products", "status", "reason", "answer delivered"),
                  lambda r: (str(r.id), r.requester or "?", escape(", ".join(r.product_ids) or "(other criteria)"),
                             r.status, escape(r.reason), escape(f"{r.delivery} {r.delivery_note}".strip())))


@app.command("decide")
def decide_command(
    org: Org,
    request_id: Annotated[int, typer.Argument(help="The request's id (see `carbontrail pact requests`).")],
    accept: Annotated[bool, typer.Option("--accept/--reject", help="Fulfil the request, or reject it.")] = True,
    reason: Annotated[str, typer.Option(help="Why the request is rejected (sent to the customer).")] = "",
    pf_id: Annotated[list[str] | None, typer.Option("--pf-id", help="Answer with these footprints (default: the "
                                                                   "Active ones matching the request).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Answer a pending request; the answer is posted to the customer's events endpoint at once."""
    with user_errors(as_json):
        done = pact_inbox.decide(_sessions(), cli_actor(), org, request_id, accept=accept, reason=reason,
                                pf_ids=pf_id or (), key=installation_key())
        show(as_json, done, f"request {done.id}: {done.status}; answer {done.delivery or 'not sent'}"
                            f"{': ' + escape(done.delivery_note) if done.delivery_note else ''}")


@app.command("rule")
def rule_command(org: Org, mode: Annotated[str, typer.Argument(help="manual or auto.")],
                 grant: Annotated[bool, typer.Option("--grant/--granted-only", help="auto: grant matching footprints "
                                                     "to the requester (default), or answer only with those "
                                                     "already granted to it.")] = True,
                 as_json: JsonOption = False) -> None:
    """How the organisation answers footprint requests: by hand (manual) or automatically (auto)."""
    with user_errors(as_json):
        pact_inbox.set_rule(_sessions(), cli_actor(), org, mode, grant_on_request=grant)
        show(as_json, {"organisation": org, "mode": mode, "grant_on_request": grant},
             f"{org} answers footprint requests: {mode}")


@app.command("callback-credentials")
def credentials_command(
    host: Annotated[str, typer.Option(help="The customer's PACT host, e.g. https://customer.example:8443.")],
    client_id: Annotated[str, typer.Option(help="The client id the customer's host issued.")],
    client_secret: Annotated[str, typer.Option(prompt=True, hide_input=True, help="Its secret.")],
    org: Annotated[str | None, typer.Option(help="The supplier organisation they were issued to (default: this "
                                                 "host itself, for answers no supplier gives).")] = None,
    ca: Annotated[Path | None, typer.Option(help="The host's CA or self-signed certificate (PEM).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Store credentials for posting answers to a customer's PACT host (the secret is kept encrypted)."""
    with user_errors(as_json):
        pem = ca.read_text(encoding="utf-8") if ca else ""
        origin = pact_inbox.set_callback_credentials(_sessions(), cli_actor(), org, installation_key(), host=host, client_id=client_id,
                                                    client_secret=client_secret, ca_pem=pem)
        show(as_json, {"host": origin, "organisation": org, "client_id": client_id},
             f"answers to {origin} will authenticate as {client_id}")


@app.command("demo-client")
def demo_client_command(as_json: JsonOption = False) -> None:
    """The demo customer's PACT client id and secret (after `carbontrail demo load`)."""
    show(as_json, {"customer": CUSTOMER, "client_id": CLIENT_ID, "client_secret": demo_client_secret()},
         f"PACT client of {CUSTOMER}: id {CLIENT_ID}  secret {demo_client_secret()}")
