"""The demo data set loaded into a fresh database of one backend, with the app on it (imported by the dashboard
browser test and the zh-CN sweep; a unique module name, since test folders are not packages)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.app import create_app
from carbontrail.config import Settings
from carbontrail.services.demo import load_demo
from carbontrail.store.db import make_engine, session_factory
from carbontrail.store.models import Base

DEMO = Path(__file__).resolve().parents[2] / "examples" / "sichuan-battery-chain"
POSTGRES_URL = os.environ.get("CARBONTRAIL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


@contextmanager
def demo_app(backend: str, home: Path, secret_key: str) -> Iterator[tuple[FastAPI, sessionmaker[Session]]]:
    """The demo loaded once into an empty database of `backend` (a fresh PostgreSQL schema, dropped afterwards):
    (the app on it, its sessions)."""
    admin, schema = None, ""
    if backend == "sqlite":
        url = f"sqlite:///{home / 'demo.db'}"
    else:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = make_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    sessions = session_factory(engine)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CARBONTRAIL_HOME", str(home))
        app = create_app(Settings(home=home, database_url="", secret_key=secret_key), sessions=sessions)
        try:
            load_demo(sessions, DEMO, key=app.state.context.key)
            yield app, sessions
        finally:
            app.state.context.imports.close()
            engine.dispose()
            if admin is not None:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
