"""The shapes of request and response bodies, as the OpenAPI document publishes them."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from carbontrail.inventory.records import ClaimUse, FactorUse
from carbontrail.services.accounts import Grant
from carbontrail.services.imports import WordMapping
from carbontrail.services.jurisdictions import EnterpriseAggregate, JurisdictionAggregate

#: a code of an organisation, a facility, a meter or a jurisdiction (it stands in paths and file names)
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
City = Annotated[str, Field(max_length=64)]
Park = Annotated[str, Field(max_length=200)]


class Token(BaseModel):
    """An OAuth2 access token (RFC 6749 §5.1)."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


class GrantOut(BaseModel):
    role: str
    organisation: str | None = None
    jurisdiction: str | None = None

    @classmethod
    def of(cls, g: Grant) -> GrantOut:
        return cls(role=g.role, organisation=g.organisation, jurisdiction=g.jurisdiction)


class Me(BaseModel):
    email: str
    name: str
    platform_admin: bool
    client_id: str | None = None
    grants: list[GrantOut]


class OrganisationIn(BaseModel):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    industry: str = Field(default="", max_length=200)
    province: str = Field(default="", max_length=64)
    city: City = ""
    park: Park = ""


class FacilityIn(BaseModel):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    province: str = Field(min_length=1, max_length=64)
    city: City = ""
    park: Park = ""


class MeterIn(BaseModel):
    code: Code
    medium: str = Field(min_length=1, max_length=64)
    unit: str = Field(min_length=1, max_length=32)
    supplier: str = Field(default="", max_length=200)


class ActivityIn(BaseModel):
    """An activity record's new values, as the activity template's cells (text, checked as the import checks a
    row); the organisation is the path's."""

    facility: str = Field(max_length=64)
    period_start: str = Field(max_length=40)
    period_end: str = Field(max_length=40)
    kind: str = Field(max_length=32)
    item: str = Field(max_length=200)
    quantity: str = Field(max_length=40)
    unit: str = Field(max_length=32)
    category: str = Field("", max_length=64)
    gas: str = Field("", max_length=32)
    meter: str = Field("", max_length=64)
    supplier: str = Field("", max_length=200)
    instrument: str = Field("", max_length=64)
    instrument_ref: str = Field("", max_length=200)
    contract_factor: str = Field("", max_length=40)
    source: str = Field("", max_length=500)


class PeriodIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    start: date
    end: date
    is_base_year: bool = False




class ImportOut(BaseModel):
    """What an accepted upload did."""

    file: str
    template: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    encoding: str | None = None
    delimiter: str | None = None
    mappings: list[WordMapping] = []


class MemberIn(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    role: str


class ProductionOut(BaseModel):
    quantity: float
    unit: str


class Scope3LineOut(BaseModel):
    """One scope 3 line (category 1 purchased goods and services, 4 upstream transport), primary or secondary."""

    facility: str
    category: int
    month: str
    item: str
    supplier: str
    quantity: float
    unit: str
    method: str
    data: str
    co2e_t: float
    factor_value: float
    factor_unit: str
    note: str


class ClaimsOut(BaseModel):
    """The claimed certificates the market-based scope 2 counts, the matching level and the MWh matched."""

    matching: str
    matched_mwh: float
    claims: list[ClaimUse]


class InventoryOut(BaseModel):
    """An inventory's totals, breakdowns and the factors behind it (t CO2e, tce, 10⁴ yuan)."""

    organisation: str
    period: dict[str, date]
    gwp: str
    scope1_t_co2e: float
    scope1_by_gas_t_co2e: dict[str, float]
    scope1_by_category_t_co2e: dict[str, float]
    scope2_location_t_co2e: float
    scope2_market_t_co2e: float
    energy_tce: float
    value_added_10k_yuan: float
    energy_intensity_tce_per_10k_yuan: float | None
    co2_intensity_t_per_10k_yuan: float | None
    production: dict[str, ProductionOut]
    by_facility: dict[str, dict[str, float]]
    monthly: dict[str, dict[str, float]]
    energy_mix_tce: dict[str, float]
    scope3_t_co2e: float
    scope3_by_category_t_co2e: dict[str, float]
    scope3_by_data_t_co2e: dict[str, float]
    scope3_primary_share: float | None
    scope3_lines: list[Scope3LineOut]
    factors: list[FactorUse]
    certificate_claims: ClaimsOut


class JurisdictionIn(BaseModel):
    code: Code
    kind: str
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    parent: str | None = None


class AggregateOut(BaseModel):
    """A jurisdiction's totals for a year; enterprises appear only as totals, never as raw records."""

    code: str
    name: str
    name_en: str
    kind: str
    year: int
    energy_tce: float
    scope1_t_co2e: float
    scope2_location_t_co2e: float
    scope2_market_t_co2e: float
    value_added_10k_yuan: float
    energy_intensity_tce_per_10k_yuan: float | None
    co2_intensity_t_per_10k_yuan: float | None
    has_data: bool
    years: list[int]
    enterprises: list[EnterpriseAggregate]

    @classmethod
    def of(cls, a: JurisdictionAggregate) -> AggregateOut:
        return cls(code=a.code, name=a.name, name_en=a.name_en, kind=a.kind, year=a.year,
                   energy_tce=a.energy_tce, scope1_t_co2e=a.scope1_t_co2e,
                   scope2_location_t_co2e=a.scope2_location_t_co2e, scope2_market_t_co2e=a.scope2_market_t_co2e,
                   value_added_10k_yuan=a.value_added_10k_yuan, energy_intensity_tce_per_10k_yuan=a.energy_intensity,
                   co2_intensity_t_per_10k_yuan=a.co2_intensity, has_data=a.has_data, years=list(a.years),
                   enterprises=list(a.enterprises))


