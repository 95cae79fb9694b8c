"""Requests/s and p99 latency of GET /api/organisations/{code}/inventory at 64 concurrent connections on loopback.

Load from wrk (Debian package `wrk`), 64 connections, 4 threads, over --seconds. Ours: the real endpoint (bearer
token checked, tenancy checked, activity records read from the database, inventory computed, JSON out) served by
uvicorn (one worker) on a SQLite database (or --database-url). Peer, in the same run: the same uvicorn serving a
bare Starlette app that returns the same inventory JSON precomputed — the floor the framework and server set.
Errors (socket errors and non-2xx answers) must be 0. Prints JSON and writes var/bench/api_inventory.json.

    .venv/bin/python benchmarks/bench_api_inventory.py [--seconds 10] [--database-url URL] [--workers N]

A PostgreSQL URL gets a schema of its own (bench_api_inventory), dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.config import Settings
from carbontrail.services import accounts, organisations
from carbontrail.services.imports import import_file
from carbontrail.store.db import make_engine, session_factory
from carbontrail.store.models import Base

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
CONNECTIONS, THREADS = 64, 4
SECRET = "bench-api-inventory-secret"
SCHEMA = "bench_api_inventory"
PEER_APP = """
import sys
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
body = open(sys.argv[1], "rb").read()
async def inventory(request):
    return Response(body, media_type="application/json")
app = Starlette(routes=[Route("/api/organisations/{code}/inventory", inventory)])
if __name__ == "__main__":
    import uvicorn
    uvicorn.run("peer_app:app", host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False,
                workers=int(sys.argv[3]))
"""


def seed(sessions: sessionmaker[Session], folder: Path) -> None:
    """One enterprise, 3 facilities, 2023 monthly: grid electricity, natural gas, steam; value added."""
    with sessions.begin() as s:
        organisations.create_organisation(s, "BENCH", "基准锂电", name_en="Bench Lithium")
        for n in range(1, 4):
            organisations.create_facility(s, "BENCH", f"F{n}", f"车间{n}", "Sichuan", city="Chengdu")
        organisations.create_period(s, "BENCH", "2023", date(2023, 1, 1), date(2023, 12, 31))
    lines = ["organisation,facility,period_start,period_end,kind,item,quantity,unit,category,gas,meter,supplier,"
             "instrument,instrument_ref,contract_factor,source"]
    ends = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    for n in range(1, 4):
        for m in range(1, 13):
            p = f"2023-{m:02d}-01,2023-{m:02d}-{ends[m - 1]}"
            lines += [f"BENCH,F{n},{p},electricity,grid electricity,{900_000 + 1000 * m},kWh,,,,,,,,bench",
                      f"BENCH,F{n},{p},fuel_combustion,natural gas,{50_000 + 100 * m},Nm3,stationary,,,,,,,bench",
                      f"BENCH,F{n},{p},steam,purchased steam,{2400 + m},GJ,,,,,,,,bench"]
    lines.append("BENCH,F1,2023-01-01,2023-12-31,value_added,industrial value added,52000,10^4 yuan,,,,,,,,bench")
    csv = folder / "bench-activity.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_file(sessions, csv, organisation="BENCH")
    accounts.create_user(sessions, "bench@example.com", "bench password 123")
    accounts.grant_role(sessions, "bench@example.com", "carbon_manager", organisation="BENCH")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, headers: dict[str, str]) -> bytes:
    deadline = time.time() + 30
    while True:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as r:
                return bytes(r.read())
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def bench_database_url(database_url: str, home: Path, schema: str) -> str:
    """SQLite under `home` unless a URL is given; a PostgreSQL URL gets a fresh schema of its own, never the tables
    of whoever else uses that database."""
    if not database_url:
        return f"sqlite:///{home / 'bench.db'}"
    if database_url.startswith("postgresql"):
        admin = make_engine(database_url)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        return database_url + ("&" if "?" in database_url else "?") + f"options=-csearch_path%3D{schema}"
    return database_url


def wrk(url: str, token: str, seconds: int, connections: int = CONNECTIONS) -> dict[str, float]:
    # a 60 s timeout: a slow answer counts in the latency, not as an error
    out = subprocess.run(["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "60s",
                          "-H", f"Authorization: Bearer {token}", url],
                         check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = {}
    for name in ("50", "99"):
        m = re.search(rf"{name}%\s+([\d.]+)(us|ms|s)\b", out)
        assert m, out
        latency[f"p{name}_ms"] = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    socket_errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return {"requests_per_s": rps, **latency, "requests": total,
            "errors": socket_errors + (int(non2xx.group(1)) if non2xx else 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes for both servers")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian package wrk)")
    OUT.mkdir(parents=True, exist_ok=True)
    home = OUT / "api_inventory"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    url_db = bench_database_url(args.database_url, home, SCHEMA)
    engine = make_engine(url_db)
    Base.metadata.create_all(engine)
    sessions = session_factory(engine)
    seed(sessions, home)
    settings = Settings(home=home, database_url=url_db, secret_key=SECRET)
    token = accounts.access_token(accounts.secret_key(settings),
                                  accounts.authenticate_user(sessions, "bench@example.com", "bench password 123"),
                                  ttl=3600)
    engine.dispose()
    env = dict(os.environ, CARBONTRAIL_DATABASE_URL=url_db, CARBONTRAIL_SECRET_KEY=SECRET,
               CARBONTRAIL_HOME=str(home))
    path = "/api/organisations/BENCH/inventory?period=2023"
    auth = {"Authorization": f"Bearer {token}"}

    ours_port = free_port()
    ours = subprocess.Popen([sys.executable, "-m", "uvicorn", "carbontrail.app:create_app", "--factory",
                             "--host", "127.0.0.1", "--port", str(ours_port), "--log-level", "warning",
                             "--no-access-log", "--workers", str(args.workers)], env=env)
    try:
        body = wait_up(f"http://127.0.0.1:{ours_port}{path}", auth)
        ours_result = wrk(f"http://127.0.0.1:{ours_port}{path}", token, args.seconds)
    finally:
        ours.terminate()
        ours.wait(10)
    (home / "inventory.json").write_bytes(body)
    peer_port = free_port()
    (home / "peer_app.py").write_text(PEER_APP)
    peer = subprocess.Popen([sys.executable, str(home / "peer_app.py"), str(home / "inventory.json"), str(peer_port),
                             str(args.workers)], cwd=home, env=dict(os.environ, PYTHONPATH=str(home)))
    try:
        assert wait_up(f"http://127.0.0.1:{peer_port}{path}", auth) == body
        peer_result = wrk(f"http://127.0.0.1:{peer_port}{path}", token, args.seconds)
    finally:
        peer.terminate()
        peer.wait(10)

    summary = json.loads(body)
    result = {
        "figure": f"GET inventory (108 activity records, 3 facilities) at {CONNECTIONS} connections on loopback, "
                  f"wrk {args.seconds} s, uvicorn {args.workers} worker(s), {engine.dialect.name}",
        "ours": ours_result,
        "peer": {"name": "bare Starlette returning the same JSON precomputed (same uvicorn)", **peer_result},
        "ratio": {"requests_per_s": ours_result["requests_per_s"] / peer_result["requests_per_s"],
                  "p99_ms": ours_result["p99_ms"] / peer_result["p99_ms"]},
        "units": {"requests_per_s": "1/s", "p99_ms": "ms", "errors": "count"},
        "check": {"scope1_t_co2e": summary["scope1_t_co2e"],
                  "scope2_location_t_co2e": summary["scope2_location_t_co2e"]},
    }
    (OUT / "api_inventory.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if url_db.startswith("postgresql"):
        admin = make_engine(args.database_url)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()
    if ours_result["errors"] or peer_result["errors"]:
        sys.exit("the load test saw errors")


if __name__ == "__main__":
    main()
