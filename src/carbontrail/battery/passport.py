"""Battery passport: Battery Pass data model v1.2.0 sub-models as JSON, validated against the shipped JSON Schemas,
and the Annex XIII access filter that decides which fields each audience sees.

Schemas: Battery Pass Consortium, Battery Pass Data Model v1.2.0 (CC BY 4.0), copied in `data/batterypass/`.
Access (Reg. (EU) 2023/1542 Art. 77(2) and Annex XIII): point 1 is public; point 2 (detailed composition, part
numbers and spare-part sources, dismantling, safety measures) is for persons with a legitimate interest and for
notified bodies, market surveillance authorities and the Commission; point 3 (test reports proving compliance) is
for the authorities only; point 4 (state of health, status, use data of the individual battery) is for persons
with a legitimate interest. `FIELD_POINTS` maps each sub-model field to its point; unlisted fields reach no one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal, Union

import jsonschema
import pint

from carbontrail.battery.declaration import Declaration, Stage
from carbontrail.errors import InputError, Location
from carbontrail.units import magnitude

JSONValue = Union[str, int, float, bool, None, list["JSONValue"], dict[str, "JSONValue"]]
JSONObject = dict[str, JSONValue]

DATA_MODEL = "Battery Pass Data Model v1.2.0 (Battery Pass Consortium, CC BY 4.0)"
SUBMODELS: dict[str, str] = {
    "generalProductInformation": "GeneralProductInformation",
    "carbonFootprint": "CarbonFootprintForBatteries",
    "supplyChainDueDiligence": "SupplyChainDueDiligence",
    "materialComposition": "MaterialComposition",
    "circularity": "Circularity",
    "performance": "PerformanceAndDurability",
    "labels": "Labeling",
}

Audience = Literal["public", "legitimate_interest", "authority"]
AUDIENCE_POINTS: dict[Audience, frozenset[int]] = {
    "public": frozenset({1}),
    "legitimate_interest": frozenset({1, 2, 4}),
    "authority": frozenset({1, 2, 3}),
}

# (sub-model, dotted field path) → Annex XIII point. A deeper path overrides its parent.
FIELD_POINTS: dict[tuple[str, str], int] = {
    ("generalProductInformation", "productIdentifier"): 1,
    ("generalProductInformation", "batteryPassportIdentifier"): 1,
    ("generalProductInformation", "batteryCategory"): 1,
    ("generalProductInformation", "manufacturerInformation"): 1,
    ("generalProductInformation", "manufacturingDate"): 1,
    ("generalProductInformation", "batteryStatus"): 4,
    ("generalProductInformation", "batteryMass"): 1,
    ("generalProductInformation", "manufacturingPlace"): 1,
    ("generalProductInformation", "operatorInformation"): 1,
    ("generalProductInformation", "puttingIntoService"): 1,
    ("generalProductInformation", "warrentyPeriod"): 1,
    ("carbonFootprint", "batteryCarbonFootprint"): 1,
    ("carbonFootprint", "carbonFootprintPerLifecycleStage"): 1,
    ("carbonFootprint", "carbonFootprintPerformanceClass"): 1,
    ("carbonFootprint", "carbonFootprintStudy"): 1,
    ("carbonFootprint", "absoluteCarbonFootprint"): 1,
    ("supplyChainDueDiligence", "supplyChainDueDiligenceReport"): 1,
    ("supplyChainDueDiligence", "thirdPartyAussurances"): 1,
    ("supplyChainDueDiligence", "supplyChainIndicies"): 1,
    ("materialComposition", "batteryChemistry"): 1,
    ("materialComposition", "hazardousSubstances"): 1,
    ("materialComposition", "batteryMaterials"): 2,
    ("circularity", "dismantlingAndRemovalInformation"): 2,
    ("circularity", "sparePartSources"): 2,
    ("circularity", "recycledContent"): 1,
    ("circularity", "safetyMeasures"): 2,
    ("circularity", "safetyMeasures.extinguishingAgent"): 1,  # Annex VI Part A(9), public by Annex XIII 1(a)
    ("circularity", "endOfLifeInformation"): 1,
    ("circularity", "renewableContent"): 1,
    ("performance", "batteryTechicalProperties"): 1,
    ("performance", "batteryCondition"): 4,
    ("labels", "declarationOfConformity"): 1,
    ("labels", "resultOfTestReport"): 3,
    ("labels", "labels"): 1,
}

LIFECYCLE_STAGE: dict[Stage, str] = {
    "raw_material": "RawMaterialExtraction",
    "main_production": "MainProduction",
    "distribution": "Distribution",
    "end_of_life": "Recycling",
}
RECYCLED_MATERIALS: dict[str, str] = {"cobalt": "Cobalt", "lithium": "Lithium", "nickel": "Nickel", "lead": "Lead"}


@lru_cache(maxsize=None)
def schema(submodel: str) -> JSONObject:
    """The shipped JSON Schema of a sub-model (by the passport's sub-model key)."""
    if submodel not in SUBMODELS:
        raise InputError(f"unknown passport sub-model '{submodel}'", location=Location(field="submodel"),
                         expected=", ".join(SUBMODELS))
    text = resources.files("carbontrail.battery").joinpath(
        f"data/batterypass/{SUBMODELS[submodel]}-1.2.0-schema.json").read_text(encoding="utf-8")
    loaded: JSONObject = json.loads(text)
    return loaded


def validate_submodel(submodel: str, payload: JSONObject) -> None:
    """InputError naming the field path and the schema's complaint(s) when `payload` does not validate."""
    validator = jsonschema.Draft4Validator(schema(submodel), format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(payload), key=lambda e: list(e.absolute_path))
    if errors:
        shown = "; ".join(f"{'.'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
                          for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        first = ".".join(str(p) for p in errors[0].absolute_path)
        raise InputError(f"the {submodel} sub-model does not match the Battery Pass v1.2.0 schema: {shown}{more}",
                         location=Location(field=f"{submodel}.{first}" if first else submodel),
                         expected="a payload valid against " + SUBMODELS[submodel] + "-1.2.0-schema.json")


@dataclass(frozen=True)
class BatteryPassport:
    """A passport: its identifier (urn) and the sub-model payloads it has (keys of `SUBMODELS`)."""

    identifier: str
    submodels: Mapping[str, JSONObject]


def export(passport: BatteryPassport) -> JSONObject:
    """The full passport as JSON; every sub-model is validated against its schema first (nothing half-valid)."""
    for name, payload in passport.submodels.items():
        validate_submodel(name, payload)
    return {"passportIdentifier": passport.identifier, "dataModel": DATA_MODEL,
            **{name: passport.submodels[name] for name in SUBMODELS if name in passport.submodels}}


def field_point(submodel: str, path: str) -> int | None:
    """The Annex XIII point of a field (longest listed prefix), or None when the table does not list it."""
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        point = FIELD_POINTS.get((submodel, ".".join(parts[:n])))
        if point is not None:
            return point
    return None


def _filter(submodel: str, obj: JSONObject, prefix: str, points: frozenset[int]) -> JSONObject:
    out: JSONObject = {}
    for key, value in obj.items():
        path = f"{prefix}{key}"
        deeper = any(s == submodel and p.startswith(path + ".") for s, p in FIELD_POINTS)
        if deeper and isinstance(value, dict):
            kept = _filter(submodel, value, path + ".", points)
            if kept:
                out[key] = kept
        elif field_point(submodel, path) in points:
            out[key] = value
    return out


def view(passport: BatteryPassport, audience: Audience) -> JSONObject:
    """The passport as `audience` may see it: only fields whose Annex XIII point the audience has access to.
    A view leaves out fields, so a non-public view of a sub-model is partial by design."""
    if audience not in AUDIENCE_POINTS:
        raise InputError(f"unknown audience '{audience}'", location=Location(field="audience"),
                         expected=", ".join(AUDIENCE_POINTS))
    points = AUDIENCE_POINTS[audience]
    full = export(passport)
    out: JSONObject = {"passportIdentifier": full["passportIdentifier"], "dataModel": DATA_MODEL,
                       "audience": audience}
    for name in SUBMODELS:
        payload = full.get(name)
        if isinstance(payload, dict):
            kept = _filter(name, payload, "", points)
            if kept:
                out[name] = kept
    return out


def carbon_footprint_submodel(declaration: Declaration, study_url: str) -> JSONObject:
    """The CarbonFootprint sub-model from a declaration (kg CO2e per kWh, per stage and in total)."""
    fp = declaration.footprint
    payload: JSONObject = {
        "batteryCarbonFootprint": round(magnitude(fp.per_kwh, "kg/kWh"), 3),
        "carbonFootprintPerLifecycleStage": [
            {"lifecycleStage": LIFECYCLE_STAGE[s.stage], "carbonFootprint": round(magnitude(s.per_kwh, "kg/kWh"), 3)}
            for s in fp.stages
        ],
        "carbonFootprintPerformanceClass": declaration.performance_class.label,
        "carbonFootprintStudy": study_url,
        "absoluteCarbonFootprint": round(magnitude(fp.absolute, "kg"), 3),
    }
    validate_submodel("carbonFootprint", payload)
    return payload


def recycled_content(used: Mapping[str, pint.Quantity], pre_consumer: Mapping[str, pint.Quantity],
                     post_consumer: Mapping[str, pint.Quantity]) -> list[JSONObject]:
    """recycledContent entries: % of each of cobalt, lithium, nickel, lead in the active materials that was
    recovered from manufacturing waste (pre-consumer) and from waste batteries (post-consumer)."""
    entries: list[JSONObject] = []
    for key, label in RECYCLED_MATERIALS.items():
        if key not in used:
            continue
        total = magnitude(used[key], "kg", location=Location(field=f"used.{key}"))
        pre = magnitude(pre_consumer.get(key, 0 * used[key]), "kg", location=Location(field=f"pre.{key}"))
        post = magnitude(post_consumer.get(key, 0 * used[key]), "kg", location=Location(field=f"post.{key}"))
        if total <= 0 or pre < 0 or post < 0 or pre + post > total:
            raise InputError(f"recycled {key} ({pre + post:g} kg) does not fit in the {total:g} kg used",
                             location=Location(field=f"recycled.{key}"),
                             expected="0 ≤ pre-consumer + post-consumer ≤ mass used")
        entries.append({"recycledMaterial": label, "preConsumerShare": round(100 * pre / total, 2),
                        "postConsumerShare": round(100 * post / total, 2)})
    return entries


def submodel_fields(submodel: str) -> Sequence[str]:
    """The top-level properties the schema defines for a sub-model (for completeness checks and forms)."""
    props = schema(submodel).get("properties")
    return list(props) if isinstance(props, dict) else []
