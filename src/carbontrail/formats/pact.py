"""PACT ProductFootprint v2.3 and v3.0: build, parse and validate against the PACT OpenAPI component schemas.

The schemas are the ones the official PACT conformance tool validates with (data/pact/, MIT, WBCSD); one
version-independent `FootprintValues` turns into either version and back.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker

from carbontrail.errors import InputError, Location, NotFound

SPEC_VERSIONS = {"2": "2.3.0", "3": "3.0.0"}

# Error codes where the v2.3 prose and its OpenAPI copy disagree (docs/pact.md, "Error codes"): v2.3 follows the
# Technical Specifications' error table (§ "Error Codes": NoSuchFootprint for an unknown id) and its rule that a
# request failing for any reason not in that table, an invalid or expired token included, is BadRequest ("in all
# other cases"); v3.0 keeps its own OpenAPI enum (NotFound, AccessDenied, TokenExpired).
NOT_FOUND_CODE = {"2": "NoSuchFootprint", "3": "NotFound"}
BAD_TOKEN_CODE = {"2": "BadRequest", "3": None}  # None: the v3 route keeps AccessDenied / TokenExpired
#: Units a PACT declared unit may be (v2.3); v3.0 adds piece, hour and megabit second.
DECLARED_UNITS_V2 = ("liter", "kilogram", "cubic meter", "kilowatt hour", "megajoule", "ton kilometer",
                     "square meter")
DECLARED_UNITS_V3 = DECLARED_UNITS_V2 + ("piece", "hour", "megabit second")
#: carbontrail/pint unit → PACT declared unit
UNIT_NAMES = {"kg": "kilogram", "l": "liter", "L": "liter", "m3": "cubic meter", "m**3": "cubic meter",
              "kWh": "kilowatt hour", "MJ": "megajoule", "t*km": "ton kilometer", "tkm": "ton kilometer",
              "m2": "square meter", "m**2": "square meter", "piece": "piece", "h": "hour"}
#: UN M49 regions and sub-regions PACT accepts for `geographyRegionOrSubregion`
REGIONS = ("Africa", "Americas", "Asia", "Europe", "Oceania", "Australia and New Zealand", "Central Asia",
           "Eastern Asia", "Eastern Europe", "Latin America and the Caribbean", "Melanesia", "Micronesia",
           "Northern Africa", "Northern America", "Northern Europe", "Polynesia", "South-eastern Asia",
           "Southern Asia", "Southern Europe", "Sub-Saharan Africa", "Western Asia", "Western Europe")
#: v2 names of the cross-sectoral standards → v3 names
STANDARDS_V2_TO_V3 = {"ISO Standard 14067": "ISO14067", "ISO Standard 14044": "ISO14040-44",
                      "GHG Protocol Product standard": "GHGP-Product"}
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_SUBDIVISION = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
_URN = re.compile(r"^[uU][rR][nN]:")


@dataclass(frozen=True)
class DataQuality:
    """PACT data-quality ratings, 1 (best) to 3; v3 carries the first three, v2.3 needs all five and coverage."""

    technological: Decimal
    temporal: Decimal
    geographical: Decimal
    completeness: Decimal | None = None
    reliability: Decimal | None = None
    coverage_percent: Decimal | None = None


@dataclass(frozen=True)
class Verification:
    """Third-party assurance of a PCF (PACT Methodology ch. 5): `pcf.assurance` in v2.3 (data type Assurance),
    `pcf.verification` in v3.0 (data type Verification, renamed from Assurance, without level and boundary)."""

    provider: str
    level: str = ""  # limited | reasonable (v2.3 only)
    boundary: str = "Cradle-to-Gate"  # Gate-to-Gate | Cradle-to-Gate (v2.3 only)
    completed_at: dt.datetime | None = None
    standard: str = ""
    comments: str = ""


ASSURANCE_LEVELS = ("", "limited", "reasonable")
ASSURANCE_BOUNDARIES = ("Gate-to-Gate", "Cradle-to-Gate")


@dataclass(frozen=True)
class FootprintValues:
    """One product's footprint as a supplier states it, in either PACT version's terms.

    Emissions are kg CO2e per declared unit; carbon contents kg C per declared unit. Fossil and biogenic are
    kept apart: `pcf_excluding_biogenic` and `pcf_including_biogenic` are derived (see `pcf_excluding`).
    """

    product_ids: tuple[str, ...]
    product_name: str
    product_description: str
    company_name: str
    company_ids: tuple[str, ...]
    declared_unit: str
    declared_amount: Decimal
    product_mass_kg: Decimal
    fossil_ghg: Decimal
    reference_start: dt.datetime
    reference_end: dt.datetime
    fossil_carbon_content: Decimal = Decimal(0)
    biogenic_carbon_content: Decimal = Decimal(0)
    biogenic_non_co2: Decimal = Decimal(0)
    biogenic_uptake: Decimal = Decimal(0)  # ≤ 0: biogenic CO2 taken up and held in the product
    land_use_change: Decimal = Decimal(0)
    aircraft_ghg: Decimal | None = None
    packaging_included: bool = False
    packaging_ghg: Decimal | None = None
    classifications: tuple[str, ...] = ()
    cpc: str = ""
    geography: str = ""  # "" global, "Eastern Asia", "CN", "CN-SC"
    validity_start: dt.datetime | None = None
    validity_end: dt.datetime | None = None
    primary_data_share: Decimal | None = None  # percent
    dqr: DataQuality | None = None
    ipcc_reports: tuple[str, ...] = ("AR6",)
    standards: tuple[str, ...] = ("ISO Standard 14067",)  # v2 names; mapped to v3 names when building v3
    boundary: str = "Cradle-to-gate"
    exempted_percent: Decimal = Decimal(0)
    exempted_description: str = ""
    allocation: str = ""
    secondary_sources: tuple[tuple[str, str], ...] = ()
    comment: str = ""
    verification: Verification | None = None
    #: PACT data model extensions (objects with specVersion, dataSchema and data), e.g. the footprint's credential
    extensions: tuple[dict[str, Any], ...] = ()

    @property
    def pcf_excluding(self) -> Decimal:
        """PCF without biogenic CO2 uptake: fossil + land-use change + biogenic non-CO2 (v3.0 formula)."""
        return self.fossil_ghg + self.land_use_change + self.biogenic_non_co2

    @property
    def pcf_including(self) -> Decimal:
        return self.pcf_excluding + self.biogenic_uptake


@dataclass(frozen=True)
class Lifecycle:
    """What the host system keeps about a footprint's identity and versions."""

    pf_id: str
    version: int = 1
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    updated: dt.datetime | None = None
    status: str = "Active"
    status_comment: str = ""
    preceding_pf_ids: tuple[str, ...] = ()


def new_pf_id() -> str:
    return str(uuid.uuid4())


# -- building -------------------------------------------------------------------------------------------------


def _dec(value: Decimal) -> str:
    """A PACT decimal string: plain notation, no exponent, no trailing zeros past the point."""
    text = format(value.normalize(), "f") if value != 0 else "0"
    return "0" if text in ("-0", "") else text


def timestamp(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def geography_fields(code: str) -> dict[str, str]:
    if not code:
        return {}
    if code in REGIONS:
        return {"geographyRegionOrSubregion": code}
    if _COUNTRY.match(code):
        return {"geographyCountry": code}
    if _SUBDIVISION.match(code):
        return {"geographyCountrySubdivision": code}
    raise InputError(f"'{code}' is not a PACT geography", location=Location(field="geography"),
                     expected="a UN M49 region, an ISO 3166-1 country (CN) or an ISO 3166-2 subdivision (CN-SC)")


def validity(values: FootprintValues) -> tuple[dt.datetime, dt.datetime]:
    """The validity period: as stated, else 3 years from the reference period's end (PACT v2.3/v3.0 rule)."""
    start = values.validity_start or values.reference_end
    end = values.validity_end or _plus_years(values.reference_end, 3)
    return _aware(start), _aware(end)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _plus_years(value: dt.datetime, years: int) -> dt.datetime:
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February
        return value.replace(year=value.year + years, day=28)


def check(values: FootprintValues) -> None:
    """Reject values no PACT version can carry, naming the field."""
    def bad(name: str, reason: str, expected: str | None = None) -> InputError:
        return InputError(reason, location=Location(field=name), expected=expected)

    if not values.product_ids or not all(_URN.match(p) for p in values.product_ids):
        raise bad("product_ids", f"product ids {list(values.product_ids)} are not all URNs",
                  "at least one id like urn:pact:example.com:product-id:123")
    if not values.company_ids or not all(_URN.match(c) for c in values.company_ids):
        raise bad("company_ids", f"company ids {list(values.company_ids)} are not all URNs",
                  "at least one id like urn:pact:example.com:company-id:1")
    if not all(_URN.match(c) for c in values.classifications):
        raise bad("classifications", "product classifications must be URNs", "urn:pact:cpc:46410 or similar")
    if values.declared_unit not in DECLARED_UNITS_V3:
        raise bad("declared_unit", f"'{values.declared_unit}' is not a PACT declared unit",
                  ", ".join(DECLARED_UNITS_V3))
    if values.declared_amount <= 0:
        raise bad("declared_amount", "the declared unit amount must be greater than 0")
    for name in ("fossil_ghg", "fossil_carbon_content", "biogenic_carbon_content", "biogenic_non_co2",
                 "land_use_change", "product_mass_kg"):
        if getattr(values, name) < 0:
            raise bad(name, f"{name} is negative", "a value ≥ 0")
    if values.biogenic_uptake > 0:
        raise bad("biogenic_uptake", "biogenic CO2 uptake is a removal", "a value ≤ 0")
    if values.reference_end <= values.reference_start:
        raise bad("reference_end", "the reference period ends before it starts")
    v = values.verification
    if v is not None:
        if not v.provider.strip():
            raise bad("verification", "a verification names its provider", "the independent third party's name")
        if v.level not in ASSURANCE_LEVELS:
            raise bad("verification", f"level of assurance '{v.level}'", "limited or reasonable")
        if v.boundary not in ASSURANCE_BOUNDARIES:
            raise bad("verification", f"assurance boundary '{v.boundary}'", " or ".join(ASSURANCE_BOUNDARIES))
    for extension in values.extensions:
        if not isinstance(extension, dict) or not {"specVersion", "dataSchema", "data"} <= set(extension):
            raise bad("extensions", "a data model extension is an object with specVersion, dataSchema and data")
    if values.packaging_ghg is not None and not values.packaging_included:
        raise bad("packaging_ghg", "packaging emissions are given but not included in the PCF")
    if values.primary_data_share is not None and not 0 <= values.primary_data_share <= 100:
        raise bad("primary_data_share", "the primary data share is a percentage", "0 to 100")
    if not 0 <= values.exempted_percent <= 100:
        raise bad("exempted_percent", "the exempted share is a percentage", "0 to 100")
    geography_fields(values.geography)
    start, end = validity(values)
    if end <= start:
        raise bad("validity_end", "the validity period ends before it starts")


def to_v2(values: FootprintValues, life: Lifecycle) -> dict[str, Any]:
    """The PACT v2.3 ProductFootprint document."""
    check(values)
    if values.declared_unit not in DECLARED_UNITS_V2:
        raise InputError(f"PACT v2.3 has no declared unit '{values.declared_unit}'",
                         location=Location(field="declared_unit"), expected=", ".join(DECLARED_UNITS_V2))
    pcf: dict[str, Any] = {
        "declaredUnit": values.declared_unit,
        "unitaryProductAmount": _dec(values.declared_amount),
        "productMassPerDeclaredUnit": _dec(values.product_mass_kg),
        # v2 excludes all biogenic emissions and removals; biogenic non-CO2 sits in otherBiogenicGhgEmissions
        "pCfExcludingBiogenic": _dec(values.fossil_ghg + values.land_use_change),
        "pCfIncludingBiogenic": _dec(values.pcf_including),
        "fossilGhgEmissions": _dec(values.fossil_ghg),
        "fossilCarbonContent": _dec(values.fossil_carbon_content),
        "biogenicCarbonContent": _dec(values.biogenic_carbon_content),
        "dLucGhgEmissions": _dec(values.land_use_change),
        "otherBiogenicGhgEmissions": _dec(values.biogenic_non_co2),
        "biogenicCarbonWithdrawal": _dec(values.biogenic_uptake),
        "packagingEmissionsIncluded": values.packaging_included,
        "characterizationFactors": "AR5" if values.ipcc_reports[0] == "AR5" else "AR6",
        "ipccCharacterizationFactorsSources": list(values.ipcc_reports),
        "crossSectoralStandardsUsed": list(values.standards),
        "boundaryProcessesDescription": values.boundary,
        "referencePeriodStart": timestamp(values.reference_start),
        "referencePeriodEnd": timestamp(values.reference_end),
        "exemptedEmissionsPercent": float(values.exempted_percent),
        "exemptedEmissionsDescription": values.exempted_description,
        **geography_fields(values.geography),
    }
    _optional(pcf, values, float)
    q = values.dqr
    if q is not None and q.completeness is not None and q.reliability is not None:
        pcf["dqi"] = {"coveragePercent": float(q.coverage_percent if q.coverage_percent is not None else 100),
                      "technologicalDQR": float(q.technological), "temporalDQR": float(q.temporal),
                      "geographicalDQR": float(q.geographical), "completenessDQR": float(q.completeness),
                      "reliabilityDQR": float(q.reliability)}
    if values.verification is not None:
        pcf["assurance"] = to_assurance_v2(values.verification)
    doc: dict[str, Any] = {
        "id": life.pf_id, "specVersion": SPEC_VERSIONS["2"], "version": life.version,
        "created": timestamp(life.created), "status": life.status,
        "companyName": values.company_name, "companyIds": list(values.company_ids),
        "productDescription": values.product_description, "productIds": list(values.product_ids),
        "productCategoryCpc": values.cpc or "0", "productNameCompany": values.product_name,
        "comment": values.comment, "pcf": pcf,
    }
    _common(doc, values, life)
    return doc


def to_v3(values: FootprintValues, life: Lifecycle) -> dict[str, Any]:
    """The PACT v3.0 ProductFootprint document."""
    check(values)
    pcf: dict[str, Any] = {
        "declaredUnitOfMeasurement": values.declared_unit,
        "declaredUnitAmount": _dec(values.declared_amount),
        "productMassPerDeclaredUnit": _dec(values.product_mass_kg),
        "referencePeriodStart": timestamp(values.reference_start),
        "referencePeriodEnd": timestamp(values.reference_end),
        **geography_fields(values.geography),
        "boundaryProcessesDescription": values.boundary,
        "pcfExcludingBiogenicUptake": _dec(values.pcf_excluding),
        "pcfIncludingBiogenicUptake": _dec(values.pcf_including),
        "fossilCarbonContent": _dec(values.fossil_carbon_content),
        "biogenicCarbonContent": _dec(values.biogenic_carbon_content),
        "fossilGhgEmissions": _dec(values.fossil_ghg),
        "landUseChangeGhgEmissions": _dec(values.land_use_change),
        "biogenicCO2Uptake": _dec(values.biogenic_uptake),
        "biogenicNonCO2Emissions": _dec(values.biogenic_non_co2),
        "packagingEmissionsIncluded": values.packaging_included,
        "ipccCharacterizationFactors": list(values.ipcc_reports),
        "crossSectoralStandards": [STANDARDS_V2_TO_V3.get(s, s) for s in values.standards],
        "exemptedEmissionsPercent": _dec(values.exempted_percent),
    }
    if values.exempted_description:
        pcf["exemptedEmissionsDescription"] = values.exempted_description
    _optional(pcf, values, _dec)
    if values.dqr is not None:
        pcf["dqi"] = {"technologicalDQR": _dec(values.dqr.technological),
                      "geographicalDQR": _dec(values.dqr.geographical),
                      "temporalDQR": _dec(values.dqr.temporal)}
    if values.verification is not None:
        pcf["verification"] = {"coverage": "product level", "providerName": values.verification.provider,
                               **_verified(values.verification)}
    doc: dict[str, Any] = {
        "id": life.pf_id, "specVersion": SPEC_VERSIONS["3"], "created": timestamp(life.created),
        "status": life.status, "companyName": values.company_name, "companyIds": list(values.company_ids),
        "productDescription": values.product_description, "productIds": list(values.product_ids),
        "productNameCompany": values.product_name, "pcf": pcf,
    }
    if values.comment:
        doc["comment"] = values.comment
    _common(doc, values, life)
    return doc


def _optional(pcf: dict[str, Any], values: FootprintValues, share: Callable[[Any], Any]) -> None:
    """The optional pcf fields both versions share; `share` writes the primary-data share (v2: a number, v3: a
    decimal string)."""
    if values.aircraft_ghg is not None:
        pcf["aircraftGhgEmissions"] = _dec(values.aircraft_ghg)
    if values.packaging_ghg is not None:
        pcf["packagingGhgEmissions"] = _dec(values.packaging_ghg)
    if values.allocation:
        pcf["allocationRulesDescription"] = values.allocation
    if values.secondary_sources:
        pcf["secondaryEmissionFactorSources"] = [{"name": n, "version": v} for n, v in values.secondary_sources]
    if values.primary_data_share is not None:
        pcf["primaryDataShare"] = share(values.primary_data_share)


def to_assurance_v2(v: Verification) -> dict[str, Any]:
    """The v2.3 Assurance object (coverage: the product level, what a product footprint's verification covers)."""
    return {"assurance": True, "coverage": "product level", **({"level": v.level} if v.level else {}),
            "boundary": v.boundary, "providerName": v.provider, **_verified(v)}


def _verified(v: Verification) -> dict[str, Any]:
    """The optional fields v2.3's Assurance and v3.0's Verification share."""
    out: dict[str, Any] = {}
    if v.completed_at is not None:
        out["completedAt"] = timestamp(v.completed_at)
    if v.standard:
        out["standardName"] = v.standard
    if v.comments:
        out["comments"] = v.comments
    return out


def _common(doc: dict[str, Any], values: FootprintValues, life: Lifecycle) -> None:
    if values.extensions:
        doc["extensions"] = [dict(e) for e in values.extensions]
    if life.preceding_pf_ids:
        doc["precedingPfIds"] = list(life.preceding_pf_ids)
    if life.updated is not None and "version" in doc:
        doc["updated"] = timestamp(life.updated)
    if life.status_comment and "version" in doc:
        doc["statusComment"] = life.status_comment
    if values.validity_start is not None or values.validity_end is not None:
        start, end = validity(values)
        doc["validityPeriodStart"], doc["validityPeriodEnd"] = timestamp(start), timestamp(end)
    if values.classifications:
        doc["productClassifications"] = list(values.classifications)


def build(values: FootprintValues, life: Lifecycle, major: str) -> dict[str, Any]:
    """The document of PACT major version "2" (v2.3) or "3" (v3.0)."""
    return to_v2(values, life) if major == "2" else to_v3(values, life)


# -- validating -----------------------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def openapi(major: str) -> dict[str, Any]:
    """The PACT OpenAPI document of major version "2" (v2.3.3) or "3" (v3.0.4), as shipped in data/pact/."""
    name = {"2": "openapi_v2_3.yaml", "3": "openapi_v3_0.yaml"}[major]
    text = resources.files("carbontrail.formats").joinpath(f"data/pact/{name}").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    doc: dict[str, Any] = yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader)
    codes = doc["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
    if NOT_FOUND_CODE[major] not in codes:
        # the v2.3 OpenAPI enum lists NotFound ("# 404 NoSuchFootprint"), the specification's table NoSuchFootprint:
        # peers send either, so both validate
        codes.append(NOT_FOUND_CODE[major])
    return doc


#: the data model extensions carbontrail writes, by the name of their schema (data/pact/extensions/NAME.json)
EXTENSIONS = ("credential-extension", "renewable-electricity")


@lru_cache(maxsize=len(EXTENSIONS))
def extension_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of one of carbontrail's PACT data model extensions (its `dataSchema` URL serves it)."""
    if name not in EXTENSIONS:
        raise NotFound(f"no extension schema '{name}' (carbontrail writes {', '.join(EXTENSIONS)})")
    text = resources.files("carbontrail.formats").joinpath(f"data/pact/extensions/{name}.json").read_text(
        encoding="utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def validate_extension(extension: Mapping[str, Any]) -> None:
    """Check an extension's `data` against its carbontrail schema (named by the last part of `dataSchema`)."""
    name = str(extension.get("dataSchema", "")).rsplit("/", 1)[-1].removesuffix(".json")
    errors = sorted(Draft202012Validator(extension_schema(name), format_checker=FormatChecker())
                    .iter_errors(extension.get("data")), key=lambda e: list(e.path))
    if errors:
        raise InputError(f"extension {name}: {errors[0].message}", location=Location(field="extensions"))


def _rfc3339(instance: object) -> bool:
    """RFC 3339 date-time: a date, 'T', a time and an offset (jsonschema checks it only with an extra package)."""
    if not isinstance(instance, str):
        return True
    if not re.match(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", instance):
        return False
    try:
        dt.datetime.fromisoformat(instance.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


_FORMATS = FormatChecker(formats=list(FormatChecker.checkers))  # a copy: adding a check must not touch others
_FORMATS.checks("date-time")(_rfc3339)


@lru_cache(maxsize=16)
def validator(major: str, schema: str) -> Draft202012Validator:
    """A validator for one component schema (ProductFootprint, RequestCreatedEvent, Error …)."""
    doc = openapi(major)
    return Draft202012Validator({**doc, "$ref": f"#/components/schemas/{schema}"}, format_checker=_FORMATS)


def problems(doc: Mapping[str, Any], major: str, schema: str = "ProductFootprint") -> list[str]:
    """Every way `doc` breaks the PACT schema, as 'path: message' lines (empty when it conforms)."""
    errors = sorted(validator(major, schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(document)'}: {e.message}" for e in errors]


def validate(doc: Mapping[str, Any], major: str, schema: str = "ProductFootprint") -> None:
    """`InputError` naming the first field of `doc` that breaks the PACT v`major` schema."""
    found = problems(doc, major, schema)
    if found:
        raise InputError(f"not a PACT v{SPEC_VERSIONS[major]} {schema}: {found[0]}",
                         location=Location(field=found[0].split(":", 1)[0]))


# -- parsing --------------------------------------------------------------------------------------------------


def major_of(doc: Mapping[str, Any]) -> str:
    """"2" or "3" from a document's specVersion."""
    spec = str(doc.get("specVersion", ""))
    major = spec.split(".", 1)[0]
    if major not in SPEC_VERSIONS:
        raise InputError(f"specVersion '{spec}' is not a PACT version carbontrail reads",
                         location=Location(field="specVersion"), expected="2.x or 3.x")
    return major


def _d(value: object, name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InputError(f"'{value}' is not a number", location=Location(field=name)) from None


def _opt(pcf: Mapping[str, Any], name: str) -> Decimal | None:
    return _d(pcf[name], f"pcf/{name}") if pcf.get(name) not in (None, "") else None


def _when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def parse(doc: Mapping[str, Any]) -> tuple[FootprintValues, Lifecycle]:
    """The values and lifecycle of a PACT v2.x or v3.x ProductFootprint (validated first)."""
    major = major_of(doc)
    validate(doc, major)
    pcf = doc["pcf"]
    geography = (pcf.get("geographyCountrySubdivision") or pcf.get("geographyCountry")
                 or pcf.get("geographyRegionOrSubregion") or "")
    secondary = tuple((s["name"], s["version"]) for s in pcf.get("secondaryEmissionFactorSources", ()))
    if major == "2":
        fossil = _d(pcf["fossilGhgEmissions"], "pcf/fossilGhgEmissions")
        q = pcf.get("dqi")
        dqr = DataQuality(Decimal(str(q["technologicalDQR"])), Decimal(str(q["temporalDQR"])),
                          Decimal(str(q["geographicalDQR"])), Decimal(str(q["completenessDQR"])),
                          Decimal(str(q["reliabilityDQR"])), Decimal(str(q["coveragePercent"]))) if q else None
        values = FootprintValues(
            product_ids=tuple(doc["productIds"]), product_name=doc["productNameCompany"],
            product_description=doc["productDescription"], company_name=doc["companyName"],
            company_ids=tuple(doc["companyIds"]), declared_unit=pcf["declaredUnit"],
            declared_amount=_d(pcf["unitaryProductAmount"], "pcf/unitaryProductAmount"),
            product_mass_kg=_opt(pcf, "productMassPerDeclaredUnit") or Decimal(0),
            fossil_ghg=fossil, reference_start=_when(pcf["referencePeriodStart"]),
            reference_end=_when(pcf["referencePeriodEnd"]),
            fossil_carbon_content=_d(pcf["fossilCarbonContent"], "pcf/fossilCarbonContent"),
            biogenic_carbon_content=_d(pcf["biogenicCarbonContent"], "pcf/biogenicCarbonContent"),
            biogenic_non_co2=_opt(pcf, "otherBiogenicGhgEmissions") or Decimal(0),
            biogenic_uptake=_opt(pcf, "biogenicCarbonWithdrawal") or Decimal(0),
            land_use_change=_opt(pcf, "dLucGhgEmissions") or Decimal(0),
            aircraft_ghg=_opt(pcf, "aircraftGhgEmissions"), packaging_included=pcf["packagingEmissionsIncluded"],
            packaging_ghg=_opt(pcf, "packagingGhgEmissions"),
            classifications=tuple(doc.get("productClassifications", ())), cpc=doc["productCategoryCpc"],
            geography=geography,
            validity_start=_when(doc["validityPeriodStart"]) if doc.get("validityPeriodStart") else None,
            validity_end=_when(doc["validityPeriodEnd"]) if doc.get("validityPeriodEnd") else None,
            primary_data_share=_opt(pcf, "primaryDataShare"), dqr=dqr,
            ipcc_reports=tuple(pcf["ipccCharacterizationFactorsSources"]),
            standards=tuple(pcf["crossSectoralStandardsUsed"]), boundary=pcf["boundaryProcessesDescription"],
            exempted_percent=_d(pcf["exemptedEmissionsPercent"], "pcf/exemptedEmissionsPercent"),
            exempted_description=pcf["exemptedEmissionsDescription"],
            allocation=pcf.get("allocationRulesDescription", ""), secondary_sources=secondary,
            comment=doc.get("comment", ""))
        life = Lifecycle(doc["id"], int(doc["version"]), _when(doc["created"]),
                         _when(doc["updated"]) if doc.get("updated") else None, doc["status"],
                         doc.get("statusComment", ""), tuple(doc.get("precedingPfIds", ())))
        return values, life
    q = pcf.get("dqi")
    dqr = DataQuality(_d(q["technologicalDQR"], "dqi"), _d(q["temporalDQR"], "dqi"),
                      _d(q["geographicalDQR"], "dqi")) if q else None
    v3_to_v2 = {v: k for k, v in STANDARDS_V2_TO_V3.items()}
    values = FootprintValues(
        product_ids=tuple(doc["productIds"]), product_name=doc["productNameCompany"],
        product_description=doc["productDescription"], company_name=doc["companyName"],
        company_ids=tuple(doc["companyIds"]), declared_unit=pcf["declaredUnitOfMeasurement"],
        declared_amount=_d(pcf["declaredUnitAmount"], "pcf/declaredUnitAmount"),
        product_mass_kg=_d(pcf["productMassPerDeclaredUnit"], "pcf/productMassPerDeclaredUnit"),
        fossil_ghg=_d(pcf["fossilGhgEmissions"], "pcf/fossilGhgEmissions"),
        reference_start=_when(pcf["referencePeriodStart"]), reference_end=_when(pcf["referencePeriodEnd"]),
        fossil_carbon_content=_d(pcf["fossilCarbonContent"], "pcf/fossilCarbonContent"),
        biogenic_carbon_content=_opt(pcf, "biogenicCarbonContent") or Decimal(0),
        biogenic_non_co2=_opt(pcf, "biogenicNonCO2Emissions") or Decimal(0),
        biogenic_uptake=_opt(pcf, "biogenicCO2Uptake") or Decimal(0),
        land_use_change=_opt(pcf, "landUseChangeGhgEmissions") or Decimal(0),
        aircraft_ghg=_opt(pcf, "aircraftGhgEmissions"), packaging_included=bool(pcf.get("packagingEmissionsIncluded")),
        packaging_ghg=_opt(pcf, "packagingGhgEmissions"),
        classifications=tuple(doc.get("productClassifications", ())), geography=geography,
        validity_start=_when(doc["validityPeriodStart"]) if doc.get("validityPeriodStart") else None,
        validity_end=_when(doc["validityPeriodEnd"]) if doc.get("validityPeriodEnd") else None,
        primary_data_share=_opt(pcf, "primaryDataShare"), dqr=dqr,
        ipcc_reports=tuple(pcf["ipccCharacterizationFactors"]),
        standards=tuple(v3_to_v2.get(s, s) for s in pcf["crossSectoralStandards"]),
        boundary=pcf.get("boundaryProcessesDescription", ""),
        exempted_percent=_d(pcf["exemptedEmissionsPercent"], "pcf/exemptedEmissionsPercent"),
        exempted_description=pcf.get("exemptedEmissionsDescription", ""),
        allocation=pcf.get("allocationRulesDescription", ""), secondary_sources=secondary,
        comment=doc.get("comment", ""))
    life = Lifecycle(doc["id"], 1, _when(doc["created"]), None, doc["status"], "",
                     tuple(doc.get("precedingPfIds", ())))
    return values, life


# -- plain values in, plain values out ---------------------------------------------------------------------------


def values_to_json(values: FootprintValues) -> dict[str, Any]:
    """`values` as JSON-ready data (decimals as strings, times as ISO 8601) for storage."""
    out: dict[str, Any] = {}
    for name in FootprintValues.__dataclass_fields__:
        v = getattr(values, name)
        if isinstance(v, Decimal):
            v = str(v)
        elif isinstance(v, dt.datetime):
            v = _aware(v).isoformat()
        elif isinstance(v, DataQuality):
            v = {k: (str(x) if x is not None else None) for k, x in vars(v).items()}
        elif isinstance(v, Verification):
            v = {**vars(v), "completed_at": _aware(v.completed_at).isoformat() if v.completed_at else None}
        elif isinstance(v, tuple):
            v = [list(x) if isinstance(x, tuple) else x for x in v]
        out[name] = v
    return out


_DECIMALS = {"declared_amount", "product_mass_kg", "fossil_ghg", "fossil_carbon_content", "biogenic_carbon_content",
             "biogenic_non_co2", "biogenic_uptake", "land_use_change", "aircraft_ghg", "packaging_ghg",
             "primary_data_share", "exempted_percent"}
_TIMES = {"reference_start", "reference_end", "validity_start", "validity_end"}


def values_from_json(data: Mapping[str, Any]) -> FootprintValues:
    """The inverse of `values_to_json`; a missing or malformed field is an `InputError` naming it."""
    kwargs: dict[str, Any] = {}
    for name, f in FootprintValues.__dataclass_fields__.items():
        if name not in data:
            continue
        v = data[name]
        try:
            if v is None:
                pass
            elif name in _DECIMALS:
                v = Decimal(str(v))
            elif name in _TIMES:
                v = _aware(dt.datetime.fromisoformat(str(v).replace("Z", "+00:00")))
            elif name == "dqr":
                v = DataQuality(**{k: Decimal(str(x)) if x is not None else None for k, x in v.items()})
            elif name == "secondary_sources":
                v = tuple((str(a), str(b)) for a, b in v)
            elif name == "verification":
                when = v.get("completed_at")
                v = Verification(**{**v, "completed_at": _aware(dt.datetime.fromisoformat(
                    str(when).replace("Z", "+00:00"))) if when else None})
            elif name == "extensions":
                v = tuple(dict(x) for x in v)
            elif isinstance(f.default, tuple) or name in ("product_ids", "company_ids"):
                v = tuple(str(x) for x in ([v] if isinstance(v, str) else v))
        except (InvalidOperation, ValueError, TypeError, AttributeError) as exc:
            raise InputError(f"'{v}' is not a valid {name}: {exc}", location=Location(field=name)) from None
        kwargs[name] = v
    try:
        values = FootprintValues(**kwargs)
    except TypeError as exc:
        missing = [n for n in ("product_ids", "product_name", "product_description", "company_name", "company_ids",
                               "declared_unit", "declared_amount", "product_mass_kg", "fossil_ghg",
                               "reference_start", "reference_end") if n not in kwargs]
        raise InputError(f"the footprint lacks {', '.join(missing) or exc}",
                         location=Location(field=missing[0] if missing else None)) from None
    check(values)
    return values


def declared_unit(unit: str) -> str:
    """The PACT declared unit for a carbontrail unit ('kg' → 'kilogram'); PACT names pass through."""
    if unit in DECLARED_UNITS_V3:
        return unit
    try:
        return UNIT_NAMES[unit]
    except KeyError:
        raise InputError(f"unit '{unit}' has no PACT declared unit", location=Location(field="unit"),
                         expected=", ".join(sorted(UNIT_NAMES))) from None
