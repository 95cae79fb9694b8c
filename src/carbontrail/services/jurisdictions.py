"""Jurisdictions (province → city → park) and the aggregates their overseers see: energy, emissions, intensities."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import CarbontrailError, Conflict, InputError, Location, NotFound
from carbontrail.services import audit
from carbontrail.services.principals import Grant
from carbontrail.store.db import transaction
from carbontrail.store.models import Facility, Jurisdiction, Organisation

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


@dataclass(frozen=True)
class JurisdictionAggregate:
    """A jurisdiction's totals for a year: the sum of its enterprises, with intensities per 10⁴ yuan value added."""

    code: str
    name: str
    name_en: str
    kind: str
    year: int
    enterprises: tuple[EnterpriseAggregate, ...] = field(default_factory=tuple)

    def _total(self, name: str) -> float:
        return sum(getattr(e, name) for e in self.enterprises if e.error is None)

    @property
    def energy_tce(self) -> float:
        return self._total("energy_tce")

    @property
    def scope1_t_co2e(self) -> float:
        return self._total("scope1_t_co2e")

    @property
    def scope2_location_t_co2e(self) -> float:
        return self._total("scope2_location_t_co2e")

    @property
    def scope2_market_t_co2e(self) -> float:
        return self._total("scope2_market_t_co2e")

    @property
    def value_added_10k_yuan(self) -> float:
        return self._total("value_added_10k_yuan")

    @property
    def energy_intensity(self) -> float | None:
        va = self.value_added_10k_yuan
        return self.energy_tce / va if va else None

    @property
    def co2_intensity(self) -> float | None:
        """(scope 1 + scope 2 location-based) per 10⁴ yuan, the basis of the provincial CO2-intensity indicator."""
        va = self.value_added_10k_yuan
        return (self.scope1_t_co2e + self.scope2_location_t_co2e) / va if va else None


def create(sessions: sessionmaker[Session], code: str, kind: str, name: str, *, name_en: str = "",
           parent: str | None = None, actor: str = "cli") -> JurisdictionNode:
    """Add a jurisdiction under `parent` (a province has none; a city sits in a province, a park in a city)."""
    if kind not in KINDS:
        raise InputError(f"'{kind}' is not a kind of jurisdiction", location=Location(field="kind"),
                         expected=", ".join(KINDS))
    if not code.strip() or not name.strip():
        raise InputError("a jurisdiction needs a code and a name", location=Location(field="code"))
    with transaction(sessions) as s:
        if s.scalar(select(Jurisdiction.id).where(Jurisdiction.code == code)) is not None:
            raise Conflict(f"a jurisdiction with code '{code}' already exists")
        parent_id = None
        if kind == "province":
            if parent:
                raise InputError("a province has no parent jurisdiction", location=Location(field="parent"))
        else:
            if not parent:
                raise InputError(f"a {kind} sits inside a {_PARENT_KIND[kind]}; name it",
                                 location=Location(field="parent"))
            up = _get(s, parent)
            if up.kind != _PARENT_KIND[kind]:
                raise InputError(f"a {kind} sits inside a {_PARENT_KIND[kind]}, and '{parent}' is a {up.kind}",
                                 location=Location(field="parent"))
            parent_id = up.id
        s.add(Jurisdiction(code=code, kind=kind, name=name, name_en=name_en, parent_id=parent_id))
        audit.record(s, actor, "create", "jurisdiction", code, detail={"kind": kind, "parent": parent})
    return JurisdictionNode(code, kind, name, name_en, parent)


def place(sessions: sessionmaker[Session], code: str, *, organisation: str, facility: str | None = None,
          actor: str = "cli") -> None:
    """Put an enterprise (or one of its facilities) inside jurisdiction `code`."""
    with transaction(sessions) as s:
        jur = _get(s, code)
        org = s.scalars(select(Organisation).where(Organisation.code == organisation)).one_or_none()
        if org is None:
            raise NotFound(f"no organisation with code '{organisation}'")
        if facility:
            fac = s.scalars(select(Facility).where(Facility.organisation_id == org.id,
                                                   Facility.code == facility)).one_or_none()
            if fac is None:
                raise NotFound(f"organisation '{organisation}' has no facility '{facility}'")
            fac.jurisdiction_id = jur.id
        else:
            org.jurisdiction_id = jur.id
        audit.record(s, actor, "place", "organisation", organisation, organisation_id=org.id,
                     detail={"jurisdiction": code, "facility": facility})


def _get(s: Session, code: str) -> Jurisdiction:
    jur = s.scalars(select(Jurisdiction).where(Jurisdiction.code == code)).one_or_none()
    if jur is None:
        raise NotFound(f"no jurisdiction with code '{code}'")
    return jur


def subtree_ids(session: Session, root_id: int) -> set[int]:
    """The ids of `root_id` and every jurisdiction below it."""
    rows = session.execute(select(Jurisdiction.id, Jurisdiction.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for jid, parent in rows:
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
    rows = session.scalars(select(Jurisdiction).order_by(Jurisdiction.code)).all()
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


def jurisdiction_id(session: Session, code: str) -> int:
    return _get(session, code).id


def overseen(session: Session, grants: Iterable[Grant]) -> set[int]:
    """Every jurisdiction inside the subtrees that park and government grants cover."""
    out: set[int] = set()
    for g in grants:
        if g.jurisdiction_id is not None:
            out |= subtree_ids(session, g.jurisdiction_id)
    return out


def require_overseen(session: Session, grants: Iterable[Grant], code: str) -> int:
    """The id of jurisdiction `code` if the grants oversee it; `NotFound` otherwise (existence is not revealed)."""
    try:
        jid = _get(session, code).id
    except NotFound:
        jid = None
    if jid is None or jid not in overseen(session, grants):
        raise NotFound(f"no jurisdiction with code '{code}'")
    return jid


def aggregate(sessions: sessionmaker[Session], code: str, year: int) -> JurisdictionAggregate:
    """Totals of every enterprise in the jurisdiction's subtree for calendar `year` (raw records stay inside)."""
    from carbontrail.services.inventory import organisation_inventory

    with sessions() as s:
        jur = _get(s, code)
        inside = subtree_ids(s, jur.id)
        orgs = s.execute(select(Organisation.id, Organisation.code, Organisation.name, Organisation.jurisdiction_id)
                         .order_by(Organisation.code)).all()
        facs = s.execute(select(Facility.organisation_id, Facility.code, Facility.jurisdiction_id)
                         .order_by(Facility.code)).all()
        header = (jur.code, jur.name, jur.name_en, jur.kind)
    members: list[tuple[str, str, tuple[str, ...] | None]] = []
    for org_id, org_code, org_name, org_jur in orgs:
        if org_jur in inside:
            members.append((org_code, org_name, None))  # the whole enterprise
            continue
        own = tuple(code_ for oid, code_, fjur in facs if oid == org_id and fjur in inside)
        if own:
            members.append((org_code, org_name, own))
    start, end = date(year, 1, 1), date(year, 12, 31)
    rows = []
    for org_code, org_name, only in members:
        try:
            results = ([organisation_inventory(sessions, org_code, start=start, end=end)] if only is None else
                       [organisation_inventory(sessions, org_code, start=start, end=end, facility=f) for f in only])
        except CarbontrailError as exc:
            rows.append(EnterpriseAggregate(org_code, org_name, only or (), error=str(exc)))
            continue
        energy = sum(r.energy_tce for r in results)
        s1 = sum(r.scope1_t for r in results)
        s2l = sum(r.scope2_location_t for r in results)
        s2m = sum(r.scope2_market_t for r in results)
        va = sum(r.value_added_10k_yuan for r in results)
        rows.append(EnterpriseAggregate(org_code, org_name, only or (), energy, s1, s2l, s2m, va,
                                        energy / va if va else None, (s1 + s2l) / va if va else None))
    return JurisdictionAggregate(*header, year=year, enterprises=tuple(rows))
