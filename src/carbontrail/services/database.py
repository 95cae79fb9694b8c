"""Opening the configured database and bringing its schema to the current migration."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.config import Settings
from carbontrail.store.db import make_engine, session_factory
from carbontrail.store.migrate import upgrade


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    return make_engine(url)


def open_sessions(settings: Settings | None = None) -> sessionmaker[Session]:
    """Sessions on the configured database (CARBONTRAIL_DATABASE_URL, else SQLite under var/)."""
    settings = settings or Settings.from_env()
    return session_factory(_engine(settings.database_url))


def engine_for(settings: Settings | None = None) -> Engine:
    settings = settings or Settings.from_env()
    return _engine(settings.database_url)


def migrate(settings: Settings | None = None) -> str:
    """Create the configured database if need be and bring it to the newest migration; returns its URL (no
    password)."""
    engine = engine_for(settings)
    upgrade(engine)
    return engine.url.render_as_string(hide_password=True)
