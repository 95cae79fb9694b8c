"""A counter of committed transactions that wrote something, in this process: memories of what the database holds (fingerprints,
lookups) stay valid while it does not move, and re-read at least every `RECHECK_SECONDS` for other processes."""

from __future__ import annotations

import threading

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

#: How long a memory may trust itself without asking the database, for changes made by other processes.
RECHECK_SECONDS = 0.5

_lock = threading.Lock()
_generation = 0


def generation() -> int:
    """The number of writing transactions this process has committed so far (a read-only commit moves nothing)."""
    return _generation


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _flush: UOWTransaction) -> None:
    session.info["wrote"] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["wrote"] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    global _generation
    if session.info.pop("wrote", False):
        with _lock:
            _generation += 1


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop("wrote", None)
