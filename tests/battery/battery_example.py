"""The small LFP battery the declaration and passport tests share (illustrative factors, hand-checkable)."""

from __future__ import annotations

from carbontrail.battery.cff import CFFEmissions, CFFParameters
from carbontrail.battery.declaration import (
    BatteryModel,
    DeclarationInputs,
    ElectricityUse,
    Factor,
    MaterialInput,
    ProcessEmission,
    TransportLeg,
)
from carbontrail.units import quantity


def f(value: float, unit: str, source: str = "test factor (illustrative)", geo: str = "GLO") -> Factor:
    return Factor(quantity(value, unit), source, "v1", 2024, geo)


def inputs(*, company_specific: tuple[str, ...] = ("cathode", "anode", "electrolyte", "separator",
                                                   "cell_casing")) -> DeclarationInputs:
    casing_cff = CFFParameters(a=0.2, r1=0.25, r2=0.8, source="given for the test")
    bom = [
        ("LFP cathode active material", "cathode", 100, 10.0, None, None),
        ("graphite anode", "anode", 50, 5.0, None, None),
        ("electrolyte LiPF6/EC-DMC", "electrolyte", 30, 8.0, None, None),
        ("PE separator", "separator", 5, 4.0, None, None),
        ("aluminium cell casing", "cell_casing", 40, 12.0, casing_cff,
         CFFEmissions(e_recycled=quantity(2.0, "kg/kg"), e_recycling_eol=quantity(1.0, "kg/kg"),
                      e_disposal=quantity(0.05, "kg/kg"))),
        ("steel pack housing", "housing", 60, 2.0, None, None),
    ]
    materials = [MaterialInput(name, comp, quantity(mass, "kg"), f(ef, "kg/kg"), comp in company_specific,
                               cff=cff, cff_emissions=em) for name, comp, mass, ef, cff, em in bom]
    electricity = [
        ElectricityUse("cell plant grid supply", quantity(2000, "kWh"), supply="grid",
                       iso_factor=f(0.10, "kg/kWh", "Sichuan provincial grid (illustrative)", "CN-SC"),
                       iso_basis="Sichuan provincial grid factor"),
        ElectricityUse("hydropower PPA", quantity(1, "MWh"), supply="ppa",
                       iso_factor=f(0.01, "kg/kWh", "contracted hydropower (illustrative)", "CN-SC"),
                       iso_basis="contracted hydropower"),
        ElectricityUse("rooftop PV by direct line", quantity(500, "kWh"), supply="direct_line",
                       direct_factor=f(0.04, "kg/kWh", "on-site PV (illustrative)", "CN-SC")),
    ]
    return DeclarationInputs(
        battery=BatteryModel("LFP-60", "Chengdu plant 1", "CN", "M1", quantity(60, "kWh"), service_years=8),
        materials=materials,
        electricity=electricity,
        processes=[ProcessEmission("natural gas, electrode drying", "main_production", quantity(50, "kg"), "meter"),
                   ProcessEmission("dismantling", "end_of_life", quantity(15, "kg"), "recycler data")],
        transport=[TransportLeg("Chengdu → Duisburg rail", quantity(2000, "tkm"), f(0.03, "kg/tkm"))],
        national_mix={"CN": f(0.5, "kg/kWh", "national consumption mix (illustrative)", "CN")},
    )
