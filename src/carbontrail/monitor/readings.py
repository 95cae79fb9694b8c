"""Validating meter readings and turning them into interval consumption.

Conventions (documented for importers): a reading's timestamp is in China Standard Time (UTC+08:00, no daylight
saving); a timestamp that carries another offset is converted to it. An *interval* meter's value is the consumption
of the interval that starts at the timestamp. A *cumulative* meter's value is its counter at the timestamp; the
consumption of the interval from the previous reading to this one is the difference. A counter that goes backwards
is refused unless the row declares a reset (`reset` = true): the counter then restarted from zero, so the interval's
consumption is the new reading itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from carbontrail.errors import ImportRejected, InputError, Location
from carbontrail.monitor.energy import carrier, unit_factor

COLUMNS = ("meter", "timestamp", "value")
OPTIONAL = ("unit", "reset")
MAX_PROBLEMS = 20  # a refusal lists at most this many problems, then counts the rest
LOCAL_OFFSET = timedelta(hours=8)
FUTURE_TOLERANCE = timedelta(minutes=1)


class NotPlain(Exception):
    """A chunk whose timestamps and values the parser read as typed columns did not pass the whole-column checks:
    the row-by-row checks need its cells as written, so it must be read again as text."""


@dataclass(frozen=True)
class MeterSpec:
    """What a reading is checked against: the meter's unit, interval (seconds) and whether it counts up."""

    code: str
    medium: str
    unit: str
    interval_s: int
    cumulative: bool = False


@dataclass(frozen=True)
class Counter:
    """A cumulative meter's last stored counter value, so the next file's first reading has a predecessor."""

    at: datetime
    value: float


def _problem(problems: list[InputError], file: str, row: int, field: str, reason: str,
             expected: str | None = None) -> None:
    problems.append(InputError(reason, location=Location(file=file, row=row, field=field), expected=expected))


def _as_bool(col: pd.Series) -> np.ndarray:
    text = col.astype("string").fillna("").str.strip().str.lower()
    return text.isin(("1", "true", "yes", "y", "reset")).to_numpy()


def parse_timestamps(col: pd.Series) -> pd.Series:
    """Timestamps as naive China Standard Time; NaT where the text is not a timestamp."""
    text = col.astype(str).str.strip()
    has_offset = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    out = pd.Series(pd.NaT, index=col.index, dtype="datetime64[us]")
    if has_offset.any():
        aware = pd.to_datetime(text[has_offset], errors="coerce", utc=True, format="ISO8601")
        out[has_offset] = (aware.dt.tz_localize(None) + LOCAL_OFFSET).astype("datetime64[us]")
    if (~has_offset).any():
        out[~has_offset] = pd.to_datetime(text[~has_offset], errors="coerce", format="ISO8601").astype(
            "datetime64[us]")
    return out


def validate(frame: pd.DataFrame | pa.Table, meters: Mapping[str, MeterSpec], *, now: datetime, file: str,
             counters: Mapping[str, Counter] | None = None, first_row: int = 2) -> pd.DataFrame:
    """The readings of `frame` as rows (meter, start, at, value, counter, reset, row) of consumption in the meter's
    unit: `start` the interval's start, `at` when it was read, `row` the input row it came from.

    Every bad row is named (file, row, field) in one `ImportRejected`: nothing of a file with one bad row is
    accepted. `first_row` is the row number of the frame's first line (2 for a CSV with a header).
    `now` is China Standard Time, naive. An Arrow table (text columns) is checked in Arrow when all of it is plain
    (see `_plain`); anything else goes through the row-by-row checks below, which name every problem. A table whose
    timestamps and values are already typed (the CSV parser read them) that is not plain raises `NotPlain`.
    """
    if isinstance(frame, pa.Table):
        plain = _plain(frame, meters, now=now, first_row=first_row)
        if plain is not None:
            return plain
        if any(not pa.types.is_string(frame[c].type) for c in ("timestamp", "value") if c in frame.column_names):
            raise NotPlain(file)
        frame = frame.to_pandas()
    problems: list[InputError] = []
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ImportRejected(file, [InputError(f"the column '{c}' is missing", location=Location(file=file, field=c),
                                               expected=", ".join(COLUMNS)) for c in missing])
    n = len(frame)
    rows = np.arange(first_row, first_row + n)
    code = frame["meter"].astype(str).str.strip()
    known = code.isin(list(meters)).to_numpy()
    for i in np.flatnonzero(~known)[:MAX_PROBLEMS]:
        _problem(problems, file, int(rows[i]), "meter", f"no meter '{code.iat[i]}'", ", ".join(sorted(meters)))
    ts = parse_timestamps(frame["timestamp"])
    bad_ts = ts.isna().to_numpy()
    for i in np.flatnonzero(bad_ts)[:MAX_PROBLEMS]:
        _problem(problems, file, int(rows[i]), "timestamp", f"'{frame['timestamp'].iat[i]}' is not a timestamp",
                 "ISO 8601, e.g. 2023-01-01T00:15:00+08:00")
    future = (ts > pd.Timestamp(now + FUTURE_TOLERANCE)).to_numpy() & ~bad_ts
    for i in np.flatnonzero(future)[:MAX_PROBLEMS]:
        _problem(problems, file, int(rows[i]), "timestamp", f"{ts.iat[i]:%Y-%m-%d %H:%M} lies in the future")
    value = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype="float64")
    bad_value = ~np.isfinite(value)
    for i in np.flatnonzero(bad_value)[:MAX_PROBLEMS]:
        _problem(problems, file, int(rows[i]), "value", f"'{frame['value'].iat[i]}' is not a number")
    cumulative = code.map({m: s.cumulative for m, s in meters.items()}).fillna(False).to_numpy(dtype=bool)
    negative = (value < 0) & ~bad_value & known
    for i in np.flatnonzero(negative)[:MAX_PROBLEMS]:
        what = "a counter reading" if cumulative[i] else "an interval value"
        _problem(problems, file, int(rows[i]), "value", f"meter '{code.iat[i]}': {what} cannot be negative")
    if "unit" in frame.columns:
        unit = frame["unit"].astype("string").fillna("").str.strip()
        expected = code.map({m: s.unit for m, s in meters.items()})
        wrong = (known & (unit != "").to_numpy() & (unit != expected).to_numpy())
        for i in np.flatnonzero(wrong)[:MAX_PROBLEMS]:
            _problem(problems, file, int(rows[i]), "unit",
                     f"meter '{code.iat[i]}' reads in {expected.iat[i]}, not '{unit.iat[i]}'", expected.iat[i])
    reset = _as_bool(frame["reset"]) if "reset" in frame.columns else np.zeros(n, dtype=bool)
    table = pd.DataFrame({"meter": code.to_numpy(), "ts": ts.to_numpy(), "value": value, "reset": reset,
                          "row": rows, "cumulative": cumulative})
    ok = known & ~bad_ts & ~bad_value
    dup = table[ok].duplicated(["meter", "ts"], keep="first")
    for i in dup[dup].index[:MAX_PROBLEMS]:
        _problem(problems, file, int(rows[i]), "timestamp",
                 f"meter '{code.iat[i]}' has a second reading at {ts.iat[i]:%Y-%m-%d %H:%M} in this file")
    if problems:
        raise ImportRejected(file, problems[:MAX_PROBLEMS * 5], total_rows=n)
    return _consumption(table, meters, counters or {}, file)


def _plain(table: pa.Table, meters: Mapping[str, MeterSpec], *, now: datetime, first_row: int
           ) -> pd.DataFrame | None:
    """The rows of an Arrow table of text when every one passes the same checks as `validate`'s, made in Arrow and
    numpy on whole columns: known interval meters, timestamps without an offset (ISO 8601, which Arrow and pandas
    read alike) and not in the future, finite non-negative numbers, no empty unit or reset cell, no meter twice at one
    time. None as soon as anything is not plain (a bad row, an offset, a counter, a unit): the caller then runs the
    row-by-row checks, which name each problem. The meter column comes back categorical."""
    n = table.num_rows
    if n == 0 or any(c not in table.column_names for c in COLUMNS):
        return None
    for extra in OPTIONAL:
        if extra in table.column_names:
            col = table[extra]
            if col.null_count < len(col) and pc.any(pc.not_equal(pc.utf8_trim_whitespace(
                    col.cast(pa.string())), "")).as_py():
                return None
    code, ts, text = table["meter"], table["timestamp"], table["value"]
    if code.null_count or ts.null_count or text.null_count:
        return None
    categories, codes = _meter_codes(code)
    if any(m not in meters or meters[m].cumulative for m in categories):
        return None
    # typed by the CSV parser (the same ISO 8601 and number grammar as the casts), or text to cast
    stamps = (pc.cast(ts, pa.timestamp("us")) if pa.types.is_timestamp(ts.type)
              else _cast(ts.cast(pa.string()), pa.timestamp("us")))
    values = (pc.cast(text, pa.float64()) if pa.types.is_floating(text.type)
              else _cast(text.cast(pa.string()), pa.float64()))
    if stamps is None or values is None:
        return None
    start = stamps.to_numpy().astype("datetime64[us]")
    value = values.to_numpy()
    if not np.isfinite(value).all() or (value < 0).any():
        return None
    if start.max() > np.datetime64(now + FUTURE_TOLERANCE, "us"):
        return None
    if (codes[1:] >= codes[:-1]).all():  # a file grouped by meter needs no sorting
        by_meter, at = codes, start
    else:
        order = np.argsort(codes, kind="stable")
        by_meter, at = codes[order], start[order]
    if ((by_meter[1:] == by_meter[:-1]) & (at[1:] <= at[:-1])).any():  # not rising within a meter: maybe twice
        if pd.DataFrame({"m": codes, "t": start.view("int64")}).duplicated().any():
            return None
    return pd.DataFrame({"meter": pd.Categorical.from_codes(codes, categories=categories, validate=False),
                         "start": start, "at": start, "value": value, "counter": np.full(n, np.nan),
                         "reset": np.zeros(n, dtype=bool), "row": np.arange(first_row, first_row + n, dtype="int64")},
                        copy=False)  # the arrays are this frame's own: not copied again


def _meter_codes(column: pa.ChunkedArray) -> tuple[list[str], np.ndarray]:
    """The distinct meter codes of a text column (blanks trimmed) in order of first appearance, and each row's index
    into them. A column the CSV parser dictionary-encoded is read through its dictionaries (one per block)."""
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column.cast(pa.string()))
    index: dict[str, int] = {}
    parts = []
    for chunk in column.chunks:
        local = [index.setdefault(str(v).strip(), len(index)) for v in chunk.dictionary.to_pylist()]
        parts.append(np.asarray(local, dtype=np.int32)[chunk.indices.to_numpy(zero_copy_only=False)])
    codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    return list(index), codes


def _cast(text: pa.ChunkedArray, to: pa.DataType) -> pa.ChunkedArray | None:
    """`text` cast to `to`, trimmed of surrounding blanks only when it does not cast as it is (trimming every cell
    took longer than the cast); None when it does not cast either way."""
    try:
        return pc.cast(text, to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    try:
        return pc.cast(pc.utf8_trim_whitespace(text), to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _consumption(table: pd.DataFrame, meters: Mapping[str, MeterSpec], counters: Mapping[str, Counter],
                 file: str) -> pd.DataFrame:
    """Interval rows as they are; cumulative rows as differences, refusing a counter that runs backwards."""
    problems: list[InputError] = []
    parts = []
    interval = table[~table["cumulative"]]
    if len(interval):
        parts.append(pd.DataFrame({"meter": interval["meter"], "start": interval["ts"], "at": interval["ts"],
                                   "value": interval["value"], "counter": np.nan, "reset": interval["reset"],
                                   "row": interval["row"]}))
    cum = table[table["cumulative"]].sort_values(["meter", "ts"], kind="stable")
    for code, group in cum.groupby("meter", sort=True):
        values = group["value"].to_numpy()
        times = group["ts"].to_numpy()
        before = counters.get(str(code))
        prev_v = np.concatenate(([before.value if before else np.nan], values[:-1]))
        prev_t = np.concatenate(([np.datetime64(before.at) if before else np.datetime64("NaT")], times[:-1]))
        resets = group["reset"].to_numpy()
        delta = np.where(resets, values, values - prev_v)
        back = np.flatnonzero(~resets & (values < prev_v))
        for i in back[:MAX_PROBLEMS]:
            _problem(problems, file, int(group["row"].iat[i]), "value",
                     f"meter '{code}': the counter goes backwards from {prev_v[i]:g} to {values[i]:g} at "
                     f"{pd.Timestamp(times[i]):%Y-%m-%d %H:%M} without a declared reset",
                     "a 'reset' column set to true on the row where the counter restarted")
        start = pd.Series(prev_t).fillna(pd.Series(times)).to_numpy()  # the first reading: a baseline, no usage
        parts.append(pd.DataFrame({"meter": str(code), "start": start.astype("datetime64[us]"), "at": times,
                                   "value": delta, "counter": values, "reset": resets, "row": group["row"].to_numpy()}))
    if problems:
        raise ImportRejected(file, problems, total_rows=len(table))
    if not parts:
        return pd.DataFrame({"meter": pd.Series(dtype=str), "start": pd.Series(dtype="datetime64[us]"),
                             "at": pd.Series(dtype="datetime64[us]"), "value": pd.Series(dtype=float),
                             "counter": pd.Series(dtype=float), "reset": pd.Series(dtype=bool),
                             "row": pd.Series(dtype="int64")})
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    out["start"] = out["start"].astype("datetime64[us]")
    out["at"] = out["at"].astype("datetime64[us]")
    return out


def in_base_units(spec: MeterSpec, values: np.ndarray) -> np.ndarray:
    """The meter's values in its carrier's base unit (kWh, Nm3, GJ, t)."""
    car = carrier(spec.medium)
    return values * unit_factor(car, spec.unit)
