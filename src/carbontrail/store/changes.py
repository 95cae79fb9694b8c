"""A counter of committed transactions in this process: memories of what the database holds (fingerprints,
lookups) stay valid while it does not move, and re-read at least every `RECHECK_SECONDS` for other processes."""

from __future__ import annotations

import threading

from sqlalchemy import event
from sqlalchemy.orm import Session

#: How long a memory may trust itself without asking the database, for changes made by other processes.
RECHECK_SECONDS = 0.5

_lock = threading.Lock()
_generation = 0


def generation() -> int:
    """The number of transactions this process has committed so far."""
    return _generation


@event.listens_for(Session, "after_commit")
def _committed(_session: Session) -> None:
    global _generation
    with _lock:
        _generation += 1
