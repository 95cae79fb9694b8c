"""The PACT list's p99 latency while a 1,000,000-row activity import runs through the API, against its p99 unloaded.

One carbontrail server (uvicorn, one worker, the development certificate, SQLite unless --database-url) holds a
supplier's footprints granted to a customer (as bench_pact_list.py, fewer by default) and an enterprise BENCH to
import into. Peer: the same server's PACT GET /3/footprints with nothing else running, loaded by wrk (--connections,
4 threads, --seconds). Ours: the same load started right after `POST /api/organisations/BENCH/import-jobs` accepted
the CSV (the import runs in the job's worker process meanwhile); the job must still be running when the load ends,
and must end `done` with every row in. The goal: loaded p99 at most 2 × unloaded p99. Prints JSON and writes
var/bench/pact_list_under_import.json.

    .venv/bin/python benchmarks/bench_pact_list_under_import.py [--rows 1000000] [--footprints 1000] [--seconds 20]
        [--connections 64] [--database-url URL]

A PostgreSQL URL gets a schema of its own (bench_pact_list_under_import), dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api_inventory import bench_database_url, free_port, wrk  # noqa: E402  (sibling scripts, not a package)
from bench_import import _references, generate  # noqa: E402
from bench_pact_list import PATH, fetch, seed  # noqa: E402

from carbontrail.config import Settings  # noqa: E402
from carbontrail.services import accounts  # noqa: E402
from carbontrail.services.imports import import_files  # noqa: E402
from carbontrail.services.tls import development_certificate  # noqa: E402
from carbontrail.store.db import make_engine, session_factory  # noqa: E402
from carbontrail.store.models import Base  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
SECRET = "bench-pact-under-import-secret"
SCHEMA = "bench_pact_list_under_import"


def request(method: str, url: str, token: str, cafile: Path, body: bytes | None = None,
            content_type: str | None = None) -> tuple[int, dict[str, object]]:
    headers = {"Authorization": f"Bearer {token}"}
    if content_type:
        headers["Content-Type"] = content_type
    req = urllib.request.Request(url, data=body, headers=headers, method=method)
    with urllib.request.urlopen(req, timeout=600, context=ssl.create_default_context(cafile=str(cafile))) as r:
        return r.status, json.loads(r.read())


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--footprints", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian package wrk)")
    home = OUT / "pact_list_under_import"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    url_db = bench_database_url(args.database_url, home, SCHEMA)
    engine = make_engine(url_db)
    Base.metadata.create_all(engine)
    sessions = session_factory(engine)
    client_id, client_secret = seed(sessions, args.footprints)
    import_files(sessions, _references(home))  # enterprise BENCH, facility F1, meter E-MAIN
    accounts.create_user(sessions, "entry@bench.example", "bench password 123")
    accounts.grant_role(sessions, "entry@bench.example", "data_entry", organisation="BENCH")
    key = accounts.secret_key(Settings(home=home, database_url=url_db, secret_key=SECRET))
    pact_token = accounts.access_token(key, accounts.authenticate_client(sessions, client_id, client_secret),
                                       ttl=7200)
    entry_token = accounts.access_token(
        key, accounts.authenticate_user(sessions, "entry@bench.example", "bench password 123"), ttl=7200)
    dialect = engine.dialect.name
    engine.dispose()
    csv_path = home / "activity-1m.csv"
    generate(csv_path, args.rows)
    body, content_type = multipart(csv_path.name, csv_path.read_bytes())
    cert, tls_key = development_certificate(home / "tls")
    env = dict(os.environ, CARBONTRAIL_DATABASE_URL=url_db, CARBONTRAIL_SECRET_KEY=SECRET, CARBONTRAIL_HOME=str(home))
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "carbontrail.app:create_app", "--factory",
                               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                               "--no-access-log", "--ssl-certfile", str(cert), "--ssl-keyfile", str(tls_key)], env=env)
    base = f"https://127.0.0.1:{port}"
    try:
        fetch(f"{base}{PATH}", pact_token, cert)
        unloaded = wrk(f"{base}{PATH}", pact_token, args.seconds, args.connections)
        posted = time.perf_counter()
        status, job = request("POST", f"{base}/api/organisations/BENCH/import-jobs", entry_token, cert, body,
                              content_type)
        assert status == 202, job
        upload_s = time.perf_counter() - posted
        loaded = wrk(f"{base}{PATH}", pact_token, args.seconds, args.connections)
        _, during = request("GET", f"{base}/api/imports/{job['job']}", entry_token, cert)
        while True:
            _, final = request("GET", f"{base}/api/imports/{job['job']}", entry_token, cert)
            if final["state"] not in ("queued", "running"):
                break
            time.sleep(1)
        import_s = time.perf_counter() - posted
    finally:
        server.terminate()
        server.wait(30)
    assert final["state"] == "done", final
    ratio = loaded["p99_ms"] / unloaded["p99_ms"]
    result = {
        "figure": f"PACT GET {PATH} p99 while a {args.rows:,}-row activity import runs through the API "
                  f"(POST import-jobs, same server) vs the same list unloaded; {args.footprints} footprints granted, "
                  f"{args.connections} connections, wrk {args.seconds} s, HTTPS on loopback, uvicorn 1 worker, "
                  f"{dialect}",
        "ours": {"name": "during the import", **loaded},
        "peer": {"name": "the same server, nothing else running", **unloaded},
        "ratio": {"p99_ms": round(ratio, 3), "requests_per_s": loaded["requests_per_s"] / unloaded["requests_per_s"]},
        "goal": "loaded p99 <= 2 x unloaded p99",
        "units": {"requests_per_s": "1/s", "p50_ms": "ms", "p99_ms": "ms", "errors": "count", "seconds": "s"},
        "check": {"import_state_when_load_ended": during["state"], "rows_done_when_load_ended": during.get("rows_done"),
                  "rows": args.rows, "final_state": final["state"], "upload_seconds": round(upload_s, 1),
                  "import_seconds": round(import_s, 1)},
    }
    (OUT / "pact_list_under_import.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if url_db.startswith("postgresql"):
        admin = make_engine(args.database_url)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()
    if loaded["errors"] or unloaded["errors"]:
        sys.exit("the load test saw errors")
    if during["state"] != "running":
        sys.exit(f"the import was {during['state']} before the load ended: give more --rows or fewer --seconds")


if __name__ == "__main__":
    main()
