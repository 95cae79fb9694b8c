"""Data quality of a meter's readings per month, by the rules of the key energy-using units' online monitoring.

The rules are those the online monitoring system of key energy-using units sets for uploaded data (NDRC and AQSIQ,
重点用能单位能耗在线监测系统推广建设工作方案, 发改环资〔2017〕1711号, and its technical specification's data-quality
requirements): completeness — collected ÷ expected data points ≥ 90 %; consistency — the daily figures and the
monthly figure differ by at most 5 %; time deviation — a daily figure's start lies within 1 minute of midnight,
a monthly figure's within 1 day of the month's start. Gaps and flat lines (a counter stuck on one value) are
carbontrail's own checks; a flat line is a run of at least `flat_hours` hours of one identical non-zero value.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

COMPLETENESS_MIN = 0.90
DAILY_MONTHLY_MAX = 0.05
DRIFT_MAX_S = 60.0
FLAT_HOURS = 4.0


@dataclass(frozen=True)
class Gap:
    start: datetime  # first missing interval
    intervals: int


@dataclass(frozen=True)
class FlatLine:
    start: datetime
    intervals: int
    value: float


@dataclass(frozen=True)
class MonthQuality:
    """One meter's month: each figure, and whether it meets its rule."""

    meter: str
    month: str  # YYYY-MM
    expected: int
    present: int
    completeness: float
    drift_s: float  # median offset of the timestamps from the interval grid (seconds, signed)
    max_drift_s: float
    gaps: tuple[Gap, ...]
    flat_lines: tuple[FlatLine, ...]
    daily_total: float
    monthly_figure: float | None = None  # the month's own figure (a bill or activity record), if there is one

    @property
    def complete(self) -> bool:
        return self.completeness >= COMPLETENESS_MIN

    @property
    def daily_vs_monthly(self) -> float | None:
        """|Σ daily − monthly| ÷ monthly, or None without a monthly figure."""
        return daily_monthly_deviation(self.daily_total, self.monthly_figure)

    @property
    def consistent(self) -> bool | None:
        dev = self.daily_vs_monthly
        return None if dev is None else dev <= DAILY_MONTHLY_MAX

    @property
    def clock_ok(self) -> bool:
        return abs(self.drift_s) <= DRIFT_MAX_S


def month_bounds(month: str) -> tuple[datetime, datetime]:
    year, mon = (int(p) for p in month.split("-"))
    start = datetime(year, mon, 1)
    return start, start + timedelta(days=calendar.monthrange(year, mon)[1])


def expected_intervals(month: str, interval_s: int) -> int:
    start, end = month_bounds(month)
    return int((end - start).total_seconds() // interval_s)


def completeness(starts: np.ndarray, month: str, interval_s: int) -> tuple[int, int]:
    """(distinct intervals present, intervals expected) for timestamps `starts` (datetime64) inside `month`."""
    slots = _slots(starts, month, interval_s)
    expected = expected_intervals(month, interval_s)
    present = np.unique(slots[(slots >= 0) & (slots < expected)]).size
    return int(present), expected


def daily_monthly_deviation(daily_total: float, monthly: float | None) -> float | None:
    if monthly is None:
        return None
    if monthly == 0:
        return 0.0 if daily_total == 0 else None  # nothing to compare a use against
    return abs(daily_total - monthly) / abs(monthly)


def _slots(starts: np.ndarray, month: str, interval_s: int) -> np.ndarray:
    begin, _ = month_bounds(month)
    offset = (starts.astype("datetime64[s]") - np.datetime64(begin, "s")).astype(np.int64)
    return np.rint(offset / interval_s).astype(np.int64)


def clock_drift(starts: np.ndarray, month: str, interval_s: int) -> tuple[float, float]:
    """(median signed offset, largest absolute offset) in seconds of the timestamps from the interval grid."""
    if starts.size == 0:
        return 0.0, 0.0
    begin, _ = month_bounds(month)
    offset = (starts.astype("datetime64[s]") - np.datetime64(begin, "s")).astype(np.int64)
    off = offset - np.rint(offset / interval_s).astype(np.int64) * interval_s
    return float(np.median(off)), float(np.abs(off).max())


def gaps(starts: np.ndarray, month: str, interval_s: int) -> tuple[Gap, ...]:
    """Runs of missing intervals in the month."""
    begin, _ = month_bounds(month)
    expected = expected_intervals(month, interval_s)
    have = np.zeros(expected, dtype=bool)
    slots = _slots(starts, month, interval_s)
    have[slots[(slots >= 0) & (slots < expected)]] = True
    out = []
    for first, length in _runs(~have):
        out.append(Gap(begin + timedelta(seconds=int(first) * interval_s), int(length)))
    return tuple(out)


def flat_lines(starts: np.ndarray, values: np.ndarray, interval_s: int, *,
               flat_hours: float = FLAT_HOURS) -> tuple[FlatLine, ...]:
    """Runs of at least `flat_hours` of consecutive intervals with one identical non-zero value."""
    if values.size == 0:
        return ()
    order = np.argsort(starts, kind="stable")
    s, v = starts[order].astype("datetime64[s]"), values[order]
    min_run = max(2, int(np.ceil(flat_hours * 3600 / interval_s)))
    consecutive = np.diff(s).astype(np.int64) == interval_s
    same = (v[1:] == v[:-1]) & consecutive & (v[1:] != 0)
    out = []
    for first, length in _runs(same):
        if length + 1 >= min_run:
            out.append(FlatLine(s[first].astype(datetime), int(length) + 1, float(v[first])))
    return tuple(out)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first index, length) of every run of True in `mask`."""
    if mask.size == 0:
        return []
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b - a)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def month_quality(meter: str, month: str, starts: np.ndarray, values: np.ndarray, interval_s: int, *,
                  monthly_figure: float | None = None, flat_hours: float = FLAT_HOURS) -> MonthQuality:
    """Every data-quality figure of one meter's month of interval readings (timestamps = interval starts)."""
    present, expected = completeness(starts, month, interval_s)
    drift, max_drift = clock_drift(starts, month, interval_s)
    daily_total = float(np.nansum(values))
    return MonthQuality(meter, month, expected, present, present / expected if expected else 0.0, drift, max_drift,
                        gaps(starts, month, interval_s), flat_lines(starts, values, interval_s, flat_hours=flat_hours),
                        daily_total, monthly_figure)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
