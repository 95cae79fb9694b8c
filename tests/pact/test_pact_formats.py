"""PACT v2.3 / v3.0 ProductFootprint builders and parsers, and the Catena-X PCF 7.0.0 mapping (pure, no database).

The example: 1 kg of LFP cathode, fossil 8.20, land-use change 0.30, biogenic non-CO2 0.05 and biogenic uptake
−1.20 kg CO2e/kg. By hand:
  v3.0 pcfExcludingBiogenicUptake = 8.20 + 0.30 + 0.05 = 8.55;  pcfIncludingBiogenicUptake = 8.55 − 1.20 = 7.35
  v2.3 pCfExcludingBiogenic = 8.20 + 0.30 = 8.5 (no biogenic at all);  pCfIncludingBiogenic = 7.35
  Catena-X carbonContentTotal = 0.02 + 0.3 = 0.32 kg C
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from carbontrail.errors import InputError
from carbontrail.formats import catenax, pact

REFERENCE = Path(str(resources.files("carbontrail.formats") / "data" / "pact"))
UTC = dt.UTC


def example(**changes: object) -> pact.FootprintValues:
    base = dict(product_ids=("urn:pact:sh-lfp.example:product-id:LFP-C1",), product_name="磷酸铁锂正极 LFP-C1",
                product_description="LFP cathode powder", company_name="射洪正极", company_ids=(
                    "urn:pact:sh-lfp.example:company-id:1",), declared_unit="kilogram", declared_amount=Decimal(1),
                product_mass_kg=Decimal(1), fossil_ghg=Decimal("8.20"), land_use_change=Decimal("0.30"),
                biogenic_non_co2=Decimal("0.05"), biogenic_uptake=Decimal("-1.20"),
                fossil_carbon_content=Decimal("0.02"), biogenic_carbon_content=Decimal("0.3"),
                reference_start=dt.datetime(2024, 1, 1, tzinfo=UTC), reference_end=dt.datetime(2025, 1, 1, tzinfo=UTC),
                geography="CN-SC", classifications=("urn:pact:cpc:34250",), cpc="34250",
                primary_data_share=Decimal("62.5"),
                dqr=pact.DataQuality(Decimal("1.5"), Decimal(2), Decimal(1), Decimal(2), Decimal(1), Decimal(95)),
                secondary_sources=(("China grid factors", "2022"),), allocation="mass",
                comment="illustrative example")
    base.update(changes)
    return pact.FootprintValues(**base)  # type: ignore[arg-type]


LIFE = pact.Lifecycle("4f8a1f7e-9a3b-4b7e-8f1d-2f0b8e3c1a55", version=2,
                      created=dt.datetime(2025, 2, 1, 8, 30, tzinfo=UTC),
                      preceding_pf_ids=("0d1f2e3a-4b5c-4d6e-8f70-8192a3b4c5d6",))


def reference_validator(major: str) -> Draft202012Validator:
    name = {"2": "openapi_v2_3.yaml", "3": "openapi_v3_0.yaml"}[major]
    doc = yaml.safe_load((REFERENCE / name).read_text())
    return Draft202012Validator({**doc, "$ref": "#/components/schemas/ProductFootprint"})


def test_v3_numbers_and_schema() -> None:
    doc = pact.to_v3(example(), LIFE)
    assert not list(reference_validator("3").iter_errors(doc))
    pcf = doc["pcf"]
    assert pcf["pcfExcludingBiogenicUptake"] == "8.55" and pcf["pcfIncludingBiogenicUptake"] == "7.35"
    assert pcf["fossilGhgEmissions"] == "8.2" and pcf["biogenicCO2Uptake"] == "-1.2"
    assert pcf["geographyCountrySubdivision"] == "CN-SC" and "geographyCountry" not in pcf
    assert pcf["primaryDataShare"] == "62.5"
    assert pcf["dqi"] == {"technologicalDQR": "1.5", "geographicalDQR": "1", "temporalDQR": "2"}
    assert pcf["crossSectoralStandards"] == ["ISO14067"]
    assert doc["precedingPfIds"] == [LIFE.preceding_pf_ids[0]] and "version" not in doc
    assert doc["created"] == "2025-02-01T08:30:00Z"


def test_v2_numbers_and_schema() -> None:
    doc = pact.to_v2(example(), LIFE)
    assert not list(reference_validator("2").iter_errors(doc))
    pcf = doc["pcf"]
    assert pcf["pCfExcludingBiogenic"] == "8.5" and pcf["pCfIncludingBiogenic"] == "7.35"
    assert pcf["otherBiogenicGhgEmissions"] == "0.05" and pcf["biogenicCarbonWithdrawal"] == "-1.2"
    assert pcf["dqi"]["coveragePercent"] == 95 and pcf["dqi"]["technologicalDQR"] == 1.5
    assert pcf["primaryDataShare"] == 62.5 and pcf["crossSectoralStandardsUsed"] == ["ISO Standard 14067"]
    assert doc["version"] == 2 and doc["productCategoryCpc"] == "34250" and doc["specVersion"] == "2.3.0"


@pytest.mark.parametrize("major", ["2", "3"])
def test_parse_gives_back_the_values(major: str) -> None:
    values = example()
    back, life = pact.parse(pact.build(values, LIFE, major))
    assert back.pcf_excluding == Decimal("8.55") and back.pcf_including == Decimal("7.35")
    assert back.fossil_ghg == values.fossil_ghg and back.biogenic_uptake == values.biogenic_uptake
    assert back.product_ids == values.product_ids and back.geography == "CN-SC"
    assert back.primary_data_share == Decimal("62.5") and back.dqr is not None
    assert life.pf_id == LIFE.pf_id and life.preceding_pf_ids == LIFE.preceding_pf_ids
    assert pact.values_from_json(pact.values_to_json(values)) == values


@pytest.mark.parametrize("code,field", [("Eastern Asia", "geographyRegionOrSubregion"), ("CN", "geographyCountry"),
                                        ("CN-SC", "geographyCountrySubdivision")])
def test_geography_granularity(code: str, field: str) -> None:
    pcf = pact.to_v3(example(geography=code), LIFE)["pcf"]
    assert pcf[field] == code
    assert sum(k.startswith("geography") for k in pcf) == 1
    glob = pact.to_v3(example(geography=""), LIFE)["pcf"]
    assert not any(k.startswith("geography") for k in glob)


def test_default_validity_is_three_years_from_reference_end() -> None:
    """PACT: without a stated validity period a footprint is valid 3 years from referencePeriodEnd."""
    start, end = pact.validity(example())
    assert (start, end) == (dt.datetime(2025, 1, 1, tzinfo=UTC), dt.datetime(2028, 1, 1, tzinfo=UTC))
    stated = example(validity_start=dt.datetime(2025, 3, 1, tzinfo=UTC))
    doc = pact.to_v3(stated, LIFE)
    assert doc["validityPeriodStart"] == "2025-03-01T00:00:00Z" and doc["validityPeriodEnd"] == "2028-01-01T00:00:00Z"


@pytest.mark.parametrize("changes,field", [
    ({"product_ids": ("LFP-C1",)}, "product_ids"),
    ({"company_ids": ()}, "company_ids"),
    ({"declared_unit": "tonne"}, "declared_unit"),
    ({"declared_amount": Decimal(0)}, "declared_amount"),
    ({"fossil_ghg": Decimal("-1")}, "fossil_ghg"),
    ({"biogenic_uptake": Decimal("0.5")}, "biogenic_uptake"),
    ({"geography": "Sichuan"}, "geography"),
    ({"primary_data_share": Decimal(120)}, "primary_data_share"),
    ({"reference_end": dt.datetime(2023, 1, 1, tzinfo=UTC)}, "reference_end"),
    ({"packaging_ghg": Decimal("0.1")}, "packaging_ghg"),
])
def test_bad_values_name_their_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as err:
        pact.to_v3(example(**changes), LIFE)
    assert err.value.location.field == field


def test_a_v3_only_unit_has_no_v2_form() -> None:
    piece = example(declared_unit="piece")
    assert pact.problems(pact.to_v3(piece, LIFE), "3") == []
    with pytest.raises(InputError, match="v2.3 has no declared unit 'piece'"):
        pact.to_v2(piece, LIFE)


def test_validation_reports_the_broken_field() -> None:
    doc = pact.to_v3(example(), LIFE)
    doc["pcf"]["declaredUnitOfMeasurement"] = "bushel"
    doc["id"] = "not-a-uuid"
    found = pact.problems(doc, "3")
    assert any(p.startswith("id:") for p in found) and any("declaredUnitOfMeasurement" in p for p in found)
    with pytest.raises(InputError):
        pact.parse(doc)


# sha256 of the files as published in wbcsd/pact-conformance-service, commit 839bfe8c, src/schemas/ (and its LICENSE).
PUBLISHED_SHA256 = {
    "openapi_v2_3.yaml": "86bc6d5df6e55b3837ce14b78c920727852070f2cc2977c1d6e77cf208ed4d95",
    "openapi_v3_0.yaml": "7daedf5a520e22083bf0511d48197de3326d25faf81fc4cac1b4c5d2eb536f72",
    "LICENSE": "12614dc7e484e85fe4bc15d1df2f976e3b5b9c72cd1707b1b59e685c51c116ee",
}


def test_shipped_schemas_are_the_reference_files() -> None:
    """The package ships the conformance tool's OpenAPI files unchanged, with their MIT licence."""
    shipped = Path(pact.__file__).parent / "data" / "pact"
    for name, digest in PUBLISHED_SHA256.items():
        assert hashlib.sha256((shipped / name).read_bytes()).hexdigest() == digest, name


def test_catenax_mapping() -> None:
    doc = catenax.to_catenax(example(), LIFE)
    pcf = doc["pcf"]
    assert doc["specVersion"] == "urn:io.catenax.pcf:datamodel:version:7.0.0"
    assert doc["extWBCSD_pfStatus"] == "Active" and doc["partialFullPcf"] == "Cradle-to-gate"
    assert doc["precedingPfIds"] == [{"id": LIFE.preceding_pf_ids[0]}] and doc["version"] == 2
    assert doc["extWBCSD_productCodeCpc"] == "34250"
    assert pcf["pcfExcludingBiogenic"] == pytest.approx(8.5) and pcf["pcfIncludingBiogenic"] == pytest.approx(7.35)
    assert pcf["biogenicCarbonEmissionsOtherThanCO2"] == pytest.approx(0.05)
    assert pcf["biogenicCarbonWithdrawal"] == pytest.approx(-1.2) and pcf["dlucGhgEmissions"] == pytest.approx(0.3)
    assert pcf["carbonContentTotal"] == pytest.approx(0.32) and pcf["carbonContentBiogenic"] == pytest.approx(0.3)
    assert pcf["crossSectoralStandardsUsed"] == [{"crossSectoralStandard": "ISO Standard 14067"}]
    assert pcf["secondaryEmissionFactorSources"] == [{"secondaryEmissionFactorSource": "China grid factors 2022"}]
    assert pcf["dataQualityRating"]["coveragePercent"] == 95.0
    assert doc["validityPeriodEnd"] == "2028-01-01T00:00:00Z"
