"""Durability: `carbontrail import` of a generated CSV, killed with SIGKILL at random points, leaves each batch whole
or absent, the audit trail agreeing with the data, and a database that passes its own consistency check."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.services.imports import import_files
from carbontrail.store.models import ActivityRecord, AuditEvent, ImportBatch

ROWS = 12_000
KILLS = 3


def _files(folder: Path) -> tuple[list[Path], Path]:
    (folder / "organisations.csv").write_text("code,name,province\nORG,示例企业,四川省\n", encoding="utf-8")
    (folder / "facilities.csv").write_text("organisation,code,name,province\nORG,F1,一厂,四川省\n", encoding="utf-8")
    big = folder / "big.csv"
    first = date(1950, 1, 1)
    with big.open("w", encoding="utf-8") as fh:
        fh.write("organisation,facility,period_start,period_end,kind,item,quantity,unit,source\n")
        for i in range(ROWS):
            day = (first + timedelta(days=i)).isoformat()
            fh.write(f"ORG,F1,{day},{day},electricity,grid electricity,{i + 1},kWh,kill test\n")
    return [folder / "organisations.csv", folder / "facilities.csv"], big


def _state(sessions: sessionmaker[Session]) -> tuple[int, int, int, float]:
    """(records, import batches of the big file, audit rows of its imports, sum of quantities)."""
    with sessions() as s:
        records = int(s.scalar(select(func.count()).select_from(ActivityRecord)) or 0)
        batches = int(s.scalar(select(func.count()).select_from(ImportBatch)
                               .where(ImportBatch.file_name == "big.csv")) or 0)
        audits = int(s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "import", AuditEvent.object_key == "big.csv")) or 0)
        total = float(s.scalar(select(func.coalesce(func.sum(ActivityRecord.quantity), 0))) or 0)
    return records, batches, audits, total


def _consistent(engine: Engine) -> None:
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        else:
            orphans = conn.execute(text("SELECT count(*) FROM activity_record r LEFT JOIN import_batch b "
                                        "ON r.import_id = b.id WHERE b.id IS NULL")).scalar()
            assert orphans == 0


@pytest.mark.slow
def test_kill_9_during_an_import_leaves_all_rows_or_none(db_url: str, engine: Engine,
                                                         sessions: sessionmaker[Session], tmp_path: Path) -> None:
    """Three SIGKILLs at random moments (seeded) of a 12,000-row import, then one run to the end. After each kill:
    0 records and no batch or audit row (or, had it finished, all 12,000 with one batch and one audit row, summing
    1 + 2 + … + 12,000 = 72,006,000 kWh); after the final run exactly that."""
    references, big = _files(tmp_path)
    import_files(sessions, references)
    env = {**os.environ, "CARBONTRAIL_DATABASE_URL": db_url, "CARBONTRAIL_HOME": str(tmp_path / "home")}
    command = [sys.executable, "-c", "from carbontrail.cli import app; app()", "import", str(big), "--json"]
    full = (ROWS, 1, 1, ROWS * (ROWS + 1) / 2)
    assert full[3] == 72_006_000
    chance = random.Random(9)
    for _ in range(KILLS):
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(chance.uniform(0.5, 4.0))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        state = _state(sessions)
        assert state in ((0, 0, 0, 0.0), full), f"half-written after SIGKILL: {state}"
        _consistent(engine)
    finished = subprocess.run(command, env=env, capture_output=True, timeout=300)
    assert finished.returncode == 0, finished.stderr.decode()[-500:]
    assert _state(sessions) == full
    _consistent(engine)
