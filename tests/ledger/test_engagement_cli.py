"""`carbontrail engagement …`: a whole verification from the command line, on the services the API uses.

The CLI is the installation's system actor: it acts on the enterprise's side to engage and answer, on the body's
side to raise findings, issue and withdraw, and must name the verifier who signs (a signed-in verifier is named by
their account instead).
"""

from __future__ import annotations

import json

import pytest
from ledger_world import build
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from carbontrail.cli import app
from carbontrail.errors import InputError
from carbontrail.services.ledger import engagements
from carbontrail.services.work import SystemActor


def _run(runner: CliRunner, *args: str) -> dict[str, object]:
    done = runner.invoke(app, [*args, "--json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.output)  # type: ignore[no-any-return]


def test_a_verification_from_the_command_line(sessions: sessionmaker[Session], db_url: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    people = build(sessions)
    monkeypatch.setenv("CARBONTRAIL_DATABASE_URL", db_url)
    monkeypatch.setenv("CARBONTRAIL_SECRET_KEY", "cli test secret")
    runner = CliRunner()
    assert runner.invoke(app, ["ledger", "accredit", "--org", "VB-1", "--accreditation", "CNAS GHG0123",
                               "--by", "CNAS"]).exit_code == 0
    made = _run(runner, "engagement", "create", "--org", "ORG-A", "--body", "VB-1", "--subject-type", "inventory",
                "--subject", "2025", "--grant", "activity")
    assert (made["organisation"], made["body"], made["status"], made["grants"]) == ("ORG-A", "VB-1", "open",
                                                                                      ["activity"])
    eid = str(made["id"])
    finding = _run(runner, "engagement", "finding", eid, "March bill missing", "--material")
    statement = ["engagement", "statement", eid, "--assurance", "reasonable", "--materiality", "5 %",
                 "--procedures", "recalculation from bills", "--opinion", "fairly stated", "--verifier", "王敏"]
    blocked = runner.invoke(app, [*statement, "--json"])
    assert blocked.exit_code != 0 and "1 material finding(s) are unanswered" in blocked.output
    _run(runner, "engagement", "answer", str(finding["id"]), "the bill is attached")
    issued = _run(runner, *statement)
    subject = issued["document"]["credentialSubject"]  # type: ignore[index]
    assert subject["verifier"]["name"] == "王敏" and subject["verifier"]["bodyCode"] == "VB-1"
    assert subject["levelOfAssurance"] == "reasonable"
    assert subject["findings"] == [{"text": "March bill missing", "material": True,
                                    "answer": "the bill is attached"}]
    assert engagements.statement_status(sessions, str(issued["credential"])) == "standing"
    listed = _run(runner, "engagement", "list")
    assert [(e["id"], e["status"], e["statement_id"]) for e in listed] == [  # type: ignore[union-attr]
        (made["id"], "issued", issued["credential"])]
    _run(runner, "engagement", "withdraw", eid, "--reason", "bills found to be forged")
    assert engagements.statement_status(sessions, str(issued["credential"])) == "withdrawn: bills found to be forged"
    shown = runner.invoke(app, ["engagement", "show", eid])
    assert shown.exit_code == 0 and "(withdrawn, statement" in shown.output
    del people


def test_a_system_actor_must_name_the_verifier_and_a_person_may_not_name_another(
        sessions: sessionmaker[Session]) -> None:
    people = build(sessions)
    engagements.accredit(sessions, people.operator, "VB-1", "CNAS GHG0123", "CNAS")
    made = engagements.engage(sessions, people.a_admin, "ORG-A", "VB-1", subject_type="inventory",
                              subject_key="2025", grants=["activity"])
    plain = engagements.StatementIn(assurance="limited", materiality="5 %", procedures="recalculation",
                                    opinion="fairly stated")
    with pytest.raises(InputError, match="name the verifier"):
        engagements.issue_statement(sessions, SystemActor("cli (test)"), b"k" * 32, made.id, plain)
    other = engagements.StatementIn(**{**plain.__dict__, "verifier": "somebody else"})
    with pytest.raises(InputError, match="signs with their own name"):
        engagements.issue_statement(sessions, people.verifier, b"k" * 32, made.id, other)
