"""Battery carbon-footprint declarations per model and plant: computed from the input document, stored with it,
and always shown beside the ISO 14067 footprint of the same battery with the gap explained line by line."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.battery.declaration import STAGE_LABELS, Comparison, Footprint, compare
from carbontrail.battery.document import DeclarationDocument
from carbontrail.errors import CalculationError, InputError, Location, NotFound, PermissionDenied
from carbontrail.services import tenancy
from carbontrail.services.work import Actor, unit_of_work
from carbontrail.store.models import BatteryDeclarationRecord
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
    result_id: int
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
        source = (f"stored product-footprint result {found.result_id} of {m.footprint.organisation} "
                  f"(model {found.model} revision {found.model_version})" + (" — out of date" if found.stale else ""))
        factor = m.factor.model_copy(update={"value": found.kg_per_unit, "source": source[:200],
                                             "version": found.model_version[:64]})
        materials.append(m.model_copy(update={"factor": factor, "company_specific": True}))
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


@dataclass(frozen=True)
class StoredDeclaration:
    id: int
    organisation: str
    model: str
    plant: str
    revision: int
    created_at: datetime
    result: JSONDict
    document: JSONDict

    @property
    def per_kwh(self) -> float:
        return float(self.result["declaration"]["per_kwh"])  # type: ignore[index]

    @property
    def iso14067_per_kwh(self) -> float:
        return float(self.result["iso14067"]["per_kwh"])  # type: ignore[index]

    @property
    def performance_class(self) -> str:
        return str(self.result["performance_class"])


def _stored(row: BatteryDeclarationRecord, org: str) -> StoredDeclaration:
    return StoredDeclaration(row.id, org, row.model, row.plant, row.revision, row.created_at, dict(row.result),
                             dict(row.document))


def save(sessions: sessionmaker[Session], actor: Actor, organisation: str, doc: DeclarationDocument, *,
         footprints: FootprintSource | None = None) -> StoredDeclaration:
    """Compute and store the declaration of `doc`'s model and plant for `organisation`; a new input for the same
    model and plant replaces the old one (revision + 1). Materials naming a stored footprint take their factor from
    `footprints` (by default the footprint service's stored results the organisation may read). Nothing is stored if
    the computation refuses."""
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, organisation, tenancy.DATA_WRITE)
        doc = with_stored_footprints(doc, footprints or stored_footprints(work.session, access))
        result = compute(doc)
        row = repo.declaration(work.session, access.organisation_id, doc.battery.model, doc.battery.plant)
        created = row is None
        if row is None:
            row = BatteryDeclarationRecord(organisation_id=access.organisation_id, model=doc.battery.model,
                                           plant=doc.battery.plant, revision=1)
            work.session.add(row)
        else:
            row.revision += 1
        row.document = doc.model_dump(mode="json")
        row.result = result
        row.per_kwh = float(result["declaration"]["per_kwh"])  # type: ignore[index]
        row.iso_per_kwh = float(result["iso14067"]["per_kwh"])  # type: ignore[index]
        row.performance_class = str(result["performance_class"])
        work.session.flush()
        work.audit("create" if created else "update", "battery_declaration", f"{row.model}@{row.plant}",
                   organisation_id=access.organisation_id,
                   detail={"revision": row.revision, "per_kwh": row.per_kwh})
        return _stored(row, organisation)


def list_for(sessions: sessionmaker[Session], actor: Actor, organisation: str) -> list[StoredDeclaration]:
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, organisation, tenancy.DATA_READ)
        return [_stored(r, organisation) for r in repo.declarations_of(work.session, access.organisation_id)]


def get(sessions: sessionmaker[Session], actor: Actor, organisation: str, declaration_id: int) -> StoredDeclaration:
    """One of the organisation's declarations; another organisation's answers NotFound like a missing one."""
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, organisation, tenancy.DATA_READ)
        row = work.session.get(BatteryDeclarationRecord, declaration_id) if 0 < declaration_id < 2**31 else None
        if row is None or row.organisation_id != access.organisation_id:
            raise NotFound(f"organisation '{organisation}' has no battery declaration {declaration_id}")
        return _stored(row, organisation)
