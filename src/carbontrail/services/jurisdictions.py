"""Jurisdictions (province → city → park) and the aggregates their overseers see: energy, emissions, intensities."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict, InputError, Location, NotFound, PermissionDenied
from carbontrail.services.principals import Grant
from carbontrail.services.work import Actor, SystemActor, unit_of_work
from carbontrail.store.models import Jurisdiction
from carbontrail.store.repositories import jurisdictions as repo
from carbontrail.store.repositories import organisations as organisations_repo

KINDS = ("province", "city", "park")
_PARENT_KIND = {"city": "province", "park": "city"}


@dataclass(frozen=True)
class JurisdictionNode:
    """A jurisdiction with its children, as the tree shows it."""

    code: str
    kind: str
    name: str
    name_en: str
    parent: str | None
    children: tuple[JurisdictionNode, ...] = ()


@dataclass(frozen=True)
class EnterpriseAggregate:
    """The totals of one enterprise (or of its facilities inside the jurisdiction) for a year.

    `error` is set, and the numbers are zero, when the inventory could not be computed (said, never skipped).
    """

    organisation: str
    name: str
    facilities: tuple[str, ...]
    energy_tce: float = 0.0
    scope1_t_co2e: float = 0.0
    scope2_location_t_co2e: float = 0.0
    scope2_market_t_co2e: float = 0.0
    value_added_10k_yuan: float = 0.0
    energy_intensity_tce_per_10k_yuan: float | None = None
    co2_intensity_t_per_10k_yuan: float | None = None
    error: str | None = None
    has_data: bool = True  # False: no record of the enterprise falls in the year (its zeros mean "no data")


class _EnterpriseTotal:
    """A jurisdiction's figure: the sum of its enterprises' figure of the same name (those that failed left out)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, aggregate: JurisdictionAggregate, owner: type | None = None) -> float:
        return sum(getattr(e, self.name) for e in aggregate.enterprises if e.error is None)


@dataclass(frozen=True)
class JurisdictionAggregate:
    """A jurisdiction's totals for a year: the sum of its enterprises, with intensities per 10⁴ yuan value added."""

    code: str
    name: str
    name_en: str
    kind: str
    year: int
    enterprises: tuple[EnterpriseAggregate, ...] = field(default_factory=tuple)
    years: tuple[int, ...] = ()  # the years in which any of its enterprises has records, oldest first

    @property
    def has_data(self) -> bool:
        """Whether any enterprise has records in the year (else every total means "no data", not zero)."""
        return any(e.has_data and e.error is None for e in self.enterprises)

    energy_tce = _EnterpriseTotal()
    scope1_t_co2e = _EnterpriseTotal()
    scope2_location_t_co2e = _EnterpriseTotal()
    scope2_market_t_co2e = _EnterpriseTotal()
    value_added_10k_yuan = _EnterpriseTotal()

    @property
    def energy_intensity(self) -> float | None:
        va = self.value_added_10k_yuan
        return self.energy_tce / va if va else None

    @property
    def co2_intensity(self) -> float | None:
        """(scope 1 + scope 2 location-based) per 10⁴ yuan, the basis of the provincial CO2-intensity indicator."""
        va = self.value_added_10k_yuan
        return (self.scope1_t_co2e + self.scope2_location_t_co2e) / va if va else None

    def ranking(self) -> dict[str, int]:
        """Each enterprise with a CO2 intensity, by code → its rank (1: the lowest t CO2e per 10⁴ yuan)."""
        shown = sorted((e for e in self.enterprises if e.error is None and e.has_data
                        and e.co2_intensity_t_per_10k_yuan is not None),
                       key=lambda e: e.co2_intensity_t_per_10k_yuan)  # type: ignore[arg-type, return-value]
        return {e.organisation: i for i, e in enumerate(shown, 1)}

    @property
    def earlier_year(self) -> int | None:
        """The latest year before this one in which any enterprise has records (what a comparison is made with)."""
        before = [y for y in self.years if y < self.year]
        return before[-1] if before else None


def _system_name(actor: Actor | str) -> Actor:
    # callers from before the service boundary name themselves with a word ("demo", "cli")
    return SystemActor(actor) if isinstance(actor, str) else actor


def create(sessions: sessionmaker[Session], code: str, kind: str, name: str, *, name_en: str = "",
           parent: str | None = None, actor: Actor | str = "python") -> JurisdictionNode:
    """Add a jurisdiction under `parent` (a province has none; a city sits in a province, a park in a city);
    only a platform administrator (or a command on this machine) may."""
    actor = _system_name(actor)
    if kind not in KINDS:
        raise InputError(f"'{kind}' is not a kind of jurisdiction", location=Location(field="kind"),
                         expected=", ".join(KINDS))
    if not code.strip() or not name.strip():
        raise InputError("a jurisdiction needs a code and a name", location=Location(field="code"))
    with unit_of_work(sessions, actor) as work:
        _require_platform_admin(actor)
        s = work.session
        if repo.by_code(s, code) is not None:
            raise Conflict(f"a jurisdiction with code '{code}' already exists")
        parent_id = None
        if kind == "province":
            if parent:
                raise InputError("a province has no parent jurisdiction", location=Location(field="parent"))
        else:
            if not parent:
                raise InputError(f"a {kind} sits inside a {_PARENT_KIND[kind]}; name it",
                                 location=Location(field="parent"))
            up = jurisdiction(s, parent)
            if up.kind != _PARENT_KIND[kind]:
                raise InputError(f"a {kind} sits inside a {_PARENT_KIND[kind]}, and '{parent}' is a {up.kind}",
                                 location=Location(field="parent"))
            parent_id = up.id
        s.add(Jurisdiction(code=code, kind=kind, name=name, name_en=name_en, parent_id=parent_id))
        work.audit("create", "jurisdiction", code, detail={"kind": kind, "parent": parent})
    return JurisdictionNode(code, kind, name, name_en, parent)


def place(sessions: sessionmaker[Session], code: str, *, organisation: str, facility: str | None = None,
          actor: Actor | str = "python") -> None:
    """Put an enterprise (or one of its facilities) inside jurisdiction `code`."""
    actor = _system_name(actor)
    with unit_of_work(sessions, actor) as work:
        _require_platform_admin(actor)
        s = work.session
        jur = jurisdiction(s, code)
        org = organisations_repo.by_code(s, organisation)
        if org is None:
            raise NotFound(f"no organisation with code '{organisation}'")
        if facility:
            fac = organisations_repo.facility(s, org.id, facility)
            if fac is None:
                raise NotFound(f"organisation '{organisation}' has no facility '{facility}'")
            fac.jurisdiction_id = jur.id
        else:
            org.jurisdiction_id = jur.id
        work.audit("place", "organisation", organisation, organisation_id=org.id,
                   detail={"jurisdiction": code, "facility": facility})


def _require_platform_admin(actor: Actor) -> None:
    if not actor.platform_admin:
        raise PermissionDenied("only a platform administrator may do this")


def jurisdiction(s: Session, code: str) -> Jurisdiction:
    """Jurisdiction `code` (`NotFound` when there is none)."""
    jur = repo.by_code(s, code)
    if jur is None:
        raise NotFound(f"no jurisdiction with code '{code}'")
    return jur


def subtree_ids(session: Session, root_id: int) -> set[int]:
    """The ids of `root_id` and every jurisdiction below it."""
    children: dict[int | None, list[int]] = {}
    for jid, parent in repo.parent_links(session):
        children.setdefault(parent, []).append(jid)
    out, todo = set(), [root_id]
    while todo:
        jid = todo.pop()
        if jid not in out:
            out.add(jid)
            todo.extend(children.get(jid, []))
    return out


def tree(session: Session, roots: set[int] | None = None) -> list[JurisdictionNode]:
    """The jurisdiction forest (or the subtrees under `roots`), children sorted by code."""
    rows = repo.every(session)
    by_id = {j.id: j for j in rows}
    kids: dict[int | None, list[Jurisdiction]] = {}
    for j in rows:
        kids.setdefault(j.parent_id, []).append(j)

    def build(j: Jurisdiction) -> JurisdictionNode:
        parent = by_id[j.parent_id].code if j.parent_id in by_id else None
        return JurisdictionNode(j.code, j.kind, j.name, j.name_en, parent,
                                tuple(build(c) for c in kids.get(j.id, [])))

    tops = [by_id[i] for i in sorted(roots, key=lambda i: by_id[i].code)] if roots is not None \
        else kids.get(None, [])
    return [build(j) for j in tops]


def overseen_tree(sessions: sessionmaker[Session], actor: Actor) -> list[JurisdictionNode]:
    """The jurisdictions `actor` oversees, as a tree (all of them for a platform administrator)."""
    with unit_of_work(sessions, actor) as work:
        if actor.platform_admin:
            return tree(work.session)
        return tree(work.session, {g.jurisdiction_id for g in actor.grants if g.jurisdiction_id is not None})


def overseen_subtree(sessions: sessionmaker[Session], actor: Actor, code: str) -> JurisdictionNode:
    """Jurisdiction `code` with everything below it, if `actor` oversees it (`NotFound` otherwise)."""
    with unit_of_work(sessions, actor) as work:
        if isinstance(actor, SystemActor):
            jid = jurisdiction(work.session, code).id
        else:
            jid = require_overseen(work.session, actor.grants, code)
        return tree(work.session, {jid})[0]


def jurisdiction_id(session: Session, code: str) -> int:
    return jurisdiction(session, code).id


def overseen(session: Session, grants: Iterable[Grant]) -> set[int]:
    """Every jurisdiction inside the subtrees that park and government grants cover."""
    out: set[int] = set()
    for g in grants:
        if g.jurisdiction_id is not None:
            out |= subtree_ids(session, g.jurisdiction_id)
    return out


def require_overseen(session: Session, grants: Iterable[Grant], code: str) -> int:
    """The id of jurisdiction `code` if the grants oversee it; `NotFound` otherwise (existence is not revealed)."""
    found = repo.by_code(session, code)
    if found is None or found.id not in overseen(session, grants):
        raise NotFound(f"no jurisdiction with code '{code}'")
    return found.id
