"""Requests/s and p99 latency of PACT GET /3/footprints with 10,000 footprints stored, 64 connections, HTTPS on
loopback.

Load from wrk (Debian package `wrk`), 64 connections, 4 threads, over --seconds. Ours: the real endpoint served by
uvicorn (one worker) with the development certificate on a SQLite database (or --database-url): HTTPS check, bearer
token verified, the client's organisations and the PACT data version read from the database on every request, the
grant-filtered page of 100 footprints rendered from the database once per data version and kept in memory after
that (any publish, grant or revoke makes a new version), absolute `Link` header. Peer, in the same run: the same uvicorn and certificate serving a bare Starlette app
that returns the same JSON body and Link header precomputed — the floor the framework, TLS and server set.
Errors (socket errors and non-2xx answers) must be 0. Both servers run at once and are measured in turn, `--runs`
times; `ratio_per_run` is ours ÷ peer requests/s of each run (the goal: at least 0.6 in every run), `ours` the
slowest of our runs and `peer` the fastest of the peer's. Prints JSON and writes var/bench/pact_list.json.

    .venv/bin/python benchmarks/bench_pact_list.py [--seconds 10] [--runs 3] [--footprints 10000] [--database-url URL]

A PostgreSQL URL gets a schema of its own (bench_pact_list), dropped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.config import Settings
from carbontrail.formats import pact
from carbontrail.services import accounts
from carbontrail.services.pact import host as pact_host
from carbontrail.services.tls import development_certificate
from carbontrail.store.db import make_engine, session_factory, transaction
from carbontrail.store.models import Base, Organisation

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api_inventory import CONNECTIONS, bench_database_url, free_port, wrk  # noqa: E402  (same load generator and parsing)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
SECRET = "bench-pact-list-secret"
SCHEMA = "bench_pact_list"
PATH = "/3/footprints"
PEER_APP = """
import sys
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
body = open(sys.argv[1], "rb").read()
link = open(sys.argv[2]).read()
async def footprints(request):
    return Response(body, media_type="application/json", headers={"Link": link})
app = Starlette(routes=[Route("/3/footprints", footprints)])
if __name__ == "__main__":
    import uvicorn
    uvicorn.run("peer_app:app", host="127.0.0.1", port=int(sys.argv[3]), log_level="warning", access_log=False,
                ssl_certfile=sys.argv[4], ssl_keyfile=sys.argv[5])
"""


def seed(sessions: sessionmaker[Session], n: int) -> tuple[str, str]:
    """A supplier with `n` footprints (one product each), all granted to a customer whose API client is returned."""
    with transaction(sessions) as s:
        s.add_all([Organisation(code="SUP", name="基准正极", name_en="Bench cathode", industry="battery",
                                province="Sichuan"),
                   Organisation(code="CUST", name="基准整车", name_en="Bench car maker", industry="auto",
                                province="Sichuan")])
    with sessions() as s:
        sup, cust = (s.query(Organisation.id).filter_by(code=c).scalar() for c in ("SUP", "CUST"))
    for batch in range(0, n, 500):  # small transactions: a session's flushes grow with what it holds
        with transaction(sessions) as s:
            _publish(s, sup, cust, range(batch, min(n, batch + 500)))
    accounts.create_user(sessions, "bench@cust.example", "bench password 123")
    accounts.grant_role(sessions, "bench@cust.example", "carbon_manager", organisation="CUST")
    return accounts.create_client(sessions, "bench@cust.example", name="bench")


def _publish(s: Session, sup: int, cust: int, numbers: range) -> None:
    for i in numbers:
        values = pact.FootprintValues(
            product_ids=(f"urn:pact:bench.example:product:{i:05d}",), product_name=f"cathode grade {i}",
            product_description="LFP cathode powder (benchmark data)", company_name="Bench cathode",
            company_ids=("urn:pact:bench.example:company:1",), declared_unit="kilogram",
            declared_amount=Decimal(1), product_mass_kg=Decimal(1), fossil_ghg=Decimal(5) + Decimal(i) / 1000,
            reference_start=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
            reference_end=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), geography="CN-SC",
            classifications=("urn:pact:cpc:34250",), cpc="34250", primary_data_share=Decimal(50),
            dqr=pact.DataQuality(Decimal(2), Decimal(1), Decimal(1), Decimal(2), Decimal(2)))
        row = pact_host.publish_in(s, sup, values, actor="bench")
        pact_host.grant_in(s, row.id, cust)


def fetch(url: str, token: str, cafile: Path) -> tuple[bytes, str]:
    context = ssl.create_default_context(cafile=str(cafile))
    deadline = time.time() + 120  # a loaded machine starts the server slowly
    while True:
        try:
            request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(request, timeout=10, context=context) as r:
                return bytes(r.read()), str(r.headers.get("link", ""))
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--footprints", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--runs", type=int, default=3, help="pairs of measurements (ours, then the peer)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian package wrk)")
    home = OUT / "pact_list"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    url_db = bench_database_url(args.database_url, home, SCHEMA)
    engine = make_engine(url_db)
    Base.metadata.create_all(engine)
    sessions = session_factory(engine)
    started = time.perf_counter()
    client_id, client_secret = seed(sessions, args.footprints)
    seeded_s = time.perf_counter() - started
    settings = Settings(home=home, database_url=url_db, secret_key=SECRET)
    token = accounts.access_token(accounts.secret_key(settings),
                                  accounts.authenticate_client(sessions, client_id, client_secret), ttl=3600)
    dialect = engine.dialect.name
    engine.dispose()
    cert, key = development_certificate(home / "tls")
    env = dict(os.environ, CARBONTRAIL_DATABASE_URL=url_db, CARBONTRAIL_SECRET_KEY=SECRET, CARBONTRAIL_HOME=str(home))

    ours_port = free_port()
    ours = subprocess.Popen([sys.executable, "-m", "uvicorn", "carbontrail.app:create_app", "--factory",
                             "--host", "127.0.0.1", "--port", str(ours_port), "--log-level", "warning",
                             "--no-access-log", "--ssl-certfile", str(cert), "--ssl-keyfile", str(key)], env=env)
    peer = None
    runs: list[dict[str, object]] = []
    try:
        body, link = fetch(f"https://127.0.0.1:{ours_port}{PATH}", token, cert)
        (home / "footprints.json").write_bytes(body)
        (home / "link.txt").write_text(link)
        peer_port = free_port()
        (home / "peer_app.py").write_text(PEER_APP)
        peer = subprocess.Popen([sys.executable, str(home / "peer_app.py"), str(home / "footprints.json"),
                                 str(home / "link.txt"), str(peer_port), str(cert), str(key)],
                                cwd=home, env=dict(os.environ, PYTHONPATH=str(home)))
        assert fetch(f"https://127.0.0.1:{peer_port}{PATH}", token, cert)[0] == body
        # both servers up at once, measured in turn: each run compares the two under the same machine load
        for _ in range(args.runs):
            ours_run = wrk(f"https://127.0.0.1:{ours_port}{PATH}", token, args.seconds)
            peer_run = wrk(f"https://127.0.0.1:{peer_port}{PATH}", token, args.seconds)
            runs.append({"ours": ours_run, "peer": peer_run,
                         "ratio": round(ours_run["requests_per_s"] / peer_run["requests_per_s"], 3)})
    finally:
        for server in (ours, peer):
            if server is not None:
                server.terminate()
                server.wait(10)
    ours_result = min((r["ours"] for r in runs), key=lambda o: o["requests_per_s"])  # type: ignore[index]
    peer_result = max((r["peer"] for r in runs), key=lambda o: o["requests_per_s"])  # type: ignore[index]

    page = json.loads(body)["data"]
    for doc in page[:5]:  # what we measured is what PACT asks for
        assert not pact.problems(doc, "3"), pact.problems(doc, "3")
    result = {
        "figure": f"PACT GET {PATH} (page of {len(page)}, {args.footprints} footprints stored and granted) at "
                  f"{CONNECTIONS} connections, HTTPS on loopback, wrk {args.seconds} s, uvicorn 1 worker, {dialect}",
        "ours": ours_result,
        "peer": {"name": "bare Starlette returning the same JSON and Link header precomputed (same uvicorn, same TLS "
                         "certificate)", **peer_result},
        "ratio": {"requests_per_s": min(r["ratio"] for r in runs),  # type: ignore[type-var]
                  "p99_ms": ours_result["p99_ms"] / peer_result["p99_ms"]},
        "ratio_per_run": [r["ratio"] for r in runs],
        "runs": runs,
        "goal": "ratio of requests/s >= 0.6 in every run",
        "units": {"requests_per_s": "1/s", "p99_ms": "ms", "errors": "count", "body_bytes": "bytes"},
        "check": {"page": len(page), "body_bytes": len(body), "next_link": bool(link), "seed_s": round(seeded_s, 1)},
    }
    (OUT / "pact_list.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if url_db.startswith("postgresql"):
        admin = make_engine(args.database_url)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()
    if any(r["ours"]["errors"] or r["peer"]["errors"] for r in runs):  # type: ignore[index]
        sys.exit("the load test saw errors")


if __name__ == "__main__":
    main()
