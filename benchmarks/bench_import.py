"""Importing a 1,000,000-row activity CSV: rows/s and peak memory, ours against pandas.read_csv + DataFrame.to_sql.

Each measurement runs in its own process so its peak RSS (getrusage) is its own. Ours checks every row (units,
dates, references, fuels) and upserts by record key; the peer only parses and appends, so it is the floor
of "read a CSV into a table" with the same libraries underneath. SQLite always; PostgreSQL when it answers.

    .venv/bin/python benchmarks/bench_import.py [--rows N]
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SHAPES = (
    ("electricity", "grid electricity", "kWh", "E-MAIN"),
    ("fuel_combustion", "natural_gas", "Nm3", ""),
    ("production", "battery-grade Li2CO3", "t", ""),
    ("value_added", "industrial value added (2020 constant prices)", "10^4 yuan", ""),
)


def generate(path: Path, rows: int) -> None:
    """`rows` distinct activity rows for organisation BENCH, facility F1 (one day per four rows)."""
    from carbontrail.inventory.templates import ACTIVITY

    start = date(1800, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(ACTIVITY.column_names)
        for i in range(rows):
            kind, item, unit, meter = SHAPES[i % 4]
            day = (start + timedelta(days=i // 4)).isoformat()
            writer.writerow(["BENCH", "F1", day, day, kind, item, f"{(i % 997) * 1.5 + 1}", unit, "", "", meter,
                             "", "", "", "", f"bench row {i}"])


def _references(folder: Path) -> list[Path]:
    files = {
        "organisations.csv": "code,name,province\nBENCH,基准企业,四川省\n",
        "facilities.csv": "organisation,code,name,province\nBENCH,F1,一号厂区,四川省\n",
        "meters.csv": "organisation,facility,code,medium,unit\nBENCH,F1,E-MAIN,electricity,kWh\n",
    }
    paths = []
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(folder / name)
    return paths


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def worker(which: str, url: str, csv_path: Path) -> dict[str, float]:
    """One measurement in this process: import time and peak RSS."""
    from carbontrail.store.db import make_engine, session_factory
    from carbontrail.store.models import Base

    engine = make_engine(url)
    if which == "ours":
        from carbontrail.services.imports import import_file, import_files

        Base.metadata.create_all(engine)
        sessions = session_factory(engine)
        import_files(sessions, _references(csv_path.parent))
        start = time.perf_counter()
        report = import_file(sessions, csv_path)
        seconds = time.perf_counter() - start
        rows = report.inserted
    else:
        import pandas as pd

        start = time.perf_counter()
        frame = pd.read_csv(csv_path)
        # to_sql's return value is the driver's rowcount, which psycopg's executemany reports as -1 per chunk.
        frame.to_sql("peer_activity", engine, index=False, chunksize=10_000, if_exists="replace")
        seconds = time.perf_counter() - start
        rows = len(frame)
    engine.dispose()
    return {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds, "peak_rss_mb": _peak_rss_mb()}


def _run(which: str, url: str, csv_path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--worker", which, "--url", url, "--csv", str(csv_path)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _postgres_schema() -> tuple[str, str] | None:
    from sqlalchemy import text

    from carbontrail.store.db import make_engine

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = make_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
    except Exception:  # noqa: BLE001 - no PostgreSQL here: the SQLite figure stands alone
        return None
    return schema, f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


def _drop_schema(schema: str) -> None:
    from sqlalchemy import text

    from carbontrail.store.db import make_engine

    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--worker")
    parser.add_argument("--url")
    parser.add_argument("--csv")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.url, Path(args.csv))))
        return

    OUT.mkdir(parents=True, exist_ok=True)
    folder = OUT / "import"
    folder.mkdir(exist_ok=True)
    csv_path = folder / f"activity_{args.rows}.csv"
    if not csv_path.exists():
        generate(csv_path, args.rows)
    results: dict[str, dict[str, dict[str, float]]] = {}
    for db in ("ours", "peer"):
        for stale in folder.glob(f"{db}.db*"):
            stale.unlink()
    results["sqlite"] = {"ours": _run("ours", f"sqlite:///{folder / 'ours.db'}", csv_path),
                         "peer": _run("peer", f"sqlite:///{folder / 'peer.db'}", csv_path)}
    pg = _postgres_schema()
    if pg is not None:
        schema, url = pg
        try:
            results["postgresql"] = {"ours": _run("ours", url, csv_path), "peer": _run("peer", url, csv_path)}
        finally:
            _drop_schema(schema)
    lite = results["sqlite"]
    summary = {
        "figure": f"rows/s importing a {args.rows:,}-row activity CSV into SQLite (ours: checked, upserted, one "
                  "transaction; peer: pandas.read_csv + DataFrame.to_sql, chunksize 10,000)",
        "ours": round(lite["ours"]["rows_per_s"], 1),
        "peer": round(lite["peer"]["rows_per_s"], 1),
        "ratio": round(lite["ours"]["rows_per_s"] / lite["peer"]["rows_per_s"], 3),
        "units": "rows/s",
        "memory_peak_rss_mb": {db: {who: round(r["peak_rss_mb"], 1) for who, r in pair.items()}
                               for db, pair in results.items()},
        "backends": results,
        "file_mb": round(csv_path.stat().st_size / 2**20, 1),
    }
    (OUT / "import.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
