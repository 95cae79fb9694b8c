"""Import jobs: an upload imported in a worker process of its own, off the web server's process, with its status.

The worker process runs the same use case as a direct upload (`imports.import_upload`) on an engine it opens from
the server's database URL (a PostgreSQL URL's `options=-csearch_path=…` and the engine's execution options, such as
a schema translation, come along), so the import's parsing and checking never hold the server's interpreter lock:
other requests keep their latency while a big file is read. Progress and the outcome come back over a pipe. A
worker process that dies (killed, out of memory) ends its job `failed`; its transaction never committed, so nothing
is half-written.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import secrets
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import CarbontrailError, ImportRejected, InputError, Location, NotFound, PermissionDenied
from carbontrail.services import tenancy
from carbontrail.services.imports import ImportReport, WordMapping, import_upload, upload_name
from carbontrail.services.work import Actor, unit_of_work
from carbontrail.store.db import make_engine, session_factory

log = logging.getLogger("carbontrail.imports")

#: The worker process runs at a lower OS priority than the server, so on a machine with few cores the server's
#: answers come first and the import takes what is left.
WORKER_NICE = 10
#: How long closing the jobs (the server stopping) waits for running imports to finish before it stops their
#: worker processes (whose transactions then roll back: nothing half-written).
CLOSE_WAIT_SECONDS = 60.0
UNEXPECTED = "the import failed unexpectedly; the error was logged"
_SPAWN = multiprocessing.get_context("spawn")  # a fresh interpreter: no copy of the server's threads or connections


@dataclass(frozen=True)
class Problem:
    """One bad row of an import: where, and what is wrong (`message`, the whole sentence; `reason` and `expected`,
    its parts, so a page can say it in the reader's language)."""

    file: str | None
    row: int | None
    field: str | None
    message: str
    reason: str = ""
    expected: str | None = None

    def error(self) -> InputError:
        """The problem as the InputError it was raised as."""
        return InputError(self.reason or self.message, location=Location(self.file, self.row, self.field),
                          expected=self.expected)


@dataclass(frozen=True)
class ImportStatus:
    """Where an import job stands: `queued`, `running`, `done`, `rejected` (bad rows, nothing written) or
    `failed` (it could not run: `message` says why). `rows_total` is an estimate until the file is read."""

    job: str
    organisation: str
    file: str
    state: str
    rows_done: int
    rows_total: int | None
    errors: tuple[Problem, ...] = ()
    message: str | None = None
    inserted: int | None = None
    updated: int | None = None
    unchanged: int | None = None
    mappings: tuple[WordMapping, ...] = ()


@dataclass(frozen=True)
class _Task:
    """What a worker process needs to run one job (it crosses the process boundary, so plain picklable data)."""

    job_id: str
    url: str  # the database URL with its password: sent over the pipe, never on a command line
    options: dict[str, object]  # the engine's execution options (e.g. schema_translate_map)
    actor: Actor
    code: str
    path: Path
    name: str
    template: str | None
    encoding: str | None


@dataclass
class _Job:
    status: ImportStatus
    actor: str
    organisation_id: int


def shared_database(sessions: sessionmaker[Session]) -> tuple[str, dict[str, object]] | None:
    """The URL (with its password) and execution options another process opens `sessions`' database with; None
    when no other process can reach it: an in-memory SQLite database lives in this process only, and sessions bound
    to a connection (not an engine) may see a transaction no one else sees."""
    bind = sessions.kw.get("bind")
    if not isinstance(bind, Engine):
        return None
    url = bind.url
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file::memory:") or url.query.get("mode") == "memory":
            return None
    return url.render_as_string(hide_password=False), dict(bind.get_execution_options())


def _outcome(job_id: str, run: Callable[[], ImportReport]) -> dict[str, object]:
    """The status changes that running an import makes: done, rejected (every problem) or failed (one sentence)."""
    try:
        report = run()
    except ImportRejected as exc:
        return dict(state="rejected", message=str(exc), rows_total=exc.total_rows,
                    errors=tuple(Problem(p.location.file, p.location.row, p.location.field, p.message,
                                         p.reason, p.expected) for p in exc.problems))
    except CarbontrailError as exc:
        return dict(state="failed", message=str(exc))
    except Exception:  # a bug: said in one sentence here, with the traceback in the server's log (stderr)
        log.exception("import job %s failed", job_id)
        return dict(state="failed", message=UNEXPECTED)
    return dict(state="done", rows_done=report.rows, rows_total=report.rows, inserted=report.inserted,
                updated=report.updated, unchanged=report.unchanged, mappings=tuple(report.mappings))


def _work(task: _Task, out: Connection) -> None:
    """The worker process: open the database, run the import, send progress and then the outcome."""
    try:
        os.nice(WORKER_NICE)
    except (AttributeError, OSError):
        pass  # not permitted or not POSIX: the import still runs, at the server's priority
    engine = make_engine(task.url)

    def progress(done: int, total: int | None) -> None:
        out.send(("progress", done, total))

    try:
        sessions = session_factory(engine.execution_options(**task.options) if task.options else engine)
        outcome = _outcome(task.job_id, lambda: import_upload(
            sessions, task.actor, task.code, task.path, task.name, task.template, progress, task.encoding))
        out.send(("outcome", outcome))
    finally:
        out.close()
        engine.dispose()


class ImportJobs:
    """Imports started now and run in the background, `workers` at a time, with their status (kept in memory, the
    newest `keep`); the ids are unguessable, and only the starter or a reader of the organisation sees a job.

    Each job runs in a worker process of its own (spawned, so a fresh interpreter) that opens the same database;
    the server's process only waits for it on a thread and relays its progress. An in-memory SQLite database (or
    sessions bound to a connection) cannot be reached from another process: for those alone the import runs on the
    waiting thread itself, in this process, as `processes=False` asks for everywhere. `close()` (the app's
    lifespan calls it when the server stops) cancels queued jobs and waits for running ones."""

    def __init__(self, workers: int = 2, keep: int = 500, processes: bool = True):
        self._workers = workers
        self._processes = processes
        self._pool: ThreadPoolExecutor | None = None
        self._jobs: OrderedDict[str, _Job] = OrderedDict()
        self._futures: dict[str, tuple[Future[None], Path]] = {}  # job → its run, and the folder of its file
        self._running: dict[str, BaseProcess] = {}
        self._lock = threading.Lock()
        self._keep = keep

    def _set(self, job_id: str, **changes: object) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                job.status = replace(job.status, **changes)  # type: ignore[arg-type]

    def _progress(self, job_id: str, done: int, total: int | None) -> None:
        self._set(job_id, rows_done=done, rows_total=total)

    def start(self, sessions: sessionmaker[Session], actor: Actor, code: str, file_name: str, data: bytes,
              template: str | None = None, encoding: str | None = None) -> ImportStatus:
        """Check the upload and the permission now, import in the background; the status to poll."""
        name = upload_name(file_name, data)
        with unit_of_work(sessions, actor) as work:
            access = tenancy.access(work.session, actor, code, tenancy.DATA_WRITE)
        folder = Path(tempfile.mkdtemp(prefix="carbontrail-upload-"))
        path = folder / name
        path.write_bytes(data)
        job_id = secrets.token_urlsafe(12)
        status = ImportStatus(job_id, access.code, name, "queued", 0, None)
        database = shared_database(sessions) if self._processes else None
        task = _Task(job_id, database[0], database[1], actor, access.code, path, name, template,
                     encoding) if database else None

        def run() -> None:
            self._set(job_id, state="running")
            try:
                if task is None:
                    outcome = _outcome(job_id, lambda: import_upload(
                        sessions, actor, access.code, path, name, template,
                        lambda done, total: self._progress(job_id, done, total), encoding))
                else:
                    outcome = self._in_worker(task)
            except Exception:  # the worker could not be started: a bug, or a machine out of processes
                log.exception("import job %s could not start its worker process", job_id)
                outcome = dict(state="failed", message=UNEXPECTED)
            finally:
                self._forget(job_id)  # the uploaded file is gone before the job says it has ended
            self._set(job_id, **outcome)

        with self._lock:
            self._jobs[job_id] = _Job(status, actor.actor, access.organisation_id)
            while len(self._jobs) > self._keep:
                self._jobs.popitem(last=False)
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="carbontrail-import")
            self._futures[job_id] = (self._pool.submit(run), folder)
        return status

    def _forget(self, job_id: str) -> None:
        """The job has ended (or will never start): remove its uploaded file."""
        with self._lock:
            _, folder = self._futures.pop(job_id)
        shutil.rmtree(folder, ignore_errors=True)

    def _in_worker(self, task: _Task) -> dict[str, object]:
        """Run `task` in a worker process, relaying its progress; its outcome, or `failed` if the process died."""
        reader, writer = _SPAWN.Pipe(duplex=False)
        process = _SPAWN.Process(target=_work, args=(task, writer), name=f"carbontrail-import-{task.job_id}",
                                 daemon=True)
        with self._lock:
            self._running[task.job_id] = process
        try:
            process.start()
            writer.close()  # the worker holds the only writing end: when it dies, reading ends
            outcome: dict[str, object] | None = None
            while True:
                try:
                    message = reader.recv()
                except EOFError:
                    break
                if message[0] == "progress":
                    self._progress(task.job_id, message[1], message[2])
                else:
                    outcome = message[1]
            process.join()
        finally:
            reader.close()
            with self._lock:
                self._running.pop(task.job_id, None)
        if outcome is None:
            log.error("import job %s: its worker process ended with exit code %s", task.job_id, process.exitcode)
            return dict(state="failed", message="the import's worker process stopped before the import finished "
                                                "(the server stopped, or the process was killed); nothing was "
                                                "written: import the file again")
        return outcome

    def status(self, sessions: sessionmaker[Session], actor: Actor, job_id: str) -> ImportStatus:
        """The job's status, for the actor who started it or one who may read the organisation's data."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(f"no import job '{job_id}'")
        if job.actor != actor.actor:
            try:
                with unit_of_work(sessions, actor) as work:
                    tenancy.access(work.session, actor, job.status.organisation, tenancy.DATA_READ)
            except (NotFound, PermissionDenied):
                raise NotFound(f"no import job '{job_id}'") from None
        with self._lock:
            return job.status

    def wait(self, job_id: str, timeout: float = 60.0) -> ImportStatus:
        """The job's status once it has finished (or after `timeout` seconds): for scripts and tests."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                status = self._jobs[job_id].status
            if status.state not in ("queued", "running") or time.monotonic() > deadline:
                return status
            time.sleep(0.02)

    def close(self, timeout: float = CLOSE_WAIT_SECONDS) -> None:
        """Stop: queued jobs end `failed` without having started; running ones may finish for `timeout` seconds,
        then their worker processes are stopped (their imports roll back). Jobs started later run again."""
        with self._lock:
            pool, self._pool = self._pool, None
            futures = dict(self._futures)
        if pool is None:
            return
        pool.shutdown(wait=False, cancel_futures=True)
        running = []
        for job_id, (future, _) in futures.items():
            if future.cancelled():
                self._set(job_id, state="failed", message="the server stopped before this import started; nothing "
                                                          "was written: import the file again")
                self._forget(job_id)
            else:
                running.append(future)
        if wait_for(running, timeout=timeout).not_done:
            with self._lock:
                processes = list(self._running.values())
            for process in processes:
                process.terminate()
            wait_for(running)
        pool.shutdown(wait=True)


__all__ = ["ImportJobs", "ImportStatus", "Problem", "shared_database"]
