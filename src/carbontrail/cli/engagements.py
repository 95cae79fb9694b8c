"""`carbontrail engagement …`: verification engagements (ISO 14064-3 / ISO 14067) from the command line.

The enterprise side (engage, answer) and the body side (findings, statement, withdrawal) call the same services as
the API and the pages; the command line acts as this installation's system actor, which the audit trail names.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from carbontrail.cli._common import JsonOption, console, installation_key, print_json, show, user_errors
from carbontrail.services.database import open_sessions
from carbontrail.services.ledger import engagements
from carbontrail.services.work import cli_actor

app = typer.Typer(help="Verification engagements: engage a body, findings and answers, statements.",
                  no_args_is_help=True)

Id = Annotated[int, typer.Argument(help="The engagement's number.")]


def _line(e: engagements.Engagement) -> str:
    statement = f", statement {e.statement_id}" if e.statement_id else ""
    return (f"{e.id}: {escape(e.organisation)} engages {escape(e.body)} on {e.subject_type} "
            f"'{escape(e.subject_key)}' ({e.status}{statement}); sees {', '.join(e.grants) or 'nothing'}")


@app.command("create")
def create_command(
    org: Annotated[str, typer.Option("--org", help="The enterprise's organisation code.")],
    body: Annotated[str, typer.Option(help="The accredited verification body's organisation code.")],
    subject_type: Annotated[str, typer.Option("--subject-type", help="inventory or footprint.")],
    subject: Annotated[str, typer.Option(help="The reporting period (inventory) or PACT footprint id.")],
    grant: Annotated[list[str], typer.Option(help=f"A section the verifier may see: "
                                                  f"{', '.join(engagements.SECTIONS)} (repeat).")],
    criteria: Annotated[str, typer.Option(help="The verification criteria (default: by subject type).")] = "",
    as_json: JsonOption = False,
) -> None:
    """Engage a body on a subject: the subject as it stands now is frozen for the verification."""
    with user_errors(as_json):
        made = engagements.engage(open_sessions(), cli_actor(), org, body, subject_type=subject_type,
                                  subject_key=subject, grants=list(grant), criteria=criteria)
        show(as_json, made, f"engagement {_line(made)}; frozen as {made.snapshot_digest[:16]}…")


@app.command("list")
def list_command(as_json: JsonOption = False) -> None:
    """Every engagement of this installation, with its status and statement."""
    with user_errors(as_json):
        found = engagements.listing(open_sessions(), cli_actor())
        if as_json:
            print_json(found)
            return
        for e in found:
            console.print(_line(e), highlight=False)
        if not found:
            console.print("no engagements yet")


@app.command("show")
def show_command(engagement: Id, as_json: JsonOption = False) -> None:
    """One engagement: its frozen subject, findings and answers, and statement."""
    with user_errors(as_json):
        e = engagements.show(open_sessions(), cli_actor(), engagement)
        if as_json:
            print_json(e)
            return
        console.print(_line(e), highlight=False)
        console.print(f"criteria: {escape(e.criteria)}; frozen subject {e.snapshot_digest}", highlight=False)
        for f in e.findings:
            state = f"answered: {escape(f.answer)}" if f.resolved else "open"
            console.print(f"  finding {f.id}{' (material)' if f.material else ''}: {escape(f.text)} — {state}",
                          highlight=False)


@app.command("finding")
def finding_command(engagement: Id, text: Annotated[str, typer.Argument(help="What the verifier found.")],
                    material: Annotated[bool, typer.Option(help="A material finding blocks the statement until "
                                                                "answered.")] = False,
                    as_json: JsonOption = False) -> None:
    """The body raises a finding that the enterprise answers."""
    with user_errors(as_json):
        found = engagements.raise_finding(open_sessions(), cli_actor(), engagement, text, material=material)
        show(as_json, found, f"finding {found.id} raised{' (material)' if found.material else ''}")


@app.command("answer")
def answer_command(finding: Annotated[int, typer.Argument(help="The finding's number.")],
                   answer: Annotated[str, typer.Argument(help="The enterprise's answer.")],
                   as_json: JsonOption = False) -> None:
    """The enterprise answers a finding."""
    with user_errors(as_json):
        done = engagements.answer_finding(open_sessions(), cli_actor(), finding, answer)
        show(as_json, done, f"finding {done.id} answered")


@app.command("statement")
def statement_command(
    engagement: Id,
    assurance: Annotated[str, typer.Option(help="Level of assurance: reasonable or limited.")],
    materiality: Annotated[str, typer.Option(help="e.g. '5 % of total reported emissions'.")],
    procedures: Annotated[str, typer.Option(help="What the verifier did.")],
    opinion: Annotated[str, typer.Option(help="The verification opinion.")],
    verifier: Annotated[str, typer.Option(help="The verifier who signs for the body.")],
    boundary: Annotated[str, typer.Option(help="The boundary verified.")] = "Cradle-to-Gate",
    as_json: JsonOption = False,
) -> None:
    """The body issues its signed statement (refused if the subject changed since it was frozen, or a material
    finding is unanswered)."""
    with user_errors(as_json):
        issued = engagements.issue_statement(
            open_sessions(), cli_actor(), installation_key(), engagement,
            engagements.StatementIn(assurance=assurance, materiality=materiality, procedures=procedures,
                                    opinion=opinion, boundary=boundary, verifier=verifier))
        show(as_json, {"credential": issued.credential_id, "log_seq": issued.log_seq, "document": issued.document},
             f"statement {issued.credential_id} issued (log entry {issued.log_seq})")


@app.command("withdraw")
def withdraw_command(engagement: Id, reason: Annotated[str, typer.Option(help="Why it is withdrawn.")],
                     as_json: JsonOption = False) -> None:
    """The body withdraws its statement: the credential is revoked and the withdrawal logged."""
    with user_errors(as_json):
        engagements.withdraw_statement(open_sessions(), cli_actor(), installation_key(), engagement,
                                       reason)
        show(as_json, {"engagement": engagement, "withdrawn": True, "reason": reason},
             f"statement of engagement {engagement} withdrawn")
