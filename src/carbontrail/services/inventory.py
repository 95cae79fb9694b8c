"""An organisation's activity records and its inventory (of the organisation, or of one facility) for a period.

Each use case receives who acts, opens its own unit of work, checks the permission and returns plain data; the CLI,
the API and the pages call the same functions."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import InputError, Location, NotFound, PermissionDenied
from carbontrail.factors import FactorLibrary
from carbontrail.inventory.ghg import Activity, InventoryOptions, InventoryResult, compute_inventory
from carbontrail.services import organisations, tenancy
from carbontrail.services.certificate_matching import with_claims
from carbontrail.services.database import open_sessions
from carbontrail.services.factors import library_with_user_datasets
from carbontrail.services.work import PYTHON, Actor, unit_of_work
from carbontrail.store.models import Organisation
from carbontrail.store.repositories.footprints import supplier_footprints
from carbontrail.store.repositories import activity as records_repo
from carbontrail.store.repositories import inventory as inventory_repo
from carbontrail.units import quantity



@dataclass(frozen=True)
class ActivityView:
    """One stored activity record, as a reader sees it."""

    facility: str
    kind: str
    item: str
    category: str
    gas: str
    period_start: date
    period_end: date
    quantity: float
    unit: str
    supplier: str
    instrument: str
    instrument_ref: str
    contract_factor: float | None
    source: str
    id: int = 0  # the record's number: GET, PUT and DELETE /api/organisations/{code}/activity/{id}


def list_activity(sessions: sessionmaker[Session], actor: Actor, code: str, *, kind: str | None = None,
                  limit: int = 100, offset: int = 0) -> list[ActivityView]:
    """A page of the organisation's activity records, oldest period first."""
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, code, tenancy.DATA_READ)
        return [ActivityView(fac, r.kind, r.item, r.category, r.gas, r.period_start, r.period_end, r.quantity, r.unit,
                             r.supplier, r.instrument, r.instrument_ref, r.contract_factor, r.source, r.id)
                for r, fac in records_repo.page_of_records(work.session, access.organisation_id, limit=limit,
                                                           offset=offset, kind=kind)]


def resolve_period(session: Session, org: Organisation, period: str | None,
                   start: date | None, end: date | None) -> tuple[date, date]:
    """The dates of a named reporting period, or of explicit start/end dates."""
    if period:
        row = tenancy.period_named(session, org.id, org.code, period)
        return row.start, row.end
    if start is None or end is None:
        raise InputError("give a reporting period name, or both a start and an end date",
                         location=Location(field="period"))
    if end < start:
        raise InputError("the end date is before the start date", location=Location(field="end"))
    return start, end


def get_organisation(session: Session, code: str) -> Organisation:
    return organisations.get_organisation(session, code)


def load_activities(session: Session, org: Organisation, start: date, end: date,
                    facility: str | None = None) -> list[Activity]:
    """Stored activity records of the organisation inside [start, end], as core `Activity` values."""
    out = []
    for rec, fac_code, province in records_repo.records_in(session, org.id, start, end, facility):
        loc = Location(file=rec.source or None, field="unit")
        out.append(Activity(
            facility=fac_code, province=province, kind=rec.kind, item=rec.item,
            quantity=quantity(rec.quantity, rec.unit, location=loc),
            period_start=rec.period_start, period_end=rec.period_end, category=rec.category, gas=rec.gas,
            supplier=rec.supplier, instrument=rec.instrument, instrument_ref=rec.instrument_ref,
            contract_factor=rec.contract_factor, source=rec.source,
        ))
    return out


def compute_for(session: Session, org: Organisation, *, period: str | None = None, start: date | None = None,
                end: date | None = None, facility: str | None = None, options: InventoryOptions | None = None,
                library: FactorLibrary | None = None, matching: str = "annual") -> InventoryResult:
    """The inventory of `org` (or one facility) inside a session already opened by a use case. The organisation's
    claimed certificates lower its market-based scope 2 by what they match at `matching` ('hourly' | 'monthly' |
    'annual')."""
    if facility:
        tenancy.facility_named(session, org.id, org.code, facility)
    p_start, p_end = resolve_period(session, org, period, start, end)
    activities = load_activities(session, org, p_start, p_end, facility)
    applied = None
    if not facility:  # claims are the organisation's, against all its consumption
        activities, applied = with_claims(session, org, p_start, p_end, activities, matching)
    library = library or library_with_user_datasets(session)
    footprints = supplier_footprints(session, org.id)
    label = org.code if not facility else f"{org.code}/{facility}"
    result = compute_inventory(label, p_start, p_end, activities, library, options, supplier_footprints=footprints)
    if applied is None or not applied.claims:
        return result
    return replace(result, claims=applied.claims, claims_matching=applied.matching,
                   claims_matched_mwh=applied.matched_mwh)


class InventoryCache:
    """The last few inventories computed, each valid while its tenant's data fingerprint is unchanged, with what a
    door rendered from it (its JSON answer, say) kept beside it.

    Computing an inventory takes ~0.1–0.3 s (unit conversions of every record); a dashboard asks for the same
    one again and again, and a fingerprint costs a few small queries.
    """

    def __init__(self, size: int = 64):
        self.size = size
        self.items: OrderedDict[tuple[object, ...], tuple[InventoryResult, dict[str, bytes]]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> InventoryResult | None:
        with self.lock:
            entry = self.items.get(key)
            if entry is None:
                return None
            self.items.move_to_end(key)
            return entry[0]

    def put(self, key: tuple[object, ...], result: InventoryResult) -> None:
        with self.lock:
            self.items[key] = (result, {})
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def answer(self, key: tuple[object, ...], name: str) -> bytes | None:
        """What was rendered under `name` from the inventory kept under `key`, if both are kept."""
        with self.lock:
            entry = self.items.get(key)
            if entry is None:
                return None
            self.items.move_to_end(key)
            return entry[1].get(name)

    def rendered(self, result: InventoryResult, name: str, render: Callable[[InventoryResult], bytes]) -> bytes:
        """`render(result)`, made once per cached result and kept under `name`."""
        with self.lock:
            extras = next((e for r, e in self.items.values() if r is result), None)
            if extras is not None and name in extras:
                return extras[name]
        body = render(result)
        if extras is not None:
            with self.lock:
                extras[name] = body
        return body


def inventory(sessions: sessionmaker[Session], actor: Actor, code: str, *, period: str | None = None,
              start: date | None = None, end: date | None = None, facility: str | None = None,
              options: InventoryOptions | None = None, cache: InventoryCache | None = None,
              matching: str = "annual") -> InventoryResult:
    """The inventory of organisation `code` (or one of its facilities) for a period, with the factor library
    including the users' own datasets and certificate claims matched at `matching`; reused from `cache` while
    nothing it depends on changed."""
    with unit_of_work(sessions, actor) as work:
        s = work.session
        access = tenancy.access(s, actor, code, tenancy.INVENTORY)
        key = None
        if cache is not None:
            key = _key(access, period, start, end, facility, options, matching, tenancy.data_fingerprint(s, access))
            found = cache.get(key)
            if found is not None:
                return found
        org = s.get(Organisation, access.organisation_id)
        assert org is not None
        result = compute_for(s, org, period=period, start=start, end=end, facility=facility, options=options,
                             matching=matching)
    if cache is not None and key is not None:
        cache.put(key, result)
    return result


def remembered_answer(sessions: sessionmaker[Session], actor: Actor, code: str, name: str, *, cache: InventoryCache,
                      period: str | None = None, start: date | None = None, end: date | None = None,
                      facility: str | None = None, options: InventoryOptions | None = None,
                      matching: str = "annual") -> bytes | None:
    """What a door rendered under `name` (`InventoryCache.rendered`) from this inventory, if it is in memory: who
    may read it decided from the actor's roles (`tenancy.remembered_access`, the same rules and refusals), the
    answer kept for the tenant's current data fingerprint (`tenancy.fingerprint`: read again by one request every
    half recheck span). No unit of work and no thread, so a door may call it on its event loop; None means: call
    `inventory` and render."""
    access = tenancy.remembered_access(sessions, actor, code, tenancy.INVENTORY)
    if access is None:
        return None
    return cache.answer(_key(access, period, start, end, facility, options, matching,
                             tenancy.fingerprint(sessions, access)), name)


def _key(access: tenancy.Access, period: str | None, start: date | None, end: date | None, facility: str | None,
         options: InventoryOptions | None, matching: str, fingerprint: tuple[object, ...]) -> tuple[object, ...]:
    # the tenant's id leads the key: an answer is never served to another tenant's request
    return (access.organisation_id, period, start, end, facility, repr(options), matching, fingerprint)


def organisation_inventory(sessions: sessionmaker[Session] | None, organisation: str, *, period: str | None = None,
                           start: date | None = None, end: date | None = None, facility: str | None = None,
                           options: InventoryOptions | None = None, matching: str = "annual") -> InventoryResult:
    """`inventory` called from Python code that names no actor (`sessions` defaults to the configured database)."""

    return inventory(sessions or open_sessions(), PYTHON, organisation, period=period, start=start, end=end,
                     facility=facility, options=options, matching=matching)


@dataclass(frozen=True)
class InventoryView:
    """What the inventory page and report show: the organisation, its periods and sites, and the result."""

    profile: tenancy.Profile
    periods: tuple[tuple[str, date, date], ...]
    period: str | None
    sites: tuple[tuple[str, str, str, str, str], ...]  # (code, name, province, city, park) of each facility
    result: InventoryResult | None


def inventory_view(sessions: sessionmaker[Session], actor: Actor, code: str, *, period: str | None = None,
                   start: date | None = None, end: date | None = None, facility: str | None = None,
                   cache: InventoryCache | None = None, latest: bool = False) -> InventoryView:
    """The inventory with the organisation's profile, periods and sites. With `latest`, and no period or dates
    named, the newest reporting period that holds a record is shown (the newest period when none does); without any
    period, `result` is None."""
    with unit_of_work(sessions, actor) as work:
        s = work.session
        access = tenancy.access(s, actor, code, tenancy.INVENTORY)
        profile = tenancy.profile(s, access)
        rows = inventory_repo.periods(s, access.organisation_id)
        periods = tuple((p.name, p.start, p.end) for p in rows)
        with_records = inventory_repo.periods_with_records(s, access.organisation_id) if latest else set()
        filled = {p.name for p in rows if p.id in with_records}
        sites = tuple((f.code, f.name, f.province, f.city, f.park) for f in tenancy.facilities(s, access)) \
            if access.allows(tenancy.DATA_READ) else ()
    if latest and period is None and start is None and end is None:
        if not periods:
            return InventoryView(profile, periods, None, sites, None)
        period = ([p[0] for p in periods if p[0] in filled] or [periods[-1][0]])[-1]
    result = inventory(sessions, actor, code, period=period, start=start, end=end, facility=facility, cache=cache)
    return InventoryView(profile, periods, period, sites, result)


# -- comparisons: a period against the one before it and against the base year ---------------------------------

#: the headline figures a comparison shows (attributes of `PeriodTotals`)
HEADLINE = ("scope1_t", "scope2_location_t", "scope2_market_t", "scope3_t", "energy_tce", "value_added_10k_yuan",
            "energy_intensity", "co2_intensity")


@dataclass(frozen=True)
class PeriodChoice:
    """A reporting period as a period selector lists it: whether any activity record falls in it."""

    name: str
    start: date
    end: date
    is_base_year: bool
    has_data: bool


@dataclass(frozen=True)
class PeriodTotals:
    """A period's headline figures; every figure is None when no record falls in the period ("no data", not 0),
    scope 3 is None when no purchase or transport is recorded, and value added and the intensities are None when
    no value added is."""

    period: str
    start: date
    end: date
    is_base_year: bool
    has_data: bool
    scope1_t: float | None = None
    scope2_location_t: float | None = None
    scope2_market_t: float | None = None
    scope3_t: float | None = None
    energy_tce: float | None = None
    value_added_10k_yuan: float | None = None
    energy_intensity: float | None = None
    co2_intensity: float | None = None


def totals_of(choice: PeriodChoice, result: InventoryResult | None) -> PeriodTotals:
    """The headline figures of `result`, the inventory of the period `choice` (None, or one without a record: no
    data)."""
    if result is None or not result.has_data:
        return PeriodTotals(choice.name, choice.start, choice.end, choice.is_base_year, False)
    return PeriodTotals(choice.name, choice.start, choice.end, choice.is_base_year, True, result.scope1_t,
                        result.scope2_location_t, result.scope2_market_t,
                        result.scope3_t if result.scope3 else None, result.energy_tce,
                        result.value_added_10k_yuan or None, result.energy_intensity, result.co2_intensity)


@dataclass(frozen=True)
class PeriodComparison:
    """A period's figures beside the latest earlier period with data and the base year's (None: there is none,
    or the period is the base year itself)."""

    current: PeriodTotals
    previous: PeriodTotals | None
    base: PeriodTotals | None

    def change(self, name: str, against: str) -> float | None:
        """The relative change of figure `name` against "previous" or "base" (None: either side has no figure)."""
        other = self.previous if against == "previous" else self.base
        if other is None:
            return None
        now, then = getattr(self.current, name), getattr(other, name)
        if now is None or then in (None, 0):
            return None
        return float(now / then - 1.0)


def period_choices(sessions: sessionmaker[Session], actor: Actor, code: str) -> tuple[PeriodChoice, ...]:
    """The organisation's reporting periods, oldest first, each saying whether a record falls in it."""
    with sessions() as s:
        access = tenancy.access(s, actor, code, tenancy.PROFILE)
        if not (access.allows(tenancy.INVENTORY) or access.allows(tenancy.DATA_READ)):
            raise PermissionDenied(f"your role does not allow this on organisation '{code}'")
        filled = inventory_repo.periods_with_records(s, access.organisation_id)
        return tuple(PeriodChoice(p.name, p.start, p.end, p.is_base_year, p.id in filled)
                     for p in inventory_repo.periods(s, access.organisation_id))


def latest_with_data(choices: tuple[PeriodChoice, ...]) -> str | None:
    """The name of the latest period that holds a record (the latest period when none does; None without any)."""
    filled = [c for c in choices if c.has_data]
    return (filled or list(choices) or [None])[-1].name if choices else None  # type: ignore[union-attr]


def compare_periods(sessions: sessionmaker[Session], actor: Actor, code: str, period: str, *,
                    choices: tuple[PeriodChoice, ...] | None = None, current: InventoryResult | None = None,
                    cache: InventoryCache | None = None) -> PeriodComparison:
    """Period `period` of organisation `code` against its latest earlier period with data and its base year
    (the inventories computed as `inventory` does; `current` when the caller has it already)."""
    choices = choices if choices is not None else period_choices(sessions, actor, code)
    by_name = {c.name: c for c in choices}
    if period not in by_name:
        raise NotFound(f"organisation '{code}' has no reporting period '{period}'")
    chosen = by_name[period]

    def totals(c: PeriodChoice, result: InventoryResult | None = None) -> PeriodTotals:
        if not c.has_data:
            return totals_of(c, None)
        return totals_of(c, result or inventory(sessions, actor, code, period=c.name, cache=cache))

    earlier = [c for c in choices if c.has_data and c.end < chosen.start]
    base = next((c for c in choices if c.is_base_year), None)
    return PeriodComparison(totals(chosen, current), totals(earlier[-1]) if earlier else None,
                            totals(base) if base is not None and base.name != chosen.name else None)
