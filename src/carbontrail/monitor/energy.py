"""Energy carriers, their meter units, and their conversion to tonnes of standard coal equivalent (tce).

Coefficients are the reference coefficients of GB/T 2589-2020 《综合能耗计算通则》 (General rules for calculation of
the comprehensive energy consumption, SAMR/SAC, 2020-09-29), Appendix A, Table A.1 各种能源折标准煤参考系数:
electricity at its calorific equivalent (当量值) 0.1229 kgce/kWh, heat 0.03412 kgce/MJ (so 34.12 kgce/GJ; 1 tce =
29.3076 GJ, the standard's 29 307.6 kJ/kgce), raw coal 0.7143 kgce/kg, diesel 1.4571 kgce/kg, LPG 1.7143 kgce/kg.
Natural gas, for which the table gives a range (1.1000–1.3300 kgce/m³), uses the default net calorific value of
the NDRC enterprise GHG accounting guidelines, 389.31 GJ/10⁴ Nm³ ÷ 29.3076 GJ/tce = 1.3283 kgce/Nm³ — the same
figure carbontrail's inventory uses, so readings and activity records convert alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from carbontrail.errors import InputError, Location

TCE_GJ = 29.3076  # GJ per tce (GB/T 2589-2020: 1 kgce = 29 307.6 kJ)
STANDARD = "GB/T 2589-2020 Appendix A, Table A.1"


@dataclass(frozen=True)
class Carrier:
    """An energy carrier (or a production counter): its base unit, the units a meter may use, and its tce factor."""

    code: str
    base_unit: str
    units: dict[str, float]  # unit → how many base units one of it is
    tce_per_base_unit: float | None  # None: not energy (production counters, value added)
    activity_kind: str  # the activity-record kind a monthly total becomes
    activity_item: str
    source: str


_GAS_KGCE = 38.931e-3 / TCE_GJ * 1000  # kgce per Nm3 from the guideline NCV 0.038931 GJ/Nm3

CARRIERS: dict[str, Carrier] = {c.code: c for c in (
    Carrier("electricity", "kWh", {"kWh": 1.0, "MWh": 1000.0}, 0.1229e-3, "electricity", "grid electricity",
            f"{STANDARD}: electricity, calorific equivalent 0.1229 kgce/kWh"),
    Carrier("natural_gas", "Nm3", {"Nm3": 1.0, "m3": 1.0, "10^4 Nm3": 1.0e4}, _GAS_KGCE / 1000,
            "fuel_combustion", "natural_gas",
            "NDRC guideline NCV 389.31 GJ/10^4 Nm3 / 29.3076 GJ/tce = 1.3283 kgce/Nm3 (inside the "
            f"1.1000-1.3300 kgce/m3 range of {STANDARD})"),
    Carrier("steam", "GJ", {"GJ": 1.0, "MJ": 1.0e-3}, 1 / TCE_GJ, "steam", "purchased steam",
            f"{STANDARD}: heat 0.03412 kgce/MJ (steam metered by its energy content)"),
    Carrier("heat", "GJ", {"GJ": 1.0, "MJ": 1.0e-3}, 1 / TCE_GJ, "heat", "purchased heat",
            f"{STANDARD}: heat 0.03412 kgce/MJ"),
    Carrier("coal", "t", {"t": 1.0, "kg": 1.0e-3}, 0.7143, "fuel_combustion", "other_bituminous_coal",
            f"{STANDARD}: raw coal 0.7143 kgce/kg"),
    Carrier("diesel", "t", {"t": 1.0, "kg": 1.0e-3}, 1.4571, "fuel_combustion", "gas_diesel_oil",
            f"{STANDARD}: diesel 1.4571 kgce/kg"),
    Carrier("lpg", "t", {"t": 1.0, "kg": 1.0e-3}, 1.7143, "fuel_combustion", "liquefied_petroleum_gases",
            f"{STANDARD}: liquefied petroleum gas 1.7143 kgce/kg"),
    Carrier("production", "unit", {}, None, "production", "production", "production counter (no energy)"),
)}

#: The meter media of the existing meter table that name a carrier differently.
MEDIA = {"electricity": "electricity", "natural_gas": "natural_gas", "gas": "natural_gas", "steam": "steam",
         "heat": "heat", "coal": "coal", "diesel": "diesel", "lpg": "lpg", "production": "production"}


def carrier(medium: str, *, location: Location | None = None) -> Carrier:
    """The carrier a meter's medium names."""
    code = MEDIA.get(medium.strip().lower())
    if code is None:
        raise InputError(f"'{medium}' is not an energy carrier carbontrail monitors", location=location,
                         expected=", ".join(sorted(CARRIERS)))
    return CARRIERS[code]


def unit_factor(car: Carrier, unit: str, *, location: Location | None = None) -> float:
    """How many of the carrier's base units one `unit` is (production counters keep their own unit)."""
    if car.code == "production":
        return 1.0
    try:
        return car.units[unit]
    except KeyError:
        raise InputError(f"'{unit}' is not a unit of {car.code}", location=location,
                         expected=", ".join(car.units)) from None


def to_tce(car: Carrier, amount: float, unit: str) -> float:
    """`amount` of `unit` of the carrier in tce (0 for production counters)."""
    if car.tce_per_base_unit is None:
        return 0.0
    return amount * unit_factor(car, unit) * car.tce_per_base_unit
