"""Imports off the event loop: an import job with a status endpoint, other requests answered while a big import
runs, a running job finishing before the app stops, concurrent imports that wait their turn, and an unchanged
re-upload that adds no import batch."""

from __future__ import annotations

import csv
import io
import multiprocessing
import threading
import time
from datetime import date, timedelta

from fastapi.testclient import TestClient
from platform_world import World
from sqlalchemy import func, select

from carbontrail.store.models import ActivityRecord, AuditEvent, ImportBatch

HEADER = ["organisation", "facility", "period_start", "period_end", "kind", "item", "quantity", "unit", "category",
          "gas", "meter", "supplier", "instrument", "instrument_ref", "contract_factor", "source"]


def activity_csv(n: int, *, first_day: date = date(2010, 1, 1), bad_rows: tuple[int, ...] = ()) -> bytes:
    """`n` electricity rows of ORG-A/A-PLANT, one day each, quantity i + 1 kWh; the rows in `bad_rows` (0-based)
    carry the unit 'furlong', which no electricity row may have."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for i in range(n):
        day = (first_day + timedelta(days=i)).isoformat()
        unit = "furlong" if i in bad_rows else "kWh"
        writer.writerow(["ORG-A", "A-PLANT", day, day, "electricity", "grid electricity", str(i + 1), unit, "", "",
                         "", "", "", "", "", "job test"])
    return out.getvalue().encode("utf-8")


def _count(world: World, model: type, *where: object) -> int:
    with world.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _wait(client: TestClient, headers: dict[str, str], job: str, timeout: float = 120) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        status = client.get(f"/api/imports/{job}", headers=headers)
        assert status.status_code == 200, status.text
        body = status.json()
        if body["state"] not in ("queued", "running") or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def test_an_import_job_reports_its_progress_and_result(world: World) -> None:
    """300 good rows: the job ends `done` with 300 of 300 rows and 300 inserted; its status is not shown to tenant
    B's administrator (404), and an unknown job id is a 404 too."""
    headers = world.auth("data_entry")
    started = world.client.post("/api/organisations/ORG-A/import-jobs", headers=headers,
                                files={"file": ("days.csv", activity_csv(300), "text/csv")})
    assert started.status_code == 202, started.text
    job = started.json()["job"]
    assert started.json()["state"] in ("queued", "running", "done") and started.json()["file"] == "days.csv"
    body = _wait(world.client, headers, job)
    assert (body["state"], body["rows_done"], body["rows_total"], body["inserted"]) == ("done", 300, 300, 300)
    assert body["errors"] == []
    assert _count(world, ActivityRecord, ActivityRecord.source == "job test") == 300
    assert world.client.get(f"/api/imports/{job}", headers=world.auth("admin_b")).status_code == 404
    assert world.client.get("/api/imports/no-such-job", headers=headers).status_code == 404


def test_a_rejected_job_lists_each_bad_row_once_and_writes_nothing(world: World) -> None:
    """Rows 5 and 8 of the data (spreadsheet rows 6 and 9: the header is row 1) have a length unit on an
    electricity row: the job ends `rejected` with exactly those two problems, and no record is written."""
    headers = world.auth("data_entry")
    started = world.client.post("/api/organisations/ORG-A/import-jobs", headers=headers,
                                files={"file": ("bad.csv", activity_csv(10, bad_rows=(4, 7)), "text/csv")})
    body = _wait(world.client, headers, started.json()["job"])
    assert body["state"] == "rejected"
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(6, "unit"), (9, "unit")]  # type: ignore[union-attr]
    assert _count(world, ActivityRecord, ActivityRecord.source == "job test") == 0


def test_health_answers_while_a_big_import_runs(world: World) -> None:
    """An upload of 40,000 rows through `POST /imports` in one thread; /health, asked meanwhile through the same
    app (one event loop: the client is used as a context manager), answers within 2 s while the import is still
    running. Before, the upload handler ran the import on the event loop and /health waited for all of it."""
    data = activity_csv(40_000)
    with TestClient(world.app) as client:
        answer: dict[str, object] = {}

        def big_upload() -> None:
            answer["response"] = client.post("/api/organisations/ORG-A/imports", headers=world.auth("data_entry"),
                                             files={"file": ("big.csv", data, "text/csv")})

        worker = threading.Thread(target=big_upload)
        worker.start()
        time.sleep(0.5)  # let the import start reading rows
        assert worker.is_alive(), "the import finished too soon to show anything; give it more rows"
        asked = time.monotonic()
        health = client.get("/health")
        took = time.monotonic() - asked
        still_running = worker.is_alive()
        worker.join(timeout=300)
    assert health.status_code == 200
    assert still_running, "the import had finished before /health answered: the test shows nothing"
    assert took < 2.0, f"/health took {took:.2f} s during the import"
    response = answer["response"]
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    assert response.json()["inserted"] == 40_000  # type: ignore[attr-defined]


def test_two_concurrent_uploads_of_the_same_file_both_succeed(world: World) -> None:
    """The same 2,000-row file uploaded twice at once: imports take turns, so neither fails (before: a raw
    UniqueViolation on PostgreSQL); the first inserts 2,000, the second finds them unchanged; 2,000 records and one
    import batch in all, and one audit row per upload."""
    data = activity_csv(2_000)
    responses: list[object] = []

    def upload() -> None:
        responses.append(world.client.post("/api/organisations/ORG-A/imports", headers=world.auth("data_entry"),
                                           files={"file": ("same.csv", data, "text/csv")}))

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    bodies = sorted((r.status_code, r.json()["inserted"], r.json()["unchanged"]) for r in responses)  # type: ignore[attr-defined]
    assert bodies == [(200, 0, 2_000), (200, 2_000, 0)]
    assert _count(world, ActivityRecord, ActivityRecord.source == "job test") == 2_000
    assert _count(world, ImportBatch, ImportBatch.file_name == "same.csv") == 1
    assert _count(world, AuditEvent, AuditEvent.action == "import", AuditEvent.object_key == "same.csv") == 2


def test_two_concurrent_uploads_of_different_files_both_land(world: World) -> None:
    """Files of 1,500 days from 2010 and 1,500 days from 2020, uploaded at once: 3,000 records, two batches."""
    files = [activity_csv(1_500), activity_csv(1_500, first_day=date(2020, 1, 1))]
    codes: list[int] = []

    def upload(n: int) -> None:
        codes.append(world.client.post("/api/organisations/ORG-A/imports", headers=world.auth("data_entry"),
                                       files={"file": (f"part{n}.csv", files[n], "text/csv")}).status_code)

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert codes == [200, 200]
    assert _count(world, ActivityRecord, ActivityRecord.source == "job test") == 3_000
    assert _count(world, ImportBatch, ImportBatch.file_name.in_(["part0.csv", "part1.csv"])) == 2


def test_an_unchanged_re_upload_adds_no_batch(world: World) -> None:
    """Upload 50 rows, then the same bytes again: one batch (50 inserted), the second answer 0 inserted / 50
    unchanged, and two audit rows (each import is audited in its own transaction)."""
    data = activity_csv(50)
    headers = world.auth("data_entry")
    first = world.client.post("/api/organisations/ORG-A/imports", headers=headers,
                              files={"file": ("again.csv", data, "text/csv")})
    second = world.client.post("/api/organisations/ORG-A/imports", headers=headers,
                               files={"file": ("again.csv", data, "text/csv")})
    assert (first.json()["inserted"], second.json()["inserted"], second.json()["unchanged"]) == (50, 0, 50)
    assert _count(world, ImportBatch, ImportBatch.file_name == "again.csv") == 1
    assert _count(world, AuditEvent, AuditEvent.action == "import", AuditEvent.object_key == "again.csv") == 2


def test_the_app_stopping_lets_a_running_import_job_finish(world: World) -> None:
    """The app's lifespan (a `with TestClient`: startup, then shutdown) closes its import jobs: a 3,000-row job
    that is running when the app stops finishes first, all 3,000 rows written in the test's database (SQLite file or
    PostgreSQL schema) with one batch, and no worker process is left."""
    headers = world.auth("data_entry")
    with TestClient(world.app) as client:
        started = client.post("/api/organisations/ORG-A/import-jobs", headers=headers,
                              files={"file": ("stop.csv", activity_csv(3_000), "text/csv")})
        job = started.json()["job"]
        while client.get(f"/api/imports/{job}", headers=headers).json()["state"] == "queued":
            time.sleep(0.01)
    assert world.app.state.context.imports.wait(job, timeout=0).state == "done"
    assert _count(world, ActivityRecord, ActivityRecord.source == "job test") == 3_000
    assert _count(world, ImportBatch, ImportBatch.file_name == "stop.csv") == 1
    assert not [p for p in multiprocessing.active_children() if p.name.startswith("carbontrail-import-")]
