"""Each role's home after sign-in, as one use case: an enterprise's latest inventory with its comparisons, footprints,
PACT requests, warnings and what is missing; a park's or province's status overview; a verification body's
engagements; a supplier's customers. Every part opens on the latest period with data unless another is asked for.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.services import jurisdictions, organisations, tenancy
from carbontrail.services import inventory as inventories
from carbontrail.services.inventory import InventoryCache, PeriodChoice, PeriodComparison
from carbontrail.services.jurisdictions import JurisdictionNode
from carbontrail.services.ledger import engagements
from carbontrail.services.ledger.engagements import Engagement
from carbontrail.services.monitor import figures, warnings
from carbontrail.services.monitor.figures import Oversight
from carbontrail.services.monitor.warnings import WarningOut
from carbontrail.services.pact import host as pact_host
from carbontrail.services.pact import inbox as pact_inbox
from carbontrail.services.pact import requests as pact_requests
from carbontrail.services.pact.inbox import Inbound
from carbontrail.services.pact.requests import RequestInfo
from carbontrail.services.principals import Principal
from carbontrail.store.repositories import footprints as footprint_repo
from carbontrail.store.repositories import inventory as inventory_repo

#: the roles that make an organisation "one's own enterprise" on the dashboard
MEMBER_ROLES = ("org_admin", "carbon_manager", "data_entry")
#: the barometer colours an overview counts, and "none" (no target) and "no_data"
STATUS_KEYS = ("red", "yellow", "green", "none", "no_data")


@dataclass(frozen=True)
class Missing:
    """One thing missing for the period: `what` names it (a catalogue key the page words), `items` which ones."""

    what: str  # no_records | no_value_added | no_production | months | facilities | no_scope3 | no_period
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class FootprintLine:
    """A product's most recent stored footprint result."""

    model: str
    product: str
    unit: str
    fossil_kg_per_unit: float
    biogenic_kg_per_unit: float
    primary_data_share: float
    computed_at: datetime


@dataclass(frozen=True)
class EnterpriseHome:
    """What an enterprise's member sees first."""

    profile: tenancy.Profile
    periods: tuple[PeriodChoice, ...]
    period: str | None  # the period shown (None: the organisation has no reporting period)
    comparison: PeriodComparison | None  # None: no period, or the role does not see inventories
    missing: tuple[Missing, ...]
    footprints: tuple[FootprintLine, ...]
    requests_open: tuple[RequestInfo, ...]  # asked of its suppliers, not answered yet
    requests_to_answer: tuple[Inbound, ...]  # its customers' requests waiting for its answer
    published: int  # footprint versions it published over PACT
    warnings: tuple[WarningOut, ...]  # open
    asked_period_unknown: bool = False  # a period was asked for that the organisation does not have


@dataclass(frozen=True)
class OversightHome:
    """What a park's, city's or province's overseer sees first."""

    code: str
    name: str
    name_en: str
    kind: str
    years: tuple[int, ...]  # with figures, oldest first
    year: int | None  # shown (None: no figures in any year)
    view: Oversight | None
    counts: dict[str, int]  # enterprises by status (STATUS_KEYS)
    warnings: tuple[WarningOut, ...]  # open, newest first
    has_data: bool
    running: bool = False  # the year is not over: its figures run to the latest month with one


@dataclass(frozen=True)
class VerifierHome:
    """What a verification body's verifier sees first: its engagements, open ones first."""

    body: tenancy.Profile
    engagements: tuple[Engagement, ...]
    counts: dict[str, int]  # by status


@dataclass(frozen=True)
class SupplierHome:
    """A supplier's view of a customer that named it: the customer's profile (its data stays closed)."""

    customer: tenancy.Profile


@dataclass(frozen=True)
class Dashboard:
    """Everything the home page shows, one part per role the principal holds."""

    enterprises: tuple[EnterpriseHome, ...] = ()
    oversight: tuple[OversightHome, ...] = ()
    verification: tuple[VerifierHome, ...] = ()
    supplier: tuple[SupplierHome, ...] = ()
    organisations: tuple[organisations.OrganisationView, ...] = ()
    jurisdictions: tuple[JurisdictionNode, ...] = ()
    platform_admin: bool = False
    roles: tuple[str, ...] = field(default_factory=tuple)


def home(sessions: sessionmaker[Session], actor: Principal, *, period: str | None = None, year: int | None = None,
         cache: InventoryCache | None = None) -> Dashboard:
    """The principal's dashboard: its enterprises' `period` (the latest with data when None), its jurisdictions'
    `year` (likewise), its verification bodies' engagements and the customers it supplies."""
    seen = organisations.overview(sessions, actor)
    own = _codes(actor, MEMBER_ROLES)
    bodies = _codes(actor, ("verifier",))
    customers = _codes(actor, ("supplier",))
    places = sorted({g.jurisdiction for g in actor.grants if g.jurisdiction is not None})
    all_engagements = engagements.listing(sessions, actor) if bodies else []
    return Dashboard(
        tuple(enterprise(sessions, actor, code, period=period, cache=cache) for code in own),
        tuple(jurisdiction(sessions, actor, code, year=year) for code in places),
        tuple(_verifier(sessions, actor, code, all_engagements) for code in bodies),
        tuple(SupplierHome(tenancy.profile_of(sessions, actor, code, tenancy.PROFILE)) for code in customers),
        tuple(seen.organisations), tuple(seen.jurisdictions), actor.platform_admin,
        tuple(sorted({g.role for g in actor.grants})))


def _codes(actor: Principal, roles: tuple[str, ...]) -> list[str]:
    return sorted({g.organisation for g in actor.grants if g.role in roles and g.organisation is not None})


def enterprise(sessions: sessionmaker[Session], actor: Principal, code: str, *, period: str | None = None,
               cache: InventoryCache | None = None) -> EnterpriseHome:
    """An enterprise's part of the dashboard for `period` (the latest period with data when None)."""
    profile = tenancy.profile_of(sessions, actor, code, tenancy.PROFILE)
    access = tenancy.check(sessions, actor, code)
    choices = inventories.period_choices(sessions, actor, code)
    unknown = period is not None and period not in {c.name for c in choices}
    shown = inventories.latest_with_data(choices) if period is None or unknown else period
    comparison = None
    if shown is not None and access.allows(tenancy.INVENTORY):
        comparison = inventories.compare_periods(sessions, actor, code, shown, choices=choices, cache=cache)
    missing = _missing(sessions, access, choices, shown, comparison)
    readable = access.allows(tenancy.DATA_READ)
    footprints: tuple[FootprintLine, ...] = ()
    open_requests: tuple[RequestInfo, ...] = ()
    to_answer: tuple[Inbound, ...] = ()
    published = 0
    if readable:
        with sessions() as s:
            footprints = tuple(FootprintLine(r.model_key, r.product, r.unit, r.fossil_kg_per_unit,
                                             r.biogenic_kg_per_unit, r.primary_data_share, r.created_at)
                               for r in footprint_repo.latest_results(s, access.organisation_id))
        open_requests = tuple(r for r in pact_requests.requests_of(sessions, actor, code) if r.status == "pending")
        to_answer = tuple(pact_inbox.inbox(sessions, actor, code, status="pending"))
        published = len(pact_host.outbox(sessions, actor, code))
    raised = tuple(warnings.list_warnings(sessions, actor, status="open", organisation_code=code)) \
        if access.allows(tenancy.AGGREGATE) else ()
    return EnterpriseHome(profile, choices, shown, comparison, missing, footprints, open_requests, to_answer,
                          published, raised, unknown)


def _missing(sessions: sessionmaker[Session], access: tenancy.Access, choices: tuple[PeriodChoice, ...],
             shown: str | None, comparison: PeriodComparison | None) -> tuple[Missing, ...]:
    """What the period lacks for a complete inventory: any record, value added (intensities), production, months
    no energy or emission record covers, facilities without a record, scope 3 data."""
    if shown is None:
        return (Missing("no_period"),)
    chosen = next(c for c in choices if c.name == shown)
    if not chosen.has_data:
        return (Missing("no_records"),)
    out = []
    if comparison is not None:
        now = comparison.current
        if now.value_added_10k_yuan is None:
            out.append(Missing("no_value_added"))
        if now.scope3_t in (None, 0):
            out.append(Missing("no_scope3"))
    with sessions() as s:
        # a year's value added or production covers no month's energy or emissions
        spans = inventory_repo.record_spans(s, access.organisation_id, chosen.start, chosen.end,
                                            without=("value_added", "production"))
        idle = inventory_repo.facilities_without_records(s, access.organisation_id, chosen.start, chosen.end)
        made = inventory_repo.has_kind(s, access.organisation_id, chosen.start, chosen.end, "production")
    uncovered = _uncovered_months(chosen.start, chosen.end, spans)
    if uncovered:
        out.append(Missing("months", uncovered))
    if idle:
        out.append(Missing("facilities", tuple(idle)))
    if not made:
        out.append(Missing("no_production"))
    return tuple(out)


def _months(start: date, end: date) -> list[tuple[int, int]]:
    out, (y, m) = [], (start.year, start.month)
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _uncovered_months(start: date, end: date, spans: list[tuple[date, date]]) -> tuple[str, ...]:
    """The months (YYYY-MM) of [start, end] that no record's span touches."""
    covered = {ym for a, b in spans for ym in _months(a, b)}
    return tuple(f"{y}-{m:02d}" for y, m in _months(start, end) if (y, m) not in covered)


def jurisdiction(sessions: sessionmaker[Session], actor: Principal, code: str, *,
                 year: int | None = None) -> OversightHome:
    """A jurisdiction's status overview for `year` (the latest year with figures when None)."""
    years = tuple(figures.years(sessions, actor, code))
    shown = year if year is not None else (years[-1] if years else None)
    with sessions() as s:
        node = jurisdictions.jurisdiction(s, code)
    if shown is None:
        raised = tuple(warnings.list_warnings(sessions, actor, status="open", jurisdiction_code=code))
        return OversightHome(code, node.name, node.name_en, node.kind, years, None, None,
                             dict.fromkeys(STATUS_KEYS, 0), raised, False)
    view = figures.oversight(sessions, actor, code, shown)
    counts = Counter({k: 0 for k in STATUS_KEYS})
    for e in view.enterprises:
        counts["no_data" if not e.has_data else (e.status() or "none")] += 1
    raised = tuple(warnings.list_warnings(sessions, actor, status="open", jurisdiction_code=code))
    return OversightHome(code, node.name, node.name_en, node.kind, years, shown, view, dict(counts), raised,
                         shown in years, shown >= date.today().year)


def _verifier(sessions: sessionmaker[Session], actor: Principal, code: str,
              everything: list[Engagement]) -> VerifierHome:
    mine = [e for e in everything if e.body == code]
    order = {"open": 0, "issued": 1, "withdrawn": 2}
    mine.sort(key=lambda e: (order.get(e.status, 0), -e.created_at.timestamp()))
    return VerifierHome(tenancy.profile_of(sessions, actor, code, tenancy.PROFILE), tuple(mine),
                        dict(Counter(e.status for e in mine)))

