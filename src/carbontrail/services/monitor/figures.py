"""Monthly figures of each enterprise (energy tce, CO2, value added at constant prices) and the KPIs built on
them for enterprises, parks, cities and the province: intensities, change against the base year, trajectory,
projection, barometer status, carbon-efficiency grades; and the oversight views that show them.

Monthly figures come from the enterprise's inventory (its activity records, which may be derived from readings),
so the KPIs and the inventory agree. A record that spans several months (a base-year total) counts in its first
month; the yearly KPIs are unaffected. CO2 is scope 1 plus scope 2 location-based, the basis of the provincial
CO2-intensity indicator. Value added is taken at constant (2020) prices: a record stated at current prices (category
`current_prices`) is divided by the price index of the nearest jurisdiction that has one for its year
(`prices.py`), and the month's figure says which index it used.
The barometer's "did not fall" test compares with the same months of the year before, or with the base year where
the year before has no figures.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import CarbontrailError, InputError, Location, PermissionDenied
from carbontrail.monitor import kpi
from carbontrail.services import jurisdictions, tenancy
from carbontrail.services.inventory import organisation_inventory
from carbontrail.services.jurisdictions import overseen
from carbontrail.services.monitor import prices
from carbontrail.services.monitor.access import Scope, jurisdiction, key_unit_tce, min_count, organisation
from carbontrail.services.principals import Principal
from carbontrail.services.work import Actor, SystemActor, unit_of_work
from carbontrail.store.models import Jurisdiction, MonitorRollup, MonitorTarget, MonthlyFigure
from carbontrail.store.repositories import monitor as repo

CURRENT_PRICES = "current_prices"  # the category of a value-added record stated at current prices


@dataclass(frozen=True)
class KpiValue:
    """One KPI of one entity and year, against its target."""

    kpi: str
    value: float | None
    base: float | None
    change: float | None  # against the base year
    on_track: float | None  # the trajectory's value this year
    target: float | None  # the target-year value
    target_year: int | None
    previous: float | None  # the same months of the year before
    status: str | None
    projection: kpi.Projection | None = None
    peak: kpi.PeakOutlook | None = None  # under a peak target: does the trend peak by its year


@dataclass(frozen=True)
class EntityKpis:
    """An enterprise's or jurisdiction's year (to date): its figures, KPIs and, for a group, how many members."""

    code: str
    kind: str  # enterprise | park | city | province
    name: str
    name_en: str
    year: int
    through_month: int
    figures: kpi.Figures | None  # None: suppressed (fewer enterprises than the minimum count)
    kpis: tuple[KpiValue, ...] = ()
    members: int = 1
    grade: str | None = None
    has_data: bool = True  # False: no figure of the year (its zeros mean "no data", not zero use)
    # the latest year before with figures: its whole year, or for the running year the same months
    earlier: tuple[int, kpi.Figures] | None = None

    @property
    def suppressed(self) -> bool:
        return self.figures is None

    def change_since_earlier(self, name: str) -> float | None:
        """The relative change of figure `name` (a `kpi.Figures` attribute) since `earlier` (None: not known)."""
        if self.figures is None or not self.has_data or self.earlier is None:
            return None
        return kpi.change(getattr(self.figures, name), getattr(self.earlier[1], name))

    def status(self) -> str | None:
        """The worst colour of its KPIs."""
        colours = [k.status for k in self.kpis if k.status]
        for colour in (kpi.RED, kpi.YELLOW, kpi.GREEN):
            if colour in colours:
                return colour
        return None


@dataclass(frozen=True)
class TreeNode:
    """One entity of the oversight tree: the jurisdiction overseen, each jurisdiction below it and each enterprise,
    with its parent's code (None at the top) and its barometer colour (None: no target, or suppressed)."""

    code: str
    kind: str
    name: str
    name_en: str
    parent: str | None
    status: str | None
    suppressed: bool = False
    members: int = 1


@dataclass(frozen=True)
class Oversight:
    """What a park, city or province overseer sees: the jurisdiction, its sub-jurisdictions and its enterprises."""

    entity: EntityKpis
    children: tuple[EntityKpis, ...]
    enterprises: tuple[EntityKpis, ...]
    minimum_count: int
    trajectory: tuple[tuple[int, float | None, float | None], ...] = field(default_factory=tuple)  # year, actual, line
    tree: tuple[TreeNode, ...] = ()  # parents before their children


# -- monthly figures from the inventory -------------------------------------------------------------------------


def refresh(sessions: sessionmaker[Session], actor: Actor, organisation_code: str, year: int) -> list[MonthlyFigure]:
    """Recompute the enterprise's monthly figures of `year` from its inventory and keep them for the roll-ups."""
    access, months, notes = _computed(sessions, actor, organisation_code, year)
    with unit_of_work(sessions, actor) as work:
        out = _store(work.session, access.organisation_id, months, notes)
        work.audit("refresh", "monthly_figures", f"{organisation_code}:{year}", organisation_id=access.organisation_id,
                   detail={"months": len(out), "value_added": "; ".join(sorted(set(notes.values()))) or "as given"})
    return out


def _computed(sessions: sessionmaker[Session], actor: Actor, organisation_code: str, year: int
              ) -> tuple[tenancy.Access, dict[date, list[float]], dict[date, str]]:
    """The enterprise's monthly [energy tce, CO2 t, value added at constant prices] of `year`, from its inventory
    (nothing stored), and per month which price index deflated value added given at current prices."""
    with sessions() as s:
        access = organisation(s, actor, organisation_code, tenancy.DATA_WRITE)
        va_rows = repo.value_added_records(s, access.organisation_id, date(year, 1, 1), date(year, 12, 31))
        org = repo.organisation(s, access.organisation_id)
        chain = _ancestors(s, org.jurisdiction_id if org else None)
        index = prices.deflators(s, chain, {start.year for _i, start, _q, _u, c in va_rows if c == CURRENT_PRICES})
    result = organisation_inventory(sessions, organisation_code, start=date(year, 1, 1), end=date(year, 12, 31))
    months: dict[date, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    notes: dict[date, str] = {}
    for month, parts in result.monthly().items():
        y, m = (int(p) for p in month.split("-"))
        row = months[date(y, m, 1)]
        row[0] += parts.get("energy_tce", 0.0)
        row[1] += parts.get("scope1", 0.0) + parts.get("scope2_location", 0.0)
    for record_id, start, qty, unit, category in va_rows:
        if unit not in ("10^4 yuan", "wan_yuan", "万元"):
            raise InputError(f"value added in '{unit}'", location=Location(field="unit"), expected="10^4 yuan")
        first = date(start.year, start.month, 1)
        if category == CURRENT_PRICES:
            if start.year not in index:
                raise InputError(f"{organisation_code}'s value added of {start:%Y-%m} (record {record_id}) is at "
                                 f"current prices, and neither its park, city nor province has a price index for "
                                 f"{start.year}", location=Location(field="category"),
                                 expected="a price index (carbontrail monitor price-index), or the value added at "
                                          f"{prices.BASE_YEAR} prices")
            code, p = index[start.year]
            qty = kpi.constant_prices(qty, p.value)
            note = f"value added at current prices ÷ {code} {p.year} index {p.value:g} ({p.base_year} = 100)"
            notes[first] = "; ".join(sorted({*filter(None, notes.get(first, "").split("; ")), note}))
        months[first][2] += qty
    return access, months, notes


def _store(session: Session, organisation_id: int, months: dict[date, list[float]],
           notes: dict[date, str] | None = None) -> list[MonthlyFigure]:
    out = []
    for month, (energy, co2, va) in sorted(months.items()):
        row = repo.existing_figure(session, organisation_id, month)
        if row is None:
            row = MonthlyFigure(organisation_id=organisation_id, month=month)
            session.add(row)
        note = (notes or {}).get(month)
        row.energy_tce, row.co2_t, row.value_added = energy, co2, va
        row.source = f"inventory; {note}"[:200] if note else "inventory"
        out.append(row)
    return out


# -- KPIs -----------------------------------------------------------------------------------------------------


def _targets_for(session: Session, org_id: int | None, chain: list[int],
                 rows: list[MonitorTarget] | None = None) -> dict[str, kpi.Target]:
    """The targets that apply: the entity's own, else the nearest level above that set one (chain: own first).
    A target of a total (energy_total, co2_total: a cap or a peak) is the entity's own only: a province's total
    says nothing about one enterprise's. `rows` are the candidate targets when the caller has them already."""
    if rows is None:
        rows = repo.targets(session, jurisdiction_ids=chain, organisation_ids=[org_id] if org_id else [])
    rank = {jid: i + 1 for i, jid in enumerate(chain)}
    best: dict[str, tuple[int, MonitorTarget]] = {}
    for t in rows:
        if t.organisation_id is not None:
            if t.organisation_id != org_id:
                continue
            level = 0
        elif t.jurisdiction_id in rank:
            level = rank[t.jurisdiction_id]
        else:
            continue
        if t.kpi.endswith("_total") and level != (0 if org_id else 1):
            continue
        if t.kpi not in best or level < best[t.kpi][0]:
            best[t.kpi] = (level, t)
    return {name: kpi.Target(t.kpi, t.base_year, t.target_year, change=t.change, cap=t.cap, peak=t.peak)
            for name, (_, t) in best.items()}


def _ancestors(session: Session, jurisdiction_id: int | None, by_id: dict[int, object] | None = None) -> list[int]:
    by_id = by_id if by_id is not None else {j.id: j for j in repo.jurisdictions(session)}
    out: list[int] = []
    while jurisdiction_id is not None and jurisdiction_id in by_id:
        out.append(jurisdiction_id)
        jurisdiction_id = by_id[jurisdiction_id].parent_id  # type: ignore[attr-defined]
    return out


def _kpis(years: dict[int, kpi.Figures], ytd: dict[int, kpi.Figures], year: int,
          targets: dict[str, kpi.Target]) -> tuple[KpiValue, ...]:
    out = []
    now = ytd.get(year)
    before = ytd.get(year - 1)
    for name in kpi.KPIS:
        target = targets.get(name)
        value = now.value(name) if now else None
        base_year = target.base_year if target else None
        base = years[base_year].value(name) if base_year in years else None
        on_track = goal = None
        if target and base is not None:
            on_track = kpi.trajectory(target, base, year)
            goal = target.target_value(base)
        # the barometer compares with the same months of the year before; without them, with the base year
        previous = before.value(name) if before else (base if base_year != year else None)
        history = [(y, f.value(name)) for y, f in sorted(years.items()) if y <= year and f.value(name) is not None]
        projection = outlook = None
        if target and len(history) >= 3:
            projection = kpi.project([float(y) for y, _ in history], [float(v) for _, v in history],  # type: ignore
                                     target.target_year)
        if target and target.peak:
            if len(history) >= 2:
                outlook = kpi.peak_outlook([float(y) for y, _ in history], [float(v) for _, v in history],  # type: ignore
                                           target.target_year)
            at_peak = years[target.target_year].value(name) if target.target_year in years else None
            colour = kpi.peak_status(year, target.target_year, value, outlook, at_peak, previous)
        elif target:
            falls = name.endswith("intensity") or (target.cap is None and (target.change or 0) < 0)
            colour = kpi.status(value, on_track, previous if falls else None, cap=target.cap)
        else:
            colour = None
        out.append(KpiValue(name, value, base, kpi.change(value, base), on_track, goal,
                            target.target_year if target else None, previous, colour, projection, outlook))
    return tuple(out)


def _sums(session: Session, org_ids: Iterable[int] | None, first: int, last: int, through: int
          ) -> tuple[dict[int, dict[int, kpi.Figures]], dict[int, dict[int, kpi.Figures]]]:
    """Per organisation: whole-year figures and year-to-date (months 1..through) figures."""
    full: dict[int, dict[int, kpi.Figures]] = defaultdict(dict)
    ytd: dict[int, dict[int, kpi.Figures]] = defaultdict(dict)
    for org, year, e, c, v, _n in repo.yearly_sums(session, org_ids, first, last):
        full[org][year] = kpi.Figures(e, c, v)
    for org, year, e, c, v, _n in repo.yearly_sums(session, org_ids, first, last, through):
        ytd[org][year] = kpi.Figures(e, c, v)
    return full, ytd


def latest_month(session: Session, org_ids: Iterable[int], year: int) -> int:
    """The last month of `year` with any figure of the enterprises (12 when none)."""
    last = repo.latest_figure_month(session, org_ids, date(year, 1, 1), date(year, 12, 1))
    return last.month if last else 12


def _earlier(full: dict[int, kpi.Figures], ytd: dict[int, kpi.Figures], year: int
             ) -> tuple[int, kpi.Figures] | None:
    """The latest year before `year` with figures, and its figures (None: there is none): of the whole year, or of
    the same months when `year` is still running (a past year is complete; a record spanning a year counts in its
    first month, so "the same months" of a past year would compare a year with a month)."""
    before = [y for y in full if y < year]
    if not before:
        return None
    source = ytd if year >= date.today().year else full
    return max(before), source.get(max(before), kpi.Figures())


def _group(members: list[int], full: dict[int, dict[int, kpi.Figures]], ytd: dict[int, dict[int, kpi.Figures]]
           ) -> tuple[dict[int, kpi.Figures], dict[int, kpi.Figures]]:
    years = sorted({y for m in members for y in full.get(m, {})})
    g_full = {y: kpi.total(full[m][y] for m in members if y in full.get(m, {})) for y in years}
    g_ytd = {y: kpi.total(ytd[m][y] for m in members if y in ytd.get(m, {})) for y in years}
    return g_full, g_ytd


def oversight(sessions: sessionmaker[Session], actor: Actor, jurisdiction_code: str, year: int, *,
              first_year: int = 2015) -> Oversight:
    """A jurisdiction's KPIs for `year` to date, its sub-jurisdictions' and its enterprises' (aggregates only):
    read from the kept roll-up while its inputs are unchanged, computed (and kept) otherwise."""
    with sessions() as s:
        scope = jurisdiction(s, actor, jurisdiction_code)
    kept = _kept(sessions, scope, year, first_year)
    with sessions() as s:
        tree = repo.jurisdictions(s)
        if isinstance(kept, int) and s.get(MonitorRollup, kept) is None:  # replaced meanwhile by a newer one
            kept = _compute(s, scope, year, first_year, tree)
        return _assemble(scope.id, tree, kept if isinstance(kept, _Computed) else _read(s, kept, tree))


def years(sessions: sessionmaker[Session], actor: Actor, jurisdiction_code: str) -> list[int]:
    """The years in which the jurisdiction's enterprises have figures (what its oversight can show)."""
    with sessions() as s:
        scope = jurisdiction(s, actor, jurisdiction_code)
        return _years_of(s, scope, _fingerprint(s, repo.jurisdictions(s)))


def _years_of(s: Session, scope: Scope, fingerprint: str) -> list[int]:
    """The years, as kept by any roll-up of the jurisdiction with this fingerprint, else from the figures."""
    known = repo.rollup_years(s, scope.id, fingerprint)
    return [int(y) for y in json.loads(known)] if known is not None else _years(s, scope)


def _years(s: Session, scope: Scope) -> list[int]:
    return repo.figure_years(s, [o[0] for o in repo.organisations_in(s, scope.subtree)])


# -- kept roll-ups: an oversight view computed once per fingerprint of its inputs ---------------------------------

PAGE_SIZE = 50  # enterprises per page of the oversight page's table and ranking
TREE_ENTERPRISES = 300  # above this many enterprises the tree stops at their jurisdictions, with status counts


def _fingerprint(s: Session, tree: list[Jurisdiction]) -> str:
    """A digest of what every oversight view depends on: the monthly figures (count, last id, last computed
    time), the targets (count, last id), the enterprises' placement, the jurisdiction tree and the minimum count.
    Names are not in it: they are read when shown."""
    parts = [repo.rollup_inputs(s), sorted((j.id, j.parent_id or 0) for j in tree), min_count()]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def _kept(sessions: sessionmaker[Session], scope: Scope, year: int, first_year: int,
          fingerprint: str | None = None) -> int | _Computed:
    """The id of the kept roll-up of the jurisdiction's `year`, recomputed and stored first when its fingerprint
    changed; the computed parts themselves when they could not be stored (another request stored them first).
    `fingerprint`: the one the caller read just before (else it is read here)."""
    with sessions() as s:
        tree = repo.jurisdictions(s)
        # read before computing: a change meanwhile shows as a new fingerprint next time
        fingerprint = fingerprint or _fingerprint(s, tree)
        row = repo.rollup(s, scope.id, year, first_year)
        if row is not None and row.fingerprint == fingerprint:
            return row.id
        computed = _compute(s, scope, year, first_year, tree)
        shown = _years(s, scope)
    try:
        with sessions.begin() as s:
            repo.drop_rollup(s, scope.id, year, first_year)
            row = MonitorRollup(jurisdiction_id=scope.id, year=year, first_year=first_year, fingerprint=fingerprint,
                                minimum_count=computed.minimum_count, enterprises=len(computed.enterprises),
                                entity=_dump(computed.top), trajectory=json.dumps(computed.trajectory),
                                years=json.dumps(shown))
            s.add(row)
            s.flush()
            rows: list[dict[str, object]] = [
                {"rollup_id": row.id, "organisation_id": None, "jurisdiction_id": jid, "position": i,
                 "status": e.status(), "co2_intensity": None, "data": _dump(e)}
                for i, (jid, e) in enumerate(computed.groups.items())]
            rows += [{"rollup_id": row.id, "organisation_id": oid, "jurisdiction_id": jid, "position": i,
                      "status": e.status(), "co2_intensity": e.figures.co2_intensity if e.figures else None,
                      "data": _dump(e)} for i, (oid, jid, e) in enumerate(computed.enterprises)]
            repo.add_rollup_rows(s, rows)
            kept = row.id
    except DBAPIError:  # a concurrent request kept the same roll-up first
        return computed
    return kept


def _dump(e: EntityKpis) -> str:
    """An entity's KPIs as JSON (its code and names are not kept: they are read from their tables when shown)."""
    return json.dumps({"kind": e.kind, "year": e.year, "through_month": e.through_month,
                       "figures": None if e.figures is None else asdict(e.figures),
                       "kpis": [asdict(k) for k in e.kpis], "members": e.members, "grade": e.grade,
                      "has_data": e.has_data,
                      "earlier": None if e.earlier is None else [e.earlier[0], asdict(e.earlier[1])]})


def _load(data: str, code: str, name: str, name_en: str) -> EntityKpis:
    d = json.loads(data)
    kpis = tuple(KpiValue(**{**k, "projection": kpi.Projection(**k["projection"]) if k["projection"] else None,
                             "peak": kpi.PeakOutlook(**k["peak"]) if k["peak"] else None}) for k in d["kpis"])
    return EntityKpis(code, d["kind"], name, name_en, d["year"], d["through_month"],
                      None if d["figures"] is None else kpi.Figures(**d["figures"]), kpis, d["members"], d["grade"],
                      d["has_data"], None if d["earlier"] is None else (d["earlier"][0], kpi.Figures(**d["earlier"][1])))


def _read(s: Session, rollup_id: int, tree: list[Jurisdiction], *, offset: int = 0, limit: int | None = None
          ) -> _Computed:
    """A kept roll-up's parts (all its enterprises, or a page of them), with today's codes and names."""
    by_id = {j.id: j for j in tree}
    head = s.get(MonitorRollup, rollup_id)
    assert head is not None
    j = by_id[head.jurisdiction_id]
    groups = {jid: _load(data, by_id[jid].code, by_id[jid].name, by_id[jid].name_en)
              for jid, data in repo.rollup_jurisdictions(s, rollup_id)}
    enterprises = [(oid, jid, _load(data, code, name, name_en or ""))
                   for oid, jid, code, name, name_en, data in repo.rollup_enterprises(s, rollup_id, offset=offset,
                                                                                      limit=limit)]
    return _Computed(_load(head.entity, j.code, j.name, j.name_en), groups, enterprises,
                     tuple(tuple(t) for t in json.loads(head.trajectory)), head.minimum_count)  # type: ignore[misc]


@dataclass(frozen=True)
class OversightPage:
    """One page of an oversight view: the jurisdiction and those below it in full, a page of its enterprises (by
    code) and of their ranking by CO2 intensity (lowest first), the tree (with the enterprises only when there are
    few; otherwise each jurisdiction's count of enterprises per status) and the years that can be shown."""

    view: Oversight  # its enterprises (and their tree nodes) are this page's
    ranking: tuple[EntityKpis, ...]
    year: int
    years: tuple[int, ...]
    page: int
    pages: int
    page_size: int
    enterprises_total: int
    ranked_total: int
    tree_counts: dict[str, dict[str, int]]  # jurisdiction code → status ("none": no status) → enterprises

    @property
    def first_rank(self) -> int:
        return (self.page - 1) * self.page_size + 1


def oversight_page(sessions: sessionmaker[Session], actor: Actor, jurisdiction_code: str, year: int | None = None,
                   *, page: int = 1, page_size: int = PAGE_SIZE, first_year: int = 2015) -> OversightPage:
    """Page `page` of the jurisdiction's oversight of `year` (the latest year with figures when None), read from the
    kept roll-up (computed first when its inputs changed)."""
    if page < 1 or not 1 <= page_size <= 1000:
        raise InputError("a page is a number from 1, of 1 to 1000 enterprises", location=Location(field="page"))
    with sessions() as s:
        scope = jurisdiction(s, actor, jurisdiction_code)
        fingerprint = _fingerprint(s, repo.jurisdictions(s))
        shown = _years_of(s, scope, fingerprint)
    year = year if year is not None else (shown[-1] if shown else date.today().year)
    kept = _kept(sessions, scope, year, first_year, fingerprint)
    offset = (page - 1) * page_size
    with sessions() as s:
        tree = repo.jurisdictions(s)
        by_id = {j.id: j for j in tree}
        if isinstance(kept, int) and s.get(MonitorRollup, kept) is None:  # replaced meanwhile by a newer one
            kept = _compute(s, scope, year, first_year, tree)
        if isinstance(kept, _Computed):  # not stored: page the computed parts
            parts, total = kept, len(kept.enterprises)
            ordered = sorted((e for e in parts.enterprises if e[2].figures and e[2].figures.co2_intensity is not None),
                             key=lambda e: e[2].figures.co2_intensity)  # type: ignore[union-attr]
            ranking, ranked_total = ordered[offset:offset + page_size], len(ordered)
            statuses = [(jid, e.status(), 1) for _oid, jid, e in parts.enterprises]
        else:
            total = int(repo.rollup_size(s, kept))
            few = total <= TREE_ENTERPRISES
            parts = _read(s, kept, tree, **({} if few else {"offset": offset, "limit": page_size}))
            ranking = [(oid, jid, _load(data, code, name, name_en or "")) for oid, jid, code, name, name_en, data
                       in repo.rollup_enterprises(s, kept, ranked=True, offset=offset, limit=page_size)]
            ranked_total = repo.rollup_ranked_count(s, kept)
            statuses = [] if few else repo.rollup_status_counts(s, kept)
    few = total <= TREE_ENTERPRISES
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for jid, status, n in statuses:
        if jid in by_id:
            counts[by_id[jid].code][status or "none"] += n
    listed = parts.enterprises[offset:offset + page_size] if few or isinstance(kept, _Computed) else parts.enterprises
    view = _assemble(scope.id, tree, parts, listed, parts.enterprises if few else [])
    return OversightPage(view, tuple(e for _o, _j, e in ranking), year, tuple(shown), page,
                         max(1, -(-total // page_size)), page_size, total, ranked_total,
                         {} if few else {k: dict(v) for k, v in counts.items()})


@dataclass(frozen=True)
class _Computed:
    """What an oversight view is built from: the jurisdiction's row, every jurisdiction's below it (by id), every
    enterprise's (organisation id, jurisdiction id, row) by code, and the trajectory."""

    top: EntityKpis
    groups: dict[int, EntityKpis]
    enterprises: list[tuple[int, int | None, EntityKpis]]
    trajectory: tuple[tuple[int, float | None, float | None], ...]
    minimum_count: int


def enterprise_years(sessions: sessionmaker[Session], actor: Actor, organisation_code: str) -> list[int]:
    """The years in which the enterprise has monthly figures (what its KPIs can show), oldest first."""
    with sessions() as s:
        access = organisation(s, actor, organisation_code, tenancy.AGGREGATE)
        return repo.figure_years(s, [access.organisation_id])


def _oversight(s: Session, scope: Scope, year: int, first_year: int) -> Oversight:
    tree = repo.jurisdictions(s)
    return _assemble(scope.id, tree, _compute(s, scope, year, first_year, tree))


def _compute(s: Session, scope: Scope, year: int, first_year: int, tree: list[Jurisdiction]) -> _Computed:
    by_id = {j.id: j for j in tree}
    orgs = repo.organisations_in(s, scope.subtree)
    org_ids = [o[0] for o in orgs]
    through = latest_month(s, org_ids, year)
    full, ytd = _sums(s, org_ids, first_year, year, through)
    minimum = min_count()
    all_targets = repo.targets(s, jurisdiction_ids=list(by_id), organisation_ids=org_ids)
    org_targets: dict[int, list[MonitorTarget]] = defaultdict(list)
    for t in all_targets:
        if t.organisation_id is not None:
            org_targets[t.organisation_id].append(t)
    jur_targets = [t for t in all_targets if t.jurisdiction_id is not None]
    targets_by_jur: dict[int, dict[str, kpi.Target]] = {}

    def targets_of(jid: int) -> dict[str, kpi.Target]:
        if jid not in targets_by_jur:
            targets_by_jur[jid] = _targets_for(s, None, _ancestors(s, jid, by_id), jur_targets)
        return targets_by_jur[jid]

    kids = _kids(tree)
    placed: dict[int | None, list[int]] = defaultdict(list)
    for o in orgs:
        placed[o[4]].append(o[0])
    below = _below(scope.id, kids)  # every jurisdiction under the top, parents first

    # the groups' sums: each jurisdiction's own enterprises', then added up the tree (children before parents)
    own_full: dict[int, dict[int, kpi.Figures]] = {}
    own_ytd: dict[int, dict[int, kpi.Figures]] = {}
    counts: dict[int, int] = {}
    for jid in [scope.id, *below]:
        members = placed.get(jid, [])
        counts[jid] = len(members)
        own_full[jid], own_ytd[jid] = _group(members, full, ytd)
    for jid in reversed(below):
        parent = by_id[jid].parent_id
        assert parent is not None
        counts[parent] += counts[jid]
        for sums in (own_full, own_ytd):
            for y, f in sums[jid].items():
                sums[parent][y] = sums[parent][y] + f if y in sums[parent] else f

    def group_row(jid: int) -> EntityKpis:
        j = by_id[jid]
        if counts[jid] < minimum:
            return EntityKpis(j.code, j.kind, j.name, j.name_en, year, through, None, (), counts[jid])
        g_full, g_ytd = own_full[jid], own_ytd[jid]
        g_ytd = {y: g_ytd.get(y, kpi.Figures()) for y in sorted(g_full)}
        g_full = dict(sorted(g_full.items()))
        return EntityKpis(j.code, j.kind, j.name, j.name_en, year, through, g_ytd.get(year, kpi.Figures()),
                          _kpis(g_full, g_ytd, year, targets_of(jid)), counts[jid],
                          has_data=year in g_full, earlier=_earlier(g_full, g_ytd, year))

    top = group_row(scope.id)
    groups = {jid: group_row(jid) for jid in below}
    enterprise_rows = []
    intensity: dict[str, float | None] = {}
    english = repo.english_names(s, org_ids)
    for org_id, code, name, _industry, jid in orgs:
        f_ytd = ytd.get(org_id, {})
        if org_id in org_targets:
            targets = _targets_for(s, org_id, _ancestors(s, jid, by_id), [*org_targets[org_id], *jur_targets])
        else:
            targets = targets_of(jid) if jid is not None else {}
        rows = _kpis(full.get(org_id, {}), f_ytd, year, targets)
        figures = f_ytd.get(year, kpi.Figures())
        intensity[code] = figures.co2_intensity
        enterprise_rows.append((org_id, jid, code, name, english.get(org_id, ""), figures, rows, year in f_ytd,
                                _earlier(full.get(org_id, {}), f_ytd, year)))
    graded = kpi.grades(intensity) if len(intensity) >= minimum else {}
    enterprises = [(org_id, jid, EntityKpis(code, "enterprise", name, name_en, year, through, figures, rows, 1,
                                            graded.get(code), has_data, earlier))
                   for org_id, jid, code, name, name_en, figures, rows, has_data, earlier in enterprise_rows]
    line = []
    if top.figures is not None:
        g_full = own_full[scope.id]
        energy = next((k for k in top.kpis if k.kpi == "energy_intensity"), None)
        tgt = targets_of(scope.id).get("energy_intensity")
        for y in sorted(g_full):
            on = kpi.trajectory(tgt, energy.base, y) if tgt and energy and energy.base is not None else None
            line.append((y, g_full[y].energy_intensity, on))
    return _Computed(top, groups, enterprises, tuple(line), minimum)


def _kids(tree: list[Jurisdiction]) -> dict[int | None, list[int]]:
    kids: dict[int | None, list[int]] = defaultdict(list)
    for j in tree:
        kids[j.parent_id].append(j.id)
    return kids


def _below(top: int, kids: dict[int | None, list[int]]) -> list[int]:
    """The jurisdictions under `top`, breadth first (parents before their children)."""
    out, todo, seen = [], [top], {top}
    while todo:
        for kid in kids.get(todo.pop(0), []):
            if kid not in seen:
                seen.add(kid)
                out.append(kid)
                todo.append(kid)
    return out


def _assemble(scope_id: int, tree: list[Jurisdiction], c: _Computed,
              listed: list[tuple[int, int | None, EntityKpis]] | None = None,
              in_tree: list[tuple[int, int | None, EntityKpis]] | None = None) -> Oversight:
    """The view from its parts; `listed` and `in_tree` (default: all of them) are the enterprises it lists and
    puts in its tree."""
    by_id = {j.id: j for j in tree}
    kids = _kids(tree)
    listed = c.enterprises if listed is None else listed
    in_tree = listed if in_tree is None else in_tree
    top = c.top
    children = tuple(c.groups[j.id] for j in tree if j.parent_id == scope_id)
    nodes = [TreeNode(top.code, top.kind, top.name, top.name_en, None, top.status(), top.suppressed, top.members)]
    todo = [scope_id]
    while todo:  # breadth first: parents before their children
        parent = todo.pop(0)
        for kid in sorted(kids.get(parent, []), key=lambda k: by_id[k].code):
            row = c.groups[kid]
            nodes.append(TreeNode(row.code, row.kind, row.name, row.name_en, by_id[parent].code, row.status(),
                                  row.suppressed, row.members))
            todo.append(kid)
    for _oid, jid, e in in_tree:
        nodes.append(TreeNode(e.code, "enterprise", e.name, e.name_en, by_id[jid].code if jid in by_id else None,
                              e.status()))
    return Oversight(top, children, tuple(e for _o, _j, e in listed), c.minimum_count, c.trajectory, tuple(nodes))


@dataclass(frozen=True)
class Benchmark:
    """An enterprise's own KPIs beside its park's and industry's (anonymous: Σ ÷ Σ of the peers, no names)."""

    own: EntityKpis
    park_co2_intensity: float | None
    park_members: int
    industry_co2_intensity: float | None
    industry_members: int
    grade_in_park: str | None
    grade_in_industry: str | None


def enterprise(sessions: sessionmaker[Session], actor: Actor, organisation_code: str, year: int, *,
               first_year: int = 2015) -> Benchmark:
    """The enterprise's KPIs and how it compares with its park and its industry (needs aggregate access)."""
    with sessions() as s:
        access = organisation(s, actor, organisation_code, tenancy.AGGREGATE)
        org = repo.organisation(s, access.organisation_id)
        assert org is not None
        chain = _ancestors(s, org.jurisdiction_id)
        through = latest_month(s, [org.id], year)
        park_orgs = repo.organisations_in(s, [org.jurisdiction_id]) if org.jurisdiction_id else []
        everyone = repo.organisations_in(s, [j.id for j in repo.jurisdictions(s)])
        industry = [o for o in everyone if o[3] == org.industry]
        ids = {o[0] for o in park_orgs} | {o[0] for o in industry} | {org.id}
        full, ytd = _sums(s, ids, first_year, year, through)
        own_ytd = ytd.get(org.id, {})
        own = EntityKpis(org.code, "enterprise", org.name, org.name_en, year, through,
                         own_ytd.get(year, kpi.Figures()),
                         _kpis(full.get(org.id, {}), own_ytd, year, _targets_for(s, org.id, chain)),
                         has_data=year in own_ytd, earlier=_earlier(full.get(org.id, {}), own_ytd, year))
    minimum = min_count()

    def peers(group: list[tuple[int, str, str, str, int | None]]) -> tuple[float | None, str | None]:
        if len(group) < minimum:
            return None, None
        figures = {o[1]: ytd.get(o[0], {}).get(year) for o in group}
        total = kpi.total(f for f in figures.values() if f is not None)
        grade = kpi.grades({c: (f.co2_intensity if f else None) for c, f in figures.items()}).get(org.code)
        return total.co2_intensity, grade

    park_i, park_g = peers(park_orgs)
    ind_i, ind_g = peers(industry)
    return Benchmark(own, park_i, len(park_orgs), ind_i, len(industry), park_g, ind_g)


# -- targets --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetOut:
    id: int
    level: str  # the jurisdiction or enterprise code it applies to
    kpi: str
    base_year: int
    target_year: int
    change: float | None
    cap: float | None
    source: str
    set_by: str
    peak: bool = False


def set_target(sessions: sessionmaker[Session], actor: Actor, *, kpi_name: str, base_year: int, target_year: int,
               change: float | None = None, cap: float | None = None, peak: bool = False,
               jurisdiction_code: str | None = None, organisation_code: str | None = None,
               source: str = "") -> TargetOut:
    """A target for a jurisdiction or an enterprise, set by the level above: a park's overseers set its
    enterprises' targets, a city's its parks', the province its cities'. A command on this machine may set any.
    A peak target (`peak`) says the total must not rise after `target_year`."""
    kpi.Target(kpi_name, base_year, target_year, change=change, cap=cap, peak=peak)  # validates
    if (jurisdiction_code is None) == (organisation_code is None):
        raise InputError("a target is for one jurisdiction or one enterprise", location=Location(field="level"))
    with unit_of_work(sessions, actor) as work:
        s = work.session
        jid = oid = None
        if organisation_code:
            access = organisation(s, actor, organisation_code, tenancy.PROFILE)
            oid = access.organisation_id
            org = repo.organisation(s, oid)
            _require_above(s, actor, org.jurisdiction_id if org else None, organisation_code)
        else:
            assert jurisdiction_code is not None
            scope = jurisdiction(s, actor, jurisdiction_code)
            parent = next((j.parent_id for j in repo.jurisdictions(s) if j.id == scope.id), None)
            if parent is not None:
                _require_above(s, actor, parent, jurisdiction_code)
            elif not getattr(actor, "platform_admin", False):
                raise PermissionDenied("a province's targets are set by the platform's operators from the plan")
            jid = scope.id
        row = MonitorTarget(jurisdiction_id=jid, organisation_id=oid, kpi=kpi_name, base_year=base_year,
                            target_year=target_year, change=change, cap=cap, peak=peak, source=source[:500],
                            set_by=actor.actor[:300])
        s.add(row)
        s.flush()
        level = organisation_code or jurisdiction_code or ""
        work.audit("create", "monitor_target", f"{level}:{kpi_name}", organisation_id=oid,
                   detail={"kpi": kpi_name, "base_year": base_year, "target_year": target_year, "change": change,
                           "cap": cap, "peak": peak, "jurisdiction": jurisdiction_code})
        return TargetOut(row.id, level, kpi_name, base_year, target_year, change, cap, row.source, row.set_by, peak)


def _require_above(s: Session, actor: Actor, parent_id: int | None, what: str) -> None:
    """The actor must oversee the level above `what` (its parent jurisdiction)."""

    if isinstance(actor, SystemActor):
        return
    if parent_id is None:
        raise PermissionDenied(f"'{what}' sits in no jurisdiction, so no level above may set its targets")

    if parent_id not in overseen(s, actor.grants):
        raise PermissionDenied(f"targets of '{what}' are set by the level above it")


def targets(sessions: sessionmaker[Session], actor: Actor, jurisdiction_code: str) -> list[TargetOut]:
    """The targets set inside a jurisdiction's subtree (its own, its sub-jurisdictions' and enterprises')."""
    with sessions() as s:
        scope = jurisdiction(s, actor, jurisdiction_code)
        orgs = repo.organisations_in(s, scope.subtree)
        names = {j.id: j.code for j in repo.jurisdictions(s)}
        codes = {o[0]: o[1] for o in orgs}
        rows = repo.targets(s, jurisdiction_ids=scope.subtree, organisation_ids=codes)
        return [TargetOut(t.id, codes.get(t.organisation_id) or names.get(t.jurisdiction_id, ""),  # type: ignore
                          t.kpi, t.base_year, t.target_year, t.change, t.cap, t.source, t.set_by, t.peak)
                for t in rows]


def key_units(sessions: sessionmaker[Session], actor: Actor, jurisdiction_code: str, year: int) -> list[str]:
    """Codes of the enterprises in the jurisdiction whose `year` energy use reaches the key-unit threshold."""

    with sessions() as s:
        scope = jurisdiction(s, actor, jurisdiction_code)
        orgs = {o[0]: o[1] for o in repo.organisations_in(s, scope.subtree)}
        sums = repo.yearly_sums(s, orgs, year, year)
    threshold = key_unit_tce()
    return sorted(orgs[o] for o, _y, e, _c, _v, _n in sums if e >= threshold)


def refresh_all(sessions: sessionmaker[Session], actor: Actor, years: Iterable[int],
                organisation_code: str | None = None) -> list[str]:
    """Refresh the monthly figures of `years` of one enterprise, or of every placed one, in one transaction with
    one audit row. Returns one line per enterprise-year of every placed one that could not be computed (said,
    never skipped silently); for one named enterprise such a problem is raised instead."""
    years = list(years)
    if organisation_code is not None:
        codes = [organisation_code]
    else:
        with sessions() as s:
            codes = [o[1] for o in repo.organisations_in(s, [j.id for j in repo.jurisdictions(s)])]
    problems: list[str] = []
    computed: list[tuple[str, int, tenancy.Access, dict[date, list[float]], dict[date, str]]] = []
    for code in codes:
        for y in years:
            try:
                computed.append((code, y, *_computed(sessions, actor, code, y)))
            except CarbontrailError as exc:
                if organisation_code is not None:
                    raise
                problems.append(f"{code} {y}: {exc}")
    if computed:
        with unit_of_work(sessions, actor) as work:
            stored = {f"{code}:{y}": len(_store(work.session, access.organisation_id, months, notes))
                      for code, y, access, months, notes in computed}
            orgs = {access.organisation_id for _c, _y, access, _m, _n in computed}
            work.audit("refresh", "monthly_figures", organisation_code or f"{len(orgs)} enterprises",
                       organisation_id=computed[0][2].organisation_id if len(orgs) == 1 else None,
                       detail={"years": years, "months": stored, "not_computed": problems})  # type: ignore[dict-item]
    return problems


@dataclass(frozen=True)
class Start:
    """Where a monitoring user begins: enterprises whose readings they may see and the jurisdictions they oversee."""

    organisations: list[tenancy.Profile]
    trees: list[jurisdictions.JurisdictionNode]


def start(sessions: sessionmaker[Session], actor: Principal) -> Start:
    """The organisations `actor` may read data of and the jurisdiction subtrees granted to it."""
    with sessions() as s:
        own = [tenancy.profile(s, a) for a in tenancy.visible_organisations(s, actor) if a.allows(tenancy.DATA_READ)]
        roots = {g.jurisdiction_id for g in actor.grants if g.jurisdiction_id is not None}
        return Start(own, jurisdictions.tree(s, roots) if roots else [])
