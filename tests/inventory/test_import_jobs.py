"""Import jobs in worker processes: the job runs in a process of its own that reaches the test's own database
(a SQLite file, or a PostgreSQL schema named by the URL's search_path), a worker killed with SIGKILL ends its job
`failed` with nothing written, closing the jobs cancels the queued and stops the running, and an in-memory SQLite
database (which no other process can open) imports in the server's process."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from carbontrail.services.import_jobs import ImportJobs, ImportStatus, shared_database
from carbontrail.services.imports import import_files
from carbontrail.services.work import SystemActor
from carbontrail.store.db import make_engine, session_factory
from carbontrail.store.models import ActivityRecord, AuditEvent, Base, ImportBatch

ACTOR = SystemActor("job test")


def _references(sessions: sessionmaker[Session], folder: Path) -> None:
    (folder / "organisations.csv").write_text("code,name,province\nORG,示例企业,四川省\n", encoding="utf-8")
    (folder / "facilities.csv").write_text("organisation,code,name,province\nORG,F1,一厂,四川省\n", encoding="utf-8")
    import_files(sessions, [folder / "organisations.csv", folder / "facilities.csv"])


def _days(n: int) -> bytes:
    """`n` electricity rows, one day each from 1950-01-01, quantity i + 1 kWh (they sum to n(n + 1)/2 kWh)."""
    first = date(1950, 1, 1)
    lines = ["organisation,facility,period_start,period_end,kind,item,quantity,unit,source"]
    lines += [f"ORG,F1,{(d := (first + timedelta(days=i)).isoformat())},{d},electricity,grid electricity,{i + 1},kWh,"
              "job test" for i in range(n)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _written(sessions: sessionmaker[Session], file: str) -> tuple[int, float, int, int]:
    """(records, their summed quantity, import batches of `file`, audit rows of its imports)."""
    with sessions() as s:
        records = int(s.scalar(select(func.count()).select_from(ActivityRecord)) or 0)
        total = float(s.scalar(select(func.coalesce(func.sum(ActivityRecord.quantity), 0))) or 0)
        batches = int(s.scalar(select(func.count()).select_from(ImportBatch).where(ImportBatch.file_name == file))
                      or 0)
        audits = int(s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "import", AuditEvent.object_key == file)) or 0)
    return records, total, batches, audits


def _workers(job: str | None = None) -> list[multiprocessing.process.BaseProcess]:
    return [p for p in multiprocessing.active_children()
            if p.name.startswith(f"carbontrail-import-{job or ''}")]


def _when(jobs: ImportJobs, job: str, ready: object, timeout: float = 120) -> ImportStatus:
    deadline = time.monotonic() + timeout
    while True:
        status = jobs.wait(job, timeout=0)
        if ready(status) or time.monotonic() > deadline:  # type: ignore[operator]
            return status
        time.sleep(0.02)


def test_a_job_runs_in_a_worker_process_on_the_same_database(sessions: sessionmaker[Session],
                                                            tmp_path: Path) -> None:
    """3,000 rows: while the job runs, a worker process of its own (not this one) exists; the job ends `done`
    with 3,000 inserted, the test's database (file or schema) holds them, summing 3,000 × 3,001 / 2 = 4,501,500
    kWh, with one batch and one audit row; afterwards no worker process is left."""
    _references(sessions, tmp_path)
    jobs = ImportJobs()
    try:
        job = jobs.start(sessions, ACTOR, "ORG", "days.csv", _days(3_000)).job
        seen = []
        deadline = time.monotonic() + 60
        while not seen and time.monotonic() < deadline and jobs.wait(job, 0).state in ("queued", "running"):
            seen = [p.pid for p in _workers(job)]
            time.sleep(0.01)
        status = jobs.wait(job, timeout=120)
    finally:
        jobs.close()
    assert seen and seen[0] != os.getpid()
    assert (status.state, status.rows_done, status.rows_total, status.inserted) == ("done", 3_000, 3_000, 3_000)
    assert _written(sessions, "days.csv") == (3_000, 4_501_500, 1, 1)
    assert _workers() == []


@pytest.mark.slow
def test_a_killed_worker_fails_its_job_and_writes_nothing(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    """60,000 rows, the worker killed with SIGKILL once it has reported 10,000 rows (two chunks of 5,000 written
    inside its transaction): the job ends `failed` saying to import again, and there are no records, no batch and no
    audit row. The same file imported again ends `done` with all 60,000 (summing 60,000 × 60,001 / 2 =
    1,800,030,000 kWh)."""
    _references(sessions, tmp_path)
    data = _days(60_000)
    jobs = ImportJobs()
    try:
        job = jobs.start(sessions, ACTOR, "ORG", "big.csv", data).job
        running = _when(jobs, job, lambda s: s.rows_done >= 10_000 or s.state not in ("queued", "running"))
        assert running.state == "running", running
        (worker,) = _workers(job)
        os.kill(worker.pid, signal.SIGKILL)  # type: ignore[arg-type]
        failed = jobs.wait(job, timeout=60)
        assert failed.state == "failed" and failed.message is not None and "import the file again" in failed.message
        assert _written(sessions, "big.csv") == (0, 0.0, 0, 0)
        again = jobs.wait(jobs.start(sessions, ACTOR, "ORG", "big.csv", data).job, timeout=300)
    finally:
        jobs.close()
    assert (again.state, again.inserted) == ("done", 60_000)
    assert _written(sessions, "big.csv") == (60_000, 1_800_030_000, 1, 1)


def test_closing_cancels_the_queued_and_stops_the_running(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    """One worker at a time: a 60,000-row job running and a second one queued; `close(timeout=0)` (a server that
    cannot wait) stops the first's worker process and cancels the second. Both end `failed`, nothing is written,
    no worker process is left, and a job started afterwards runs again (100 rows, done)."""
    _references(sessions, tmp_path)
    jobs = ImportJobs(workers=1)
    first = jobs.start(sessions, ACTOR, "ORG", "first.csv", _days(60_000)).job
    second = jobs.start(sessions, ACTOR, "ORG", "second.csv", _days(60_000)).job
    _when(jobs, first, lambda s: s.rows_done >= 2_000 or s.state not in ("queued", "running"))
    assert jobs.wait(second, 0).state == "queued"
    jobs.close(timeout=0)
    assert [jobs.wait(j, 0).state for j in (first, second)] == ["failed", "failed"]
    assert "before this import started" in (jobs.wait(second, 0).message or "")
    assert _written(sessions, "first.csv") == _written(sessions, "second.csv") == (0, 0.0, 0, 0)
    assert _workers() == []
    try:
        later = jobs.wait(jobs.start(sessions, ACTOR, "ORG", "later.csv", _days(100)).job, timeout=120)
    finally:
        jobs.close()
    assert (later.state, later.inserted) == ("done", 100)


def test_an_in_memory_database_imports_in_this_process(tmp_path: Path) -> None:
    """An in-memory SQLite database exists in this process only: no worker could open it, so the job runs here
    (no worker process appears) and ends `done` with its 500 rows (summing 500 × 501 / 2 = 125,250 kWh)."""
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    Base.metadata.create_all(engine)
    sessions = session_factory(engine)
    assert shared_database(sessions) is None
    _references(sessions, tmp_path)
    jobs = ImportJobs()
    try:
        job = jobs.start(sessions, ACTOR, "ORG", "memory.csv", _days(500)).job
        status = jobs.wait(job, timeout=60)
    finally:
        jobs.close()
    assert (status.state, status.inserted) == ("done", 500)
    assert _workers() == []
    assert _written(sessions, "memory.csv") == (500, 125_250, 1, 1)


def test_what_a_worker_opens() -> None:
    """A file database and a PostgreSQL URL are reached from another process by their URL, password and
    search_path included, with the engine's execution options; an in-memory SQLite database is not."""
    url = "postgresql+psycopg://carbon:s3cret@db.example:5432/ct?options=-csearch_path%3Dt_1"
    engine = make_engine(url).execution_options(schema_translate_map={None: "t_1"})
    assert shared_database(session_factory(engine)) == (url, {"schema_translate_map": {None: "t_1"}})
    assert shared_database(session_factory(make_engine("sqlite:////var/ct/carbontrail.db"))) == (
        "sqlite:////var/ct/carbontrail.db", {})
    assert shared_database(session_factory(make_engine("sqlite:///:memory:"))) is None
    assert shared_database(sessionmaker()) is None
