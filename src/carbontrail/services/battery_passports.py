"""Battery passports: built from the owner's sub-models, the stored declaration of the model and plant and the
recycled content (which may come from a recycler's recovered materials), stored validated, and served by
identifier with the Annex XIII tier the asker is entitled to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.battery.declaration import compare
from carbontrail.battery.document import DeclarationDocument
from carbontrail.battery.passport import (
    Audience,
    BatteryPassport,
    JSONObject,
    carbon_footprint_submodel,
    export,
    recycled_content,
    view,
)
from carbontrail.errors import Conflict, InputError, Location, NotFound
from carbontrail.services import tenancy
from carbontrail.services.accounts import Principal
from carbontrail.services.jurisdictions import subtree_ids
from carbontrail.services.tenancy import Access
from carbontrail.services.work import Actor, unit_of_work
from carbontrail.store.models import BatteryPassportGrant, BatteryPassportRecord
from carbontrail.store.repositories import battery as repo
from carbontrail.units import quantity

#: Roles that make a principal an authority or notified body for the passports of organisations it oversees.
AUTHORITY_ORG_ROLES = frozenset({"verifier"})
AUTHORITY_JURISDICTION_ROLES = frozenset({"government_viewer"})


@dataclass(frozen=True)
class RecycledInputs:
    """Recycled content per battery: masses of cobalt, lithium, nickel, lead used in the active materials, the
    pre-consumer part, and the post-consumer part, given or drawn from a recycler's recovered materials spread
    over `batteries` batteries (mass balance)."""

    used_kg: Mapping[str, float]
    pre_consumer_kg: Mapping[str, float]
    post_consumer_kg: Mapping[str, float]
    recycler: str | None = None
    batteries: int | None = None


@dataclass(frozen=True)
class PassportInfo:
    """A stored passport as its owner lists it: what it describes and who was granted legitimate interest."""

    identifier: str
    model: str
    plant: str
    unit_code: str | None
    granted: tuple[str, ...]


def recovered_materials(session: Session, recycler: str) -> dict[str, float]:
    """kg of each material the recycler's 'recycled' events recovered, summed over every unit."""
    totals: dict[str, float] = {}
    for rec in repo.recovered_by(session, recycler):
        for material, kg in rec.items():
            totals[material] = totals.get(material, 0.0) + float(kg)
    return dict(sorted(totals.items()))


def _recycled_entries(session: Session, recycled: RecycledInputs) -> list[JSONObject]:
    post = dict(recycled.post_consumer_kg)
    if recycled.recycler is not None:
        if not recycled.batteries or recycled.batteries <= 0:
            raise InputError("recovered materials are spread over a number of batteries",
                             location=Location(field="recycled_content.batteries"), expected="a positive count")
        pool = recovered_materials(session, recycled.recycler)
        if not pool:
            raise InputError(f"'{recycled.recycler}' has recorded no recovered materials",
                             location=Location(field="recycled_content.recycler"),
                             expected="a recycler whose 'recycled' events list recovered masses")
        for material in recycled.used_kg:
            if material in pool:
                post[material] = post.get(material, 0.0) + pool[material] / recycled.batteries
    return recycled_content({k: quantity(v, "kg") for k, v in recycled.used_kg.items()},
                            {k: quantity(v, "kg") for k, v in recycled.pre_consumer_kg.items()},
                            {k: quantity(v, "kg") for k, v in post.items()})


def create(sessions: sessionmaker[Session], actor: Actor, organisation: str, identifier: str, *, model: str,
           plant: str, submodels: Mapping[str, JSONObject], study_url: str = "", unit_code: str | None = None,
           recycled: RecycledInputs | None = None, grants: Sequence[str] = ()) -> JSONObject:
    """Store a passport; its carbon-footprint sub-model comes from the stored declaration of `model` at `plant`
    and its recycled content from `recycled`. Every sub-model is validated first; nothing is stored if one fails."""
    subs: dict[str, JSONObject] = {k: dict(v) for k, v in submodels.items()}
    with unit_of_work(sessions, actor) as work:
        s = work.session
        access = tenancy.access(s, actor, organisation, tenancy.DATA_WRITE)
        if repo.passport(s, identifier) is not None:
            raise Conflict(f"a passport with identifier '{identifier}' already exists")
        decl = repo.declaration(s, access.organisation_id, model, plant)
        if decl is not None:
            doc = DeclarationDocument.model_validate(decl.document)
            cmp = compare(doc.inputs(), rules=doc.rules(), classes=doc.class_table())
            subs["carbonFootprint"] = carbon_footprint_submodel(
                cmp.declaration, study_url or f"urn:carbontrail:declaration:{decl.id}:{decl.revision}")
        elif "carbonFootprint" in subs:
            raise InputError(f"the carbon footprint comes from the stored declaration of {model} at {plant}, and "
                             "there is none", location=Location(field="submodels.carbonFootprint"),
                             expected="a declaration stored first (POST …/battery/declarations)")
        if recycled is not None:
            circ = dict(subs.get("circularity") or {})
            circ["recycledContent"] = _recycled_entries(s, recycled)  # type: ignore[assignment]
            subs["circularity"] = circ
        full = export(BatteryPassport(identifier, subs))  # validates every sub-model
        row = BatteryPassportRecord(identifier=identifier, organisation_id=access.organisation_id,
                                    declaration_id=decl.id if decl else None, model=model, plant=plant,
                                    unit_code=unit_code, submodels=subs)
        s.add(row)
        s.flush()
        granted = list(dict.fromkeys(grants))
        for code in granted:
            s.add(BatteryPassportGrant(passport_id=row.id, organisation_id=tenancy.known_organisation_id(s, code)))
        work.audit("create", "battery_passport", identifier, organisation_id=access.organisation_id,
                   detail={"model": model, "plant": plant, "grants": granted})  # type: ignore[dict-item]
        return full


def create_from_spec(sessions: sessionmaker[Session], actor: Actor, organisation: str, spec: object, *,
                     file: str = "") -> JSONObject:
    """`create` from a passport file's parsed contents (examples/battery/passport-lfp-pack.yaml): what
    `carbontrail battery passport create` and the battery page's upload do. Who may write is decided first."""
    tenancy.check(sessions, actor, organisation, tenancy.DATA_WRITE)
    if not isinstance(spec, dict) or not {"identifier", "model", "plant", "submodels"} <= set(spec):
        raise InputError("the passport file lacks identifier, model, plant or submodels",
                         location=Location(file=file or None), expected="see examples/battery/passport-lfp-pack.yaml")
    if not isinstance(spec["submodels"], dict):
        raise InputError("submodels is not a mapping of sub-model name to its fields",
                         location=Location(file=file or None, field="submodels"))
    rc = spec.get("recycled_content") or None
    recycled = RecycledInputs(rc.get("used_kg", {}), rc.get("pre_consumer_kg", {}), rc.get("post_consumer_kg", {}),
                              rc.get("recycler"), rc.get("batteries")) if isinstance(rc, dict) else None
    return create(sessions, actor, organisation, str(spec["identifier"]), model=str(spec["model"]),
                  plant=str(spec["plant"]), submodels=spec["submodels"], study_url=str(spec.get("study_url", "")),
                  unit_code=spec.get("unit_code"), recycled=recycled, grants=spec.get("grants", []))


def grant(sessions: sessionmaker[Session], actor: Actor, organisation: str, identifier: str, grantee: str) -> None:
    """Recognise `grantee` as having a legitimate interest in one of the organisation's passports (sharing data:
    `tenancy.GRANT_ACCESS`, which data entry does not hold)."""
    with unit_of_work(sessions, actor) as work:
        s = work.session
        access = tenancy.access(s, actor, organisation, tenancy.GRANT_ACCESS)
        row = _owned(s, access, identifier)
        grantee_id = tenancy.known_organisation_id(s, grantee)
        if grantee_id not in repo.grantee_ids(s, row.id):
            s.add(BatteryPassportGrant(passport_id=row.id, organisation_id=grantee_id))
            work.audit("grant", "battery_passport", f"{identifier}→{grantee}", organisation_id=access.organisation_id)


def _owned(session: Session, access: Access, identifier: str) -> BatteryPassportRecord:
    row = repo.passport(session, identifier)
    if row is None or row.organisation_id != access.organisation_id:
        raise NotFound(f"organisation '{access.code}' has no battery passport '{identifier}'")
    return row


def audience_for(session: Session, principal: Principal | None, row: BatteryPassportRecord) -> Audience:
    """Annex XIII tier of the asker: authorities and notified bodies (a verifier of the owner, a government
    viewer whose jurisdiction covers it), else legitimate interest (the owner's members and the organisations
    it granted), else the public."""
    if principal is None:
        return "public"
    owner = row.organisation_id
    places: set[int] | None = None
    for g in principal.grants:
        if g.role in AUTHORITY_ORG_ROLES and g.organisation_id == owner:
            return "authority"
        if g.role in AUTHORITY_JURISDICTION_ROLES and g.jurisdiction_id is not None:
            if places is None:
                places = tenancy.organisation_jurisdictions(session, owner)
            if places & subtree_ids(session, g.jurisdiction_id):
                return "authority"
    granted = repo.grantee_ids(session, row.id)
    members = {g.organisation_id for g in principal.grants if g.organisation_id is not None
               and g.role in ("org_admin", "carbon_manager", "data_entry")}
    if owner in members or granted & members:
        return "legitimate_interest"
    return "public"


def _passport(row: BatteryPassportRecord) -> BatteryPassport:
    return BatteryPassport(row.identifier, dict(row.submodels))  # type: ignore[arg-type]


def serve(sessions: sessionmaker[Session], identifier: str, principal: Principal | None) -> JSONObject:
    """The passport as the asker may see it (the tier is named in the answer's `audience`); anyone may ask."""
    with sessions() as s:
        row = repo.passport(s, identifier)
        if row is None:
            raise NotFound(f"no battery passport with identifier '{identifier}'")
        return view(_passport(row), audience_for(s, principal, row))


def owner_view(sessions: sessionmaker[Session], actor: Actor, organisation: str, identifier: str,
               audience: Audience | None = None) -> JSONObject:
    """The owner's passport in full (validated export), or as one audience would see it."""
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, organisation, tenancy.DATA_READ)
        passport = _passport(_owned(work.session, access, identifier))
    return export(passport) if audience is None else view(passport, audience)


def _info(session: Session, r: BatteryPassportRecord) -> PassportInfo:
    return PassportInfo(r.identifier, r.model, r.plant, r.unit_code,
                        tuple(repo.grantee_codes(session, r.id)))


def list_for(sessions: sessionmaker[Session], actor: Actor, organisation: str) -> list[PassportInfo]:
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, organisation, tenancy.DATA_READ)
        return [_info(work.session, r) for r in repo.passports_of(work.session, access.organisation_id)]


def info(sessions: sessionmaker[Session], actor: Actor, organisation: str, identifier: str) -> PassportInfo:
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, organisation, tenancy.DATA_READ)
        return _info(work.session, _owned(work.session, access, identifier))
