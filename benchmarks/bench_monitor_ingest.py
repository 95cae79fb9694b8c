"""Ingesting 15-minute meter readings from CSV with every check: readings/s and peak RSS, ours against DuckDB's own
bare `read_csv` → Parquet of the same file, in the same run.

Ours reads the CSV in chunks, checks every row (meter known, unit, timestamp parse and not in the future, value a
non-negative number, duplicates, counters), compares with what is stored, writes Parquet per organisation / meter /
month into staging and publishes it with its batch and audit rows. The peer only parses and writes. Each side runs
in its own process, so its peak RSS (getrusage) is its own. `make bench` runs 10⁷ readings (100 meters × 100 000
quarter-hours); the issue's figure is for 10⁸ (`--rows 100000000`). Each side runs `--rounds` times (5; each of ours
into a fresh database and store) alternately; the figures are the medians, with the spread (min–max) of the rounds
and the load average at start and end (the machine may be shared).

    .venv/bin/python benchmarks/bench_monitor_ingest.py [--rows N] [--rounds R]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
METERS = 100
PER_METER = 100_000  # quarter-hours a meter runs from 2015-01-01 at most (2.85 years: none in the future)


def meters_for(rows: int) -> int:
    """100 meters, more for more than 10⁷ readings (10⁸: 1,000 meters × 100,000 quarter-hours)."""
    return max(METERS, -(-rows // PER_METER))


def generate(path: Path, rows: int) -> None:
    """`rows` readings: `meters_for(rows)` meters, each a run of quarter-hours from 2015-01-01 (values 0.25–10
    kWh)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    meters = meters_for(rows)
    per = rows // meters
    starts = np.datetime64("2015-01-01T00:00") + np.arange(per) * np.timedelta64(15, "m")
    stamp = np.datetime_as_string(starts, unit="m")
    rng = np.random.default_rng(1)
    with pacsv.CSVWriter(path, pa.schema([("meter", pa.string()), ("timestamp", pa.string()),
                                          ("value", pa.float64())])) as writer:
        for m in range(meters):
            values = rng.integers(1, 41, per) * 0.25
            writer.write_table(pa.table({"meter": [f"M{m:04d}"] * per, "timestamp": stamp, "value": values}))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(which: str, csv_path: Path, folder: Path, meters: int = METERS) -> dict[str, float]:
    if which == "peer":
        import duckdb

        t0 = time.perf_counter()
        with duckdb.connect() as con:
            con.execute(f"COPY (SELECT * FROM read_csv('{csv_path}')) TO '{folder / 'peer.parquet'}' "
                        "(FORMAT parquet, COMPRESSION zstd)")
        return {"seconds": time.perf_counter() - t0, "peak_rss_mb": _peak_rss_mb()}
    from carbontrail.services.monitor import readings
    from carbontrail.services.work import SystemActor
    from carbontrail.store.db import make_engine, session_factory
    from carbontrail.store.migrate import upgrade
    from carbontrail.store.models import Facility, Meter, Organisation
    from carbontrail.store.readings import ReadingStore

    engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions.begin() as s:
        org = Organisation(code="BENCH", name="bench")
        s.add(org)
        s.flush()
        fac = Facility(organisation_id=org.id, code="F1", name="plant", province="四川省")
        s.add(fac)
        s.flush()
        s.add_all(Meter(facility_id=fac.id, code=f"M{m:04d}", medium="electricity", unit="kWh", interval_s=900)
                  for m in range(meters))
    t0 = time.perf_counter()
    report = readings.import_file(sessions, SystemActor("bench"), "BENCH", csv_path,
                                  store=ReadingStore(folder / "readings"))
    seconds = time.perf_counter() - t0
    assert report.inserted == report.rows
    return {"seconds": seconds, "peak_rss_mb": _peak_rss_mb(), "rows": report.rows}


def _run(which: str, csv_path: Path, folder: Path, rows: int) -> dict[str, float]:
    folder.mkdir(parents=True, exist_ok=True)
    try:
        out = subprocess.run([sys.executable, __file__, "--worker", which, "--csv", str(csv_path), "--folder",
                              str(folder), "--rows", str(rows)], capture_output=True, text=True)
        if out.returncode:
            sys.exit(f"the {which} side failed:\n{out.stderr[-3000:]}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        # Written-back and deleted before the next side starts: a round's 35,000 files (10⁸ readings) being flushed
        # and discarded by the file system would otherwise fall on the next round, whichever side it is.
        os.sync()
    return json.loads(out.stdout.strip().splitlines()[-1])


def _side(runs: list[dict[str, float]], rows: int) -> dict[str, object]:
    seconds = [r["seconds"] for r in runs]
    mid = statistics.median(seconds)
    return {"readings_per_s": round(rows / mid), "seconds": round(mid, 2),
            "seconds_spread": [round(min(seconds), 2), round(max(seconds), 2)],
            "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--worker")
    parser.add_argument("--csv")
    parser.add_argument("--folder")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, Path(args.csv), Path(args.folder), meters_for(args.rows))))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="bench-monitor-ingest-"))
    load_start = [round(x, 2) for x in os.getloadavg()]
    try:
        csv_path = folder / "readings.csv"
        generate(csv_path, args.rows)
        os.sync()
        size_mb = csv_path.stat().st_size / 2**20
        peers, ours = [], []
        for i in range(args.rounds):
            peers.append(_run("peer", csv_path, folder / f"peer{i}", args.rows))
            ours.append(_run("ours", csv_path, folder / f"ours{i}", args.rows))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    meters = meters_for(args.rows)
    rows = args.rows // meters * meters
    mine, theirs = _side(ours, rows), _side(peers, rows)
    summary = {
        "figure": f"readings/s ingesting {rows:,} 15-minute readings ({meters:,} meters, CSV of {size_mb:,.0f} MB) "
                  "into Parquet (ours: every check, partitioned, staged and published with its batch; peer: "
                  f"DuckDB read_csv → one Parquet file); {args.rounds} rounds each",
        "ours": mine,
        "peer": theirs,
        "ratio": round(theirs["seconds"] / mine["seconds"], 3),  # type: ignore[operator]
        "units": "readings per second of the median round (ratio = ours ÷ peer rate); seconds: median and spread "
                 "(min, max); peak RSS in MB (the largest of the rounds)",
        "goal": "≥ 0.5 of DuckDB's rate, peak RSS < 1024 MB",
        "load_average": {"start": load_start, "end": [round(x, 2) for x in os.getloadavg()]},
    }
    (OUT / "monitor_ingest.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
