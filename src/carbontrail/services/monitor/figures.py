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

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

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
from carbontrail.store.models import MonitorTarget, MonthlyFigure
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
    """A jurisdiction's KPIs for `year` to date, its sub-jurisdictions' and its enterprises' (aggregates only)."""
    with sessions() as s:
        scope = jurisdiction(s, actor, jurisdiction_code)
        return _oversight(s, scope, year, first_year)


def years(sessions: sessionmaker[Session], actor: Actor, jurisdiction_code: str) -> list[int]:
    """The years in which the jurisdiction's enterprises have figures (what its oversight can show)."""
    with sessions() as s:
        scope = jurisdiction(s, actor, jurisdiction_code)
        return repo.figure_years(s, [o[0] for o in repo.organisations_in(s, scope.subtree)])


def enterprise_years(sessions: sessionmaker[Session], actor: Actor, organisation_code: str) -> list[int]:
    """The years in which the enterprise has monthly figures (what its KPIs can show), oldest first."""
    with sessions() as s:
        access = organisation(s, actor, organisation_code, tenancy.AGGREGATE)
        return repo.figure_years(s, [access.organisation_id])


def _oversight(s: Session, scope: Scope, year: int, first_year: int) -> Oversight:
    tree = repo.jurisdictions(s)
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

    kids: dict[int | None, list[int]] = defaultdict(list)
    for j in tree:
        kids[j.parent_id].append(j.id)

    def subtree(jid: int) -> set[int]:
        out, todo = set(), [jid]
        while todo:
            j = todo.pop()
            out.add(j)
            todo.extend(kids.get(j, []))
        return out

    placed: dict[int | None, list[int]] = defaultdict(list)
    for o in orgs:
        placed[o[4]].append(o[0])
    rows_of: dict[int, EntityKpis] = {}

    def group_row(jid: int) -> EntityKpis:
        if jid not in rows_of:
            rows_of[jid] = _group_row(jid)
        return rows_of[jid]

    def _group_row(jid: int) -> EntityKpis:
        j = by_id[jid]
        members = [m for inner in subtree(jid) for m in placed.get(inner, ())]
        if len(members) < minimum:
            return EntityKpis(j.code, j.kind, j.name, j.name_en, year, through, None, (), len(members))
        g_full, g_ytd = _group(members, full, ytd)
        return EntityKpis(j.code, j.kind, j.name, j.name_en, year, through, g_ytd.get(year, kpi.Figures()),
                          _kpis(g_full, g_ytd, year, targets_of(jid)), len(members),
                          has_data=year in g_full, earlier=_earlier(g_full, g_ytd, year))

    top = group_row(scope.id)
    children = tuple(group_row(j.id) for j in tree if j.parent_id == scope.id)
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
        enterprise_rows.append((code, name, english.get(org_id, ""), figures, rows, year in f_ytd,
                                _earlier(full.get(org_id, {}), f_ytd, year)))
    graded = kpi.grades(intensity) if len(intensity) >= minimum else {}
    enterprises = tuple(EntityKpis(code, "enterprise", name, name_en, year, through, figures, rows, 1,
                                   graded.get(code), has_data, earlier)
                        for code, name, name_en, figures, rows, has_data, earlier in enterprise_rows)
    line = []
    if top.figures is not None:
        g_full, _ = _group(org_ids, full, ytd)
        energy = next((k for k in top.kpis if k.kpi == "energy_intensity"), None)
        tgt = targets_of(scope.id).get("energy_intensity")
        for y in sorted(g_full):
            on = kpi.trajectory(tgt, energy.base, y) if tgt and energy and energy.base is not None else None
            line.append((y, g_full[y].energy_intensity, on))
    nodes = [TreeNode(top.code, top.kind, top.name, top.name_en, None, top.status(), top.suppressed, top.members)]
    todo = [scope.id]
    jur_of = {o[1]: o[4] for o in orgs}
    while todo:  # breadth first: parents before their children
        parent = todo.pop(0)
        for kid in sorted(kids.get(parent, []), key=lambda k: by_id[k].code):
            row = group_row(kid)
            nodes.append(TreeNode(row.code, row.kind, row.name, row.name_en, by_id[parent].code, row.status(),
                                  row.suppressed, row.members))
            todo.append(kid)
    for e in enterprises:
        jid = jur_of.get(e.code)
        nodes.append(TreeNode(e.code, "enterprise", e.name, e.name_en, by_id[jid].code if jid in by_id else None,
                              e.status()))
    return Oversight(top, children, enterprises, minimum, tuple(line), tuple(nodes))


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
