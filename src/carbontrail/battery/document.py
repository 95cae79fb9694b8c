"""The declaration input as a document (YAML, JSON, API body): validated fields with their units in their names,
turned into the core's `DeclarationInputs`, class table and functional-unit rules."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from carbontrail.battery.cff import JRC_DEFAULTS_SOURCE, CFFEmissions, CFFParameters
from carbontrail.battery.declaration import (
    DEFAULT_CYCLES_PER_YEAR,
    BatteryModel,
    DeclarationInputs,
    ElectricityUse,
    Factor,
    FuelUse,
    FunctionalUnitRules,
    MaterialInput,
    ProcessEmission,
    TransportLeg,
)
from carbontrail.battery.performance_class import ILLUSTRATIVE_CLASSES, ClassTable, PerformanceClass
from carbontrail.errors import InputError, Location
from carbontrail.units import known_unit, quantity

# Bounds keep every product of the formula finite: a battery's inputs are nowhere near them.
Amount = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]
Signed = Annotated[float, Field(ge=-1e6, le=1e6, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Text = Annotated[str, Field(min_length=1, max_length=200)]
StageName = Literal["raw_material", "main_production", "distribution", "end_of_life"]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FactorDoc(_Doc):
    """kg CO2e per unit of activity (the unit is fixed by where the factor is used), with its provenance."""

    value: Signed
    source: Text
    version: Annotated[str, Field(max_length=64)] = ""
    year: Annotated[int, Field(ge=1990, le=2100)]
    geography: Annotated[str, Field(min_length=1, max_length=32)]

    def to_factor(self, unit: str) -> Factor:
        return Factor(quantity(self.value, unit), self.source, self.version, self.year, self.geography)


class BatteryDoc(_Doc):
    model: Text
    plant: Text
    country: Annotated[str, Field(min_length=2, max_length=3)]
    category: Literal["M1", "N1", "L", "M2", "M3", "N2", "N3"]
    usable_energy_kwh: Annotated[float, Field(ge=0.001, le=1e6, allow_inf_nan=False)]
    service_years: Annotated[float, Field(ge=0.01, le=100, allow_inf_nan=False)]
    cycles_per_year: Annotated[float, Field(ge=0.01, le=10_000, allow_inf_nan=False)] | None = None


class CFFDoc(_Doc):
    """CFF parameters (JRC defaults when left out: A 0.2 metals / 0.5 others, B 0, R1 0) and emissions in kg/kg."""

    a: Fraction
    b: Fraction = 0.0
    r1: Fraction = 0.0
    r2: Fraction = 0.0
    r3: Fraction = 0.0
    qsin_qp: Fraction = 1.0
    qsout_qp: Fraction = 1.0
    source: Text = JRC_DEFAULTS_SOURCE
    e_recycled_kg_per_kg: Signed | None = None
    e_recycling_eol_kg_per_kg: Signed | None = None
    e_v_star_kg_per_kg: Signed | None = None
    e_disposal_kg_per_kg: Signed | None = None


class FootprintRef(_Doc):
    """A supplier's stored product-footprint result the factor is taken from (organisation and product id);
    `result_id` is the result a stored declaration used (filled in when it is stored, whatever a document says)."""

    organisation: Annotated[str, Field(min_length=1, max_length=64)]
    product: Annotated[str, Field(min_length=1, max_length=200)]
    result_id: Annotated[int, Field(ge=1, lt=2**31)] | None = None


class MaterialDoc(_Doc):
    name: Text
    component: Text
    mass_kg: Amount
    factor: FactorDoc  # kg CO2e per kg; replaced by the stored result when `footprint` names one
    footprint: FootprintRef | None = None
    company_specific: bool = False
    stage: StageName = "raw_material"
    cff: CFFDoc | None = None


class FuelDoc(_Doc):
    """A fuel burnt in a stage as amount × factor: `amount` in an energy or mass unit (e.g. 12000 MJ), the factor's
    value in kg CO2e per `unit` of that amount."""

    name: Text
    stage: StageName = "main_production"
    amount: Amount
    unit: Annotated[str, Field(min_length=1, max_length=16)]  # e.g. MJ, GJ, kg, Nm3
    factor: FactorDoc  # kg CO2e per `unit`

    _known = field_validator("unit")(known_unit)


class ElectricityDoc(_Doc):
    name: Text
    energy_kwh: Amount
    stage: StageName = "main_production"
    supply: Literal["grid", "direct_line", "certificate", "ppa"] = "grid"
    country: Annotated[str, Field(min_length=2, max_length=3)] | None = None
    direct_factor: FactorDoc | None = None  # kg CO2e per kWh
    iso_factor: FactorDoc | None = None  # kg CO2e per kWh
    iso_basis: Annotated[str, Field(max_length=200)] = ""


class ProcessDoc(_Doc):
    name: Text
    stage: StageName
    amount_kg: Signed
    source: Text


class TransportDoc(_Doc):
    name: Text
    freight_tkm: Amount
    factor: FactorDoc  # kg CO2e per tkm
    stage: StageName = "distribution"


class ClassDoc(_Doc):
    label: Annotated[str, Field(min_length=1, max_length=8)]
    upper_kg_per_kwh: Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)] | None = None


class DeclarationDocument(_Doc):
    """Everything a declaration is computed from. `national_mix` maps country → consumption-mix factor (kg/kWh);
    `cycles_per_year` overrides the draft act's defaults by vehicle category; `classes` the illustrative table."""

    battery: BatteryDoc
    materials: Annotated[list[MaterialDoc], Field(min_length=1, max_length=500)]
    electricity: Annotated[list[ElectricityDoc], Field(max_length=100)] = []
    processes: Annotated[list[ProcessDoc], Field(max_length=100)] = []
    transport: Annotated[list[TransportDoc], Field(max_length=100)] = []
    fuels: Annotated[list[FuelDoc], Field(max_length=100)] = []
    national_mix: dict[Annotated[str, Field(min_length=2, max_length=3)], FactorDoc] = {}
    cycles_per_year: dict[Annotated[str, Field(max_length=3)], Annotated[float, Field(ge=0.01, le=10_000, allow_inf_nan=False)]] | None = None
    classes: Annotated[list[ClassDoc], Field(min_length=1, max_length=20)] | None = None
    classes_source: Annotated[str, Field(max_length=300)] = ""

    def inputs(self) -> DeclarationInputs:
        b = self.battery
        battery = BatteryModel(b.model, b.plant, b.country, b.category, quantity(b.usable_energy_kwh, "kWh"),
                               b.service_years, b.cycles_per_year)
        materials = []
        for m in self.materials:
            cff = em = None
            if m.cff is not None:
                c = m.cff
                cff = CFFParameters(a=c.a, b=c.b, r1=c.r1, r2=c.r2, r3=c.r3, qsin_qp=c.qsin_qp,
                                    qsout_qp=c.qsout_qp, source=c.source)

                def kgkg(v: float | None) -> object:
                    return quantity(v, "kg/kg") if v is not None else None

                em = CFFEmissions(e_recycled=kgkg(c.e_recycled_kg_per_kg),  # type: ignore[arg-type]
                                  e_recycling_eol=kgkg(c.e_recycling_eol_kg_per_kg),  # type: ignore[arg-type]
                                  e_v_star=kgkg(c.e_v_star_kg_per_kg),  # type: ignore[arg-type]
                                  e_disposal=kgkg(c.e_disposal_kg_per_kg))  # type: ignore[arg-type]
            materials.append(MaterialInput(m.name, m.component, quantity(m.mass_kg, "kg"), m.factor.to_factor("kg/kg"),
                                           m.company_specific, m.stage, cff, em))
        electricity = [ElectricityUse(e.name, quantity(e.energy_kwh, "kWh"), e.stage, e.supply, e.country,
                                      e.direct_factor.to_factor("kg/kWh") if e.direct_factor else None,
                                      e.iso_factor.to_factor("kg/kWh") if e.iso_factor else None, e.iso_basis)
                       for e in self.electricity]
        processes = [ProcessEmission(p.name, p.stage, quantity(p.amount_kg, "kg"), p.source) for p in self.processes]
        transport = [TransportLeg(t.name, quantity(t.freight_tkm, "tkm"), t.factor.to_factor("kg/tkm"), t.stage)
                     for t in self.transport]
        fuels = [FuelUse(f.name, f.stage, quantity(f.amount, f.unit), f.factor.to_factor(f"kg/({f.unit})"))
                 for f in self.fuels]
        return DeclarationInputs(battery, materials, electricity, processes, transport,
                                 {k: v.to_factor("kg/kWh") for k, v in self.national_mix.items()}, fuels=fuels)

    def rules(self) -> FunctionalUnitRules:
        if self.cycles_per_year is None:
            return FunctionalUnitRules()
        return FunctionalUnitRules({**DEFAULT_CYCLES_PER_YEAR, **self.cycles_per_year},
                                   source="cycles per year given with the declaration input")

    def class_table(self) -> ClassTable:
        if self.classes is None:
            return ILLUSTRATIVE_CLASSES
        return ClassTable(tuple(PerformanceClass(c.label, c.upper_kg_per_kwh) for c in self.classes),
                          self.classes_source or "class table given with the declaration input")


def parse_document(data: object, *, file: str | None = None) -> DeclarationDocument:
    """A declaration document from parsed YAML/JSON, or InputError naming the first wrong field."""
    try:
        return DeclarationDocument.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise InputError(f"{first['msg']}{more}", location=Location(file=file, field=where or None),
                         expected="a declaration document like examples/battery/declaration-lfp-pack.yaml") from None
