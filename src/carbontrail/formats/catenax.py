"""A footprint in the Catena-X PCF aspect model shape (urn:samm:io.catenax.pcf:7.0.0#Pcf), mapped from the same
values as PACT; the field-by-field mapping is in docs/pact.md."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from carbontrail.formats import pact

SPEC_VERSION = "urn:io.catenax.pcf:datamodel:version:7.0.0"
SEMANTIC_ID = "urn:samm:io.catenax.pcf:7.0.0#Pcf"


def _n(value: Decimal) -> float:
    return float(value)


def to_catenax(values: pact.FootprintValues, life: pact.Lifecycle) -> dict[str, Any]:
    """The Catena-X PCF 7.0.0 aspect of `values` (numbers as JSON numbers, lists of wrapped objects where the
    aspect model wraps them; stages after the factory gate are not modelled, so no distributionStage* fields)."""
    pact.check(values)
    start, end = pact.validity(values)
    pcf: dict[str, Any] = {
        "declaredUnit": values.declared_unit,
        "unitaryProductAmount": _n(values.declared_amount),
        "productMassPerDeclaredUnit": _n(values.product_mass_kg),
        "exemptedEmissionsPercent": _n(values.exempted_percent),
        "exemptedEmissionsDescription": values.exempted_description,
        "extWBCSD_packagingEmissionsIncluded": values.packaging_included,
        "boundaryProcessesDescription": values.boundary,
        "referencePeriodStart": pact.timestamp(values.reference_start),
        "referencePeriodEnd": pact.timestamp(values.reference_end),
        "crossSectoralStandardsUsed": [{"crossSectoralStandard": s} for s in values.standards],
        "extWBCSD_characterizationFactors": "AR5" if values.ipcc_reports[0] == "AR5" else "AR6",
        "pcfExcludingBiogenic": _n(values.fossil_ghg + values.land_use_change),
        "pcfIncludingBiogenic": _n(values.pcf_including),
        "fossilGhgEmissions": _n(values.fossil_ghg),
        "biogenicCarbonEmissionsOtherThanCO2": _n(values.biogenic_non_co2),
        "biogenicCarbonWithdrawal": _n(values.biogenic_uptake),
        "dlucGhgEmissions": _n(values.land_use_change),
        "extWBCSD_fossilCarbonContent": _n(values.fossil_carbon_content),
        "carbonContentBiogenic": _n(values.biogenic_carbon_content),
        "carbonContentTotal": _n(values.fossil_carbon_content + values.biogenic_carbon_content),
        **pact.geography_fields(values.geography),
    }
    if values.aircraft_ghg is not None:
        pcf["aircraftGhgEmissions"] = _n(values.aircraft_ghg)
    if values.packaging_ghg is not None:
        pcf["extWBCSD_packagingGhgEmissions"] = _n(values.packaging_ghg)
    if values.allocation:
        pcf["extWBCSD_allocationRulesDescription"] = values.allocation
    if values.primary_data_share is not None:
        pcf["primaryDataShare"] = _n(values.primary_data_share)
    if values.secondary_sources:
        pcf["secondaryEmissionFactorSources"] = [{"secondaryEmissionFactorSource": f"{n} {v}"}
                                                 for n, v in values.secondary_sources]
    q = values.dqr
    if q is not None and q.completeness is not None and q.reliability is not None:
        pcf["dataQualityRating"] = {
            "coveragePercent": _n(q.coverage_percent) if q.coverage_percent is not None else 100.0,
            "technologicalDQR": _n(q.technological), "temporalDQR": _n(q.temporal),
            "geographicalDQR": _n(q.geographical), "completenessDQR": _n(q.completeness),
            "reliabilityDQR": _n(q.reliability)}
    doc: dict[str, Any] = {
        "specVersion": SPEC_VERSION,
        "id": life.pf_id,
        "version": life.version,
        "created": pact.timestamp(life.created),
        "extWBCSD_pfStatus": life.status,
        "validityPeriodStart": pact.timestamp(start),
        "validityPeriodEnd": pact.timestamp(end),
        "companyName": values.company_name,
        "companyIds": list(values.company_ids),
        "productDescription": values.product_description,
        "productIds": list(values.product_ids),
        "extWBCSD_productCodeCpc": values.cpc or "0",
        "productName": values.product_name,
        "partialFullPcf": "Cradle-to-grave" if "grave" in values.boundary.lower() else "Cradle-to-gate",
        "pcf": pcf,
    }
    if values.comment:
        doc["comment"] = values.comment
    if life.preceding_pf_ids:
        doc["precedingPfIds"] = [{"id": p} for p in life.preceding_pf_ids]
    return doc
