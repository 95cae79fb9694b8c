"""Hourly matching at scale, and claims per second under concurrency with zero over-claims.

1. 10,000 consumers × 8,760 hours against 1,000 generators (each generator owned by one consumer), hourly, monthly
   and annual matching: seconds and peak RSS of `carbontrail.ledger.matching.match` (chunked over consumers) against
   a bare vectorised numpy computation of the same matching (whole arrays at once), each in a fresh process forked
   from this one so each peak RSS is its own. Goal: ≤ 60 s on a 2-core machine. Both results must agree.
2. Claims per second on PostgreSQL with 8 threads: every thread tries to claim every certificate of a batch (in its
   own order), so all but one attempt per certificate must be refused. Ours: `services.certificates.claim` (tenancy,
   row lock, rules, conditional UPDATE, claim row, event, transparency-log entry and signed checkpoint, audit row,
   one transaction each). Peer: the bare
   conditional UPDATE alone, 8 threads, same batch. Over-claims (claimed > face, or two claims of one certificate)
   must be 0.

    .venv/bin/python benchmarks/bench_matching.py [--consumers 10000] [--generators 1000] [--certificates 400]
        [--postgres URL]

Consumption and production are random (seeded), float32 MWh. Prints JSON and writes var/bench/matching.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import resource
import sys
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from carbontrail.ledger.matching import hour_months, match  # noqa: E402

HOURS = 8760
START = date(2025, 1, 1)


def _inputs(consumers: int, generators: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(16)
    cons = rng.standard_gamma(4.0, size=(consumers, HOURS), dtype=np.float32) * np.float32(0.25)
    hours = np.arange(HOURS) % 24
    sun = np.clip(np.sin((hours - 6) / 12 * np.pi), 0, None).astype(np.float32)
    prod = rng.standard_gamma(2.0, size=(generators, HOURS), dtype=np.float32) * np.float32(1.5) * (0.3 + sun)
    owner = rng.integers(0, consumers, size=generators)
    return cons, prod, owner


def _ours(consumers: int, generators: int) -> dict[str, float]:
    cons, prod, owner = _inputs(consumers, generators)
    t = time.perf_counter()
    r = match(cons, prod, owner, start=START)
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "hourly": float(r.hourly.sum()), "monthly": float(r.monthly.sum()),
            "annual": float(r.annual.sum())}


def _peer(consumers: int, generators: int) -> dict[str, float]:
    """The same matching written the plain vectorised way: whole (consumers, hours) arrays, each consumer's supply
    as one sparse (consumers × generators) product."""
    from scipy.sparse import csr_matrix

    cons, prod, owner = _inputs(consumers, generators)
    t = time.perf_counter()
    cons64 = cons.astype(np.float64)
    owns = csr_matrix((np.ones(generators), (owner, np.arange(generators))), shape=(consumers, generators))
    supply = np.asarray(owns @ prod.astype(np.float64))
    hourly = np.minimum(cons64, supply).sum(axis=1)
    edges = np.searchsorted(hour_months(START, HOURS), np.arange(12))
    monthly = np.minimum(np.add.reduceat(cons64, edges, axis=1), np.add.reduceat(supply, edges, axis=1)).sum(axis=1)
    annual = np.minimum(cons64.sum(axis=1), supply.sum(axis=1))
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "hourly": float(hourly.sum()), "monthly": float(monthly.sum()),
            "annual": float(annual.sum())}


def _child(name: str, consumers: int, generators: int, out: mp.Queue) -> None:
    result = (_ours if name == "ours" else _peer)(consumers, generators)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.put(result)


def _forked(name: str, consumers: int, generators: int) -> dict[str, float]:
    ctx = mp.get_context("fork")
    queue: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(name, consumers, generators, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def _inputs_only(consumers: int, generators: int, out: mp.Queue) -> None:
    _inputs(consumers, generators)
    out.put({"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def matching_figures(consumers: int, generators: int) -> dict[str, object]:
    ctx = mp.get_context("fork")
    queue: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_inputs_only, args=(consumers, generators, queue))
    proc.start()
    baseline = queue.get()["peak_rss_mb"]
    proc.join()
    ours = _forked("ours", consumers, generators)
    peer = _forked("peer", consumers, generators)
    for key in ("hourly", "monthly", "annual"):
        assert abs(ours[key] - peer[key]) <= 1e-6 * max(abs(peer[key]), 1.0), (key, ours[key], peer[key])
    return {"ours": ours, "peer": peer, "inputs_only_peak_rss_mb": baseline}


# -- claims per second -----------------------------------------------------------------------------------------


#: the installation key the log's signing key is sealed with (claims append to the transparency log)
KEY = b"bench-matching-key"


def claims_figures(url: str, certificates: int, threads: int = 8) -> dict[str, object]:
    from sqlalchemy import func, select, text, update

    from carbontrail.errors import Conflict
    from carbontrail.ledger.certificates import check_instrument, gec_serial
    from carbontrail.services import certificates as certs
    from carbontrail.services.work import SystemActor
    from carbontrail.store.db import make_engine, session_factory, transaction
    from carbontrail.store.models import Base, CertificateClaim, EnergyInstrument, Organisation

    schema = f"bench_matching_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    engine = make_engine(f"{url}{sep}options=-csearch_path%3D{schema}", pool_size=threads + 2)
    try:
        Base.metadata.create_all(engine)
        sessions = session_factory(engine)
        with transaction(sessions) as s:
            s.add_all([Organisation(code="PLANT", name="plant", province="四川"),
                       Organisation(code="BUYER", name="buyer", province="四川")])
        actor = SystemActor("bench")
        project = "1352015513200001" "7"

        def batch(first: int) -> list[str]:
            serials = [gec_serial(project, date(2026, 11, 1), first + n) for n in range(certificates)]
            rows = [(n, check_instrument("GEC", r, "bench hydro", "hydro", "CN-SC", date(2026, 11, 1),
                                         date(2026, 11, 30), 1.0), "BUYER") for n, r in enumerate(serials)]
            certs.issue(sessions, actor, "PLANT", rows, source="benchmark", key=KEY)
            return serials

        def hammer(serials: list[str], attempt) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
            wins, refusals = [0], [0]
            lock = threading.Lock()
            barrier = threading.Barrier(threads)

            def worker(n: int) -> None:
                order = serials[:]
                random.Random(n).shuffle(order)
                barrier.wait()
                for ref in order:
                    ok = attempt(ref)
                    with lock:
                        wins[0] += ok
                        refusals[0] += not ok

            pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
            t = time.perf_counter()
            for th in pool:
                th.start()
            for th in pool:
                th.join()
            return time.perf_counter() - t, wins[0], refusals[0]

        period = (date(2026, 11, 1), date(2026, 11, 30))

        def ours_attempt(ref: str) -> bool:
            try:
                certs.claim(sessions, actor, "BUYER", [ref], period, on=date(2026, 12, 1), key=KEY)
                return True
            except Conflict:
                return False

        ours_serials = batch(1)
        ours_s, ours_wins, ours_refused = hammer(ours_serials, ours_attempt)
        entries, problems = certs.verify_log(sessions)  # before the peer's bare UPDATEs, which write no claim rows

        peer_serials = batch(5_000_000)
        with sessions() as s:
            buyer = s.scalar(select(Organisation.id).where(Organisation.code == "BUYER"))

        def peer_attempt(ref: str) -> bool:
            with engine.begin() as conn:
                done = conn.execute(update(EnergyInstrument).where(
                    EnergyInstrument.reference == ref, EnergyInstrument.owner_id == buyer,
                    EnergyInstrument.claimed_kwh == 0).values(claimed_kwh=EnergyInstrument.face_kwh,
                                                              status="claimed"))
                return done.rowcount == 1

        peer_s, peer_wins, peer_refused = hammer(peer_serials, peer_attempt)
        with sessions() as s:
            over = s.scalar(select(func.count()).select_from(EnergyInstrument).where(
                EnergyInstrument.claimed_kwh > EnergyInstrument.face_kwh)) or 0
            doubles = s.scalar(select(func.count()).select_from(
                select(CertificateClaim.instrument_id).where(CertificateClaim.status == "active")
                .group_by(CertificateClaim.instrument_id).having(func.count() > 1).subquery())) or 0
        assert ours_wins == certificates and over == 0 and doubles == 0 and not problems, (ours_wins, over, doubles)
        return {"threads": threads, "certificates": certificates, "attempts": certificates * threads,
                "ours_seconds": ours_s, "ours_claims": ours_wins, "ours_refused": ours_refused,
                "ours_attempts_per_s": certificates * threads / ours_s, "ours_claims_per_s": ours_wins / ours_s,
                "peer_seconds": peer_s, "peer_claims": peer_wins, "peer_refused": peer_refused,
                "peer_attempts_per_s": certificates * threads / peer_s, "peer_claims_per_s": peer_wins / peer_s,
                "over_claims": int(over) + int(doubles), "log_entries_checked": entries}
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=10_000)
    parser.add_argument("--generators", type=int, default=1_000)
    parser.add_argument("--certificates", type=int, default=400)
    parser.add_argument("--postgres", default=os.environ.get("CARBONTRAIL_TEST_POSTGRES_URL",
                                                             "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    m = matching_figures(args.consumers, args.generators)
    ours, peer = m["ours"], m["peer"]  # type: ignore[index]
    claims = claims_figures(args.postgres, args.certificates) if args.postgres else None
    out = {
        "figure": f"hourly + monthly + annual matching, {args.consumers:,} consumers × {HOURS:,} h against "
                  f"{args.generators:,} generators; goal ≤ 60 s on 2 cores; peer: bare vectorised numpy on whole "
                  "arrays (supply as a sparse owner × production product), same run, same answers",
        "ours": round(ours["seconds"], 2), "peer": round(peer["seconds"], 2),
        "ratio": round(ours["seconds"] / peer["seconds"], 2), "units": "s",
        "peak_rss_mb": {"ours": round(ours["peak_rss_mb"]), "peer": round(peer["peak_rss_mb"]),
                        "inputs_only": round(m["inputs_only_peak_rss_mb"])},  # type: ignore[arg-type]
        "claims": None if claims is None else {
            "figure": f"claims per second, {claims['threads']} threads on PostgreSQL, every thread trying every one "
                      f"of {claims['certificates']:,} certificates; peer: the bare conditional UPDATE; "
                      "over-claims must be 0",
            "ours": round(claims["ours_claims_per_s"], 1), "peer": round(claims["peer_claims_per_s"], 1),
            "ratio": round(claims["ours_claims_per_s"] / claims["peer_claims_per_s"], 3), "units": "claims/s",
            "over_claims": claims["over_claims"],
            "details": {k: (round(v, 3) if isinstance(v, float) else v) for k, v in claims.items()}},
    }
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "bench" / "matching.json").write_text(json.dumps(out, indent=2, ensure_ascii=False),
                                                         encoding="utf-8")
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
