"""Matching consumption with certified renewable production: hour by hour (EnergyTag-style granular certificates),
by calendar month, and over the whole period — pure numpy over arrays of MWh.

Hourly matching counts, for each hour, the smaller of what a consumer used and what its instruments produced in
that same hour; production in an hour without enough use is excess and does not carry over. Monthly and annual
matching compare the month's (or the period's) sums instead, so they are never below the hourly figure.
Consumption is `(consumers, hours)`; production is `(generators, hours)` with `owner[g]` the consumer a
generator's output belongs to. Consumers are processed in chunks so memory stays near one chunk's arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

LEVELS = ("hourly", "monthly", "annual")
Array = NDArray[np.float64]


def hours_between(start: date, end: date) -> int:
    """Hours from `start` 00:00 to the end of `end` (local standard time; China has no daylight saving)."""
    return ((end - start).days + 1) * 24


def hour_months(start: date, hours: int) -> NDArray[np.int64]:
    """For each hour from `start` 00:00, the index of its calendar month counted from `start`'s month (0, 1, …)."""
    days = np.arange((hours + 23) // 24)
    dates = np.datetime64(start.isoformat(), "D") + days
    months = dates.astype("datetime64[M]").astype(np.int64)
    first = np.datetime64(start.isoformat(), "M").astype(np.int64)
    return np.repeat(months - first, 24)[:hours]


def month_labels(start: date, count: int) -> list[str]:
    """'YYYY-MM' of each month index `hour_months` gives."""
    out = []
    year, month = start.year, start.month
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


@dataclass(frozen=True)
class MatchResult:
    """Per consumer totals (MWh) at each level, and the hour-by-hour totals over all consumers."""

    consumption: Array  # (C,) MWh used
    supply: Array  # (C,) MWh produced by the consumer's instruments in the period
    hourly: Array  # (C,) MWh matched hour by hour
    monthly: Array  # (C,) MWh matched month by month
    annual: Array  # (C,) MWh matched over the whole period
    hourly_by_month: Array  # (C, M) MWh matched hour by hour, summed per month
    consumption_by_month: Array  # (C, M)
    matched_by_hour: Array  # (H,) MWh matched hour by hour, all consumers
    consumption_by_hour: Array  # (H,) all consumers

    def level(self, level: str) -> Array:
        """The matched MWh per consumer at a matching level ('hourly' | 'monthly' | 'annual')."""
        if level not in LEVELS:
            raise ValueError(f"unknown matching level '{level}' (expected {' | '.join(LEVELS)})")
        return getattr(self, level)

    @property
    def residual(self) -> Array:
        """(C,) MWh not matched hour by hour: it takes the residual mix in a market-based inventory."""
        return self.consumption - self.hourly

    def share_by_hour(self) -> Array:
        """(H,) matched share of consumption per hour (NaN where nothing was used)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.consumption_by_hour > 0, self.matched_by_hour / self.consumption_by_hour, np.nan)

    def share_by_day_hour(self) -> Array:
        """(days, 24) matched share per hour of each day: the heat map."""
        share = self.share_by_hour()
        return share.reshape(-1, 24)


def match(consumption: Array, production: Array, owner: NDArray[np.int64] | None = None, *,
          start: date | None = None, chunk: int = 256) -> MatchResult:
    """Match `consumption` (C, H) against `production` (G, H) whose generator g belongs to consumer `owner[g]`.

    `owner=None` pools every generator for a single consumer (C = 1). Hours count from `start` 00:00 (by default
    1 January 2001, a year without a leap day), which places the month boundaries.
    """
    cons = np.atleast_2d(np.asarray(consumption))
    prod = np.atleast_2d(np.asarray(production))
    n_cons, hours = cons.shape
    if prod.shape[1] != hours:
        raise ValueError(f"production has {prod.shape[1]} hours, consumption {hours}")
    if owner is None:
        if n_cons != 1:
            raise ValueError("several consumers need `owner`, the consumer of each generator")
        owner = np.zeros(prod.shape[0], dtype=np.int64)
    owner = np.asarray(owner, dtype=np.int64)
    if owner.shape != (prod.shape[0],) or (owner.size and (owner.min() < 0 or owner.max() >= n_cons)):
        raise ValueError("`owner` must give, for each generator, a consumer index in range")
    months = hour_months(start or date(2001, 1, 1), hours)
    n_months = int(months[-1]) + 1 if hours else 0
    # Generators sorted by owner, so each chunk of consumers takes one contiguous slice of them.
    order = np.argsort(owner, kind="stable")
    owner_sorted = owner[order]
    bounds = np.searchsorted(owner_sorted, np.arange(0, n_cons + chunk, chunk).clip(max=n_cons))
    month_edges = np.searchsorted(months, np.arange(n_months))

    out_consumption = np.empty(n_cons)
    out_supply = np.empty(n_cons)
    out_hourly = np.empty(n_cons)
    out_monthly = np.empty(n_cons)
    out_annual = np.empty(n_cons)
    by_month = np.empty((n_cons, n_months))
    cons_by_month = np.empty((n_cons, n_months))
    matched_by_hour = np.zeros(hours)
    consumption_by_hour = np.zeros(hours)
    for k, lo in enumerate(range(0, n_cons, chunk)):
        hi = min(lo + chunk, n_cons)
        block = cons[lo:hi].astype(np.float64, copy=False)
        supply = np.zeros_like(block)
        g_lo, g_hi = bounds[k], bounds[k + 1]
        if g_hi > g_lo:
            local = owner_sorted[g_lo:g_hi] - lo
            firsts = np.flatnonzero(np.r_[True, local[1:] != local[:-1]])
            supply[local[firsts]] = np.add.reduceat(prod[order[g_lo:g_hi]], firsts, axis=0)
        matched = np.minimum(block, supply)
        out_consumption[lo:hi] = block.sum(axis=1)
        out_supply[lo:hi] = supply.sum(axis=1)
        out_hourly[lo:hi] = matched.sum(axis=1)
        by_month[lo:hi] = np.add.reduceat(matched, month_edges, axis=1) if n_months else 0.0
        cons_by_month[lo:hi] = np.add.reduceat(block, month_edges, axis=1) if n_months else 0.0
        supply_by_month = np.add.reduceat(supply, month_edges, axis=1) if n_months else np.zeros((hi - lo, 0))
        out_monthly[lo:hi] = np.minimum(cons_by_month[lo:hi], supply_by_month).sum(axis=1)
        out_annual[lo:hi] = np.minimum(out_consumption[lo:hi], out_supply[lo:hi])
        matched_by_hour += matched.sum(axis=0)
        consumption_by_hour += block.sum(axis=0)
    return MatchResult(out_consumption, out_supply, out_hourly, out_monthly, out_annual, by_month, cons_by_month,
                       matched_by_hour, consumption_by_hour)


def spread_evenly(total_mwh: float, start: date, end: date, period_start: date, period_end: date) -> Array:
    """An amount produced (or used) evenly over the hours of [start, end], laid on the hours of the period."""
    hours = hours_between(period_start, period_end)
    out = np.zeros(hours)
    return place(out, np.full(hours_between(start, end), total_mwh / hours_between(start, end)), start, period_start)


def place(target: Array, hourly: Array, start: date, period_start: date) -> Array:
    """Add an hourly series that begins at `start` 00:00 onto `target`, whose hour 0 is `period_start` 00:00;
    hours outside the target are dropped."""
    offset = (start - period_start).days * 24
    lo, hi = max(offset, 0), min(offset + len(hourly), len(target))
    if hi > lo:
        target[lo:hi] += hourly[lo - offset:hi - offset]
    return target


def period_days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
