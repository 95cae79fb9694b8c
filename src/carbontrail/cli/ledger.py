"""`carbontrail verify FILE` (offline) and `carbontrail ledger …`: the transparency log, credentials and keys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from carbontrail.cli._common import (
    JsonOption,
    bundle_path,
    console,
    installation_key,
    print_json,
    user_errors,
    write_json,
)
from carbontrail.errors import InputError, NotFound
from carbontrail.ledger import bundle as bundles
from carbontrail.ledger.canonical import parse
from carbontrail.services.work import cli_actor
from carbontrail.services.database import open_sessions
from carbontrail.services.ledger import log
from carbontrail.services.ledger import credentials, documents
from carbontrail.services.ledger import engagements

app = typer.Typer(help="The transparency log: checkpoints, proofs, search; credentials, revocation, keys.",
                  no_args_is_help=True)

Org = Annotated[str, typer.Option("--org", help="Organisation code.")]


def _sessions():  # type: ignore[no-untyped-def]
    return open_sessions()



def _read_json(path: Path, what: str) -> Any:
    if not path.is_file():
        raise NotFound(f"{path}: no such file")
    try:
        return parse(path.read_bytes(), what=f"{what} {path.name}")
    except InputError as exc:
        raise exc.at(file=str(path)) from None


def verify_command(
    file: Annotated[Path, typer.Argument(help="A credential or a certificate event (JSON); its proof bundle "
                                              "NAME.proof.json beside it.")],
    proofs: Annotated[Path | None, typer.Option("--bundle", help="The proof bundle, if not beside the file.")] = None,
    checkpoint: Annotated[Path | None, typer.Option("--checkpoint", help="A checkpoint you already hold (a signed "
                                                    "note saved earlier): the log must be consistent with it.")] = None,
    log_key: Annotated[str | None, typer.Option("--log-key", help="The log's verifier key you trust, instead of "
                                                "the one in the bundle.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Verify a credential offline (signature, status, inclusion in the log, consistency with your checkpoint), or
    a green-electricity certificate event saved by `carbontrail certificates proof` (inclusion, consistency)."""
    with user_errors(as_json):
        document = _read_json(file, "credential")
        if not isinstance(document, dict):
            raise InputError("the file is not a JSON object",
                             expected="a W3C verifiable credential or a certificate event")
        where = proofs or bundle_path(file)
        bundle = _read_json(where, "proof bundle") if where.is_file() else None
        held = checkpoint.read_text(encoding="utf-8") if checkpoint else None
        check = bundles.verify_event if document.get("type") == bundles.CERTIFICATE_EVENT_TYPE else bundles.verify
        report = check(document, bundle, held=held, log_key=log_key)
    if as_json:
        print_json({"verified": report.ok, "sentence": report.sentence,
                    "checks": [{"check": c.name, "ok": c.ok, "message": c.message} for c in report.checks]})
    else:
        console.print(("[bold green]" if report.ok else "[bold red]") + report.sentence + "[/]", highlight=False)
    raise typer.Exit(0 if report.ok else 1)


@app.command("head")
def head_command(save: Annotated[Path | None, typer.Option(help="Save the signed checkpoint to this file.")] = None,
                 as_json: JsonOption = False) -> None:
    """The latest signed checkpoint of the log."""
    with user_errors(as_json):
        head = log.latest(_sessions())
    if save:
        save.write_text(head.checkpoint, encoding="utf-8")
    if as_json:
        print_json(head)
    else:
        console.print(head.checkpoint, highlight=False, end="")
        console.print(f"log key: {head.log_key}", highlight=False)


@app.command("proof")
def proof_command(seq: Annotated[int, typer.Argument(help="Entry number (from 0).")],
                  size: Annotated[int | None, typer.Option(help="Tree size of a signed checkpoint.")] = None,
                  as_json: JsonOption = True) -> None:
    """An inclusion proof of one entry."""
    with user_errors(as_json):
        print_json(log.inclusion(_sessions(), seq, size))


@app.command("consistency")
def consistency_command(old: int, new: int) -> None:
    """A consistency proof between two signed checkpoints (sizes)."""
    with user_errors(True):
        print_json({"from": old, "to": new, "hashes": log.consistency(_sessions(), old, new)})


@app.command("search")
def search_command(subject: Annotated[str, typer.Option(help="Subject hash (hex).")] = "",
                   organisation: Annotated[str, typer.Option(help="Organisation code.")] = "",
                   credential: Annotated[str, typer.Option(help="Credential id.")] = "",
                   kind: Annotated[str, typer.Option(help="Entry kind.")] = "") -> None:
    """Entries by subject hash, organisation, credential id or kind."""
    with user_errors(True):
        print_json(log.search(_sessions(), subject=subject, organisation=organisation, credential=credential,
                              kind=kind))


@app.command("check")
def check_command() -> None:
    """Recompute the whole tree from the stored entries and check it against the latest signed checkpoint."""
    with user_errors():
        audit = log.check(_sessions())
    if audit.ok:
        console.print(f"the log of {audit.size} entries is intact: its checkpoint verifies and every entry is in it")
        return
    console.print(f"[bold red]the log is damaged:[/] {audit.problem}", highlight=False)
    raise typer.Exit(1)


@app.command("issue")
def issue_command(org: Org,
                  kind: Annotated[str, typer.Option(help="footprint, battery_declaration, battery_passport, "
                                                         "cbam_communication or inventory_report.")],
                  out: Annotated[Path, typer.Option(help="Where to write the credential (its bundle beside it).")],
                  reference: Annotated[str, typer.Option(help="What it is about: a period (inventory_report), a "
                                                              "declaration number, a passport identifier, an "
                                                              "installation CODE or CODE@YEAR.")] = "",
                  document: Annotated[Path | None, typer.Option("--file", help="A JSON document to sign instead "
                                                                "of the stored one the reference names.")] = None,
                  name: Annotated[str, typer.Option(help="A name for the credential.")] = "") -> None:
    """Issue a signed credential over a document of the organisation (the stored inventory, declaration, passport
    or CBAM communication the reference names, or a file), log it and save it with its proof bundle."""
    with user_errors():
        if document is None:
            issued = documents.issue_stored(_sessions(), cli_actor(), installation_key(), org, kind, reference,
                                            name=name)
        else:
            issued = credentials.issue(_sessions(), cli_actor(), installation_key(), org, kind,
                                       reference or document.stem, _read_json(document, "document"), name=name)
        write_json(out, issued.document)
        write_json(bundle_path(out), credentials.bundle(_sessions(), issued.credential_id))
    console.print(f"{issued.credential_id}: entry {issued.log_seq} of the log; saved {out} and "
                  f"{bundle_path(out).name}", highlight=False)


@app.command("footprint-credential")
def footprint_credential_command(org: Org, pf_id: Annotated[str, typer.Argument(help="PACT footprint id.")],
                                 out: Annotated[Path, typer.Option(help="Where to write the credential.")],
                                 statement: Annotated[str, typer.Option(help="Statement credential id.")] = "") -> None:
    """Issue the credential of a published PACT footprint (with a statement's assurance)."""
    with user_errors():
        issued = credentials.credential_for_footprint(_sessions(), cli_actor(), installation_key(), org, pf_id,
                                                      statement_id=statement)
        write_json(out, issued.document)
        write_json(bundle_path(out), credentials.bundle(_sessions(), issued.credential_id))
    console.print(f"{issued.credential_id}: saved {out}", highlight=False)


@app.command("bundle")
def bundle_command(credential_id: str, out: Annotated[Path, typer.Option(help="Where to write the bundle.")],
                   since: Annotated[int | None, typer.Option(help="Tree size of a checkpoint you hold.")] = None
                   ) -> None:
    """Fetch a credential's proof bundle (with a consistency proof from a checkpoint you hold)."""
    with user_errors():
        write_json(out, credentials.bundle(_sessions(), credential_id, since=since))
    console.print(f"saved {out}", highlight=False)


@app.command("revoke")
def revoke_command(credential_id: str, reason: Annotated[str, typer.Option(help="Why.")]) -> None:
    """Revoke a credential (its status bit is set and the revocation logged)."""
    with user_errors():
        credentials.revoke(_sessions(), cli_actor(), installation_key(), credential_id, reason)
    console.print(f"{credential_id} revoked", highlight=False)


@app.command("rotate-key")
def rotate_key_command(org: Org) -> None:
    """Start a new signing key for the organisation; the old one keeps verifying what it signed."""
    with user_errors():
        info = credentials.rotate_key(_sessions(), cli_actor(), installation_key(), org)
    console.print(f"new key {info.multikey} (log entry {info.log_seq})", highlight=False)


@app.command("accredit")
def accredit_command(org: Org, accreditation: Annotated[str, typer.Option(help="e.g. 'CNAS GHG0123'.")],
                     by: Annotated[str, typer.Option("--by", help="Who accredited it, e.g. CNAS.")]) -> None:
    """Flag an organisation as an accredited verification body (enterprises may then engage it)."""
    with user_errors():
        engagements.accredit(_sessions(), cli_actor(), org, accreditation, by)
    console.print(f"{org} is an accredited verification body ({accreditation}, {by})", highlight=False)
