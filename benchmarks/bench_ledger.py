"""Transparency log figures: durable appends with a signed checkpoint per batch (entries/s, SQLite and PostgreSQL)
against the bare Ed25519 signing rate of `cryptography` in the same run; inclusion-proof size and generation time
at the log's size; offline verification of one credential with its proof bundle.

Ours: `services.ledger.log.append` — canonical JSON entries, RFC 9162 leaf/node hashing, the nodes each batch
completes and the batch's signed C2SP checkpoint inserted in one committed transaction (SQLite in WAL mode, or
PostgreSQL with its default fsync). Peer: Ed25519 signatures per second over 64-byte messages (what signing every
entry on its own would allow). Prints JSON and writes var/bench/ledger.json.

    .venv/bin/python benchmarks/bench_ledger.py [--entries 1000000] [--batch 5000] [--database-url URL]

`make bench` runs the default size (200,000 entries); the issue's 10⁶ figure is `--entries 1000000`.
A PostgreSQL URL gets a schema of its own (bench_ledger), dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.ledger import bundle
from carbontrail.ledger.entries import Entry
from carbontrail.services.ledger import credentials, log
from carbontrail.services.work import SystemActor
from carbontrail.store.db import make_engine, session_factory, transaction
from carbontrail.store.migrate import upgrade
from carbontrail.store.models import Organisation

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
KEY = b"bench-ledger-secret"
SCHEMA = "bench_ledger"
ACTOR = SystemActor("bench")
PG_URL = os.environ.get("CARBONTRAIL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def ed25519_rate(seconds: float = 2.0) -> float:
    key = Ed25519PrivateKey.generate()
    message = bytes(64)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(500):
            key.sign(message)
        done += 500
    return done / (time.perf_counter() - start)


def _entries(start: int, count: int) -> list[Entry]:
    return [Entry("certificate", "BENCH", "2026-03-01T00:00:00Z", subject=f"{i:064x}", credential=f"urn:bench:{i}")
            for i in range(start, start + count)]


def appends(sessions: sessionmaker[Session], total: int, batch: int) -> dict[str, float]:
    done, start = 0, time.perf_counter()
    while done < total:
        count = min(batch, total - done)
        entries = _entries(done, count)
        log.append(sessions, ACTOR, KEY, entries)
        done += count
    elapsed = time.perf_counter() - start
    return {"entries": total, "batch": batch, "checkpoints": -(-total // batch), "seconds": round(elapsed, 2),
            "entries_per_s": round(total / elapsed, 1)}


def proofs(sessions: sessionmaker[Session], size: int, samples: int = 1000) -> dict[str, float]:
    rng = random.Random(15)
    times, hashes = [], 0
    for seq in rng.sample(range(size), min(samples, size)):
        t0 = time.perf_counter()
        found = log.inclusion(sessions, seq)
        times.append((time.perf_counter() - t0) * 1000)
        hashes = max(hashes, len(found.hashes))
    times.sort()
    return {"tree_size": size, "p50_ms": round(statistics.median(times), 3),
            "p99_ms": round(times[int(len(times) * 0.99) - 1], 3), "proof_hashes": hashes,
            "proof_bytes": hashes * 32}


def offline(sessions: sessionmaker[Session], samples: int = 500) -> dict[str, float]:
    with transaction(sessions) as s:
        s.add(Organisation(code="BENCH-ORG", name="bench"))
    issued = credentials.issue(sessions, ACTOR, KEY, "BENCH-ORG", "inventory_report", "2025",
                               {"id": "urn:bench:inventory", "scope1_t": 1200.5})
    proofs_ = credentials.bundle(sessions, issued.credential_id)
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        report = bundle.verify(issued.document, proofs_)
        times.append((time.perf_counter() - t0) * 1000)
        assert report.ok, report.sentence
    return {"p50_ms": round(statistics.median(times), 3), "samples": samples,
            "tree_size": proofs_["inclusion"]["treeSize"]}


def run(url: str, total: int, batch: int, *, measure_proofs: bool) -> dict[str, object]:
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    result: dict[str, object] = {"appends": appends(sessions, total, batch)}
    if measure_proofs:
        result["inclusion_proof"] = proofs(sessions, total)
        result["offline_verification"] = offline(sessions)
    audit = log.check(sessions)
    assert audit.ok, audit.problem
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--database-url", default=PG_URL, help="PostgreSQL for the second run ('' to skip)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    peer = ed25519_rate()
    with tempfile.TemporaryDirectory() as home:
        sqlite = run(f"sqlite:///{home}/ledger.db", args.entries, args.batch, measure_proofs=True)
    postgres: dict[str, object] | None = None
    if args.database_url:
        admin = make_engine(args.database_url)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        sep = "&" if "?" in args.database_url else "?"
        try:
            postgres = run(f"{args.database_url}{sep}options=-csearch_path%3D{SCHEMA}", args.entries, args.batch,
                           measure_proofs=False)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            admin.dispose()
    ours = {"sqlite": sqlite, "postgresql": postgres}
    sqlite_rate = sqlite["appends"]["entries_per_s"]  # type: ignore[index]
    result = {
        "figure": f"durable log appends of {args.entries} entries in batches of {args.batch} (a signed checkpoint "
                  f"each), inclusion proof at {args.entries} entries, offline verification of one credential; "
                  f"{os.cpu_count()} CPUs",
        "ours": ours,
        "peer": {"name": "bare Ed25519 signing (cryptography), 64-byte messages, same run",
                 "signatures_per_s": round(peer, 1)},
        "ratio": {"sqlite_entries_per_s_over_ed25519_signatures_per_s": round(sqlite_rate / peer, 3),
                  **({"postgresql_entries_per_s_over_ed25519_signatures_per_s":
                      round(postgres["appends"]["entries_per_s"] / peer, 3)} if postgres else {})},  # type: ignore[index]
        "units": {"entries_per_s": "1/s", "signatures_per_s": "1/s", "p50_ms": "ms", "p99_ms": "ms",
                  "proof_bytes": "bytes", "seconds": "s"},
    }
    (OUT / "ledger.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
