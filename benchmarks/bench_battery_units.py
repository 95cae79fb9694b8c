"""Battery unit registry at scale: bulk registration rate and history lookup (median, p99) on SQLite and PostgreSQL.

Registers N units (default 1,000,000) through `services.battery_units.register_units` in batches, gives each four
more events (sold, installed, retired, handed over: five in all) checked by the core rules, then times
`history()` on random units. Peers, in the same run on the same database: a plain DBAPI `executemany` of the
same unit and event rows (no code validation, no rule checks) for the registration rate, one ORM object per unit
(the way a straightforward registry would), and a bare SQL lookup of the same units' events (one SELECT, no
objects) for the history time. Prints JSON and writes var/bench/battery_units.json.

    .venv/bin/python benchmarks/bench_battery_units.py [--units 1000000] [--lookups 1000] [--postgres URL]

`make bench` runs the default 100,000 units (a few minutes on two cores); the issue's figure is `--units 1000000`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, select, text

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


EVENT_COLUMNS = ("unit_id", "seq", "kind", "actor", "at", "to_actor", "vin", "new_code", "holder_after",
                 "responsible_producer", "deposit_cny", "note")


def add_life(engine: Engine, batch: list[str]) -> None:
    """Four more events per unit (sold, installed, retired, handed over), checked by the core rules on the batch's
    first unit and then loaded for every unit by the driver's bulk path (COPY on PostgreSQL, executemany on
    SQLite): the benchmark times reads of a registry of this size, so loading it must not take hours."""
    sessions = session_factory(engine)
    life = [Event("sold", "MAKER", T0 + timedelta(days=1), to_actor="CARCO", deposit=quantity(300, "yuan")),
            Event("installed", "CARCO", T0 + timedelta(days=2), vin="LSVAU2180N2183294"),
            Event("retired", "CARCO", T0 + timedelta(days=900)),
            Event("handed_over", "CARCO", T0 + timedelta(days=901), to_actor="RECYCLER")]
    sqlite = engine.dialect.name == "sqlite"
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
            values = svc._event_values(0, seq, event, state)
            if sqlite:  # the text form SQLAlchemy's SQLite DateTime reads back
                values["at"] = values["at"].strftime("%Y-%m-%d %H:%M:%S.%f")  # type: ignore[attr-defined]
            rows.append(tuple(values[c] for c in EVENT_COLUMNS[1:]))
        data = [(ids[c], *r) for c in batch for r in rows]
        raw = session.connection().connection.driver_connection
        cur = raw.cursor()  # type: ignore[union-attr]
        if sqlite:
            cur.executemany(f"INSERT INTO battery_event ({', '.join(EVENT_COLUMNS)}) "
                            f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))})", data)
        else:
            with cur.copy(f"COPY battery_event ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
                for row in data:
                    copy.write_row(row)
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


def peer_executemany(engine: Engine, batch: list[str]) -> None:
    """The same unit and 'produced' event rows through the driver's executemany: the floor for bulk writes."""
    units = [(c, "pack", "B", c[:3], date(2024, 3, 15), "produced", "MAKER", "MAKER", False, 1) for c in batch]
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        ph = "?" if engine.dialect.name == "sqlite" else "%s"
        now = T0
        cur.executemany(
            "INSERT INTO battery_unit (code, product_type, battery_type, manufacturer_code, production_date, status, "
            "holder, responsible_producer, deposit_refunded, event_count, created_at) VALUES "
            f"({', '.join([ph] * 11)})", [u + (now,) for u in units])
        cur.execute(f"SELECT code, id FROM battery_unit WHERE manufacturer_code = {ph}", (batch[0][:3],))
        ids = dict(cur.fetchall())
        cur.executemany(
            "INSERT INTO battery_event (unit_id, seq, kind, actor, at, holder_after, responsible_producer, note) "
            f"VALUES ({', '.join([ph] * 8)})", [(ids[c], 1, "produced", "MAKER", T0, "MAKER", "MAKER", "")
                                                  for c in batch])
        raw.commit()
    finally:
        raw.close()


def peer_lookup(engine: Engine, code: str) -> int:
    """A unit's events by one bare SELECT (no original-unit union, no objects): the floor for a history read."""
    ph = "?" if engine.dialect.name == "sqlite" else "%s"
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SELECT e.seq, e.kind, e.actor, e.at, e.holder_after, e.responsible_producer, e.to_actor, e.vin "
                    "FROM battery_event e JOIN battery_unit u ON u.id = e.unit_id "
                    f"WHERE u.code = {ph} ORDER BY e.seq", (code,))
        return len(cur.fetchall())
    finally:
        raw.close()


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
    many_n = min(n, 100_000)
    many_codes = codes(many_n, maker="08Y")
    t = time.perf_counter()
    for i in range(0, many_n, BATCH):
        peer_executemany(engine, many_codes[i:i + BATCH])
    many_s = time.perf_counter() - t
    with engine.connect() as conn:  # fresh planner statistics after the bulk load, as a running system would have
        conn.execute(text("ANALYZE"))
        conn.commit()

    rng = np.random.default_rng(1)
    picks = [all_codes[int(i)] for i in rng.integers(0, n, lookups)]
    times, peer_times = [], []
    for code in picks:  # interleaved, so both see the same cache state
        t = time.perf_counter()
        h = svc.history(sessions, code)
        times.append(time.perf_counter() - t)
        assert len(h.events) == 5
        t = time.perf_counter()
        assert peer_lookup(engine, code) == 5
        peer_times.append(time.perf_counter() - t)
    engine.dispose()

    def pct(xs: list[float], q: float) -> float:
        ms = sorted(1000 * x for x in xs)
        return ms[min(len(ms) - 1, int(q * len(ms)))]

    return {"register_units_per_s": n / register_s, "peer_orm_register_units_per_s": peer_n / peer_s,
            "peer_executemany_units_per_s": many_n / many_s,
            "events_per_s": 4 * n / events_s, "history_median_ms": statistics.median(1000 * x for x in times),
            "history_p99_ms": pct(times, 0.99), "peer_sql_lookup_median_ms": statistics.median(
                1000 * x for x in peer_times), "peer_sql_lookup_p99_ms": pct(peer_times, 0.99),
            "register_s": register_s, "events_s": events_s}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=100_000)
    ap.add_argument("--lookups", type=int, default=1000)
    ap.add_argument("--peer-units", type=int, default=20_000)
    ap.add_argument("--postgres", default=os.environ.get("CARBONTRAIL_TEST_POSTGRES_URL",
                                                         "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    args = ap.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.units, args.lookups, args.peer_units)
        print(json.dumps({"sqlite": results["sqlite"]}), file=sys.stderr, flush=True)
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
    main_db = results.get("postgresql", results["sqlite"])
    out = {
        "figure": f"a unit's full history, median lookup among {args.units:,} units with 5 events each "
                  f"({'PostgreSQL' if 'postgresql' in results else 'SQLite'}); goal < 10 ms; "
                  "peer: one bare SQL SELECT of the unit's events",
        "ours": round(main_db["history_median_ms"], 3),
        "peer": round(main_db["peer_sql_lookup_median_ms"], 3),
        "ratio": round(main_db["history_median_ms"] / main_db["peer_sql_lookup_median_ms"], 2),
        "units": "ms",
        "units_registered": args.units,
        "events_per_unit": 5,
        "details": {db: {k: round(v, 3) for k, v in r.items()} for db, r in results.items()},
    }
    Path("var/bench").mkdir(parents=True, exist_ok=True)
    Path("var/bench/battery_units.json").write_text(json.dumps(out, indent=2), encoding="utf-8")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
