"""Concurrent writers take turns: an import waits while another writer holds the database, succeeds once it is
free, and after a bounded wait says in one sentence what to retry (never `database is locked` or a driver error)."""

from __future__ import annotations

import csv
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict
from carbontrail.services import imports
from carbontrail.services.imports import import_file, import_files
from carbontrail.store.db import session_factory
from carbontrail.store.models import ActivityRecord

ORG = [["ORG", "示例企业", "Example Co", "C3841", "四川省", "成都市", ""]]


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def _world(sessions: sessionmaker[Session], folder: Path) -> Path:
    import_files(sessions, [
        _csv(folder / "organisations.csv", ["code", "name", "name_en", "industry", "province", "city", "park"], ORG),
        _csv(folder / "facilities.csv", ["organisation", "code", "name", "province", "city", "park"],
             [["ORG", "F1", "工厂", "四川省", "成都市", ""]])])
    header = ["organisation", "facility", "period_start", "period_end", "kind", "item", "quantity", "unit"]
    return _csv(folder / "activity.csv", header, [["ORG", "F1", f"2024-01-{d:02d}", f"2024-01-{d:02d}", "electricity",
                                                   "grid electricity", str(d * 10), "kWh"] for d in range(1, 21)])


def _hold(db_url: str, seconds: float) -> threading.Event:
    """Another writer: holds the database's write lock (SQLite) or the imports' advisory lock (PostgreSQL) for
    `seconds`; the event is set once it holds it."""
    held = threading.Event()

    def run() -> None:
        engine = create_engine(db_url)
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.execute(text("BEGIN"))
                conn.execute(text(f"SELECT pg_advisory_xact_lock({imports._IMPORT_LOCK})"))
            held.set()
            time.sleep(seconds)
            conn.exec_driver_sql("ROLLBACK")
        engine.dispose()

    threading.Thread(target=run, daemon=True).start()
    assert held.wait(10)
    return held


def _short_timeout_sessions(db_url: str) -> sessionmaker[Session]:
    """Sessions whose SQLite busy timeout is 0.2 s (the product's is 30 s), so a test sees several turns."""
    if not db_url.startswith("sqlite"):
        engine = create_engine(db_url)
    else:
        engine = create_engine(db_url, connect_args={"timeout": 0.2})

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
    return session_factory(engine)


def test_an_import_waits_for_its_turn_and_then_succeeds(db_url: str, engine: object, tmp_path: Path) -> None:
    """Another writer holds the database for 1.5 s: the import of 20 rows starts, waits, and lands all 20 after
    at least 1.5 s, without an error."""
    sessions = _short_timeout_sessions(db_url)
    path = _world(sessions, tmp_path)
    _hold(db_url, 1.5)
    began = time.monotonic()
    report = import_file(sessions, path)
    assert time.monotonic() - began >= 1.2
    assert report.inserted == 20
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(ActivityRecord)) == 20


def test_an_import_that_cannot_get_its_turn_says_what_to_retry(db_url: str, engine: object, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite, the database held for 3 s and the wait bounded to 0.5 s: one sentence (Conflict) saying to try
    again, and nothing written."""
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL imports wait on the advisory lock as long as it takes")
    sessions = _short_timeout_sessions(db_url)
    path = _world(sessions, tmp_path)
    monkeypatch.setattr(imports, "WAIT_FOR_TURN_SECONDS", 0.5)
    _hold(db_url, 3)
    with pytest.raises(Conflict) as caught:
        import_file(sessions, path)
    assert str(caught.value) == imports.BUSY and "try again" in str(caught.value)
    assert "locked" not in str(caught.value)
    time.sleep(3)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(ActivityRecord)) == 0
