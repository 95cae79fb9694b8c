"""PACT footprints made from computed product-footprint results: publish one from a stored result, see which
published footprints are out of date (their model, its factors or a supplier's footprint changed since) and by
how much, and publish the new version in one action. Footprints entered by hand stay possible, and say so.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.config import public_host
from carbontrail.errors import Conflict, InputError, Location, NotFound
from carbontrail.formats import pact
from carbontrail.inventory.records import claim_runs
from carbontrail.services import footprints as fps, tenancy
from carbontrail.services.certificate_matching import renewable_share
from carbontrail.services.pact import host
from carbontrail.services.work import Actor, unit_of_work
from carbontrail.store.models import Organisation, PactFootprint, ProductFootprintResult
from carbontrail.store.repositories import pact as repo
from carbontrail.units import read_number

COMPUTED = "computed"
BY_HAND = "entered by hand"


@dataclass(frozen=True)
class ResultInfo:
    """A stored product-footprint result: what a published number was made from."""

    id: int
    model_key: str
    model_version: str
    model_digest: str
    product: str
    unit: str
    fossil_kg_per_unit: float
    biogenic_kg_per_unit: float
    primary_data_share: float
    computed_at: dt.datetime | None


@dataclass(frozen=True)
class Freshness:
    """An Active published footprint against what its model computes today."""

    pf_id: str
    product_id: str
    product_name: str
    version: int
    published_kg: Decimal
    declared_unit: str
    source: str  # COMPUTED or BY_HAND
    result: ResultInfo | None
    current_kg: float | None  # what the model computes now (None: entered by hand, or the model is gone)
    difference_kg: float | None  # current − published
    stale: bool
    note: str = ""


@dataclass(frozen=True)
class PublishedResult:
    """The Active published footprint of a product and the stored result it was made from (battery declarations
    and registry entries read their number here)."""

    pf_id: str
    version: int
    product_id: str
    organisation: str
    published_kg: Decimal
    declared_unit: str
    result: ResultInfo
    stale: bool


def _info(row: ProductFootprintResult) -> ResultInfo:
    return ResultInfo(row.id, row.model_key, row.model_version, row.model_digest, row.product, row.unit,
                      row.fossil_kg_per_unit, row.biogenic_kg_per_unit, row.primary_data_share, row.created_at)


def values_from_result(result: ProductFootprintResult, values: pact.FootprintValues) -> pact.FootprintValues:
    """`values` (the product's identity, reference period, unit …) with the numbers the result fixes: the fossil
    GHG per declared unit and the primary-data share. (The engine reports biogenic CO2 and CH4 in one indicator,
    which PACT splits further; the biogenic fields stay as `values` gives them.) A verification covers the numbers
    it verified: where the numbers change, the new values carry no verification and no credential extension."""
    fossil = Decimal(str(round(result.fossil_kg_per_unit, 6)))
    share = Decimal(str(round(100 * result.primary_data_share, 2)))
    unverified = {} if (fossil, share) == (values.fossil_ghg, values.primary_data_share) else {
        "verification": None, "extensions": ()}
    return replace(values, fossil_ghg=fossil, primary_data_share=share, **unverified)


RENEWABLE_SCHEMA = "renewable-electricity"


def with_renewable_share(s: Session, organisation_id: int, values: pact.FootprintValues) -> pact.FootprintValues:
    """`values` with the data model extension that states the share of the organisation's electricity in the
    reference period its claimed green-electricity instruments match (annual matching), each claim with its
    transparency-log entry; without claims, none. The pcf does not use the claims: the extension says what they
    cover."""
    kept = tuple(e for e in values.extensions
                 if not str(e.get("dataSchema", "")).endswith(f"/{RENEWABLE_SCHEMA}.json"))
    org = s.get(Organisation, organisation_id)
    start = values.reference_start.date()
    end = max(start, (values.reference_end - dt.timedelta(days=1)).date())  # PACT's end is exclusive
    found = renewable_share(s, org, (start, end)) if org is not None else None
    if found is None:
        return replace(values, extensions=kept)
    matched, used, claims = found
    extension = {"specVersion": "2.0.0", "dataSchema": f"https://{public_host()}/api/ledger/schema/"
                                                       f"{RENEWABLE_SCHEMA}.json",
                 "data": {"share": round(matched / used, 6), "matchedMwh": round(matched, 6),
                          "consumptionMwh": round(used, 6), "matching": "annual",
                          "claims": [{"kind": kind, "count": n, "mwh": round(mwh, 6), "firstLogEntry": a,
                                      "lastLogEntry": b, "firstReference": first, "lastReference": last}
                                     for kind, n, mwh, a, b, first, last in claim_runs(claims)]}}
    return replace(values, extensions=(*kept, extension))


def publish_result_in(s: Session, organisation_id: int, result: ProductFootprintResult,
                      values: pact.FootprintValues, *, actor: str, status_comment: str = "") -> PactFootprint:
    """Publish (or version) a PACT footprint whose numbers are `result`'s, keeping the result's id with it, with
    the renewable electricity the organisation's claims back in the reference period."""
    if result.organisation_id != organisation_id:
        raise NotFound("no such product-footprint result of this organisation")
    row = host.publish_in(s, organisation_id, with_renewable_share(s, organisation_id, values_from_result(
        result, values)), status_comment=status_comment, actor=actor)
    row.result_id = result.id
    return row


def publish_computed(sessions: sessionmaker[Session], actor: Actor, org_code: str, values: pact.FootprintValues, *,
                     model: str, product: str, options: fps.Options = fps.Options(),
                     status_comment: str = "") -> host.Published:
    """Compute `product` of the organisation's model `model`, keep the result, and publish it with the product
    identity of `values` (its number fields are replaced by the result's)."""
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, org_code, *host.PUBLISH)
        result = fps.record_result_in(work.session, access.organisation_id, model, product, options)
        row = publish_result_in(work.session, access.organisation_id, result, values, actor=actor.actor,
                                status_comment=status_comment)
        return host.published_of(work.session, row, org_code)


def publish_product(sessions: sessionmaker[Session], actor: Actor, org_code: str, *, model: str, product: str,
                    product_id: str, product_name: str, reference_year: str, mass_kg: str = "",
                    status_comment: str = "", options: fps.Options = fps.Options()) -> host.Published:
    """Compute one declared unit of `product` of model `model`, keep the result and publish it as `product_id`
    for the calendar year `reference_year` (as the product page's form gives them: text), the organisation as the
    company; a new version when the product already has an Active footprint. `mass_kg`: the product's mass per
    declared unit (1 for a kilogram when empty)."""
    year = _whole(reference_year, "reference_year", 1990, 2100)
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, org_code, *host.PUBLISH)
        result = fps.record_result_in(work.session, access.organisation_id, model, product, options)
        unit = pact.declared_unit(result.unit)
        mass = Decimal(1) if not mass_kg.strip() and unit == "kilogram" else \
            Decimal(str(read_number(mass_kg, location=Location(field="mass_kg"))))
        company = tenancy.profile(work.session, access)
        values = pact.FootprintValues(
            product_ids=(product_id.strip(),), product_name=product_name.strip() or product,
            product_description=product_name.strip() or product, company_name=company.name_en or company.name,
            company_ids=(f"urn:carbontrail:company:{access.code}",), declared_unit=unit, declared_amount=Decimal(1),
            product_mass_kg=mass, fossil_ghg=Decimal(0), reference_start=dt.datetime(year, 1, 1, tzinfo=dt.UTC),
            reference_end=dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC))
        row = publish_result_in(work.session, access.organisation_id, result, values, actor=actor.actor,
                                status_comment=status_comment)
        return host.published_of(work.session, row, org_code)


def _whole(text: str, field: str, low: int, high: int) -> int:
    number = read_number(text, location=Location(field=field))
    if not number.is_integer() or not low <= number <= high:
        raise InputError(f"'{text}' is not a year from {low} to {high}", location=Location(field=field),
                         expected=f"a year such as {dt.date.today().year - 1}")
    return int(number)


def _freshness(s: Session, row: PactFootprint) -> Freshness:
    values = pact.values_from_json(json.loads(row.values_json))
    base = dict(pf_id=row.pf_id, product_id=values.product_ids[0], product_name=values.product_name,
                version=row.version, published_kg=values.fossil_ghg, declared_unit=values.declared_unit)
    result = s.get(ProductFootprintResult, row.result_id) if row.result_id is not None else None
    if result is None:
        return Freshness(**base, source=BY_HAND, result=None, current_kg=None, difference_kg=None, stale=False)
    now = fps.current_result(s, result)
    if now is None:
        return Freshness(**base, source=COMPUTED, result=_info(result), current_kg=None, difference_kg=None,
                         stale=True, note=f"model '{result.model_key}' or its product '{result.product}' is gone")
    current, inputs = now
    stale = inputs != result.inputs_digest
    return Freshness(**base, source=COMPUTED, result=_info(result), current_kg=current,
                     difference_kg=current - float(values.fossil_ghg), stale=stale,
                     note="the model, its factors or a supplier's footprint changed since" if stale else "")


def freshness(sessions: sessionmaker[Session], actor: Actor, org_code: str) -> list[Freshness]:
    """Every Active footprint the organisation published: made from which result, or entered by hand, and
    whether what its model computes today differs."""
    with sessions() as s:
        access = tenancy.access(s, actor, org_code, tenancy.DATA_READ)
        return [_freshness(s, r) for r in repo.active_footprints(s, access.organisation_id)]


def republish(sessions: sessionmaker[Session], actor: Actor, org_code: str, pf_id: str) -> host.Published:
    """Publish the next version of an out-of-date computed footprint from its model as it computes today: version
    n+1, precedingPfIds extended, the old version Deprecated, and every customer that had it granted the new one."""
    with unit_of_work(sessions, actor) as work:
        s = work.session
        access = tenancy.access(s, actor, org_code, *host.PUBLISH)
        row = host.own_footprint(s, access, pf_id)
        if row.status != "Active":
            raise Conflict(f"footprint {pf_id} is {row.status}: only the Active version is published anew")
        old = s.get(ProductFootprintResult, row.result_id) if row.result_id is not None else None
        if old is None:
            raise InputError(f"footprint {pf_id} was entered by hand: publish its new values by hand "
                             "(`carbontrail pact publish`)", location=Location(field="pf_id"))
        options = fps.Options(old.allocation, old.boundary, old.assessment)  # type: ignore[arg-type]
        result = fps.record_result_in(s, access.organisation_id, old.model_key, old.product, options)
        if result.id == old.id:
            raise Conflict(f"footprint {pf_id} is up to date with its model '{old.model_key}'")
        values = pact.values_from_json(json.loads(row.values_json))
        change = result.fossil_kg_per_unit - old.fossil_kg_per_unit
        new = publish_result_in(s, access.organisation_id, result, values, actor=actor.actor,
                                status_comment=f"recomputed from model '{old.model_key}': {change:+.6g} kg CO2e "
                                               f"per {values.declared_unit}")
        return host.published_of(s, new, org_code)


def published_result(sessions: sessionmaker[Session], actor: Actor, org_code: str,
                     product_id: str) -> PublishedResult:
    """The stored result behind organisation `org_code`'s Active PACT footprint of `product_id` (a PACT product
    id, or the tail after its last ':'); NotFound when none is published, InputError when it was entered by hand."""
    with sessions() as s:
        access = tenancy.access(s, actor, org_code, tenancy.INVENTORY)
        for row in repo.active_footprints(s, access.organisation_id):
            fresh = _freshness(s, row)
            if product_id in (fresh.product_id, fresh.product_id.rsplit(":", 1)[-1]):
                if fresh.result is None:
                    raise InputError(f"the footprint of '{product_id}' was entered by hand, not computed",
                                     location=Location(field="product_id"))
                return PublishedResult(fresh.pf_id, fresh.version, fresh.product_id, org_code, fresh.published_kg,
                                       fresh.declared_unit, fresh.result, fresh.stale)
    raise NotFound(f"organisation '{org_code}' has no Active footprint of '{product_id}'")
