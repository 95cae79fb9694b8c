"""Battery carbon-footprint declarations per model and plant: computed from the input document, stored with it,
and always shown beside the ISO 14067 footprint of the same battery with the gap explained line by line."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.battery.declaration import STAGE_LABELS, Comparison, Footprint, compare
from carbontrail.battery.document import DeclarationDocument, MaterialDoc
from carbontrail.errors import CalculationError, Conflict, InputError, Location, NotFound, PermissionDenied
from carbontrail.services import footprints as fps, tenancy
from carbontrail.services.work import Actor, unit_of_work
from carbontrail.store.models import BatteryDeclarationRecord, ProductFootprintResult
from carbontrail.services.footprints import current_result
from carbontrail.store.repositories import battery as repo, footprints as footprint_repo, pact as pact_repo
from carbontrail.units import magnitude

JSONDict = dict[str, object]


def _footprint_json(fp: Footprint) -> JSONDict:
    return {
        "method": fp.method,
        "total_energy_kwh": magnitude(fp.total_energy, "kWh"),
        "per_kwh": magnitude(fp.per_kwh, "kg/kWh"),
        "absolute_kg": magnitude(fp.absolute, "kg"),
        "stages": [{"stage": s.stage, "label": STAGE_LABELS[s.stage], "absolute_kg": magnitude(s.absolute, "kg"),
                    "per_kwh": magnitude(s.per_kwh, "kg/kWh"), "share": s.share} for s in fp.stages],
        "contributions": [{"stage": c.stage, "item": c.item, "kg": magnitude(c.amount, "kg"), "basis": c.basis}
                          for c in fp.contributions],
        "notes": list(fp.notes),
    }


def comparison_json(cmp: Comparison) -> JSONDict:
    """The declaration and the ISO 14067 footprint as plain JSON (kg CO2e, kWh), with the gap's lines."""
    decl = cmp.declaration
    kwh = magnitude(decl.footprint.total_energy, "kWh")
    return {
        "model": decl.battery.model, "plant": decl.battery.plant, "country": decl.battery.country,
        "category": decl.battery.category, "usable_energy_kwh": magnitude(decl.battery.usable_energy, "kWh"),
        "service_years": decl.battery.service_years, "cycles_per_year": decl.cycles_per_year,
        "rules_source": decl.rules_source,
        "performance_class": decl.performance_class.label, "class_table_source": decl.class_table_source,
        "declaration": _footprint_json(decl.footprint),
        "iso14067": _footprint_json(cmp.iso14067),
        "gap_per_kwh": magnitude(cmp.gap_per_kwh, "kg/kWh"),
        "gap_lines": [{"item": g.item, "declaration_kg": magnitude(g.declaration, "kg"),
                       "iso14067_kg": magnitude(g.iso14067, "kg"),
                       "gap_per_kwh": (magnitude(g.declaration, "kg") - magnitude(g.iso14067, "kg")) / kwh,
                       "reason": g.reason} for g in cmp.lines],
    }


@dataclass(frozen=True)
class StoredFootprint:
    """A computed product-footprint result as the footprint service stores it: kg CO2e per declared unit, the
    result's id and the model revision it was computed from, and whether the model has changed since."""

    kg_per_unit: float
    unit: str
    result_id: int | None  # None: what the model computes today, not stored yet (a re-declaration stores it)
    model: str
    model_version: str
    stale: bool = False


#: Reads organisation `organisation`'s stored footprint result of `product` (the footprint service's answer).
FootprintSource = Callable[[str, str], StoredFootprint]


def stored_footprints(session: Session, access: tenancy.Access) -> FootprintSource:
    """The footprint service's stored results as the declaring organisation may read them: its own newest result
    of a product, or a supplier's result that the supplier published over PACT and granted to it (never a result a
    supplier has not shared). `stale` says whether the model, its factors or its supplier data have changed since."""

    def read(organisation: str, product: str) -> StoredFootprint:
        where = Location(field="materials.footprint")
        org_id = tenancy.organisation_id(session, organisation)
        if org_id is None:
            raise InputError(f"there is no organisation '{organisation}'", location=where,
                             expected="the code of the supplier whose stored footprint the factor is")
        if org_id == access.organisation_id:
            if not access.allows(tenancy.INVENTORY):
                raise PermissionDenied(f"your role does not allow reading {organisation}'s footprint results")
            result = footprint_repo.newest_result(session, org_id, product)
            if result is None:
                raise InputError(f"{organisation} has no stored footprint result of {product}", location=where,
                                 expected="a product footprint computed and kept (publish it, or record it)")
        else:
            shared = pact_repo.shared_result(session, org_id, access.organisation_id, product)
            if shared is None:
                raise InputError(f"{organisation} shares no footprint of {product} made from a stored result with "
                                 f"{access.code}", location=where,
                                 expected="a PACT footprint the supplier published from its computed result and "
                                          "granted to you")
            result = shared[1]
        now = current_result(session, result)
        return StoredFootprint(result.fossil_kg_per_unit, result.unit, result.id, result.model_key,
                               result.model_version or result.model_digest[:12],
                               stale=now is None or now[1] != result.inputs_digest)

    return read


def with_stored_footprints(doc: DeclarationDocument, footprints: FootprintSource | None) -> DeclarationDocument:
    """The document with every material that names a stored footprint taking its factor from that result (so the
    declaration's input is the computed, stored number, never one typed beside it)."""
    if not any(m.footprint for m in doc.materials):
        return doc
    materials = []
    for n, m in enumerate(doc.materials):
        if m.footprint is None:
            materials.append(m)
            continue
        where = Location(field=f"materials.{n}.footprint")
        if footprints is None:
            raise InputError(f"material '{m.name}' takes its factor from {m.footprint.organisation}'s stored "
                             f"footprint of {m.footprint.product}, and no footprint service was given to read it",
                             location=where, expected="the footprint service's stored results")
        try:
            found = footprints(m.footprint.organisation, m.footprint.product)
        except InputError as exc:
            raise InputError(exc.reason, location=where, expected=exc.expected) from None
        if found.unit not in ("kg", "kilogram"):
            raise InputError(f"the stored footprint of {m.footprint.product} is per {found.unit}, not per kg",
                             location=where, expected="a footprint per kg of material")
        made = f"stored product-footprint result {found.result_id}" if found.result_id is not None else \
            "product-footprint result computed today, not stored"
        source = (f"{made} of {m.footprint.organisation} (model {found.model} revision {found.model_version})"
                  + (" — out of date" if found.stale else ""))
        factor = m.factor.model_copy(update={"value": found.kg_per_unit, "source": source[:200],
                                             "version": found.model_version[:64]})
        ref = m.footprint.model_copy(update={"result_id": found.result_id})
        materials.append(m.model_copy(update={"factor": factor, "company_specific": True, "footprint": ref}))
    return doc.model_copy(update={"materials": materials})


def _finite(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def compute(doc: DeclarationDocument) -> JSONDict:
    """The declaration beside ISO 14067 for a document (no storage): what `carbontrail battery declaration` shows."""
    result = comparison_json(compare(doc.inputs(), rules=doc.rules(), classes=doc.class_table()))
    if not _finite(result):
        raise CalculationError("the inputs give a footprint that is not a finite number (a total near zero)")
    return result


def preview(sessions: sessionmaker[Session], actor: Actor, organisation: str | None,
            doc: DeclarationDocument) -> JSONDict:
    """The declaration `save` would store, computed without storing: materials naming a stored footprint read the
    results `organisation` may see; without an organisation such a document is refused (never the typed factor)."""
    if organisation is None:
        return compute(with_stored_footprints(doc, None))
    with sessions() as s:
        access = tenancy.access(s, actor, organisation, tenancy.DATA_READ)
        return compute(with_stored_footprints(doc, stored_footprints(s, access)))


def current_footprints(session: Session, access: tenancy.Access, *, record: bool = False) -> FootprintSource:
    """What a re-declaration reads: the stored results `stored_footprints` gives, except that the organisation's own
    result whose model, factors or supplier data changed since is replaced by what the model computes today (kept as
    a new stored result when `record`). A supplier's number is only ever the one it shares: until the supplier
    publishes a new version, its shared result stays current."""
    stored = stored_footprints(session, access)

    def read(organisation: str, product: str) -> StoredFootprint:
        found = stored(organisation, product)
        if not found.stale or found.result_id is None \
                or tenancy.organisation_id(session, organisation) != access.organisation_id:
            return found
        row = session.get(ProductFootprintResult, found.result_id)
        assert row is not None  # stored_footprints has just read it
        if record:
            new = fps.record_result_in(session, access.organisation_id, row.model_key, row.product,
                                       fps.Options(row.allocation, row.boundary, row.assessment))  # type: ignore[arg-type]
            return StoredFootprint(new.fossil_kg_per_unit, new.unit, new.id, new.model_key,
                                   new.model_version or new.model_digest[:12])
        now = current_result(session, row)
        if now is None:
            raise InputError(f"the model '{row.model_key}' of {organisation}'s stored result {row.id} of {product} "
                             "is gone", location=Location(field="materials.footprint"),
                             expected="the product model the result was computed from")
        return StoredFootprint(now[0], row.unit, None, row.model_key, found.model_version, stale=True)

    return read


_LEGACY_RESULT = re.compile(r"^stored product-footprint result (\d+) ")


def _used_result(m: MaterialDoc) -> int | None:
    """The stored result a stored material used (declarations stored before the id was kept name it in the
    factor's source only)."""
    if m.footprint is not None and m.footprint.result_id is not None:
        return m.footprint.result_id
    found = _LEGACY_RESULT.match(m.factor.source)
    return int(found.group(1)) if found else None


@dataclass(frozen=True)
class StaleInput:
    """An input of a stored declaration that has changed since: the stored footprint it used and the one it would
    use now (kg CO2e per kg of material; `current_kg_per_kg` None when it can no longer be read)."""

    material: str
    organisation: str
    product: str
    used_kg_per_kg: float
    used_result_id: int | None
    current_kg_per_kg: float | None
    current_result_id: int | None  # None: computed today, stored by the re-declaration (or unavailable)
    reason: str


@dataclass(frozen=True)
class Freshness:
    """A stored declaration against the store today: its stale inputs, and the declaration they would give (kg CO2e
    per kWh, per battery, class); every figure computed when it is read, none of it stored."""

    stale_inputs: tuple[StaleInput, ...]
    per_kwh: float | None = None  # the declaration's total it would become (None: up to date, or not computable)
    absolute_kg: float | None = None
    performance_class: str | None = None
    note: str = ""

    @property
    def stale(self) -> bool:
        return bool(self.stale_inputs)


def _freshness(session: Session, access: tenancy.Access, doc: DeclarationDocument) -> Freshness:
    """Compare each material naming a stored footprint with what it would read today (computed, not stored)."""
    if not any(m.footprint for m in doc.materials):
        return Freshness((), note="no input is taken from a stored footprint result: store a new input instead")
    if not access.allows(tenancy.INVENTORY) and any(
            m.footprint and tenancy.organisation_id(session, m.footprint.organisation) == access.organisation_id
            for m in doc.materials):
        return Freshness((), note="your role does not allow reading footprint results: not checked")
    read = current_footprints(session, access)
    seen: dict[tuple[str, str], StoredFootprint] = {}
    stale: list[StaleInput] = []
    for m in doc.materials:
        if m.footprint is None:
            continue
        used = _used_result(m)
        org, product = m.footprint.organisation, m.footprint.product
        try:
            now = seen[(org, product)] if (org, product) in seen else read(org, product)
        except (InputError, PermissionDenied, CalculationError) as exc:
            reason = exc.reason if isinstance(exc, InputError) else str(exc)
            stale.append(StaleInput(m.name, org, product, m.factor.value, used, None, None, reason))
            continue
        seen[(org, product)] = now
        if now.result_id == used and now.kg_per_unit == m.factor.value:
            continue
        if now.result_id is None:
            reason = (f"model '{now.model}' of {org}, its factors or its supplier data changed since result {used}; "
                      "re-declaring stores the result it computes today")
        elif tenancy.organisation_id(session, org) == access.organisation_id:
            reason = f"{org} stored a newer result {now.result_id} of {product}"
        else:
            reason = f"{org} shares a new footprint of {product} with you, made from its result {now.result_id}"
        stale.append(StaleInput(m.name, org, product, m.factor.value, used, now.kg_per_unit, now.result_id, reason))
    if not stale:
        return Freshness(())
    if any(i.current_kg_per_kg is None for i in stale):
        return Freshness(tuple(stale), note="an input can no longer be read: re-declaring is refused until it can")
    then = compute(with_stored_footprints(doc, lambda org, product: seen[(org, product)]))
    return Freshness(tuple(stale), float(then["declaration"]["per_kwh"]),  # type: ignore[index]
                     float(then["declaration"]["absolute_kg"]), str(then["performance_class"]))  # type: ignore[index]


@dataclass(frozen=True)
class Revision:
    """One revision of a declaration, as the list of revisions shows it."""

    id: int
    revision: int
    created_at: datetime
    per_kwh: float


@dataclass(frozen=True)
class PassportShowing:
    """A battery passport whose carbon-footprint sub-model was made from a revision of this declaration (a
    published passport never changes by itself: a new revision leaves it showing the old one)."""

    identifier: str
    declaration_id: int
    revision: int


@dataclass(frozen=True)
class DeclarationHead:
    """One revision of a battery model's declaration at a plant, and what it computed."""

    id: int
    organisation: str
    model: str
    plant: str
    revision: int
    created_at: datetime
    result: JSONDict


@dataclass(frozen=True)
class StoredDeclaration(DeclarationHead):
    document: JSONDict
    previous_id: int | None = None
    next_id: int | None = None  # the revision that replaced this one
    revisions: tuple[Revision, ...] = ()
    passports: tuple[PassportShowing, ...] = ()
    freshness: Freshness | None = None  # computed when one declaration is read (`get`), not when listed

    @property
    def per_kwh(self) -> float:
        return float(self.result["declaration"]["per_kwh"])  # type: ignore[index]

    @property
    def iso14067_per_kwh(self) -> float:
        return float(self.result["iso14067"]["per_kwh"])  # type: ignore[index]

    @property
    def performance_class(self) -> str:
        return str(self.result["performance_class"])

    @property
    def current(self) -> bool:
        return self.next_id is None

    @property
    def passports_on_older(self) -> tuple[PassportShowing, ...]:
        """The passports that show an older revision than this one."""
        return tuple(p for p in self.passports if p.revision < self.revision)


def _stored(row: BatteryDeclarationRecord, org: str) -> StoredDeclaration:
    return StoredDeclaration(row.id, org, row.model, row.plant, row.revision, row.created_at, dict(row.result),
                             dict(row.document), previous_id=row.previous_id)


def _detailed(session: Session, access: tenancy.Access, row: BatteryDeclarationRecord) -> StoredDeclaration:
    """The revision with its neighbours, the passports made from any revision, and (the newest revision only)
    what has changed since, read from the store now."""
    chain = repo.declaration_revisions(session, access.organisation_id, row.model, row.plant)
    later = [r for r in chain if r.previous_id == row.id]
    number = {r.id: r.revision for r in chain}
    shown = tuple(PassportShowing(identifier, decl_id, number[decl_id])
                  for identifier, decl_id in repo.passports_of_declarations(session, list(number)))
    fresh = None if later else _freshness(session, access, DeclarationDocument.model_validate(row.document))
    return replace(_stored(row, access.code), next_id=later[0].id if later else None, passports=shown,
                   revisions=tuple(Revision(r.id, r.revision, r.created_at, r.per_kwh) for r in chain),
                   freshness=fresh)


def _add_revision(session: Session, access: tenancy.Access, doc: DeclarationDocument, result: JSONDict,
                  previous: BatteryDeclarationRecord | None) -> BatteryDeclarationRecord:
    row = BatteryDeclarationRecord(organisation_id=access.organisation_id, model=doc.battery.model,
                                   plant=doc.battery.plant, revision=previous.revision + 1 if previous else 1,
                                   previous_id=previous.id if previous else None,
                                   document=doc.model_dump(mode="json"), result=result,
                                   per_kwh=float(result["declaration"]["per_kwh"]),  # type: ignore[index]
                                   iso_per_kwh=float(result["iso14067"]["per_kwh"]),  # type: ignore[index]
                                   performance_class=str(result["performance_class"]))
    session.add(row)
    session.flush()
    return row


def save(sessions: sessionmaker[Session], actor: Actor, organisation: str, doc: DeclarationDocument, *,
         footprints: FootprintSource | None = None) -> StoredDeclaration:
    """Compute and store the declaration of `doc`'s model and plant for `organisation`; a new input for the same
    model and plant is its next revision (the previous one stays readable, and passports made from it keep showing
    it). Materials naming a stored footprint take their factor from `footprints` (by default the footprint
    service's stored results the organisation may read). Nothing is stored if the computation refuses."""
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, organisation, tenancy.DATA_WRITE)
        doc = with_stored_footprints(doc, footprints or stored_footprints(work.session, access))
        result = compute(doc)
        previous = repo.declaration(work.session, access.organisation_id, doc.battery.model, doc.battery.plant,
                                    for_update=True)
        row = _add_revision(work.session, access, doc, result, previous)
        work.audit("create" if previous is None else "update", "battery_declaration", f"{row.model}@{row.plant}",
                   organisation_id=access.organisation_id,
                   detail={"revision": row.revision, "per_kwh": row.per_kwh})
        return _stored(row, organisation)


def _own(session: Session, access: tenancy.Access, declaration_id: int) -> BatteryDeclarationRecord:
    row = session.get(BatteryDeclarationRecord, declaration_id) if 0 < declaration_id < 2**31 else None
    if row is None or row.organisation_id != access.organisation_id:
        raise NotFound(f"organisation '{access.code}' has no battery declaration {declaration_id}")
    return row


def redeclare(sessions: sessionmaker[Session], actor: Actor, organisation: str,
              declaration_id: int) -> StoredDeclaration:
    """The next revision of a declaration made from the current stored results: every material naming a stored
    footprint reads it again (the organisation's own model, if it changed since, is computed and its result kept;
    a supplier's number is the footprint it shares now), and the rest of the input stays as it was. The old
    revision stays readable, linked from the new one; passports made from it keep showing it. Refused when no
    input has changed (Conflict), when the declaration has a newer revision, or when an input can no longer be
    read (InputError); the permission is the one storing a declaration needs."""
    with unit_of_work(sessions, actor) as work:
        s = work.session
        access = tenancy.access(s, actor, organisation, tenancy.DATA_WRITE)
        row = _own(s, access, declaration_id)
        newest = repo.declaration(s, access.organisation_id, row.model, row.plant, for_update=True)
        if newest is not None and newest.id != row.id:
            raise Conflict(f"declaration {row.id} is revision {row.revision} of {row.model} at {row.plant}; "
                           f"revision {newest.revision} (declaration {newest.id}) replaced it: re-declare that one")
        doc = DeclarationDocument.model_validate(row.document)
        fresh = _freshness(s, access, doc)
        if not fresh.stale:
            why = fresh.note or "every stored footprint it used is still the current one"
            raise Conflict(f"declaration {row.id} ({row.model} at {row.plant}, revision {row.revision}) is up to "
                           f"date: {why}; there is nothing to re-declare")
        new_doc = with_stored_footprints(doc, current_footprints(s, access, record=True))
        result = compute(new_doc)
        new = _add_revision(s, access, new_doc, result, row)
        work.audit("redeclare", "battery_declaration", f"{new.model}@{new.plant}",
                   organisation_id=access.organisation_id,
                   detail={"revision": new.revision, "previous_id": row.id, "per_kwh": new.per_kwh,
                           "previous_per_kwh": row.per_kwh,
                           "inputs": [f"{i.organisation}/{i.product}" for i in fresh.stale_inputs]})  # type: ignore[dict-item]
        return _detailed(s, access, new)


def list_for(sessions: sessionmaker[Session], actor: Actor, organisation: str) -> list[StoredDeclaration]:
    """The newest revision of each of the organisation's declarations."""
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, organisation, tenancy.DATA_READ)
        return [_stored(r, organisation) for r in repo.declarations_of(work.session, access.organisation_id)]


def get(sessions: sessionmaker[Session], actor: Actor, organisation: str, declaration_id: int) -> StoredDeclaration:
    """One revision of the organisation's declarations with its other revisions, the passports made from them and,
    for the newest revision, each input that has changed since (the value used, the current one, and the total it
    would give); another organisation's answers NotFound like a missing one."""
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, organisation, tenancy.DATA_READ)
        return _detailed(work.session, access, _own(work.session, access, declaration_id))
