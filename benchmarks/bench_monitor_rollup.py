"""Roll-ups over stored readings and the province oversight page.

1. Daily totals per meter and monthly totals (the monthly KPIs' input) over N 15-minute readings in the Parquet
   store: seconds, ours (`ReadingStore.totals`, which applies corrections) against a bare DuckDB GROUP BY on the
   same files; and the same roll-up on a Dask LocalCluster of 2 workers against 1.
2. The province oversight page (`/monitor/j/SC`, HTML, its first page of enterprises and ranking) with E enterprises
   × 5 years of monthly figures (SQLite): median and p99 over 5 rounds of 20 requests once its roll-up is kept; the
   first request after a new monthly figure (which recomputes the roll-up); the same for the paged API. The peer is a
   bare SQL GROUP BY of the same monthly figures per enterprise and year (what any uncached page must at least read).

Every figure is timed over 5 rounds (the median, and the spread min–max of the rounds); the load average is
recorded at start and end (the machine may be shared). `make bench` runs 10⁷ readings and 10 000 enterprises.

    .venv/bin/python benchmarks/bench_monitor_rollup.py [--rows N] [--enterprises E]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from datetime import date
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
        store.publish(store.stage(1, frame, batch=m + 1))
    return store


ROUNDS = 5


def _time(fn, repeat: int = ROUNDS) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Seconds of `repeat` rounds: the median and the spread (min, max)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


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
            remote.totals([1], period="day")  # warm the workers (imports, first file listing)
            dask[workers] = _time(lambda: remote.totals([1], period="day"))
    return {"ours_s": ours, "duckdb_bare_s": bare, "dask_s": dask}


def oversight(folder: Path, enterprises: int) -> dict[str, object]:
    import re
    import sqlite3

    from fastapi.testclient import TestClient
    from sqlalchemy import insert, select, update

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
    app = create_app(Settings(home=folder, database_url="", secret_key="bench"), sessions=sessions)
    password = "correct horse battery"
    accounts.create_user(sessions, "gov@sc.example", password, name="gov")
    accounts.grant_role(sessions, "gov@sc.example", "government_viewer", jurisdiction="SC")
    with sessions() as s:
        token = access_token(app.state.context.key, accounts.principal_of(
            s, s.scalar(select(User.id).where(User.email == "gov@sc.example"))))
    api = TestClient(app)
    headers = {"Authorization": f"Bearer {token}"}
    web = TestClient(app)
    form = web.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    assert web.post("/login", data={"email": "gov@sc.example", "password": password, "csrf_token": csrf,
                                    "next": "/"}, follow_redirects=False).status_code == 303
    page_url = "/monitor/j/SC?year=2023"
    api_url = "/api/monitor/jurisdictions/SC/oversight?year=2023&page=1"

    def get_page() -> None:
        r = web.get(page_url)
        assert r.status_code == 200 and f"共 {enterprises:,}".replace(",", "") in r.text.replace(",", ""), r.text[:300]

    def get_api() -> None:
        r = api.get(api_url, headers=headers)
        assert r.status_code == 200 and r.headers["X-Total-Count"] == str(enterprises)
        assert len(r.json()["enterprises"]) == min(enterprises, figures.PAGE_SIZE)

    def once(fn) -> float:  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    cold = once(get_page)  # computes the roll-up and keeps it
    out: dict[str, object] = {"first_request_s": cold}
    for name, fn in (("page", get_page), ("api", get_api)):
        rounds = [[once(fn) for _ in range(20)] for _ in range(ROUNDS)]
        every = sorted(t for r in rounds for t in r)
        out[name] = {"median_ms": statistics.median(every) * 1000,
                     "p99_ms": every[min(len(every) - 1, int(0.99 * len(every)))] * 1000,
                     "round_medians_ms": [round(statistics.median(r) * 1000, 1) for r in rounds]}
    # a changed monthly figure of 2023 (as a refresh writes): the next request recomputes and keeps the roll-up
    renew = []
    for i in range(ROUNDS):
        with sessions.begin() as s:
            s.execute(update(MonthlyFigure).where(MonthlyFigure.organisation_id == ids[i],
                                                  MonthlyFigure.month == date(2023, 12, 1))
                      .values(energy_tce=MonthlyFigure.energy_tce + 1.0))
        renew.append(once(get_page))
    out["after_new_figure_s"] = _spread(renew)
    con = sqlite3.connect(folder / "oversight.db")

    def bare() -> None:
        con.execute("SELECT organisation_id, strftime('%Y', month) AS y, sum(energy_tce), sum(co2_t), "
                    "sum(value_added), count(*) FROM monitor_monthly_figure GROUP BY 1, 2").fetchall()

    out["bare_sql_ms"] = {k: v * 1000 for k, v in _time(bare).items()}
    con.close()
    return out


def _spread(times: list[float]) -> dict[str, float]:
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def _r(d: dict[str, float], k: float = 1.0, n: int = 3) -> dict[str, float]:
    return {key: round(v * k, n) for key, v in d.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--skip-rollups", action="store_true", help="only the oversight page")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="bench-monitor-rollup-"))
    load_start = _load()
    try:
        r = None if args.skip_rollups else rollups(folder, args.rows)
        page = oversight(folder, args.enterprises)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    load_end = _load()
    p, a = page["page"], page["api"]  # type: ignore[index]
    ours: dict[str, object] = {
        "oversight_page_median_ms": round(p["median_ms"], 1), "oversight_page_p99_ms": round(p["p99_ms"], 1),
        "oversight_page_round_medians_ms": p["round_medians_ms"],
        "oversight_api_page_median_ms": round(a["median_ms"], 1), "oversight_api_page_p99_ms": round(a["p99_ms"], 1),
        "oversight_first_request_s": round(page["first_request_s"], 2),  # type: ignore[arg-type]
        "oversight_after_new_figure_s": _r(page["after_new_figure_s"], 1, 2)}  # type: ignore[arg-type]
    peer: dict[str, object] = {"bare_sql_group_by_ms": _r(page["bare_sql_ms"], 1, 1)}  # type: ignore[arg-type]
    ratio: dict[str, float] = {"oversight_page_vs_bare_sql": round(p["median_ms"] / page["bare_sql_ms"]["median"],
                                                                   3)}  # type: ignore[index]
    if r is not None:
        o, bare, dask = r["ours_s"], r["duckdb_bare_s"], r["dask_s"]
        ours.update({"daily_s": _r(o["day"]), "monthly_s": _r(o["month"]), "dask_2_workers_daily_s": _r(dask[2])})
        peer.update({"daily_s": _r(bare["day"]), "monthly_s": _r(bare["month"]), "dask_1_worker_daily_s": _r(dask[1])})
        ratio.update({"daily": round(o["day"]["median"] / bare["day"]["median"], 3),
                      "monthly": round(o["month"]["median"] / bare["month"]["median"], 3),
                      "dask_2_vs_1": round(dask[2]["median"] / dask[1]["median"], 3)})
    summary = {
        "figure": (f"daily and monthly totals per meter over {args.rows // METERS * METERS:,} 15-minute readings "
                   f"({METERS} meters) in the Parquet store, ours vs a bare DuckDB GROUP BY; Dask 2 workers vs 1; "
                   if r is not None else "") +
                  f"province oversight page with {args.enterprises:,} enterprises × 5 years of monthly figures "
                  "(SQLite; its kept roll-up read, first page of 50), vs a bare SQL GROUP BY of the same figures",
        "ours": ours,
        "peer": peer,
        "ratio": ratio,
        "units": "seconds (median, min, max of 5 rounds; ratio = ours ÷ peer of the medians; lower is better), "
                 "milliseconds for the page (median and p99 of 5 rounds × 20 requests)",
        "goal": "≤ 1.5× the bare query; oversight median < 150 ms",
        "load_average": {"start": load_start, "end": load_end},
    }
    (OUT / "monitor_rollup.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
