"""Roll-ups over stored readings and the province oversight page.

1. Daily totals per meter and monthly totals (the monthly KPIs' input) over N 15-minute readings in the Parquet
   store: seconds, ours (`ReadingStore.totals`, which applies corrections) against a bare DuckDB GROUP BY on the
   same files; and the same roll-up on a Dask LocalCluster of 2 workers against 1.
2. The province oversight endpoint with E enterprises × 5 years of monthly figures (SQLite): median and p99.

`make bench` runs 10⁷ readings and 10 000 enterprises.

    .venv/bin/python benchmarks/bench_monitor_rollup.py [--rows N] [--enterprises E]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
METERS = 100


def _store(folder: Path, rows: int):  # type: ignore[no-untyped-def]
    import numpy as np
    import pandas as pd

    from carbontrail.store.readings import ReadingStore

    store = ReadingStore(folder / "readings")
    per = rows // METERS
    starts = pd.date_range("2015-01-01", periods=per, freq="15min")
    rng = np.random.default_rng(2)
    for m in range(METERS):
        frame = pd.DataFrame({"meter": m, "start": starts, "at": starts, "value": rng.integers(1, 41, per) * 0.25,
                              "counter": np.nan, "reset": False})
        store.publish(store.stage(1, frame, batch=m + 1, recorded_by="bench", recorded_at=datetime(2024, 1, 1)))
    return store


def _time(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def rollups(folder: Path, rows: int) -> dict[str, object]:
    import duckdb
    from distributed import LocalCluster

    from carbontrail.store.readings import ReadingStore

    store = _store(folder, rows)
    files = [str(p) for p in store.files([1])]
    bare = {}
    for period in ("day", "month"):
        sql = (f"SELECT meter, date_trunc('{period}', start) AS p, sum(value), count(value) FROM read_parquet("
               f"{files!r}) GROUP BY ALL ORDER BY ALL")

        def peer(sql: str = sql) -> None:
            with duckdb.connect() as con:
                con.execute(sql).df()

        bare[period] = _time(peer)
    ours = {p: _time(lambda p=p: store.totals([1], period=p)) for p in ("day", "month")}
    dask = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as c:
            remote = ReadingStore(store.root, c.scheduler_address)
            dask[workers] = _time(lambda: remote.totals([1], period="day"), repeat=2)
    return {"ours_s": ours, "duckdb_bare_s": bare, "dask_s": dask}


def oversight(folder: Path, enterprises: int) -> dict[str, float]:
    from fastapi.testclient import TestClient
    from sqlalchemy import insert, select

    from carbontrail.app import create_app
    from carbontrail.config import Settings
    from carbontrail.services import accounts
    from carbontrail.services.accounts import access_token
    from carbontrail.services.monitor import figures
    from carbontrail.services.work import SystemActor
    from carbontrail.store.db import make_engine, session_factory
    from carbontrail.store.migrate import upgrade
    from carbontrail.store.models import Jurisdiction, MonthlyFigure, Organisation, User

    engine = make_engine(f"sqlite:///{folder / 'oversight.db'}")
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions.begin() as s:
        prov = Jurisdiction(code="SC", kind="province", name="四川省")
        s.add(prov)
        s.flush()
        parks = []
        for c in range(10):
            city = Jurisdiction(code=f"C{c}", kind="city", name=f"市{c}", parent_id=prov.id)
            s.add(city)
            s.flush()
            for p in range(10):
                park = Jurisdiction(code=f"C{c}P{p}", kind="park", name=f"园{c}{p}", parent_id=city.id)
                s.add(park)
                s.flush()
                parks.append(park.id)
        s.execute(insert(Organisation), [{"code": f"E{i:05d}", "name": f"企业{i}", "industry": f"C{i % 30}",
                                          "jurisdiction_id": parks[i % len(parks)]} for i in range(enterprises)])
        ids = list(s.scalars(select(Organisation.id)))
        rows = [{"organisation_id": o, "month": date(y, m, 1), "energy_tce": 100.0 + (o % 17), "co2_t": 200.0,
                 "value_added": 150.0 + (o % 11) + y - 2019, "source": "bench"}
                for o in ids for y in range(2019, 2024) for m in range(1, 13)]
        for i in range(0, len(rows), 50_000):
            s.execute(insert(MonthlyFigure), rows[i:i + 50_000])
    figures.set_target(sessions, SystemActor("bench"), kpi_name="energy_intensity", base_year=2020,
                       target_year=2025, change=-0.14, jurisdiction_code="SC")
    app = create_app(Settings(home=folder, database_url="", secret_key="bench"), sessions=sessions, pages=False)
    accounts.create_user(sessions, "gov@sc.example", "correct horse battery", name="gov")
    accounts.grant_role(sessions, "gov@sc.example", "government_viewer", jurisdiction="SC")
    with sessions() as s:
        token = access_token(app.state.context.key, accounts.principal_of(
            s, s.scalar(select(User.id).where(User.email == "gov@sc.example"))))
    client = TestClient(app)
    headers = {"Authorization": f"Bearer {token}"}
    times = []
    for _ in range(21):
        t0 = time.perf_counter()
        r = client.get("/api/monitor/jurisdictions/SC/oversight?year=2023", headers=headers)
        times.append(time.perf_counter() - t0)
        assert r.status_code == 200 and len(r.json()["enterprises"]) == enterprises
    times.sort()
    return {"median_ms": statistics.median(times) * 1000, "p99_ms": times[min(len(times) - 1,
                                                                               int(0.99 * len(times)))] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--enterprises", type=int, default=10_000)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="bench-monitor-rollup-"))
    try:
        r = rollups(folder, args.rows)
        page = oversight(folder, args.enterprises)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ours, bare, dask = r["ours_s"], r["duckdb_bare_s"], r["dask_s"]
    summary = {
        "figure": f"daily and monthly totals per meter over {args.rows // METERS * METERS:,} 15-minute readings "
                  f"({METERS} meters) in the Parquet store, ours vs a bare DuckDB GROUP BY; Dask 2 workers vs 1; "
                  f"province oversight endpoint with {args.enterprises:,} enterprises × 5 years of monthly figures "
                  "(SQLite, 21 requests)",
        "ours": {"daily_s": round(ours["day"], 3), "monthly_s": round(ours["month"], 3),
                 "dask_2_workers_daily_s": round(dask[2], 3),
                 "oversight_median_ms": round(page["median_ms"], 1), "oversight_p99_ms": round(page["p99_ms"], 1)},
        "peer": {"daily_s": round(bare["day"], 3), "monthly_s": round(bare["month"], 3),
                 "dask_1_worker_daily_s": round(dask[1], 3)},
        "ratio": {"daily": round(ours["day"] / bare["day"], 3), "monthly": round(ours["month"] / bare["month"], 3),
                  "dask_2_vs_1": round(dask[2] / dask[1], 3)},
        "units": "seconds (ratio = ours ÷ peer; lower is better), milliseconds for the page",
        "goal": "≤ 1.5× the bare query; oversight median < 150 ms",
    }
    (OUT / "monitor_rollup.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
