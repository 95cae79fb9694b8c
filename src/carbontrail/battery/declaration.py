"""EU battery carbon-footprint declaration (Reg. (EU) 2023/1542 Art. 7) beside the ISO 14067 footprint of the same battery.

Functional unit (JRC rules / draft delegated act): 1 kWh of the total energy the battery delivers over its service
life = usable energy at beginning of life × full equivalent cycles per year × service years. Four life-cycle stages:
raw material acquisition and pre-processing, main product production, distribution, end of life and recycling.
Electricity (draft act): the national average consumption mix of the country where it is used, unless the plant is
directly connected to a generator by a direct line; certificates and PPAs are not recognised. Company-specific data
are mandatory for cathode, anode, electrolyte, separator and cell casing. End of life uses the CFF (`cff.py`).
ISO 14067:2018 §6.4.9.4 lets the ISO footprint use supplier-specific electricity (e.g. contracted hydropower) or a
sub-national grid factor, which is where the two numbers part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import pint

from carbontrail.battery.cff import JRC_DEFAULTS_SOURCE, CFFEmissions, CFFParameters, circular_footprint
from carbontrail.battery.performance_class import ILLUSTRATIVE_CLASSES, ClassTable, PerformanceClass
from carbontrail.errors import CalculationError, InputError, Location
from carbontrail.units import magnitude, quantity

Stage = Literal["raw_material", "main_production", "distribution", "end_of_life"]
STAGES: tuple[Stage, ...] = ("raw_material", "main_production", "distribution", "end_of_life")
STAGE_LABELS: dict[Stage, str] = {
    "raw_material": "raw material acquisition and pre-processing",
    "main_production": "main product production",
    "distribution": "distribution",
    "end_of_life": "end of life and recycling",
}
MANDATORY_COMPANY_SPECIFIC: tuple[str, ...] = ("cathode", "anode", "electrolyte", "separator", "cell_casing")

VehicleCategory = Literal["M1", "N1", "L", "M2", "M3", "N2", "N3"]
ElectricitySupply = Literal["grid", "direct_line", "certificate", "ppa"]

DEFAULT_CYCLES_PER_YEAR: dict[str, float] = {
    "M1": 60, "N1": 60, "L": 20, "M2": 250, "M3": 250, "N2": 250, "N3": 250,
}
RULES_SOURCE = JRC_DEFAULTS_SOURCE  # the CFF defaults and the declaration rules are one document


@dataclass(frozen=True)
class Factor:
    """An emission factor with its provenance; `value` is kg CO2e per unit of activity (e.g. 'kg/kWh', 'kg/kg')."""

    value: pint.Quantity
    source: str
    dataset_version: str
    year: int
    geography: str

    def describe(self) -> str:
        return f"{self.source} {self.dataset_version}, {self.geography} {self.year}"


@dataclass(frozen=True)
class FunctionalUnitRules:
    """Full equivalent cycles per year by vehicle category (configurable: the act is a draft)."""

    cycles_per_year: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_CYCLES_PER_YEAR))
    source: str = RULES_SOURCE


@dataclass(frozen=True)
class BatteryModel:
    """One battery model made at one plant: what the declaration is about."""

    model: str
    plant: str
    country: str
    category: VehicleCategory
    usable_energy: pint.Quantity
    service_years: float
    cycles_per_year: float | None = None  # overrides the category default when the maker declares its own


@dataclass(frozen=True)
class MaterialInput:
    """A line of the bill of materials with its cradle-to-gate factor (kg CO2e per kg, as 'kg/kg').

    `component` names the part (cathode, anode, electrolyte, separator, cell_casing, or anything else);
    `cff` and `cff_emissions` bring the material's end of life (its virgin factor `e_v` is `factor`).
    """

    name: str
    component: str
    mass: pint.Quantity
    factor: Factor
    company_specific: bool = False
    stage: Stage = "raw_material"
    cff: CFFParameters | None = None
    cff_emissions: CFFEmissions | None = None


@dataclass(frozen=True)
class ElectricityUse:
    """Electricity used in a stage; `iso_factor` is what the company's ISO 14067 footprint uses for it."""

    name: str
    energy: pint.Quantity
    stage: Stage = "main_production"
    supply: ElectricitySupply = "grid"
    country: str | None = None  # where it is used; the plant's country when None
    direct_factor: Factor | None = None  # the directly connected generator, for supply == "direct_line"
    iso_factor: Factor | None = None
    iso_basis: str = ""


@dataclass(frozen=True)
class ProcessEmission:
    """Emissions already in kg CO2e (fuels burnt, process gases) assigned to a stage."""

    name: str
    stage: Stage
    amount: pint.Quantity
    source: str


@dataclass(frozen=True)
class FuelUse:
    """A fuel burnt in a stage as amount × factor (e.g. MJ of natural gas × its kg CO2e per MJ), so the declaration
    shows the product and the factor's provenance rather than a bare kg CO2e."""

    name: str
    stage: Stage
    amount: pint.Quantity  # energy or mass of fuel, e.g. '12000 MJ'
    factor: Factor  # kg CO2e per unit of `amount`, e.g. '0.0561 kg/MJ'


@dataclass(frozen=True)
class TransportLeg:
    """Freight in tonne-kilometres with its factor (kg CO2e per tkm, as 'kg/tkm')."""

    name: str
    freight: pint.Quantity
    factor: Factor
    stage: Stage = "distribution"


@dataclass(frozen=True)
class DeclarationInputs:
    """Everything a declaration is computed from; `national_mix` maps country → consumption-mix factor."""

    battery: BatteryModel
    materials: Sequence[MaterialInput]
    electricity: Sequence[ElectricityUse] = ()
    processes: Sequence[ProcessEmission] = ()
    transport: Sequence[TransportLeg] = ()
    national_mix: Mapping[str, Factor] = field(default_factory=dict)
    fuels: Sequence[FuelUse] = ()  # last: callers pass the fields before it by position


@dataclass(frozen=True)
class Contribution:
    """One line's emissions in a stage, and the basis it was computed on (factor provenance)."""

    stage: Stage
    item: str
    amount: pint.Quantity
    basis: str


@dataclass(frozen=True)
class StageResult:
    """A stage's emissions: absolute per battery, per kWh of total energy delivered, share of the total."""

    stage: Stage
    absolute: pint.Quantity
    per_kwh: pint.Quantity
    share: float

    @property
    def label(self) -> str:
        return STAGE_LABELS[self.stage]


@dataclass(frozen=True)
class Footprint:
    """A footprint of one battery: stages, total per kWh of total energy delivered, absolute, contributions."""

    method: str
    total_energy: pint.Quantity
    stages: tuple[StageResult, ...]
    per_kwh: pint.Quantity
    absolute: pint.Quantity
    contributions: tuple[Contribution, ...]
    notes: tuple[str, ...]

    def stage(self, stage: Stage) -> StageResult:
        return next(s for s in self.stages if s.stage == stage)


@dataclass(frozen=True)
class Declaration:
    """The Art. 7 declaration of a battery model per plant: footprint, performance class and the rules used."""

    battery: BatteryModel
    footprint: Footprint
    performance_class: PerformanceClass
    class_table_source: str
    cycles_per_year: float
    rules_source: str

    @property
    def per_kwh(self) -> pint.Quantity:
        return self.footprint.per_kwh


@dataclass(frozen=True)
class GapLine:
    """Why the declaration and the ISO 14067 footprint differ on one line."""

    item: str
    declaration: pint.Quantity
    iso14067: pint.Quantity
    reason: str


@dataclass(frozen=True)
class Comparison:
    """The declaration next to the ISO 14067 footprint of the same battery, and the gap explained line by line."""

    declaration: Declaration
    iso14067: Footprint
    gap_per_kwh: pint.Quantity
    lines: tuple[GapLine, ...]


def total_energy(battery: BatteryModel, rules: FunctionalUnitRules | None = None) -> tuple[pint.Quantity, float]:
    """Total energy delivered over the service life (kWh) and the cycles per year used."""
    rules = rules or FunctionalUnitRules()
    cycles = battery.cycles_per_year
    if cycles is None:
        if battery.category not in rules.cycles_per_year:
            raise InputError(f"no default cycles per year for vehicle category '{battery.category}'",
                             location=Location(field="category"),
                             expected=", ".join(sorted(rules.cycles_per_year)))
        cycles = float(rules.cycles_per_year[battery.category])
    usable = magnitude(battery.usable_energy, "kWh", location=Location(field="usable_energy"))
    if usable <= 0 or cycles <= 0 or battery.service_years <= 0:
        raise InputError("usable energy, cycles per year and service years must all be positive",
                         location=Location(field="usable_energy"), expected="positive numbers")
    return quantity(usable * cycles * battery.service_years, "kWh"), cycles


def missing_company_specific(materials: Sequence[MaterialInput]) -> list[str]:
    """The mandatory components that have no company-specific line in the bill of materials."""
    covered = {m.component for m in materials if m.company_specific}
    return [c for c in MANDATORY_COMPANY_SPECIFIC if c not in covered]


def _kg(q: pint.Quantity, unit: str, where: str) -> float:
    return magnitude(q, unit, location=Location(field=where))


def _material_lines(materials: Sequence[MaterialInput]) -> list[Contribution]:
    lines = []
    for m in materials:
        mass = _kg(m.mass, "kg", f"{m.name}.mass")
        ev = _kg(m.factor.value, "kg/kg", f"{m.name}.factor")
        basis = m.factor.describe() + (" (company-specific)" if m.company_specific else " (secondary data)")
        if m.cff is None:
            lines.append(Contribution(m.stage, m.name, quantity(mass * ev, "kg"), basis))
            continue
        emissions = replace(m.cff_emissions or CFFEmissions(), e_v=m.factor.value)
        result = circular_footprint(m.cff, emissions)
        p = m.cff
        lines.append(Contribution(m.stage, m.name, quantity(mass * magnitude(result.input_side, "kg/kg"), "kg"),
                                  f"{basis}; CFF input side R1={p.r1:g}, A={p.a:g} ({p.source})"))
        lines.append(Contribution("end_of_life", f"{m.name} end of life",
                                  quantity(mass * magnitude(result.end_of_life, "kg/kg"), "kg"),
                                  f"CFF A={p.a:g} B={p.b:g} R2={p.r2:g} R3={p.r3:g} ({p.source})"))
    return lines


def _declared_electricity(inputs: DeclarationInputs, use: ElectricityUse) -> tuple[Factor, str]:
    """The factor the draft act prescribes for one electricity use, and why."""
    if use.supply == "direct_line":
        if use.direct_factor is None:
            raise InputError(f"electricity '{use.name}' comes by direct line but the generator's factor is missing",
                             location=Location(field="direct_factor"), expected="the directly connected "
                             "generator's emission factor")
        return use.direct_factor, "direct line to the generator (draft act: may use its own factor)"
    country = use.country or inputs.battery.country
    mix = inputs.national_mix.get(country)
    if mix is None:
        raise InputError(f"no national consumption mix given for country '{country}' (electricity '{use.name}')",
                         location=Location(field="national_mix"), expected=f"a factor for {country}")
    why = f"national average consumption mix of {country}"
    if use.supply in ("certificate", "ppa"):
        why += f" ({'certificates' if use.supply == 'certificate' else 'PPAs'} are not recognised by the draft act)"
    return mix, why


def _footprint(method: str, energy: pint.Quantity, lines: list[Contribution], notes: list[str]) -> Footprint:
    kwh = magnitude(energy, "kWh")
    by_stage = {s: 0.0 for s in STAGES}
    for line in lines:
        by_stage[line.stage] += magnitude(line.amount, "kg")
    total = sum(by_stage.values())
    if total <= 0:
        raise CalculationError("the footprint is zero or negative: the inputs cannot describe a real battery")
    stages = tuple(StageResult(s, quantity(v, "kg"), quantity(v / kwh, "kg/kWh"), v / total)
                   for s, v in by_stage.items())
    return Footprint(method=method, total_energy=energy, stages=stages, per_kwh=quantity(total / kwh, "kg/kWh"),
                     absolute=quantity(total, "kg"), contributions=tuple(lines), notes=tuple(notes))


def _common_lines(inputs: DeclarationInputs) -> list[Contribution]:
    lines = _material_lines(inputs.materials)
    for p in inputs.processes:
        lines.append(Contribution(p.stage, p.name, quantity(_kg(p.amount, "kg", p.name), "kg"), p.source))
    for f in inputs.fuels:
        try:
            co2e = (f.amount * f.factor.value).to("kg")
        except pint.DimensionalityError:
            raise InputError(f"fuel '{f.name}': {f.amount:g~P} × {f.factor.value:g~P} is not a mass of CO2e",
                             location=Location(field=f"{f.name}.factor"),
                             expected=f"a factor in kg per {f.amount.units:~P}") from None
        lines.append(Contribution(f.stage, f.name, co2e,
                                  f"{f.amount:g~P} × {f.factor.value:g~P} = {co2e.magnitude:,.3f} kg CO2e; "
                                  f"{f.factor.describe()}"))
    for t in inputs.transport:
        tkm = _kg(t.freight, "tkm", f"{t.name}.freight")
        lines.append(Contribution(t.stage, t.name, quantity(tkm * _kg(t.factor.value, "kg/tkm", t.name), "kg"),
                                  t.factor.describe()))
    return lines


def declare(inputs: DeclarationInputs, *, rules: FunctionalUnitRules | None = None,
            classes: ClassTable = ILLUSTRATIVE_CLASSES) -> Declaration:
    """The Art. 7 declaration; refuses (InputError) when a mandatory component lacks company-specific data."""
    missing = missing_company_specific(inputs.materials)
    if missing:
        raise InputError("the declaration needs company-specific data for " + ", ".join(missing),
                         location=Location(field="materials"),
                         expected="a company-specific bill-of-materials line for each of "
                                  + ", ".join(MANDATORY_COMPANY_SPECIFIC))
    energy, cycles = total_energy(inputs.battery, rules)
    lines = _common_lines(inputs)
    notes = []
    for use in inputs.electricity:
        factor, why = _declared_electricity(inputs, use)
        kwh = _kg(use.energy, "kWh", f"{use.name}.energy")
        lines.append(Contribution(use.stage, use.name, quantity(kwh * _kg(factor.value, "kg/kWh", use.name), "kg"),
                                  f"{why}: {factor.describe()}"))
        if use.supply in ("certificate", "ppa"):
            notes.append(f"'{use.name}': {why}")
    fp = _footprint("EU 2023/1542 Art. 7 (draft delegated act)", energy, lines, notes)
    return Declaration(battery=inputs.battery, footprint=fp, performance_class=classes.classify(fp.per_kwh),
                       class_table_source=classes.source, cycles_per_year=cycles,
                       rules_source=(rules or FunctionalUnitRules()).source)


def iso14067_footprint(inputs: DeclarationInputs, *, rules: FunctionalUnitRules | None = None) -> Footprint:
    """The same battery by ISO 14067: each electricity use at its `iso_factor` (provincial grid, contracted
    hydropower …), falling back to the declaration's factor; expressed per kWh of the same total energy."""
    energy, _ = total_energy(inputs.battery, rules)
    lines = _common_lines(inputs)
    for use in inputs.electricity:
        if use.iso_factor is not None:
            factor, why = use.iso_factor, use.iso_basis or "company's electricity factor"
        else:
            factor, why = _declared_electricity(inputs, use)
        kwh = _kg(use.energy, "kWh", f"{use.name}.energy")
        lines.append(Contribution(use.stage, use.name, quantity(kwh * _kg(factor.value, "kg/kWh", use.name), "kg"),
                                  f"{why}: {factor.describe()}"))
    return _footprint("ISO 14067:2018", energy, lines, [])


def compare(inputs: DeclarationInputs, *, rules: FunctionalUnitRules | None = None,
            classes: ClassTable = ILLUSTRATIVE_CLASSES) -> Comparison:
    """Declaration and ISO 14067 footprint side by side, with each differing line and the reason it differs."""
    decl = declare(inputs, rules=rules, classes=classes)
    iso = iso14067_footprint(inputs, rules=rules)
    # both footprints list the same lines in the same order; pairing by position keeps two lines of the same
    # name (two grid supplies called "grid") apart, which a lookup by name would merge
    gaps = []
    for c, other in zip(decl.footprint.contributions, iso.contributions, strict=True):
        if abs(magnitude(c.amount, "kg") - magnitude(other.amount, "kg")) > 1e-9:
            gaps.append(GapLine(c.item, c.amount, other.amount,
                                f"declaration: {c.basis}; ISO 14067: {other.basis}"))
    return Comparison(declaration=decl, iso14067=iso, gap_per_kwh=decl.per_kwh - iso.per_kwh, lines=tuple(gaps))
