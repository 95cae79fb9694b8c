"""Is the service up, and can it reach its database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from carbontrail import __version__
from carbontrail.store.db import ping


@dataclass(frozen=True)
class Health:
    status: str
    version: str
    database: str


def health(sessions: sessionmaker[Session]) -> Health:
    """`ok`, the version, and the database dialect, after one round trip to the database."""
    return Health("ok", __version__, ping(sessions))
