"""The service boundary: a unit of work commits a change only with its audit row, and every door names its actor
(a signed-in user, or the CLI as a system actor) in the row it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.services.work import SystemActor, UnauditedChange, cli_actor, unit_of_work
from carbontrail.store.models import AuditEvent, Organisation

ACTOR = SystemActor("test")


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_change_without_its_audit_row_is_rolled_back(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(UnauditedChange), unit_of_work(sessions, ACTOR) as work:
        work.session.add(Organisation(code="NOAUDIT", name="未审计"))
    assert _count(sessions, Organisation) == 0
    assert _count(sessions, AuditEvent) == 0


def test_a_change_and_its_audit_row_commit_together(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions, ACTOR) as work:
        work.session.add(Organisation(code="AUDITED", name="已审计"))
        work.audit("update", "organisation", "AUDITED", before={"name": "旧"}, after={"name": "已审计"})
    with sessions() as s:
        event = s.scalars(select(AuditEvent)).one()
        assert (event.actor, event.action, event.object_key) == ("system:test", "update", "AUDITED")
        assert json.loads(event.detail) == {"before": {"name": "旧"}, "after": {"name": "已审计"}}
    assert _count(sessions, Organisation) == 1


def test_an_error_rolls_back_the_change_and_its_audit_row(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(ValueError), unit_of_work(sessions, ACTOR) as work:
        work.session.add(Organisation(code="HALF", name="一半"))
        work.audit("create", "organisation", "HALF")
        raise ValueError("fails after the audit row was added")
    assert _count(sessions, Organisation) == 0
    assert _count(sessions, AuditEvent) == 0


def test_reading_needs_no_audit_row(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions, ACTOR) as work:
        assert work.session.scalars(select(Organisation)).all() == []
    assert _count(sessions, AuditEvent) == 0


def test_the_cli_import_is_audited_in_its_own_transaction_naming_the_cli(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """`carbontrail import` of two files leaves one audit row per file, naming `system:cli (<os user>)`, with the
    rows inserted; a rejected file leaves neither data nor an audit row."""
    import typer
    from typer.testing import CliRunner

    from carbontrail.cli.imports import import_command
    from carbontrail.store.db import make_engine, session_factory
    from carbontrail.store.models import Base

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    monkeypatch.setenv("CARBONTRAIL_DATABASE_URL", url)
    cli = typer.Typer()
    cli.command()(import_command)
    orgs = tmp_path / "organisations.csv"
    orgs.write_text("code,name,name_en,industry,province,city,park\nCLI-ORG,命令行企业,CLI Co,battery,四川省,成都市,\n",
                    encoding="utf-8")
    bad = tmp_path / "facilities.csv"
    bad.write_text("organisation,code,name,province,city,park\nNOPE,F1,一厂,四川省,成都市,\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, [str(bad), "--json"]).exit_code == 1
    sessions = session_factory(engine)
    assert _count(sessions, AuditEvent) == 0
    done = runner.invoke(cli, [str(orgs), "--json"])
    assert done.exit_code == 0, done.output
    with sessions() as s:
        events = s.scalars(select(AuditEvent)).all()
    assert [(e.actor, e.action, e.object_type, e.object_key) for e in events] == [
        (cli_actor().actor, "import", "file", "organisations.csv")]
    assert json.loads(events[0].detail)["inserted"] == 1
    assert cli_actor().actor.startswith("system:cli (")
