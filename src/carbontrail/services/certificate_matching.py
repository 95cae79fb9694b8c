"""Claimed certificates against consumption: the hourly consumption adapter, the claimed production laid on the
hours, matching at the three levels, and the claims' share of the market-based scope 2.

Consumption for matching comes through one adapter, `hourly_consumption`: the organisation's electricity activity
records (those without an instrument of their own), each laid on the hours of its period by the hourly profile of
its meter's readings where the monitoring store holds them (at least 90 % of the period's hours, the completeness
the key-energy-unit rule asks), evenly otherwise. The record's amount stays the total: readings give the shape, the
inventory the quantity, so matching and the inventory cannot disagree on how much was used.
Claimed production follows the generator's hourly production where it is stored; a claim whose generator has none
is laid evenly over its production period and so counts monthly and annually, never hour by hour. Annual matching
takes every claim made for the period; monthly and hourly matching take its production when it happened.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import InputError, Location, NotFound
from carbontrail.inventory.records import Activity, ClaimUse
from carbontrail.ledger.bundle import CERTIFICATE_EVENT_URN
from carbontrail.ledger.matching import LEVELS, MatchResult, hours_between, match, month_labels, place
from carbontrail.store.models import Organisation
from carbontrail.store.readings import reading_store_of
from carbontrail.store.repositories import certificates as repo
from carbontrail.store.repositories import ledger as ledger_repo
from carbontrail.units import magnitude, quantity

#: the least share of a record's hours its meter's readings must cover to shape it (as quality.COMPLETENESS_MIN)
READINGS_MIN_COVERAGE = 0.9
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
    """The organisation's electricity use per hour of the period, in MWh, and where it comes from (in words).

    The one place matching reads consumption (see the module's docstring)."""
    with sessions() as s:
        found = repo.organisation_by_code(s, org)
        if found is None:
            raise NotFound(f"no organisation with code '{org}'")
        return _consumption_in(s, found.id, period)


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


def _claimed_matched(s: Session, org: Organisation, period: Period, matching: str) -> tuple[float, list[int]]:
    if matching not in LEVELS:
        raise InputError(f"unknown matching level '{matching}'", location=Location(field="matching"),
                         expected=" | ".join(LEVELS))
    shaped, timed, total, no_profile, ids = claimed_production(s, org.id, period)
    if not ids:
        return 0.0, []
    consumption, _source = _consumption_in(s, org.id, period)
    report = matched_report(org.code, period, consumption, shaped, timed, total, no_profile, "")
    return report.matched(matching), ids


def _consumption_in(s: Session, organisation_id: int, period: Period) -> tuple[np.ndarray, str]:
    start, end = period
    out = np.zeros(hours_between(start, end))
    records = repo.electricity_records(s, organisation_id, start, end)
    profiles = _metered_hours(s, organisation_id, period, {m for *_, m in records if m is not None})
    shaped = 0
    for rec_start, rec_end, amount, unit, _province, meter in records:
        mwh = magnitude(quantity(amount, unit, location=Location(field="unit")), "MWh")
        hours = hours_between(rec_start, rec_end)
        offset = (rec_start - start).days * 24  # records lie inside the period
        curve = profiles.get(meter) if meter is not None else None
        window = np.nan_to_num(curve[offset:offset + hours]) if curve is not None else None
        if curve is not None and window is not None and window.sum() > 0 and \
                np.count_nonzero(~np.isnan(curve[offset:offset + hours])) >= READINGS_MIN_COVERAGE * hours:
            place(out, window / window.sum() * mwh, rec_start, start)
            shaped += 1
        else:
            place(out, np.full(hours, mwh / hours), rec_start, start)
    flat = len(records) - shaped
    parts = ([f"{shaped} electricity record(s) laid on the hours by their meters' readings"] if shaped else []) + \
        ([f"{flat} electricity record(s) spread evenly over their periods"] if flat or not records else [])
    return out, "; ".join(parts)


def _metered_hours(s: Session, organisation_id: int, period: Period, meters: set[int]) -> dict[int, np.ndarray]:
    """Each meter's readings summed per hour of the period (NaN where an hour has no reading)."""
    if not meters:
        return {}
    start, end = period
    begin = datetime.combine(start, time())
    readings = reading_store_of(s.get_bind()).current(organisation_id, sorted(meters), start=begin,
                                                      end=datetime.combine(end, time()) + timedelta(days=1))
    if readings.empty:
        return {}
    hours = hours_between(start, end)
    index = ((readings["start"] - begin) // timedelta(hours=1)).to_numpy(dtype=np.int64)
    out = {}
    for meter in meters:
        mine = (readings["meter"] == meter).to_numpy() & (index >= 0) & (index < hours)
        if not mine.any():
            continue
        curve = np.full(hours, np.nan)
        sums = np.bincount(index[mine], weights=readings["value"].to_numpy(dtype=float)[mine], minlength=hours)
        seen = np.bincount(index[mine], minlength=hours) > 0
        curve[seen] = sums[seen]
        out[meter] = curve
    return out


@dataclass(frozen=True)
class ClaimsApplied:
    """What the organisation's claims did to an inventory: the claims counted, the matching level, the MWh."""

    claims: tuple[ClaimUse, ...]
    matching: str
    matched_mwh: float


def with_claims(session: Session, organisation: Organisation, start: date, end: date,
                activities: list[Activity], matching: str = "annual") -> tuple[list[Activity], ClaimsApplied]:
    """The inventory's activities with the organisation's claimed, matched MWh taken out of its uncontracted
    electricity: each such record is split pro rata into a part covered by the claims (instrument 'GEC', factor 0)
    and the rest (residual mix). Location-based figures do not change; records with their own instrument stay.
    Also which claims counted, each with its transparency-log entry."""
    matched, ids = _claimed_matched(session, organisation, (start, end), matching)
    plain = [a for a in activities if a.kind == "electricity" and not a.instrument and a.contract_factor is None]
    used = sum(magnitude(a.quantity, "MWh") for a in plain)
    if matched <= 0 or used <= 0:
        return activities, ClaimsApplied((), matching, 0.0)
    applied = ClaimsApplied(_claim_uses(session, organisation.id, ids), matching, min(matched, used))
    covered = min(matched / used, 1.0)
    ref = f"{len(ids)} claim(s), {matching} matching, {matched:.3f} MWh"
    out = []
    for act in activities:
        if act not in plain:
            out.append(act)
            continue
        out.append(replace(act, quantity=act.quantity * covered, instrument="GEC", instrument_ref=ref,
                           contract_factor=0.0, supplier=act.supplier or "claimed certificates"))
        if covered < 1.0:
            out.append(replace(act, quantity=act.quantity * (1.0 - covered)))
    return out, applied


def renewable_share(s: Session, organisation: Organisation, period: Period, matching: str = "annual"
                    ) -> tuple[float, float, tuple[ClaimUse, ...]] | None:
    """(matched MWh, consumption MWh, the claims) of the organisation's electricity in the period, inside the
    caller's session; None when it claimed nothing for the period or used no electricity."""
    matched, ids = _claimed_matched(s, organisation, period, matching)
    if not ids:
        return None
    consumption, _source = _consumption_in(s, organisation.id, period)
    used = float(consumption.sum())
    return (min(matched, used), used, _claim_uses(s, organisation.id, ids)) if used > 0 else None


def _claim_uses(s: Session, organisation_id: int, claim_ids: list[int]) -> tuple[ClaimUse, ...]:
    wanted = set(claim_ids)
    urns = {claim: f"{CERTIFICATE_EVENT_URN}{event}"
            for claim, event in repo.claim_event_ids(s, organisation_id, wanted).items()}
    seqs = ledger_repo.entry_seqs(s, "certificate", sorted(urns.values()))
    return tuple(ClaimUse(record.id, instrument.kind, instrument.reference, record.kwh / 1000.0,
                          seqs.get(urns.get(record.id, "")))
                 for record, instrument in repo.claims(s, organisation_id) if record.id in wanted)


