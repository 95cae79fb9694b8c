"""Claimed certificates against consumption: the hourly consumption adapter, the claimed production laid on the
hours, matching at the three levels, and the claims' share of the market-based scope 2.

Consumption for matching comes through one adapter, `hourly_consumption`: today it spreads the organisation's
electricity activity records (those without an instrument of their own) evenly over the hours of their periods.
Claimed production follows the generator's hourly production where it is stored; a claim whose generator has none
is laid evenly over its production period and so counts monthly and annually, never hour by hour. Annual matching
takes every claim made for the period; monthly and hourly matching take its production when it happened.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import InputError, Location, NotFound
from carbontrail.inventory.records import Activity
from carbontrail.ledger.matching import LEVELS, MatchResult, hours_between, match, month_labels, place
from carbontrail.store.models import Organisation
from carbontrail.store.repositories import certificates as repo
from carbontrail.units import magnitude, quantity

CONSUMPTION_SOURCE = "electricity activity records, spread evenly over each record's period"
Period = tuple[date, date]


def _mwh(kwh: int | float) -> float:
    return float(kwh) / 1000.0


@dataclass(frozen=True)
class MatchReport:
    """An organisation's claims matched to its consumption in a period, at the three levels."""

    organisation: str
    period_start: date
    period_end: date
    consumption_mwh: float
    claimed_mwh: float
    hourly_mwh: float
    monthly_mwh: float
    annual_mwh: float
    not_hourly_mwh: float  # claimed MWh whose generator has no hourly production: they cannot match hour by hour
    months: tuple[str, ...]
    consumption_by_month: tuple[float, ...]
    hourly_by_month: tuple[float, ...]
    share_by_day_hour: tuple[tuple[float | None, ...], ...]  # days × 24, None where nothing was used
    consumption_source: str

    def matched(self, level: str) -> float:
        if level not in LEVELS:
            raise InputError(f"unknown matching level '{level}'", location=Location(field="matching"),
                             expected=" | ".join(LEVELS))
        return {"hourly": self.hourly_mwh, "monthly": self.monthly_mwh, "annual": self.annual_mwh}[level]

    @property
    def residual_mwh(self) -> dict[str, float]:
        return {level: self.consumption_mwh - self.matched(level) for level in LEVELS}



def hourly_consumption(sessions: sessionmaker[Session], org: str, period: Period) -> tuple[np.ndarray, str]:
    """The organisation's electricity use per hour of the period, in MWh, and where it comes from.

    The one place matching reads consumption. Today: each electricity activity record without an instrument of its
    own, spread evenly over the hours of its period (a monthly bill becomes a flat month). Metered readings
    (15-minute or hourly) replace this when the monitoring store provides them.
    """
    with sessions() as s:
        found = repo.organisation_by_code(s, org)
        if found is None:
            raise NotFound(f"no organisation with code '{org}'")
        return _consumption_in(s, found.id, period), CONSUMPTION_SOURCE


def claimed_production(s: Session, organisation_id: int, period: Period
                        ) -> tuple[np.ndarray, np.ndarray, float, float, list[int]]:
    """Hourly MWh of the organisation's active claims inside the period: (with hourly production known,
    all claims with production laid evenly where unknown, total claimed MWh, MWh without hourly data, claim ids)."""
    start, end = period
    hours = hours_between(start, end)
    shaped, timed = np.zeros(hours), np.zeros(hours)
    rows = [(c, i) for c, i in repo.claims(s, organisation_id, start, end)
            if c.period_start >= start and c.period_end <= end]
    profiles: dict[tuple[str, date], list[float]] = {
        (p.generator, p.month): p.hourly_kwh
        for p in repo.profiles(s, {i.generator for _, i in rows},
                               min((i.production_start for _, i in rows), default=start),
                               max((i.production_end for _, i in rows), default=end))}
    total = no_profile = 0.0
    for record, ins in rows:
        mwh = _mwh(record.kwh)
        total += mwh
        curve = _profile(profiles, ins.generator, ins.production_start, ins.production_end)
        if curve is None:
            no_profile += mwh
            n = hours_between(ins.production_start, ins.production_end)
            place(timed, np.full(n, mwh / n), ins.production_start, start)
            continue
        weights = curve / curve.sum()
        place(shaped, weights * mwh, ins.production_start, start)
        place(timed, weights * mwh, ins.production_start, start)
    return shaped, timed, total, no_profile, [c.id for c, _ in rows]


def _profile(profiles: dict[tuple[str, date], list[float]], generator: str, start: date, end: date
             ) -> np.ndarray | None:
    """The generator's hourly production over [start, end] from its monthly profiles, or None if any is missing
    or the generator produced nothing then."""
    parts = []
    month = start.replace(day=1)
    while month <= end:
        series = profiles.get((generator, month))
        if series is None:
            return None
        parts.append(np.asarray(series, dtype=float))
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    curve = np.concatenate(parts)
    offset = (start.day - 1) * 24
    curve = curve[offset:offset + hours_between(start, end)]
    return curve if curve.sum() > 0 else None


def matched_report(code: str, period: Period, consumption: np.ndarray, shaped: np.ndarray, timed: np.ndarray,
            total: float, no_profile: float, source: str) -> MatchReport:
    start, end = period
    hourly: MatchResult = match(consumption[None, :], shaped[None, :], start=start)
    timed_result = match(consumption[None, :], timed[None, :], start=start)
    used = float(consumption.sum())
    annual = min(used, total)
    share = hourly.share_by_day_hour()
    grid = tuple(tuple(None if np.isnan(v) else round(float(v), 4) for v in day) for day in share)
    return MatchReport(code, start, end, used, total, float(hourly.hourly[0]), float(timed_result.monthly[0]),
                       annual, no_profile, tuple(month_labels(start, hourly.hourly_by_month.shape[1])),
                       tuple(float(v) for v in hourly.consumption_by_month[0]),
                       tuple(float(v) for v in hourly.hourly_by_month[0]), grid, source)


def claimed_mwh(sessions: sessionmaker[Session], org: str, period: Period, matching: str) -> float:
    """MWh of the organisation's claimed instruments that count against its consumption in the period at a
    matching level ('hourly' | 'monthly' | 'annual'): what the market-based scope 2 takes at zero emissions."""
    with sessions() as s:
        found = repo.organisation_by_code(s, org)
        if found is None:
            raise NotFound(f"no organisation with code '{org}'")
        return _claimed_matched(s, found, period, matching)[0]


def _claimed_matched(s: Session, org: Organisation, period: Period, matching: str) -> tuple[float, int]:
    if matching not in LEVELS:
        raise InputError(f"unknown matching level '{matching}'", location=Location(field="matching"),
                         expected=" | ".join(LEVELS))
    shaped, timed, total, no_profile, ids = claimed_production(s, org.id, period)
    if not ids:
        return 0.0, 0
    consumption = _consumption_in(s, org.id, period)
    report = matched_report(org.code, period, consumption, shaped, timed, total, no_profile, "")
    return report.matched(matching), len(ids)


def _consumption_in(s: Session, organisation_id: int, period: Period) -> np.ndarray:
    start, end = period
    out = np.zeros(hours_between(start, end))
    for rec_start, rec_end, amount, unit, _ in repo.electricity_records(s, organisation_id, start, end):
        mwh = magnitude(quantity(amount, unit, location=Location(field="unit")), "MWh")
        hours = hours_between(rec_start, rec_end)
        place(out, np.full(hours, mwh / hours), rec_start, start)
    return out


def with_claims(session: Session, organisation: Organisation, start: date, end: date,
                activities: list[Activity], matching: str = "annual") -> list[Activity]:
    """The inventory's activities with the organisation's claimed, matched MWh taken out of its uncontracted
    electricity: each such record is split pro rata into a part covered by the claims (instrument 'GEC', factor 0)
    and the rest (residual mix). Location-based figures do not change; records with their own instrument stay."""
    matched, n = _claimed_matched(session, organisation, (start, end), matching)
    plain = [a for a in activities if a.kind == "electricity" and not a.instrument and a.contract_factor is None]
    used = sum(magnitude(a.quantity, "MWh") for a in plain)
    if matched <= 0 or used <= 0:
        return activities
    covered = min(matched / used, 1.0)
    ref = f"{n} claim(s), {matching} matching, {matched:.3f} MWh"
    out = []
    for act in activities:
        if act not in plain:
            out.append(act)
            continue
        out.append(replace(act, quantity=act.quantity * covered, instrument="GEC", instrument_ref=ref,
                           contract_factor=0.0, supplier=act.supplier or "claimed certificates"))
        if covered < 1.0:
            out.append(replace(act, quantity=act.quantity * (1.0 - covered)))
    return out


