"""The service boundary: who acts, and the unit of work a use case runs in, which refuses to commit an unaudited change.

Every door names its actor: a signed-in `Principal` (API and pages), or a `SystemActor` for work done on this
machine (the CLI). A use case opens `unit_of_work(sessions, actor)`, makes its changes, records
what it did with `work.audit(...)`, and the change and its audit row commit together or not at all. A change whose
transaction wrote rows but no audit row is a programming error: it is rolled back and `UnauditedChange` raised, so
a door cannot forget the trail.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from carbontrail.services.principals import Principal
from carbontrail.store.models import AuditEvent

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


@dataclass(frozen=True)
class SystemActor:
    """An actor that is not a signed-in user: a command run on this machine."""

    name: str
    platform_admin: bool = True
    grants: tuple[()] = ()
    client_id: None = None

    @property
    def actor(self) -> str:
        """How the audit trail names this actor, e.g. `system:cli (alice)`."""
        return f"system:{self.name}"


def cli_actor() -> SystemActor:
    """The command line, named with the operating-system user who ran it."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        user = "unknown"
    return SystemActor(f"cli ({user})")


#: a library call that names no actor (a notebook, a test, a script)
PYTHON = SystemActor("python")

Actor = Principal | SystemActor


class UnauditedChange(RuntimeError):
    """A use case changed stored data without recording the change in the audit trail (a bug, not bad input)."""


@dataclass
class Work:
    """One use case's transaction: its session, who acts, and the audit rows recorded so far."""

    session: Session
    actor: Actor
    audited: int = 0
    changed: bool = False

    def audit(self, action: str, object_type: str, object_key: str = "", *, organisation_id: int | None = None,
              detail: dict[str, JsonValue] | None = None, before: dict[str, JsonValue] | None = None,
              after: dict[str, JsonValue] | None = None) -> None:
        """Record a change in this transaction; `before` and `after` keep an edit's old and new values."""
        body: dict[str, JsonValue] = dict(detail or {})
        if before is not None:
            body["before"] = before
        if after is not None:
            body["after"] = after
        user_id = None if isinstance(self.actor, SystemActor) else self.actor.user_id
        self.session.add(AuditEvent(actor=self.actor.actor, user_id=user_id,
                                    organisation_id=organisation_id, action=action, object_type=object_type,
                                    object_key=object_key[:300],
                                    detail=json.dumps(body, ensure_ascii=False, default=str)))


    @contextmanager
    def undoable(self) -> Iterator[Callable[..., None]]:
        """Rows the block adds may be withdrawn: `undo(*rows)` deletes them, and the transaction is then as it was
        before the block (so they need no audit row). No savepoint: SQLite's driver would commit one it began."""
        changed = self.changed

        def undo(*rows: object) -> None:
            for row in rows:
                self.session.delete(row)
            self.session.flush()
            self.changed = changed

        yield undo


def _watch(work: Work) -> None:
    """Note whether the transaction writes anything besides audit rows (ORM flushes and bulk statements)."""

    @event.listens_for(work.session, "before_flush")
    def flushed(session: Session, _context: object, _instances: object) -> None:
        for obj in (*session.new, *session.dirty, *session.deleted):
            if isinstance(obj, AuditEvent):
                work.audited += obj in session.new  # rows added by audit.record count as well
            elif obj not in session.dirty or session.is_modified(obj):
                work.changed = True

    @event.listens_for(work.session, "do_orm_execute")
    def executed(state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            tables = {getattr(state.statement, "table", None)}
            if tables != {AuditEvent.__table__}:
                work.changed = True


@contextmanager
def unit_of_work(sessions: sessionmaker[Session], actor: Actor) -> Iterator[Work]:
    """A transaction for `actor`: commits on success (with its audit rows), rolls back on any error."""
    session = sessions()
    work = Work(session, actor)
    _watch(work)
    try:
        with session.begin():
            yield work
            session.flush()
            if work.changed and not work.audited:
                raise UnauditedChange("this change wrote data but no audit row; call work.audit(...)")
    finally:
        session.close()
