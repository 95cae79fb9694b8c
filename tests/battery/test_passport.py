"""Battery passport: every exported sub-model validates against the shipped v1.2.0 schemas, and Annex XIII
audiences see only their fields (a public view never carries a legitimate-interest or authority field)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from battery_example import inputs

from carbontrail.battery.declaration import declare
from carbontrail.battery.passport import (
    AUDIENCE_POINTS,
    FIELD_POINTS,
    SUBMODELS,
    BatteryPassport,
    carbon_footprint_submodel,
    export,
    field_point,
    recycled_content,
    submodel_fields,
    validate_submodel,
    view,
)
from carbontrail.errors import InputError
from carbontrail.units import quantity

TS = "2025-06-01T08:00:00Z"
ADDRESS = {"addressCountry": "CN", "postalCode": "610000", "streetAddress": "1 Battery Road, Chengdu"}
OPERATOR = {"contactName": "Chengdu Cell Co.", "postalAddress": ADDRESS, "identifier": "urn:op:cdcell"}


def other_submodels() -> dict[str, dict]:  # type: ignore[type-arg]
    """Hand-written payloads for a Sichuan LFP pack (our own illustrative data)."""
    return {
        "generalProductInformation": {
            "productIdentifier": "01APBAASC00001R3F0000042", "batteryPassportIdentifier": "urn:bp:cdcell42",
            "batteryCategory": "ev", "manufacturerInformation": OPERATOR, "manufacturingDate": TS,
            "batteryStatus": "Original", "batteryMass": 285.0, "manufacturingPlace": ADDRESS,
            "operatorInformation": OPERATOR, "puttingIntoService": TS, "warrentyPeriod": "--08",
        },
        "supplyChainDueDiligence": {"supplyChainDueDiligenceReport": "https://example.org/dd-report.pdf"},
        "materialComposition": {
            "batteryChemistry": {"shortName": "LFP", "clearName": "lithium iron phosphate"},
            "batteryMaterials": [{"batteryMaterialLocation": {"componentName": "cathode"},
                                  "batteryMaterialIdentifier": "7439-93-2", "batteryMaterialName": "lithium",
                                  "batteryMaterialMass": 4.2, "isCriticalRawMaterial": True}],
            "hazardousSubstances": [{"hazardousSubstanceClass": "AcuteToxicity",
                                     "hazardousSubstanceName": "lithium hexafluorophosphate",
                                     "hazardousSubstanceConcentration": 1.2,
                                     "hazardousSubstanceImpact": ["toxic if swallowed"],
                                     "hazardousSubstanceLocation": {"componentName": "electrolyte"},
                                     "hazardousSubstanceIdentifier": "21324-40-3"}],
        },
        "circularity": {
            "dismantlingAndRemovalInformation": [{"documentType": "DismantlingManual", "mimeType": "application/pdf",
                                                  "documentURL": "https://example.org/dismantling.pdf"}],
            "sparePartSources": [{"nameOfSupplier": "Chengdu Cell Co.", "addressOfSupplier": ADDRESS,
                                  "emailAddressOfSupplier": "spares@cdcell.example.com",
                                  "supplierWebAddress": "https://cdcell.example.com",
                                  "components": [{"partName": "module", "partNumber": "M-100"}]}],
            "recycledContent": [],
            "safetyMeasures": {"safetyInstructions": "https://example.org/safety.pdf",
                               "extinguishingAgent": ["water"]},
            "endOfLifeInformation": {"wastePrevention": "https://example.org/eol", "separateCollection":
                                     "https://example.org/eol", "informationOnCollection": "https://example.org/eol"},
            "renewableContent": 0.0,
        },
        "performance": json.loads((Path(__file__).parent / "performance_payload.json").read_text(encoding="utf-8")),
        "labels": {"declarationOfConformity": "https://example.org/doc.pdf",
                   "resultOfTestReport": "https://example.org/tests.pdf",
                   "labels": [{"labelingSymbol": "https://example.org/bin.svg", "labelingMeaning": {},
                               "labelingSubject": "SeparateCollection"}]},
    }


def passport() -> BatteryPassport:
    subs = other_submodels()
    subs["carbonFootprint"] = carbon_footprint_submodel(declare(inputs()), "https://example.org/cf-study.pdf")
    subs["circularity"]["recycledContent"] = recycled_content(
        used={"lithium": quantity(4.2, "kg"), "cobalt": quantity(0.5, "kg")},
        pre_consumer={"lithium": quantity(0.21, "kg")}, post_consumer={"lithium": quantity(0.42, "kg")})
    return BatteryPassport("urn:bp:cdcell42", subs)


def test_every_submodel_of_an_export_validates() -> None:
    doc = export(passport())
    assert set(SUBMODELS) <= set(doc)
    for name in SUBMODELS:
        validate_submodel(name, doc[name])  # raises if not valid


def test_carbon_footprint_values_come_from_the_declaration() -> None:
    """Hand calculation in test_declaration: 3,453.8 kg / 28,800 kWh = 0.120 kg/kWh; stages 0.073, 0.055,
    0.002, −0.009; class B."""
    cf = export(passport())["carbonFootprint"]
    assert cf["batteryCarbonFootprint"] == 0.12
    assert [s["carbonFootprint"] for s in cf["carbonFootprintPerLifecycleStage"]] == [0.073, 0.055, 0.002, -0.009]
    assert [s["lifecycleStage"] for s in cf["carbonFootprintPerLifecycleStage"]] == [
        "RawMaterialExtraction", "MainProduction", "Distribution", "Recycling"]
    assert cf["carbonFootprintPerformanceClass"] == "B"
    assert cf["absoluteCarbonFootprint"] == 3453.8


def test_recycled_content_shares() -> None:
    """0.21 / 4.2 = 5 % pre-consumer, 0.42 / 4.2 = 10 % post-consumer; cobalt 0 %."""
    rc = export(passport())["circularity"]["recycledContent"]
    assert rc == [{"recycledMaterial": "Cobalt", "preConsumerShare": 0.0, "postConsumerShare": 0.0},
                  {"recycledMaterial": "Lithium", "preConsumerShare": 5.0, "postConsumerShare": 10.0}]
    with pytest.raises(InputError, match="does not fit"):
        recycled_content({"nickel": quantity(1, "kg")}, {"nickel": quantity(0.8, "kg")}, {"nickel": quantity(0.3, "kg")})


def test_an_invalid_submodel_is_refused_with_its_field() -> None:
    bad = passport()
    subs = copy.deepcopy(dict(bad.submodels))
    subs["generalProductInformation"]["batteryCategory"] = "car"
    with pytest.raises(InputError) as err:
        export(BatteryPassport(bad.identifier, subs))
    assert err.value.location.field == "generalProductInformation.batteryCategory"


def _paths(obj: object, prefix: str = "") -> list[str]:
    if isinstance(obj, dict):
        out = []
        for k, v in obj.items():
            out.append(prefix + k)
            out += _paths(v, prefix + k + ".")
        return out
    return []


def test_public_view_never_returns_a_restricted_field() -> None:
    public = view(passport(), "public")
    for name in SUBMODELS:
        for path in _paths(public.get(name, {})):
            point = field_point(name, path)
            assert point == 1 or any(p.startswith(path + ".") for s, p in FIELD_POINTS if s == name), (name, path)
    assert "batteryMaterials" not in public["materialComposition"]
    assert "batteryStatus" not in public["generalProductInformation"]
    assert "batteryCondition" not in public.get("performance", {})
    assert "resultOfTestReport" not in public["labels"]
    assert "sparePartSources" not in public["circularity"]
    assert public["circularity"]["safetyMeasures"] == {"extinguishingAgent": ["water"]}
    assert public["carbonFootprint"]["batteryCarbonFootprint"] == 0.12


def test_each_audience_sees_its_annex_xiii_points() -> None:
    legit = view(passport(), "legitimate_interest")
    authority = view(passport(), "authority")
    assert "batteryStatus" in legit["generalProductInformation"]          # point 4
    assert "batteryStatus" not in authority["generalProductInformation"]
    assert "resultOfTestReport" in authority["labels"]                     # point 3
    assert "resultOfTestReport" not in legit["labels"]
    for audience in (legit, authority):                                    # point 2 for both
        assert "batteryMaterials" in audience["materialComposition"]
        assert "safetyInstructions" in audience["circularity"]["safetyMeasures"]
    assert AUDIENCE_POINTS["public"] == {1}


def test_access_table_covers_every_schema_field() -> None:
    for name in SUBMODELS:
        for prop in submodel_fields(name):
            assert field_point(name, prop) is not None, (name, prop)
