"""Readings in (API batches, CSV / XLSX / Parquet files, the CLI) and out (an enterprise's own readings, their
versions, data quality). An upload is all-or-nothing; the same upload twice adds nothing; a changed value is refused
unless it is sent as a correction with a reason, which then becomes a new version beside the original."""

from __future__ import annotations

import hashlib
import json
import tempfile
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePath

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import ImportRejected, InputError, Location, NotFound
from carbontrail.monitor import files, quality
from carbontrail.monitor.energy import carrier, unit_factor
from carbontrail.monitor.readings import LOCAL_OFFSET, MAX_PROBLEMS, Counter, MeterSpec, NotPlain, validate
from carbontrail.services import tenancy
from carbontrail.services.imports import file_sha256
from carbontrail.services.monitor.access import organisation, reading_store
from carbontrail.services.work import Actor, JsonValue, Work, unit_of_work
from carbontrail.store.models import Meter, ReadingBatch
from carbontrail.store.readings import ReadingStore, Staged
from carbontrail.store.repositories import monitor as repo
from carbontrail.units import convert, quantity

# A file's SHA-256 is computed by a thread while the file is read and checked (hashlib leaves the GIL)
_HASHING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="readings-sha")
MAX_BATCH_ITEMS = 100_000  # readings in one API request


@dataclass(frozen=True)
class IngestReport:
    """What one upload did."""

    source: str
    sha256: str
    rows: int
    inserted: int
    unchanged: int
    corrected: int
    repeated: bool  # the very same upload was accepted before, so nothing was added
    batch: int | None


@dataclass(frozen=True)
class ReadingOut:
    meter: str
    start: datetime
    value: float
    counter: float | None


@dataclass(frozen=True)
class VersionOut:
    version: int
    value: float
    recorded_by: str
    recorded_at: datetime
    reason: str


def now_local() -> datetime:
    """The present moment in China Standard Time, naive (the readings' clock)."""
    return datetime.now(UTC).replace(tzinfo=None) + LOCAL_OFFSET


def _specs(session: Session, org_id: int) -> tuple[dict[str, MeterSpec], dict[str, int]]:
    """Meter specs by the name readings use (its code, or facility/code when two facilities share a code)."""
    rows = repo.meters(session, org_id)
    counts: dict[str, int] = {}
    for meter, _ in rows:
        counts[meter.code] = counts.get(meter.code, 0) + 1
    specs: dict[str, MeterSpec] = {}
    ids: dict[str, int] = {}
    for meter, fac in rows:
        names = [f"{fac}/{meter.code}"] + ([meter.code] if counts[meter.code] == 1 else [])
        for name in names:
            specs[name] = MeterSpec(name, meter.medium, meter.unit, meter.interval_s, meter.cumulative)
            ids[name] = meter.id
    return specs, ids


# -- ingest ---------------------------------------------------------------------------------------------------


def import_file(sessions: sessionmaker[Session], actor: Actor, organisation_code: str, path: Path, *,
                display_name: str | None = None, correction: str | None = None,
                store: ReadingStore | None = None) -> IngestReport:
    """Import a CSV, XLSX or Parquet file of readings (columns meter, timestamp, value[, unit, reset]).

    `correction` (a reason) makes changed values new versions instead of refusing them."""
    path = Path(path)
    shown = display_name or path.name
    return _ingest(sessions, actor, organisation_code, lambda: files.chunks_of_file(path, shown), shown,
                   _HASHING.submit(file_sha256, path), correction, store)


def import_upload(sessions: sessionmaker[Session], actor: Actor, organisation_code: str, file_name: str,
                  data: bytes, *, correction: str | None = None, store: ReadingStore | None = None) -> IngestReport:

    name = PurePath(file_name or "readings.csv").name
    with tempfile.TemporaryDirectory(prefix="carbontrail-readings-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return import_file(sessions, actor, organisation_code, path, display_name=name, correction=correction,
                           store=store)


def import_batch(sessions: sessionmaker[Session], actor: Actor, organisation_code: str,
                 items: list[dict[str, object]], *, correction: str | None = None,
                 store: ReadingStore | None = None) -> IngestReport:
    """Import readings sent as JSON objects (meter, timestamp, value[, unit, reset]); row n is the n-th item."""
    if len(items) > MAX_BATCH_ITEMS:
        raise InputError(f"a batch holds at most {MAX_BATCH_ITEMS} readings", location=Location(field="readings"))
    frame = pd.DataFrame([{k: ("" if v is None else str(v)) for k, v in item.items()} for item in items],
                         columns=["meter", "timestamp", "value", "unit", "reset"])
    digest = hashlib.sha256(json.dumps(items, sort_keys=True, default=str).encode()).hexdigest()
    return _ingest(sessions, actor, organisation_code, lambda: iter([frame]), "request", digest, correction, store,
                   first_row=1)


def import_files(sessions: sessionmaker[Session], actor: Actor, organisation_code: str, paths: Sequence[Path], *,
                 correction: str | None = None, store: ReadingStore | None = None) -> list[IngestReport]:
    """Import several files of readings (as `import_file`) in one transaction with one audit row: all or none."""
    sources = [(lambda p=Path(p): files.chunks_of_file(p, p.name), Path(p).name, file_sha256(Path(p)))
               for p in paths]
    return _ingest_all(sessions, actor, organisation_code, sources, correction, store)


def _ingest(sessions: sessionmaker[Session], actor: Actor, code: str, chunks: object, shown: str,
            sha: str | Future[str],
            correction: str | None, store: ReadingStore | None, first_row: int = 2) -> IngestReport:
    return _ingest_all(sessions, actor, code, [(chunks, shown, sha)], correction, store, first_row)[0]


def _ingest_all(sessions: sessionmaker[Session], actor: Actor, code: str,
                files: Sequence[tuple[object, str, str]], correction: str | None, store: ReadingStore | None,
                first_row: int = 2) -> list[IngestReport]:
    """Ingest each (chunks, shown name, sha256) in one unit of work; its audit row names every file that added a
    batch (a file accepted before adds nothing and needs none)."""
    store = store or reading_store(sessions)
    if correction is not None and not correction.strip():
        raise InputError("a correction needs a reason", location=Location(field="reason"))
    published: list[Staged] = []
    with unit_of_work(sessions, actor) as work:
        access = organisation(work.session, actor, code, tenancy.DATA_WRITE)
        try:
            reports = [_ingest_in(work, store, access, code, chunks, shown, sha, correction, first_row, published)
                       for chunks, shown, sha in files]
            new = [r for r in reports if not r.repeated]
            done: list[dict[str, JsonValue]] = [
                {"source": r.source, "sha256": r.sha256, "batch": r.batch, "rows": r.rows, "inserted": r.inserted,
                 "unchanged": r.unchanged, "corrected": r.corrected, "reason": correction or ""} for r in new]
            if len(done) == 1:
                work.audit("import", "readings", new[0].source, organisation_id=access.organisation_id,
                           detail={k: v for k, v in done[0].items() if k != "source"})
            elif done:
                work.audit("import", "readings", ", ".join(r.source for r in new),
                           organisation_id=access.organisation_id, detail={"files": done})  # type: ignore[dict-item]
            work.session.flush()
        except BaseException:
            for staged in published:
                store.unpublish(staged)
            raise
    return reports


def _ingest_in(work: Work, store: ReadingStore, access: tenancy.Access, code: str, chunks: object, shown: str,
               sha: str | Future[str], correction: str | None, first_row: int, published: list[Staged]
               ) -> IngestReport:
    """One file's readings into the store, inside the caller's work (which writes the audit row and, should it
    fail, unpublishes what `published` lists).

    `sha` may still be being computed (a large file's digest takes seconds): the file is then read and checked
    meanwhile, and whether it came before is asked after each chunk once the digest is known — a file that did
    leaves nothing, as when its digest was known first."""
    s = work.session
    actor = work.actor
    if isinstance(sha, Future) and sha.done():
        sha = sha.result()
    if isinstance(sha, str):
        before = repo.batch_by_sha(s, access.organisation_id, sha)
        if before is not None:
            return IngestReport(shown, sha, before.rows, 0, before.rows, 0, True, before.id)
    specs, ids = _specs(s, access.organisation_id)
    if not specs:
        raise NotFound(f"organisation '{code}' has no meters; add them first (the meters template)")
    with work.undoable() as undo:  # the batch row goes again should the file turn out to have come before
        batch = ReadingBatch(organisation_id=access.organisation_id, source=shown[:500], actor=actor.actor[:300],
                             reason=correction or "",
                             sha256=sha if isinstance(sha, str) else f"pending-{uuid.uuid4().hex}")  # unique meanwhile
        s.add(batch)
        s.flush()
        last = store.last_counters(access.organisation_id, [ids[n] for n, sp in specs.items() if sp.cumulative])
        counters = {n: Counter(*last[ids[n]]) for n, sp in specs.items() if sp.cumulative and ids[n] in last}
        staged_new: Staged | None = None
        staged_fix: Staged | None = None
        totals = {"rows": 0, "inserted": 0, "unchanged": 0, "corrected": 0}
        offset = first_row

        def came_before(wait: bool) -> ReadingBatch | None:
            """The batch this file came in before, once its digest is known (and the digest then set on `batch`)."""
            nonlocal sha
            if isinstance(sha, Future):
                if not (wait or sha.done()):
                    return None
                sha = sha.result()
                before = repo.batch_by_sha(s, access.organisation_id, sha)
                if before is not None:
                    return before
                batch.sha256 = sha
            return None

        try:
            source = chunks()  # type: ignore[operator]
            frames = iter(source)
            for frame in frames:
                if (before := came_before(wait=False)) is not None:
                    getattr(frames, "close", lambda: None)()  # a reader thread may be reading ahead: it stops
                    break
                try:
                    rows = validate(frame, specs, now=now_local(), file=shown, counters=counters, first_row=offset)
                except NotPlain:  # typed by the CSV parser, but the checks need it as written
                    source.again_as_text()
                    continue
                offset += len(frame)
                totals["rows"] += len(frame)
                if rows.empty:
                    continue
                for name, group in rows[rows["counter"].notna()].groupby("meter", observed=True):
                    latest = group.iloc[group["at"].argmax()]
                    counters[str(name)] = Counter(latest["at"].to_pydatetime(), float(latest["counter"]))
                codes = rows["meter"]
                present = (codes.cat.categories if isinstance(codes.dtype, pd.CategoricalDtype) else pd.unique(codes))
                rows["meter"] = codes.map(ids).astype("int32")
                new, fixes, same = _against_store(store, access.organisation_id, rows, shown, correction,
                                                  [ids[str(c)] for c in present])
                totals["inserted"] += len(new)
                totals["unchanged"] += same
                totals["corrected"] += len(fixes)
                staged_new = store.stage(access.organisation_id, new, batch=batch.id, staged=staged_new)
                if len(fixes):
                    staged_fix = store.stage(access.organisation_id, fixes, batch=batch.id, correction=True,
                                             staged=staged_fix)
            else:
                before = came_before(wait=True)
            if before is not None:  # the same file came before: what was staged goes, and so does this batch
                for staged in (staged_new, staged_fix):
                    if staged is not None:
                        store.unpublish(staged)
                undo(batch)
                return IngestReport(shown, before.sha256, before.rows, 0, before.rows, 0, True, before.id)
            batch.rows, batch.inserted = totals["rows"], totals["inserted"]
            batch.unchanged, batch.corrected = totals["unchanged"], totals["corrected"]
            s.flush()
        except BaseException:
            for staged in (staged_new, staged_fix):
                if staged is not None:
                    store.unpublish(staged)  # staged, not yet published: its folder goes
            raise
    for staged in (staged_new, staged_fix):
        if staged is not None:
            store.publish(staged)
            published.append(staged)
    return IngestReport(shown, batch.sha256, totals["rows"], totals["inserted"], totals["unchanged"],
                        totals["corrected"], False, batch.id)


def _against_store(store: ReadingStore, org_id: int, rows: pd.DataFrame, shown: str,
                   correction: str | None, meter_ids: list[int]) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Split validated rows (of the meters `meter_ids`) into new ones, corrections (changed values) and unchanged
    ones."""
    start = rows["start"].min().to_pydatetime()
    end = rows["start"].max().to_pydatetime() + timedelta(microseconds=1)
    stored = store.current(org_id, meter_ids, start=start, end=end)
    if stored.empty:
        return rows, rows.iloc[0:0], 0
    merged = rows.merge(stored[["meter", "start", "value"]].rename(columns={"value": "old"}),
                        on=["meter", "start"], how="left", indicator=True)
    exists = (merged["_merge"] == "both").to_numpy()
    same = exists & ((merged["value"] == merged["old"]) | (merged["value"].isna() & merged["old"].isna())).to_numpy()
    changed = exists & ~same
    if changed.any() and correction is None:
        problems = [InputError(f"meter {int(r.meter)} already has {r.old:g} for the interval from "
                               f"{r.start:%Y-%m-%d %H:%M}, not {r.value:g}; send changed values as a correction "
                               "with a reason", location=Location(file=shown, row=int(r.row), field="value"))
                    for r in merged[changed].head(MAX_PROBLEMS).itertuples()]
        raise ImportRejected(shown, problems, total_rows=len(rows))
    fixes = merged[changed].drop(columns=["old", "_merge"])
    if len(fixes):
        versions = _next_versions(store, org_id, fixes)
        fixes = fixes.assign(version=versions)
    return merged[~exists].drop(columns=["old", "_merge"]), fixes, int(same.sum())


def _next_versions(store: ReadingStore, org_id: int, fixes: pd.DataFrame) -> np.ndarray:
    out = []
    for r in fixes.itertuples():
        hist = store.history(org_id, int(r.meter), r.start.to_pydatetime())
        out.append(int(hist["version"].max()) + 1 if len(hist) else 2)
    return np.array(out, dtype="int32")


# -- reading out (the tenant's own members only) --------------------------------------------------------------


def _meter(session: Session, org_id: int, code: str, org_code: str) -> tuple[Meter, MeterSpec]:
    specs, ids = _specs(session, org_id)
    if code not in specs:
        raise NotFound(f"organisation '{org_code}' has no meter '{code}'")
    meter = next(m for m, _ in repo.meters(session, org_id) if m.id == ids[code])
    return meter, specs[code]


def list_readings(sessions: sessionmaker[Session], actor: Actor, organisation_code: str, meter: str, *,
                  start: datetime, end: datetime, limit: int = 10_000,
                  store: ReadingStore | None = None) -> list[ReadingOut]:
    """The current readings of one meter in [start, end), oldest first (raw readings: members only)."""
    store = store or reading_store(sessions)
    with sessions() as s:
        access = organisation(s, actor, organisation_code, tenancy.DATA_READ)
        m, _ = _meter(s, access.organisation_id, meter, organisation_code)
    frame = store.current(access.organisation_id, [m.id], start=start, end=end).head(limit)
    return [ReadingOut(meter, r.start.to_pydatetime(), float(r.value), None if pd.isna(r.counter) else float(r.counter))
            for r in frame.itertuples()]


def versions(sessions: sessionmaker[Session], actor: Actor, organisation_code: str, meter: str, start: datetime,
             *, store: ReadingStore | None = None) -> list[VersionOut]:
    """Every version of one interval's reading: the original first, then each correction with who, when, why."""
    store = store or reading_store(sessions)
    with sessions() as s:
        access = organisation(s, actor, organisation_code, tenancy.DATA_READ)
        m, _ = _meter(s, access.organisation_id, meter, organisation_code)
        hist = store.history(access.organisation_id, m.id, start)
        batches = repo.batches_by_id(s, access.organisation_id, hist["batch"].tolist())
    out = []
    for r in hist.itertuples():
        batch = batches[int(r.batch)]  # who, when and why: the batch the reading came in
        at = batch.created_at
        out.append(VersionOut(int(r.version), float(r.value), batch.actor,
                              at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC),
                              batch.reason if r.version > 1 else ""))
    return out


def month_quality(sessions: sessionmaker[Session], actor: Actor, organisation_code: str, meter: str, month: str, *,
                  monthly_figure: float | None = None, store: ReadingStore | None = None) -> quality.MonthQuality:
    """The data-quality figures of one meter's month (completeness, daily vs monthly, drift, gaps, flat lines).

    Without `monthly_figure` the month's activity record of the meter (if any) is the monthly figure."""
    store = store or reading_store(sessions)
    begin, end = month_range(month)
    with sessions() as s:
        access = organisation(s, actor, organisation_code, tenancy.DATA_READ)
        m, spec = _meter(s, access.organisation_id, meter, organisation_code)
        if monthly_figure is None:
            monthly_figure = _monthly_record(s, access.organisation_id, m, begin, end)
    frame = store.current(access.organisation_id, [m.id], start=begin, end=end)
    starts = frame["start"].to_numpy(dtype="datetime64[s]")
    return quality.month_quality(meter, month, starts, frame["value"].to_numpy(dtype=float), spec.interval_s,
                                 monthly_figure=monthly_figure)


def month_range(month: str) -> tuple[datetime, datetime]:
    """The first moment of `month` (YYYY-MM) and of the month after."""
    try:
        return quality.month_bounds(month)
    except ValueError:
        raise InputError(f"'{month}' is not a month", location=Location(field="month"), expected="YYYY-MM") from None


def _monthly_record(session: Session, org_id: int, meter: Meter, begin: datetime, end: datetime) -> float | None:

    total = None
    car = carrier(meter.medium)
    for meter_id, kind, _item, unit, _start, qty in repo.activity_totals(session, org_id, begin.date(),
                                                                         (end - timedelta(days=1)).date()):
        if meter_id != meter.id or kind == "value_added":
            continue
        if unit == meter.unit:
            amount = qty
        elif car.code != "production" and unit in car.units:
            amount = qty * unit_factor(car, unit) / unit_factor(car, meter.unit)
        else:
            amount = float(convert(quantity(qty, unit), meter.unit).magnitude)
        total = (total or 0.0) + amount
    return total


def latest_month(sessions: sessionmaker[Session], actor: Actor, organisation_code: str, *,
                 store: ReadingStore | None = None) -> str | None:
    """The latest month (YYYY-MM) with readings of any of the enterprise's meters (None: it has none)."""
    store = store or reading_store(sessions)
    with sessions() as s:
        access = organisation(s, actor, organisation_code, tenancy.DATA_READ)
    found = store.months(access.organisation_id)
    return found[-1] if found else None


@dataclass(frozen=True)
class MeterMonth:
    """One meter's month for the dashboard: daily totals, an hour-of-day × day matrix, its data quality."""

    meter: str
    medium: str
    unit: str
    days: list[str]
    daily: list[float]
    heat: list[list[float]]  # [day index, hour, total]
    quality: quality.MonthQuality


def dashboard(sessions: sessionmaker[Session], actor: Actor, organisation_code: str, month: str, *,
              store: ReadingStore | None = None) -> list[MeterMonth]:
    """Every meter of the enterprise with readings in `month` (its own members only)."""
    store = store or reading_store(sessions)
    begin, end = month_range(month)
    with sessions() as s:
        access = organisation(s, actor, organisation_code, tenancy.DATA_READ)
        meters = repo.meters(s, access.organisation_id)
        monthly = {m.id: _monthly_record(s, access.organisation_id, m, begin, end) for m, _ in meters}
    out = []
    for meter, fac in meters:
        frame = store.current(access.organisation_id, [meter.id], start=begin, end=end)
        if frame.empty:
            continue
        day = frame["start"].dt.floor("D")
        daily = frame.groupby(day)["value"].sum()
        hourly = frame.groupby([day, frame["start"].dt.hour])["value"].sum()
        index = {d: i for i, d in enumerate(daily.index)}
        heat = [[index[d], int(h), float(v)] for (d, h), v in hourly.items()]
        q = quality.month_quality(f"{fac}/{meter.code}", month, frame["start"].to_numpy(dtype="datetime64[s]"),
                                  frame["value"].to_numpy(dtype=float), meter.interval_s,
                                  monthly_figure=monthly.get(meter.id))
        out.append(MeterMonth(f"{fac}/{meter.code}", meter.medium, meter.unit,
                              [f"{d:%Y-%m-%d}" for d in daily.index], [float(v) for v in daily], heat, q))
    return out
