"""Meter readings as Parquet files partitioned by organisation / meter / month, queried with DuckDB in-process or,
when a Dask scheduler is configured, with Dask over the same files.

Layout: ``<root>/org=<id>/meter=<id>/month=<YYYY-MM>/<kind>-b<batch>-c<chunk>-0.parquet``. `kind` is ``v1`` for
first readings (each interval of a meter is stored once at version 1) and ``vc`` for corrections (version ≥ 2); the
current value of an interval is its newest correction, else its first reading. A file holds the readings only: who
sent them, when and why is the batch's (its database row, whose id the file name carries), stored once rather than
on every row. A file is written under a hidden staging name in its own folder first and renamed only when the
whole upload is accepted. (Files written before held the batch's columns too; they read the same.)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Connection, Engine

from carbontrail.config import Settings

# A first reading's file; a correction's adds its version.
FIRST = pa.schema([
    ("meter", pa.int32()), ("start", pa.timestamp("us")), ("at", pa.timestamp("us")), ("value", pa.float64()),
    ("counter", pa.float64()), ("reset", pa.bool_()),
])
CORRECTION = FIRST.append(pa.field("version", pa.int32()))
# What `history` returns: each version of an interval and the batch it came in.
HISTORY = [*CORRECTION.names, "batch"]


@dataclass
class Staged:
    """Files written for one upload, waiting to be moved into the store (or thrown away).

    A chunk's files are written by background threads while the caller reads and checks the next chunk; staging
    the next chunk first waits for them (so at most one chunk is being written), and `publish` / `unpublish` wait
    for all."""

    folder: Path  # its name tags the staged files (hidden: readers list `v1-*` and `vc-*` only)
    moves: list[tuple[Path, Path]] = field(default_factory=list)
    rows: int = 0
    done: list[Path] = field(default_factory=list)
    chunks: int = 0
    writing: list[Future[None]] = field(default_factory=list)
    writers: ThreadPoolExecutor | None = None

    def settle(self) -> None:
        """Wait until every file handed to the writers is written; then the first failure, if any, is raised."""
        writing, self.writing = self.writing, []
        failures = [exc for exc in (future.exception() for future in writing) if exc is not None]
        if failures:
            raise failures[0]

    def close(self) -> None:
        """Wait for every queued write to end (however it ends) and let the writers' threads go."""
        if self.writers is not None:
            self.writers.shutdown()
            self.writers = None
        self.writing = []


# How a staged file is encoded. A file holds one meter's month (~3,000 quarter-hours), so what it costs to write is
# mostly per file and per column (a 1-row file costs ~0.6 ms of the ~0.9 ms of a month's): the batch's who / when /
# why are not columns (five fewer: ~20 % less time per file), the two times are delta-encoded (a steady interval packs
# to a few bytes; zstd on them took time and left ~35 KB), the other columns are dictionaries (a run of one index
# where constant), the value a dictionary with zstd (plain once the dictionary grows); statistics only for what
# queries filter on. A 2,880-row file: ~6 KB.
_PARQUET: dict[str, object] = {
    "compression": {name: ("zstd" if name == "value" else "none") for name in CORRECTION.names},
    "use_dictionary": [name for name in CORRECTION.names if name not in ("start", "at")],
    "column_encoding": {"start": "DELTA_BINARY_PACKED", "at": "DELTA_BINARY_PACKED"},
    "write_statistics": ["meter", "start"],
}


def _make_folder(folder: Path) -> None:
    """`folder` and its missing parents (one system call when only the month's folder is new)."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass
    except FileNotFoundError:
        folder.mkdir(parents=True, exist_ok=True)


def _write(piece: pa.Table, path: Path) -> None:
    _make_folder(path.parent)
    pq.write_table(piece, path, **_PARQUET)


def _folders(folder: Path) -> list[Path]:
    """The folders in `folder` (none when it does not exist)."""
    try:
        with os.scandir(folder) as entries:
            return [folder / e.name for e in entries if e.is_dir()]
    except (FileNotFoundError, NotADirectoryError):
        return []


def _parquet_in(folder: Path, kind: str) -> list[Path]:
    """The published `kind` files (`v1-*.parquet`, `vc-*.parquet`) in `folder`, by name; staged ones are hidden."""
    try:
        with os.scandir(folder) as entries:
            names = sorted(e.name for e in entries if e.name.startswith(f"{kind}-") and e.name.endswith(".parquet"))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [folder / name for name in names]


def _sql_list(paths: Iterable[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


class ReadingStore:
    """The readings under `root`; `dask_scheduler` (an address) makes the roll-ups run on Dask."""

    def __init__(self, root: Path, dask_scheduler: str | None = None) -> None:
        self.root = Path(root)
        self.dask_scheduler = dask_scheduler

    # -- writing ------------------------------------------------------------------------------------------------

    def stage(self, organisation_id: int, rows: pd.DataFrame, *, batch: int, correction: bool = False,
              staged: Staged | None = None) -> Staged:
        """Write `rows` (meter, start, at, value, counter, reset; a correction's also version) of the batch `batch`
        as one file per meter and month, sorted by meter and start, each under a hidden staging name in its final
        folder (no reader lists it) until `publish` renames it. The files are written in the background (see
        `Staged`)."""
        if staged is None:
            staged = Staged(self.root / f".staging-{uuid.uuid4().hex}")
        if rows.empty:
            return staged
        n = len(rows)
        meter = rows["meter"].astype("int32").to_numpy()
        start = rows["start"].astype("datetime64[us]").to_numpy()
        at = rows["at"].astype("datetime64[us]").to_numpy()
        ticks = start.view("int64")
        if not ((meter[1:] > meter[:-1]) | ((meter[1:] == meter[:-1]) & (ticks[1:] >= ticks[:-1]))).all():
            order = np.lexsort((ticks, meter))
            rows, meter, start, at = rows.iloc[order], meter[order], start[order], at[order]
        columns = [pa.array(meter), pa.array(start), pa.array(at), pa.array(rows["value"].astype("float64").to_numpy()),
                   pa.array(rows["counter"].astype("float64").to_numpy()),
                   pa.array(rows["reset"].astype(bool).to_numpy())]
        if correction:
            columns.append(pa.array(rows["version"].astype("int32").to_numpy()))
        table = pa.table(columns, schema=CORRECTION if correction else FIRST)
        # each row's month, as its index among the months the rows span (a binary search over a few dozen month
        # starts takes a third of the time of numpy's calendar conversion)
        first = start.min().astype("datetime64[M]")
        months_spanned = np.arange(first, start.max().astype("datetime64[M]") + 1)
        month = np.searchsorted(months_spanned.astype("datetime64[us]"), start, side="right")
        cut = np.flatnonzero((meter[1:] != meter[:-1]) | (month[1:] != month[:-1])) + 1
        bounds = np.concatenate(([0], cut, [n]))
        kind = "vc" if correction else "v1"
        chunk = staged.chunks
        staged.chunks += 1
        tag = staged.folder.name
        parts = []
        for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            folder = (self.root / f"org={organisation_id}" / f"meter={int(meter[a])}" /
                      f"month={str(months_spanned[month[a] - 1])[:7]}")
            name = f"{kind}-b{batch}-c{chunk}-0.parquet"
            parts.append((table.slice(a, b - a), folder / f"{tag}-{name}", folder / name))

        staged.settle()  # the previous chunk's files: written before this chunk's are queued
        if staged.writers is None:
            staged.writers = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1),
                                                thread_name_prefix="readings-stage")
        staged.moves.extend((tmp, final) for _p, tmp, final in parts)
        staged.writing.extend(staged.writers.submit(_write, piece, tmp) for piece, tmp, _final in parts)
        staged.rows += n
        return staged

    def publish(self, staged: Staged) -> None:
        """Rename staged files to their own names (undone by `unpublish` if the surrounding transaction fails).

        Should a file fail to be written or renamed, none of the upload's files stays behind and the failure is
        raised."""
        try:
            staged.settle()
            staged.close()
            for tmp, final in staged.moves:
                os.replace(tmp, final)
                staged.done.append(final)
        except BaseException:
            self.unpublish(staged)
            raise

    def unpublish(self, staged: Staged) -> None:
        staged.close()
        for path in staged.done:
            path.unlink(missing_ok=True)
        for tmp, _final in staged.moves:
            tmp.unlink(missing_ok=True)
        shutil.rmtree(staged.folder, ignore_errors=True)

    # -- reading ------------------------------------------------------------------------------------------------

    def months(self, organisation_id: int) -> list[str]:
        """The months (YYYY-MM) in which any meter of the organisation has stored readings, oldest first."""
        base = self.root / f"org={organisation_id}"
        if not base.is_dir():
            return []
        return sorted({m.name.split("=", 1)[1] for meter in base.iterdir() if meter.is_dir()
                       for m in meter.iterdir() if m.is_dir() and any(m.glob("v1-*.parquet"))})

    def files(self, organisation_ids: Iterable[int], meter_ids: Iterable[int] | None = None, *,
              months: Iterable[str] | None = None, kind: str = "v1") -> list[Path]:
        """The published files of `kind` of the organisations' meters and months (all when None), by folder.

        Wanted meters and months are looked up by their folder names, not found by listing every folder (an upload
        asks for the few meters and months of each chunk while thousands of folders exist)."""
        wanted_months = sorted(set(months)) if months is not None else None
        wanted_meters = set(meter_ids) if meter_ids is not None else None
        out: list[Path] = []
        for org in organisation_ids:
            base = self.root / f"org={org}"
            if wanted_meters is None:
                meter_dirs = sorted(_folders(base))
            else:
                meter_dirs = sorted(base / f"meter={int(m)}" for m in wanted_meters)
            for meter_dir in meter_dirs:
                if wanted_months is None:
                    month_dirs = sorted(_folders(meter_dir))
                else:
                    month_dirs = [meter_dir / f"month={m}" for m in wanted_months]
                for month_dir in month_dirs:
                    out.extend(_parquet_in(month_dir, kind))
        return out

    def _current_sql(self, base: Sequence[Path], corrections: Sequence[Path], where: str) -> str:
        cols = 'meter, start, "at", value, counter'
        if not corrections:
            return f"SELECT {cols} FROM read_parquet({_sql_list(base)}) {where}"
        return (f"WITH c AS (SELECT meter, start, arg_max(value, version) AS value FROM "
                f"read_parquet({_sql_list(corrections)}) GROUP BY meter, start) "
                f'SELECT b.meter, b.start, b."at", coalesce' f"(c.value, b.value) AS value, b.counter "
                f"FROM read_parquet({_sql_list(base)}) b LEFT JOIN c USING (meter, start) {where.replace('start', 'b.start')}")

    @staticmethod
    def _range(start: datetime | None, end: datetime | None) -> str:
        parts = []
        if start is not None:
            parts.append(f"start >= TIMESTAMP '{start:%Y-%m-%d %H:%M:%S.%f}'")
        if end is not None:
            parts.append(f"start < TIMESTAMP '{end:%Y-%m-%d %H:%M:%S.%f}'")
        return ("WHERE " + " AND ".join(parts)) if parts else ""

    @staticmethod
    def _months(start: datetime | None, end: datetime | None) -> list[str] | None:
        if start is None or end is None:
            return None
        return [p.strftime("%Y-%m") for p in pd.period_range(start, end - pd.Timedelta(microseconds=1), freq="M")]

    def current(self, organisation_id: int, meter_ids: Iterable[int] | None = None, *,
                start: datetime | None = None, end: datetime | None = None) -> pd.DataFrame:
        """The current value of every stored interval (meter, start, at, value, counter), oldest first."""
        months = self._months(start, end)
        base = self.files([organisation_id], meter_ids, months=months)
        if not base:
            return pd.DataFrame({"meter": pd.Series(dtype="int32"), "start": pd.Series(dtype="datetime64[us]"),
                                 "at": pd.Series(dtype="datetime64[us]"), "value": pd.Series(dtype=float),
                                 "counter": pd.Series(dtype=float)})
        corr = self.files([organisation_id], meter_ids, months=months, kind="vc")
        sql = self._current_sql(base, corr, self._range(start, end)) + " ORDER BY meter, start"
        with duckdb.connect() as con:
            return con.execute(sql).df()

    def history(self, organisation_id: int, meter_id: int, start: datetime) -> pd.DataFrame:
        """Every version of one interval's reading, oldest first (the original stays readable), with the batch it
        came in (columns HISTORY; who, when and why are the batch's)."""
        month = f"{start:%Y-%m}"
        cols = ", ".join(f'"{name}"' for name in FIRST.names)
        batch = r"regexp_extract(filename, '-b([0-9]+)-c[0-9]+-[0-9]+\.parquet$', 1)::BIGINT AS batch"
        parts = []
        for kind, version in (("v1", "1::INTEGER AS version"), ("vc", "version")):
            paths = self.files([organisation_id], [meter_id], months=[month], kind=kind)
            if paths:
                parts.append(f"SELECT {cols}, {version}, {batch} FROM read_parquet({_sql_list(paths)}, "
                             "filename = true) WHERE start = $start")
        if not parts:
            return pd.DataFrame(columns=HISTORY)
        with duckdb.connect() as con:
            return con.execute(" UNION ALL ".join(parts) + " ORDER BY version", {"start": start}).df()

    def last_counters(self, organisation_id: int, meter_ids: Iterable[int]) -> dict[int, tuple[datetime, float]]:
        """Each cumulative meter's newest stored counter reading: (time read, counter)."""
        base = self.files([organisation_id], meter_ids)
        if not base:
            return {}
        with duckdb.connect() as con:
            rows = con.execute(f'SELECT meter, max("at"), arg_max(counter, "at") FROM read_parquet('
                               f"{_sql_list(base)}) WHERE counter IS NOT NULL GROUP BY meter").fetchall()
        return {int(m): (at, float(c)) for m, at, c in rows}

    # -- roll-ups (DuckDB, or Dask when a scheduler is configured) ----------------------------------------------

    def totals(self, organisation_ids: Iterable[int], meter_ids: Iterable[int] | None = None, *, period: str = "day",
               start: datetime | None = None, end: datetime | None = None) -> pd.DataFrame:
        """Per meter and day (or month): the sum of the current interval values and how many intervals there are.

        Columns: meter, period (timestamp of the day's or month's start), total, intervals; sorted."""
        if period not in ("day", "month"):
            raise ValueError(period)
        orgs = list(organisation_ids)
        months = self._months(start, end)
        base = self.files(orgs, meter_ids, months=months)
        corr = self.files(orgs, meter_ids, months=months, kind="vc")
        if not base:
            return pd.DataFrame({"meter": pd.Series(dtype="int32"), "period": pd.Series(dtype="datetime64[us]"),
                                 "total": pd.Series(dtype=float), "intervals": pd.Series(dtype="int64")})
        if self.dask_scheduler:
            return self._totals_dask(base, corr, period, start, end)
        inner = self._current_sql(base, corr, self._range(start, end))
        sql = (f"SELECT meter, date_trunc('{period}', start)::TIMESTAMP AS period, sum(value) AS total, "
               f"count(value) AS intervals FROM ({inner}) GROUP BY ALL ORDER BY meter, period")
        with duckdb.connect() as con:
            out = con.execute(sql).df()
        out["meter"] = out["meter"].astype("int32")
        out["period"] = out["period"].astype("datetime64[us]")
        out["intervals"] = out["intervals"].astype("int64")
        return out

    def _totals_dask(self, base: Sequence[Path], corr: Sequence[Path], period: str, start: datetime | None,
                     end: datetime | None) -> pd.DataFrame:
        """The DuckDB roll-up run on the cluster, one task per run of whole meter/month folders (so a day or month
        of a meter, and its corrections, lie in one task), each task as many DuckDB threads as its worker has."""
        # distributed loads only when a scheduler is configured (it takes seconds to import)
        from distributed import Client

        folders: dict[Path, tuple[list[Path], list[Path]]] = {}
        for path in base:
            folders.setdefault(path.parent, ([], []))[0].append(path)
        for path in corr:
            if path.parent in folders:
                folders[path.parent][1].append(path)
        with Client(self.dask_scheduler, set_as_default=False) as client:
            threads = client.nthreads()
            per_task = max(1, min(threads.values(), default=1))
            tasks = max(1, 4 * sum(threads.values()))
            ordered = sorted(folders.items())
            size = -(-len(ordered) // tasks)
            sqls = []
            for i in range(0, len(ordered), size):
                part = ordered[i:i + size]
                inner = self._current_sql([p for _f, (b, _c) in part for p in b],
                                          [p for _f, (_b, c) in part for p in c], self._range(start, end))
                sqls.append(f"SELECT meter, date_trunc('{period}', start)::TIMESTAMP AS period, sum(value) AS total, "
                            f"count(value) AS intervals FROM ({inner}) GROUP BY ALL")

            def run(sql: str, threads: int = per_task) -> pd.DataFrame:  # pickled by value: workers need duckdb only
                import duckdb

                with duckdb.connect(config={"threads": threads}) as con:
                    return con.execute(sql).df()

            frames = client.gather(client.map(run, sqls, pure=False))
        out = pd.concat(frames, ignore_index=True)
        out = (out.groupby(["meter", "period"], as_index=False, sort=True).agg(total=("total", "sum"),
                                                                              intervals=("intervals", "sum")))
        out["meter"] = out["meter"].astype("int32")
        out["period"] = out["period"].astype("datetime64[us]")
        out["intervals"] = out["intervals"].astype("int64")
        return out[["meter", "period", "total", "intervals"]].reset_index(drop=True)


def reading_store_of(bind: Engine | Connection | None, settings: Settings | None = None) -> ReadingStore:
    """The readings of the database `bind` reaches, so two databases never share readings: a SQLite file's sit
    beside it (`carbontrail.db-readings/`), a server database's under the data directory in a folder named after
    its URL's digest."""
    settings = settings or Settings.from_env()
    url = bind.engine.url if bind is not None else None
    if url is not None and url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return ReadingStore(Path(f"{url.database}-readings"), settings.dask_scheduler)
    text = url.render_as_string(hide_password=True) if url is not None else ""
    folder = hashlib.sha256(text.encode()).hexdigest()[:16]
    return ReadingStore(settings.home / "readings" / folder, settings.dask_scheduler)
