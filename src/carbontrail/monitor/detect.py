"""Early-warning detectors: what a rule looks at, and the findings it raises.

Jumps and anomalies in readings use the robust (modified) z-score of Iglewicz and Hoaglin (How to Detect and Handle
Outliers, ASQC 1993): z = 0.6745 (x − median) ÷ MAD, MAD the median absolute deviation; |z| > 3.5 is an outlier.
Median and MAD are not pulled by the outlier itself, as a mean and standard deviation would be.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from carbontrail.monitor.kpi import RED, YELLOW

Z_LIMIT = 3.5
RULES = ("off_trajectory", "above_cap", "reading_jump", "missing_data", "late_report", "supplier_expired",
         "certificate_expiring")
#: how many days ahead `certificate_expiring` looks by default
CERTIFICATE_DAYS = 60


@dataclass(frozen=True)
class Finding:
    """One breach: the rule, the entity, a key that stays the same while the breach lasts, the figures behind it."""

    rule: str
    entity: str  # organisation or jurisdiction code
    key: str
    message: str
    figures: Mapping[str, float | str | None] = field(default_factory=dict)
    severity: str = YELLOW
    readings: tuple[str, ...] = ()  # which readings (meter@interval) it rests on


def robust_z(values: np.ndarray) -> np.ndarray:
    """Modified z-scores; all zeros where the MAD is zero and every value equals the median."""
    v = np.asarray(values, dtype=float)
    med = np.median(v)
    mad = np.median(np.abs(v - med))
    if mad == 0:
        dev = np.abs(v - med)
        return np.where(dev == 0, 0.0, np.inf * np.sign(v - med))
    return 0.6745 * (v - med) / mad


def reading_jumps(entity: str, meter: str, days: Sequence[date], totals: Sequence[float], *,
                  limit: float = Z_LIMIT) -> list[Finding]:
    """Days whose total use on `meter` is an outlier among the days given (robust z-score beyond `limit`)."""
    if len(totals) < 5:
        return []
    z = robust_z(np.asarray(totals, dtype=float))
    med = float(np.median(totals))
    out = []
    for day, total, score in zip(days, totals, z, strict=True):
        if abs(score) > limit:
            out.append(Finding("reading_jump", entity, f"{meter}:{day.isoformat()}",
                               f"meter {meter} used {total:.6g} on {day.isoformat()}, against a median day of "
                               f"{med:.6g} (robust z = {score:.2f}, limit {limit})",
                               {"day_total": total, "median": med, "z": float(score), "limit": limit},
                               RED if abs(score) > 2 * limit else YELLOW, (f"{meter}@{day.isoformat()}",)))
    return out


def off_trajectory(entity: str, kpi: str, year: int, colour: str | None, value: float | None,
                   on_track: float | None, previous: float | None, *, peak_year: int | None = None,
                   peak_slope: float | None = None) -> list[Finding]:
    """A KPI whose barometer colour is red or yellow (under a peak target: the trend's slope at the peak year)."""
    if colour not in (RED, YELLOW) or value is None:
        return []
    if peak_year is not None:
        where = (f"after the peak year {peak_year}" if year > peak_year else
                 f"its trend still rises by {peak_slope:.4g} a year at the peak year {peak_year}"
                 if peak_slope is not None else f"it rises before the peak year {peak_year}")
        text = f"{kpi} {year}: {value:.4g}, {where}"
    else:
        text = f"{kpi} {year}: {value:.4g}" + (f" against {on_track:.4g} on the trajectory"
                                                if on_track is not None else "")
    figures: dict[str, float | str | None] = {"value": value, "on_track": on_track, "previous": previous,
                                              "year": year}
    if peak_year is not None:
        figures |= {"peak_year": peak_year, "trend_slope_at_peak_year": peak_slope}
    return [Finding("off_trajectory", entity, f"{kpi}:{year}",
                    text + (f" (previous year {previous:.4g})" if previous is not None else ""), figures, colour)]


def above_cap(entity: str, kpi: str, year: int, value: float | None, cap: float) -> list[Finding]:
    if value is None or value <= cap:
        return []
    return [Finding("above_cap", entity, f"{kpi}:{year}", f"{kpi} {year}: {value:.4g} above the cap {cap:.4g}",
                    {"value": value, "cap": cap, "year": year}, RED)]


def missing_data(entity: str, meter: str, month: str, completeness: float, minimum: float) -> list[Finding]:
    if completeness >= minimum:
        return []
    return [Finding("missing_data", entity, f"{meter}:{month}",
                    f"meter {meter}, {month}: {completeness:.1%} of the expected readings, below {minimum:.0%}",
                    {"completeness": completeness, "minimum": minimum, "month": month})]


def late_report(entity: str, month: str, due: date, today: date, filed_on: date | None) -> list[Finding]:
    """A key energy-using unit's monthly report not filed by its deadline (not yet, or filed after it)."""
    if today <= due or (filed_on is not None and filed_on <= due):
        return []
    if filed_on is None:
        return [Finding("late_report", entity, month,
                        f"the monthly report for {month} was due on {due.isoformat()} and has not been filed",
                        {"month": month, "due": due.isoformat(), "filed_on": None, "days_late": (today - due).days},
                        RED)]
    return [Finding("late_report", entity, month,
                    f"the monthly report for {month} was due on {due.isoformat()} and was filed on "
                    f"{filed_on.isoformat()}",
                    {"month": month, "due": due.isoformat(), "filed_on": filed_on.isoformat(),
                     "days_late": (filed_on - due).days})]


def supplier_expired(entity: str, product: str, valid_until: date | None, today: date) -> list[Finding]:
    if valid_until is None or valid_until >= today:
        return []
    return [Finding("supplier_expired", entity, product,
                    f"the supplier footprint of {product} expired on {valid_until.isoformat()}",
                    {"valid_until": valid_until.isoformat()})]


def certificate_expiring(entity: str, kind: str, reference: str, valid_until: date, unclaimed_mwh: float,
                         today: date, days: int = CERTIFICATE_DAYS) -> list[Finding]:
    """A held green-electricity instrument with unclaimed MWh whose validity ends within `days`: claim it or lose
    it (an expired instrument can no longer be claimed)."""
    if unclaimed_mwh <= 0 or not today <= valid_until < date.fromordinal(today.toordinal() + days):
        return []
    left = (valid_until - today).days
    return [Finding("certificate_expiring", entity, f"{kind}:{reference}",
                    f"{kind} {reference} ({unclaimed_mwh:g} MWh unclaimed) expires on {valid_until.isoformat()}, "
                    f"in {left} day(s)",
                    {"kind": kind, "reference": reference, "valid_until": valid_until.isoformat(),
                     "unclaimed_mwh": unclaimed_mwh, "days_left": left}, RED if left <= 7 else YELLOW)]
