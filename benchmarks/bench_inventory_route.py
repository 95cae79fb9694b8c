"""The inventory endpoint against a bare Starlette route returning the same JSON, three runs side by side.

Each run serves GET /api/organisations/BENCH/inventory?period=2023 from carbontrail (bearer token, tenancy, the
tenant's data fingerprint, the inventory) and then the bare route, both on one uvicorn worker, and loads each
with wrk (64 connections, 4 threads). What this measures is the per-request cost of who is asking (token, roles)
and of the tenant fingerprint, which come from in-process memories checked against counters (a revocation still
takes effect within `RECHECK_SECONDS`, 0.5 s), and of serving the answer kept for that fingerprint (ahead of the
router: `api.routers.inventory.RememberedInventory`). The goal: a ratio of at least 0.5 in every run. Prints JSON
and writes var/bench/inventory_route.json.

    .venv/bin/python benchmarks/bench_inventory_route.py [--seconds 10] [--runs 3] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_api_inventory import (  # noqa: E402  (a sibling script, not a package)
    CONNECTIONS,
    PEER_APP,
    SECRET,
    THREADS,
    bench_database_url,
    free_port,
    seed,
    wait_up,
    wrk,
)

from carbontrail.config import Settings  # noqa: E402
from carbontrail.services import accounts  # noqa: E402
from carbontrail.store.db import make_engine, session_factory  # noqa: E402
from carbontrail.store.models import Base  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
PATH = "/api/organisations/BENCH/inventory?period=2023"


def serve(command: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, env=env, cwd=cwd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian package wrk; `make` installs it with the system packages)")
    home = OUT / "inventory_route"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    url_db = bench_database_url(args.database_url, home, "bench_inventory_route")
    engine = make_engine(url_db)
    Base.metadata.create_all(engine)
    sessions = session_factory(engine)
    seed(sessions, home)
    settings = Settings(home=home, database_url=url_db, secret_key=SECRET)
    principal = accounts.authenticate_user(sessions, "bench@example.com", "bench password 123")
    token = accounts.access_token(accounts.secret_key(settings), principal, ttl=3600)
    dialect = engine.dialect.name
    engine.dispose()
    env = dict(os.environ, CARBONTRAIL_DATABASE_URL=url_db, CARBONTRAIL_SECRET_KEY=SECRET, CARBONTRAIL_HOME=str(home))
    auth = {"Authorization": f"Bearer {token}"}
    (home / "peer_app.py").write_text(PEER_APP)

    runs = []
    for _ in range(args.runs):
        port = free_port()
        ours = serve([sys.executable, "-m", "uvicorn", "carbontrail.app:create_app", "--factory", "--host",
                      "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"], env)
        try:
            body = wait_up(f"http://127.0.0.1:{port}{PATH}", auth)
            ours_result = wrk(f"http://127.0.0.1:{port}{PATH}", token, args.seconds)
        finally:
            ours.terminate()
            ours.wait(10)
        (home / "inventory.json").write_bytes(body)
        port = free_port()
        peer = serve([sys.executable, str(home / "peer_app.py"), str(home / "inventory.json"), str(port), "1"],
                     dict(os.environ, PYTHONPATH=str(home)), cwd=home)
        try:
            assert wait_up(f"http://127.0.0.1:{port}{PATH}", auth) == body
            peer_result = wrk(f"http://127.0.0.1:{port}{PATH}", token, args.seconds)
        finally:
            peer.terminate()
            peer.wait(10)
        runs.append({"ours": ours_result, "peer": peer_result,
                     "ratio": ours_result["requests_per_s"] / peer_result["requests_per_s"]})

    ratios = [r["ratio"] for r in runs]
    result = {
        "figure": f"GET inventory (108 activity records, 3 facilities) vs a bare Starlette route with the same JSON, "
                  f"{CONNECTIONS} connections, {THREADS} wrk threads, {args.seconds} s per server per run, "
                  f"{args.runs} runs, one uvicorn worker each, {dialect}",
        "ours": [r["ours"] for r in runs],
        "peer": {"name": "bare Starlette returning the same JSON precomputed (same uvicorn)",
                 "runs": [r["peer"] for r in runs]},
        "ratio": {"requests_per_s": ratios, "worst": min(ratios)},
        "units": {"requests_per_s": "1/s", "p99_ms": "ms", "errors": "count", "ratio": "ours / peer"},
    }
    (OUT / "inventory_route.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if any(r["ours"]["errors"] or r["peer"]["errors"] for r in runs):
        sys.exit("the load test saw errors")


if __name__ == "__main__":
    main()
