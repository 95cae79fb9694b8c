"""Battery unit registry at scale: bulk registration rate and history lookup (median, p99) on SQLite and PostgreSQL.

Registers N units (default 1,000,000) through `services.battery_units.register_units` in batches, gives each four
more events (sold, installed, retired, handed over: five in all) checked by the core rules, then times
`history()` on random units. Peer, in the same run: registering units one ORM object at a time (session.add per
unit and event, one commit per batch), the way a straightforward registry would. Prints JSON and writes
var/bench/battery_units.json.

    .venv/bin/python benchmarks/bench_battery_units.py [--units 1000000] [--lookups 1000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, insert, select, text

from carbontrail.battery.codes import encode_date
from carbontrail.battery.traceability import Event, apply
from carbontrail.services import battery_units as svc
from carbontrail.store.db import make_engine, session_factory
from carbontrail.store.models import Base, BatteryEvent, BatteryUnit
from carbontrail.units import quantity

T0 = datetime(2025, 1, 1, tzinfo=UTC)
BATCH = 50_000


def codes(n: int, maker: str = "01A") -> list[str]:
    day = encode_date(date(2024, 3, 15))
    return [f"{maker}PBAASC{(i // 9_999_999):05d}{day}{(i % 9_999_999) + 1:07d}" for i in range(n)]


def add_life(engine: Engine, batch: list[str]) -> None:
    """Four more events per unit, each checked by the core rules, bulk-inserted."""
    sessions = session_factory(engine)
    life = [Event("sold", "MAKER", T0 + timedelta(days=1), to_actor="CARCO", deposit=quantity(300, "yuan")),
            Event("installed", "CARCO", T0 + timedelta(days=2), vin="LSVAU2180N2183294"),
            Event("retired", "CARCO", T0 + timedelta(days=900)),
            Event("handed_over", "CARCO", T0 + timedelta(days=901), to_actor="RECYCLER")]
    with sessions.begin() as session:
        ids = {}
        for i in range(0, len(batch), 5000):
            ids.update(dict(session.execute(select(BatteryUnit.code, BatteryUnit.id)
                                            .where(BatteryUnit.code.in_(batch[i:i + 5000]))).all()))
        first = session.get(BatteryUnit, ids[batch[0]])
        state = svc._state(first) if first else None
        rows, states = [], []
        for seq, event in enumerate(life, start=2):
            state = apply(state, batch[0], event)
            states.append(state)
            rows.append(svc._event_values(0, seq, event, state))
        session.execute(insert(BatteryEvent), [{**r, "unit_id": ids[c]} for c in batch for r in rows])
        final = states[-1]
        session.execute(text("UPDATE battery_unit SET status = :s, holder = :h, vin = :v, deposit_cny = 300, "
                             "event_count = 5 WHERE id BETWEEN :lo AND :hi"),
                        {"s": final.status, "h": final.holder, "v": final.vin,
                         "lo": min(ids.values()), "hi": max(ids.values())})


def peer_register(engine: Engine, batch: list[str]) -> None:
    sessions = session_factory(engine)
    with sessions.begin() as session:
        for c in batch:
            unit = BatteryUnit(code=c, product_type="pack", battery_type="B", manufacturer_code=c[:3],
                               production_date=date(2024, 3, 15), status="produced", holder="MAKER",
                               responsible_producer="MAKER", event_count=1)
            session.add(unit)
            session.flush()
            session.add(BatteryEvent(unit_id=unit.id, seq=1, kind="produced", actor="MAKER", at=T0,
                                     holder_after="MAKER", responsible_producer="MAKER", note=""))


def run(url: str, n: int, lookups: int, peer_n: int) -> dict[str, float]:
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    sessions = session_factory(engine)
    all_codes = codes(n)
    t = time.perf_counter()
    for i in range(0, n, BATCH):
        svc.register_units(sessions, all_codes[i:i + BATCH], "MAKER", T0)
    register_s = time.perf_counter() - t
    t = time.perf_counter()
    for i in range(0, n, BATCH):
        add_life(engine, all_codes[i:i + BATCH])
    events_s = time.perf_counter() - t

    peer_codes = codes(peer_n, maker="09Z")
    t = time.perf_counter()
    peer_register(engine, peer_codes)
    peer_s = time.perf_counter() - t

    rng = np.random.default_rng(1)
    times = []
    for idx in rng.integers(0, n, lookups):
        t = time.perf_counter()
        h = svc.history(sessions, all_codes[int(idx)])
        times.append(time.perf_counter() - t)
        assert len(h.events) == 5
    engine.dispose()
    times_ms = sorted(1000 * x for x in times)
    return {"register_units_per_s": n / register_s, "peer_register_units_per_s": peer_n / peer_s,
            "events_per_s": 4 * n / events_s, "history_median_ms": statistics.median(times_ms),
            "history_p99_ms": times_ms[min(len(times_ms) - 1, int(0.99 * len(times_ms)))]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=1_000_000)
    ap.add_argument("--lookups", type=int, default=1000)
    ap.add_argument("--peer-units", type=int, default=20_000)
    ap.add_argument("--postgres", default=os.environ.get("CARBONTRAIL_TEST_POSTGRES_URL",
                                                         "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    args = ap.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.units, args.lookups, args.peer_units)
    if args.postgres:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = make_engine(args.postgres)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            sep = "&" if "?" in args.postgres else "?"
            results["postgresql"] = run(f"{args.postgres}{sep}options=-csearch_path%3D{schema}", args.units,
                                        args.lookups, args.peer_units)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    sqlite = results["sqlite"]
    out = {
        "figure": f"bulk registration of {args.units:,} GB/T 34014 units (units/s, SQLite), "
                  "peer: one ORM object per unit",
        "ours": round(sqlite["register_units_per_s"]),
        "peer": round(sqlite["peer_register_units_per_s"]),
        "ratio": round(sqlite["register_units_per_s"] / sqlite["peer_register_units_per_s"], 2),
        "units": "units/s",
        "units_registered": args.units,
        "events_per_unit": 5,
        "details": {db: {k: round(v, 3) for k, v in r.items()} for db, r in results.items()},
    }
    Path("var/bench").mkdir(parents=True, exist_ok=True)
    Path("var/bench/battery_units.json").write_text(json.dumps(out, indent=2), encoding="utf-8")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
