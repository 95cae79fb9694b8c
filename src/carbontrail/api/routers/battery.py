"""Power batteries: traced units (GB/T 34014) with their life events and deposits, Art. 7 declarations beside
ISO 14067, Battery Pass passports served by identifier with Annex XIII tiers, and residual-value sorting."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import AfterValidator, BaseModel, Field
from pydantic.dataclasses import dataclass as pydantic_dataclass

from carbontrail.battery.document import DeclarationDocument
from carbontrail.battery.traceability import Event
from carbontrail.errors import InputError, Location, NotFound
from carbontrail.http.deps import AppContext, CurrentPrincipal, organisation_access, principal_or_none
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.services import battery_declarations as declarations
from carbontrail.services import tenancy
from carbontrail.services import battery_passports as passports
from carbontrail.services import battery_residual as residual
from carbontrail.services import battery_units as units
from carbontrail.units import magnitude, quantity

router = APIRouter(tags=["battery"], responses=ERROR_RESPONSES)
ORG = "/api/organisations/{code}/battery"
# the organisation is checked before the request's parameters, so a stranger learns nothing from a validation
# error (the service checks again: it is the boundary every door shares)
READ = Depends(organisation_access(tenancy.DATA_READ))
WRITE = Depends(organisation_access(tenancy.DATA_WRITE))
RESULTS = Depends(organisation_access(tenancy.INVENTORY))


def _plausible(at: datetime) -> datetime:
    if not 1990 <= at.year <= 2100:
        raise ValueError("the date must lie between 1990 and 2100")
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


When = Annotated[datetime, AfterValidator(_plausible)]
Code = Annotated[str, Field(min_length=1, max_length=64)]
Kg = Annotated[float, Field(ge=0, le=1e7, allow_inf_nan=False)]


class RegisterIn(BaseModel):
    """Units the organisation produced: GB/T 34014 codes (all checked; none stored if one is wrong)."""

    codes: Annotated[list[Code], Field(min_length=1, max_length=10_000)]
    parent: Code | None = None
    at: When


class RegisteredOut(BaseModel):
    registered: int
    producer: str
    parent: str | None


class EventIn(BaseModel):
    """A life event recorded by the organisation holding the unit."""

    kind: Literal["sold", "installed", "maintained", "handed_over", "retired", "tested", "repacked", "recycled"]
    at: When
    to_actor: Code | None = None
    vin: Annotated[str, Field(max_length=32)] | None = None
    deposit_cny: Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)] | None = None
    new_code: Code | None = None
    recovered_kg: Annotated[dict[Annotated[str, Field(min_length=1, max_length=32)], Kg],
                            Field(max_length=20)] = {}
    note: Annotated[str, Field(max_length=500)] = ""
    measured: Annotated[dict[Annotated[str, Field(max_length=32)], Annotated[float, Field(allow_inf_nan=False)]],
                        Field(max_length=8)] = {}


class UnitOut(BaseModel):
    code: str
    status: str
    holder: str
    responsible_producer: str
    vin: str | None
    deposit_cny: float | None
    deposit_refunded: bool


@pydantic_dataclass(frozen=True)
class EventOut(units.EventHead):
    """An event as the API shows it: the deposit in yuan and the recovered materials in kg."""

    deposit_cny: float | None
    recovered_kg: dict[str, float]
    note: str


class HistoryOut(BaseModel):
    """A unit's state, its place in the pack → module → cell tree, and every event (with its original's)."""

    unit: UnitOut
    original_code: str | None
    parent: str | None
    children: list[str]
    events: list[EventOut]


class DepositsOut(BaseModel):
    producer: str
    outstanding_cny: float
    units_with_deposit: int


class FreshnessOut(BaseModel):
    """What changed since, computed from the store when asked: the stale inputs (kg CO2e per kg used and now; now
    null when it can no longer be read) and the total they would give."""

    stale: bool
    stale_inputs: list[declarations.StaleInput]
    per_kwh: float | None
    absolute_kg: float | None
    performance_class: str | None
    note: str


@pydantic_dataclass(frozen=True)
class DeclarationOut(declarations.DeclarationHead):
    previous_id: int | None = None
    next_id: int | None = None
    revisions: list[declarations.Revision] = Field(default=[])  # a copy each (pydantic copies mutable defaults)
    # each keeps showing the revision it was made from
    passports: list[declarations.PassportShowing] = Field(default=[])
    freshness: FreshnessOut | None = None  # the newest revision only (a replaced one names its successor)


class DeclarationSummary(BaseModel):
    id: int
    model: str
    plant: str
    revision: int
    per_kwh: float
    iso14067_per_kwh: float
    performance_class: str


class RecycledIn(BaseModel):
    """Per battery: kg of cobalt / lithium / nickel / lead used, pre-consumer and post-consumer recycled parts;
    `recycler` and `batteries` add that recycler's recovered materials spread over that many batteries."""

    used_kg: Annotated[dict[Annotated[str, Field(max_length=16)], Kg], Field(max_length=8)]
    pre_consumer_kg: Annotated[dict[Annotated[str, Field(max_length=16)], Kg], Field(max_length=8)] = {}
    post_consumer_kg: Annotated[dict[Annotated[str, Field(max_length=16)], Kg], Field(max_length=8)] = {}
    recycler: Code | None = None
    batteries: Annotated[int, Field(ge=1, le=10**9)] | None = None


class PassportIn(BaseModel):
    """A passport: Battery Pass v1.2 sub-models (carbonFootprint comes from the stored declaration)."""

    identifier: Annotated[str, Field(pattern=r"^[A-Za-z0-9:._\-]{3,200}$")]
    model: Annotated[str, Field(min_length=1, max_length=200)]
    plant: Annotated[str, Field(min_length=1, max_length=200)]
    unit_code: Code | None = None
    study_url: Annotated[str, Field(max_length=500)] = ""
    submodels: Annotated[dict[Annotated[str, Field(max_length=64)], dict[str, Any]], Field(max_length=8)]
    recycled_content: RecycledIn | None = None
    grants: Annotated[list[Code], Field(max_length=50)] = []


class GrantIn(BaseModel):
    organisation: Code


Fraction = Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, le=1e7, allow_inf_nan=False)]


class SoHIn(BaseModel):
    code: Code
    capacity: Fraction
    resistance_increase: Fraction
    cycles: Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]
    rated_energy_kwh: Positive
    mass_kg: Positive


Price = Annotated[float, Field(ge=0, le=1e7, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class PricesIn(BaseModel):
    cascade_price_cny_per_kwh: Price
    repurposing_cost_cny_per_kwh: Price
    material_content: Annotated[dict[Annotated[str, Field(max_length=32)], Share], Field(max_length=20)]
    recovery_rate: Annotated[dict[Annotated[str, Field(max_length=32)], Share], Field(max_length=20)]
    material_price_cny_per_kg: Annotated[dict[Annotated[str, Field(max_length=32)], Price], Field(max_length=20)]
    recycling_cost_cny_per_kg: Price
    source: Annotated[str, Field(max_length=300)] = "price model given with the batch"


class ResidualIn(BaseModel):
    """State-of-health records of retired units (capacity and resistance increase as fractions)."""

    name: Annotated[str, Field(min_length=1, max_length=200)] = "batch"
    units: Annotated[list[SoHIn], Field(min_length=1, max_length=20_000)]
    min_capacity: Share = 0.70
    max_resistance_increase: Fraction = 0.50
    max_cycles: Annotated[float, Field(ge=0, le=1e6)] = 3000.0
    prices: PricesIn | None = None


class TestedIn(BaseModel):
    """Settings for valuing the units the organisation holds from their stored tests."""

    name: Annotated[str, Field(min_length=1, max_length=200)] = "tested units"
    min_capacity: Share = 0.70
    max_resistance_increase: Fraction = 0.50
    max_cycles: Annotated[float, Field(ge=0, le=1e6)] = 3000.0
    prices: PricesIn | None = None


class ResidualUnitOut(BaseModel):
    code: str
    route: Literal["cascade", "recycling"]
    value_cny: float
    capacity: float
    resistance_increase: float
    cycles: float


class ResidualOut(BaseModel):
    name: str
    settings: dict[str, Any]
    summary: dict[str, Any]
    units: list[ResidualUnitOut]


def _unit_out(state: Any) -> UnitOut:
    return UnitOut(code=state.code, status=state.status, holder=state.holder,
                   responsible_producer=state.responsible_producer, vin=state.vin,
                   deposit_cny=magnitude(state.deposit, "yuan") if state.deposit is not None else None,
                   deposit_refunded=state.deposit_refunded)


def history_out(h: units.UnitHistory) -> HistoryOut:
    return HistoryOut(
        unit=_unit_out(h.state), original_code=h.original_code, parent=h.parent, children=list(h.children),
        events=[EventOut(**{f.name: getattr(e, f.name) for f in fields(units.EventHead)},
                         deposit_cny=magnitude(e.deposit, "yuan") if e.deposit is not None else None,
                         recovered_kg={m: magnitude(q, "kg") for m, q in e.recovered.items()}, note=e.note)
                for e in h.events])


@router.post(ORG + "/units", response_model=RegisteredOut, status_code=status.HTTP_201_CREATED, dependencies=[WRITE])
def register(code: str, body: RegisterIn, ctx: AppContext, principal: CurrentPrincipal) -> RegisteredOut:
    """Register packs, modules or cells the organisation produced (optionally all inside `parent`)."""
    n = units.register_units(ctx.sessions, principal, body.codes, code, body.at, parent=body.parent)
    return RegisteredOut(registered=n, producer=code, parent=body.parent)


@router.get(ORG + "/units", response_model=list[UnitOut], dependencies=[READ])
def held(code: str, ctx: AppContext, principal: CurrentPrincipal,
         limit: Annotated[int, Query(ge=1, le=1000)] = 200,
         offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> list[UnitOut]:
    """Units the organisation holds now."""
    return [_unit_out(u) for u in units.units_held(ctx.sessions, principal, code, limit=limit, offset=offset)]


@router.get(ORG + "/units/{unit}", response_model=HistoryOut, dependencies=[READ])
def unit_history(code: str, unit: str, ctx: AppContext, principal: CurrentPrincipal) -> HistoryOut:
    """A unit's whole history in one call (the organisation must be in its chain of custody)."""
    return history_out(units.history(ctx.sessions, principal, unit, organisation=code))


def event_of(organisation: str, body: EventIn) -> Event:
    """The core event an API body (or a page's form, parsed into the same model) describes."""
    return Event(kind=body.kind, actor=organisation, at=body.at, to_actor=body.to_actor, vin=body.vin,
                 deposit=quantity(body.deposit_cny, "yuan") if body.deposit_cny is not None else None,
                 new_code=body.new_code, recovered={m: quantity(v, "kg") for m, v in body.recovered_kg.items()},
                 note=body.note, measured=body.measured)


@router.post(ORG + "/units/{unit}/events", response_model=UnitOut, status_code=status.HTTP_201_CREATED,
             dependencies=[WRITE])
def record(code: str, unit: str, body: EventIn, ctx: AppContext, principal: CurrentPrincipal) -> UnitOut:
    """Record a life event as the organisation holding the unit; `handed_over` and `sold` pass it on, `tested`
    may carry the state of health measured (`measured`: capacity, resistance_increase, cycles, rated_energy_kwh,
    mass_kg)."""
    return _unit_out(units.record_event(ctx.sessions, principal, unit, event_of(code, body)))


@router.get(ORG + "/deposits", response_model=DepositsOut, dependencies=[READ])
def deposits(code: str, ctx: AppContext, principal: CurrentPrincipal) -> DepositsOut:
    """Deposits the organisation, as responsible producer, still holds (paid at sale, refunded on recycling)."""
    o = units.overview(ctx.sessions, principal, code, limit=1)
    return DepositsOut(producer=code, outstanding_cny=magnitude(o.deposit, "yuan"), units_with_deposit=o.deposit_units)


def _declaration_out(d: declarations.StoredDeclaration) -> DeclarationOut:
    f = d.freshness
    fresh = None if f is None else FreshnessOut(
        stale=f.stale, stale_inputs=list(f.stale_inputs), per_kwh=f.per_kwh,
        absolute_kg=f.absolute_kg, performance_class=f.performance_class, note=f.note)
    return DeclarationOut(**{f.name: getattr(d, f.name) for f in fields(declarations.DeclarationHead)},
                          previous_id=d.previous_id, next_id=d.next_id, revisions=list(d.revisions),
                          passports=list(d.passports), freshness=fresh)


@router.post(ORG + "/declarations", response_model=DeclarationOut, status_code=status.HTTP_201_CREATED,
             dependencies=[WRITE])
def declare(code: str, body: DeclarationDocument, ctx: AppContext, principal: CurrentPrincipal) -> DeclarationOut:
    """Compute and store the declaration of a battery model at a plant, beside its ISO 14067 footprint."""
    return _declaration_out(declarations.save(ctx.sessions, principal, code, body))


@router.get(ORG + "/declarations", response_model=list[DeclarationSummary], dependencies=[READ])
def list_declarations(code: str, ctx: AppContext, principal: CurrentPrincipal) -> list[DeclarationSummary]:
    return [DeclarationSummary(id=d.id, model=d.model, plant=d.plant, revision=d.revision, per_kwh=d.per_kwh,
                               iso14067_per_kwh=d.iso14067_per_kwh, performance_class=d.performance_class)
            for d in declarations.list_for(ctx.sessions, principal, code)]


@router.get(ORG + "/declarations/{declaration}", response_model=DeclarationOut, dependencies=[READ])
def get_declaration(code: str, declaration: int, ctx: AppContext, principal: CurrentPrincipal) -> DeclarationOut:
    """One revision: its other revisions, the passports made from them and, for the newest, every input that has
    changed since (value used, current value) with the total the declaration would become."""
    return _declaration_out(declarations.get(ctx.sessions, principal, code, declaration))


@router.post(ORG + "/declarations/{declaration}/redeclare", response_model=DeclarationOut,
             status_code=status.HTTP_201_CREATED, dependencies=[WRITE])
def redeclare(code: str, declaration: int, ctx: AppContext, principal: CurrentPrincipal) -> DeclarationOut:
    """The next revision from the current stored results (409 when nothing changed or a newer revision exists);
    the old revision stays readable, and passports made from it keep showing it."""
    return _declaration_out(declarations.redeclare(ctx.sessions, principal, code, declaration))


def recycled_of(rc: RecycledIn | None) -> passports.RecycledInputs | None:
    return passports.RecycledInputs(rc.used_kg, rc.pre_consumer_kg, rc.post_consumer_kg, rc.recycler,
                                    rc.batteries) if rc else None


@router.post(ORG + "/passports", response_model=dict[str, Any], status_code=status.HTTP_201_CREATED,
             dependencies=[WRITE])
def create_passport(code: str, body: PassportIn, ctx: AppContext, principal: CurrentPrincipal) -> dict[str, Any]:
    """Store a passport; answers its full export (every sub-model validated against the v1.2 JSON Schemas)."""
    return passports.create(ctx.sessions, principal, code, body.identifier, model=body.model, plant=body.plant,
                            submodels=body.submodels, study_url=body.study_url, unit_code=body.unit_code,
                            recycled=recycled_of(body.recycled_content), grants=body.grants)


@router.get(ORG + "/passports", response_model=list[passports.PassportInfo], dependencies=[READ])
def list_passports(code: str, ctx: AppContext, principal: CurrentPrincipal) -> list[passports.PassportInfo]:
    return passports.list_for(ctx.sessions, principal, code)


@router.get(ORG + "/passports/{passport}", response_model=dict[str, Any], dependencies=[READ])
def owner_passport(code: str, passport: str, ctx: AppContext, principal: CurrentPrincipal,
                   audience: Literal["full", "public", "legitimate_interest", "authority"] = "full") -> dict[str, Any]:
    """The organisation's own passport in full, or as one Annex XIII audience would see it."""
    return passports.owner_view(ctx.sessions, principal, code, passport, None if audience == "full" else audience)


@router.post(ORG + "/passports/{passport}/grants", status_code=status.HTTP_204_NO_CONTENT, dependencies=[WRITE])
def grant_passport(code: str, passport: str, body: GrantIn, ctx: AppContext, principal: CurrentPrincipal) -> Response:
    """Recognise an organisation (a customer, a repairer …) as having a legitimate interest in the passport."""
    passports.grant(ctx.sessions, principal, code, passport, body.organisation)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/api/battery/passports/{passport}", response_model=dict[str, Any])
def public_passport(passport: str, request: Request, ctx: AppContext) -> dict[str, Any]:
    """A passport by its identifier, open to anyone: the public tier for anonymous callers, legitimate interest
    for the owner's members and the organisations it granted, authorities for its verifiers and the government
    overseeing it. The answer's `audience` names the tier."""
    found = principal_or_none(request, ctx)
    return passports.serve(ctx.sessions, passport, found[0] if found else None)


def residual_settings(body: ResidualIn | TestedIn) -> residual.Settings:
    if body.min_capacity > 1:
        raise InputError("min_capacity is a fraction of rated capacity", location=Location(field="min_capacity"),
                         expected="0 to 1")
    prices = body.prices.model_dump() if body.prices else dict(residual.ILLUSTRATIVE_PRICES)
    return residual.Settings(body.min_capacity, body.max_resistance_increase, body.max_cycles, prices)


@router.post(ORG + "/residual", response_model=ResidualOut, status_code=status.HTTP_201_CREATED, dependencies=[WRITE])
def sort_residual(code: str, body: ResidualIn, ctx: AppContext, principal: CurrentPrincipal) -> ResidualOut:
    """Sort retired units into cascade use or material recycling and value each (best value first)."""
    rows = [residual.SoHRow(**u.model_dump()) for u in body.units]
    return ResidualOut.model_validate(residual.sort_units(ctx.sessions, principal, code, rows,
                                                          residual_settings(body), body.name))


@router.post(ORG + "/residual/tested", response_model=ResidualOut, status_code=status.HTTP_201_CREATED,
             dependencies=[WRITE])
def assess_tested(code: str, body: TestedIn, ctx: AppContext, principal: CurrentPrincipal) -> ResidualOut:
    """Sort and value the units the organisation holds from their stored 'tested' events (the latest of each)."""
    return ResidualOut.model_validate(residual.assess_tested(ctx.sessions, principal, code, residual_settings(body),
                                                             body.name))


@router.get(ORG + "/residual", response_model=ResidualOut, dependencies=[READ])
def latest_residual(code: str, ctx: AppContext, principal: CurrentPrincipal) -> ResidualOut:
    """The organisation's latest sorted batch."""
    batch = residual.latest(ctx.sessions, principal, code)
    if batch is None:
        raise NotFound(f"organisation '{code}' has sorted no batch of retired units yet")
    return ResidualOut.model_validate(batch)
