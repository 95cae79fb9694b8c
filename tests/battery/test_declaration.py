"""The Art. 7 declaration worked by hand: functional unit, four stages, electricity rule, CFF, class, ISO gap."""

from __future__ import annotations

import pytest

from battery_example import inputs

from carbontrail.battery.cff import jrc_defaults
from carbontrail.battery.declaration import (
    BatteryModel,
    DeclarationInputs,
    ElectricityUse,
    compare,
    declare,
    total_energy,
)
from carbontrail.battery.performance_class import ILLUSTRATIVE_CLASSES, ClassTable, PerformanceClass
from carbontrail.errors import InputError
from carbontrail.units import magnitude, quantity

GRAM = 0.001  # kg: "to the gram per kWh"


def test_declaration_matches_hand_calculation() -> None:
    """Worked by hand (all factors illustrative):

    total energy = 60 kWh × 60 cycles/yr (M1 default) × 8 yr = 28,800 kWh.
    raw material: 100×10 + 50×5 + 30×8 + 5×4 + 60×2 = 1,630 kg, plus the casing's CFF input side
      (1−R1)Ev + R1(A·Erec + (1−A)·Ev·Qsin/Qp) = 0.75×12 + 0.25×(0.2×2 + 0.8×12) = 11.5 kg/kg × 40 kg = 460 kg
      → 2,090 kg.
    main production: grid 2,000 kWh and PPA 1,000 kWh both at the national mix 0.5 (PPA not recognised) = 1,500;
      direct-line PV 500 × 0.04 = 20; natural gas 50 → 1,570 kg.
    distribution: 2,000 tkm × 0.03 = 60 kg.
    end of life: casing (1−A)R2(ErecEoL − E*v·Qsout/Qp) + (1−R2−R3)ED = 0.8×0.8×(1 − 12) + 0.2×0.05 = −7.03 kg/kg
      × 40 = −281.2 kg; dismantling 15 → −266.2 kg.
    total 3,453.8 kg → 3,453.8 / 28,800 = 0.119924 kg/kWh (class B of the illustrative table: 0.10 < x ≤ 0.15).
    per kWh: 0.072569, 0.054514, 0.002083, −0.009243; shares 2090/3453.8 = 0.60513, 1570/3453.8 = 0.45457.
    """
    decl = declare(inputs())
    assert magnitude(decl.footprint.total_energy, "kWh") == pytest.approx(28_800)
    assert magnitude(decl.per_kwh, "kg/kWh") == pytest.approx(3453.8 / 28_800, abs=GRAM / 10)
    assert magnitude(decl.per_kwh, "kg/kWh") == pytest.approx(0.119924, abs=1e-6)
    expected = {"raw_material": 2090.0, "main_production": 1570.0, "distribution": 60.0, "end_of_life": -266.2}
    for stage, kg in expected.items():
        result = decl.footprint.stage(stage)
        assert magnitude(result.absolute, "kg") == pytest.approx(kg, abs=1e-9)
        assert magnitude(result.per_kwh, "kg/kWh") == pytest.approx(kg / 28_800, abs=GRAM / 10)
        assert result.share == pytest.approx(kg / 3453.8, abs=1e-9)
    assert decl.footprint.stage("raw_material").share == pytest.approx(0.60513, abs=1e-5)
    assert decl.performance_class.label == "B"
    assert decl.cycles_per_year == 60
    assert any("PPAs are not recognised" in n for n in decl.footprint.notes)


def test_iso14067_comparison_explains_the_gap() -> None:
    """ISO 14067 uses the Sichuan grid (0.10) and contracted hydropower (0.01): main production becomes
    2,000×0.10 + 1,000×0.01 + 20 + 50 = 280 kg, total 2,090 + 280 + 60 − 266.2 = 2,163.8 kg → 0.075132 kg/kWh.
    Gap = (3,453.8 − 2,163.8) / 28,800 = 1,290 / 28,800 = 0.044792 kg/kWh, from the two electricity lines only."""
    cmp = compare(inputs())
    assert magnitude(cmp.iso14067.per_kwh, "kg/kWh") == pytest.approx(2163.8 / 28_800, abs=1e-9)
    assert magnitude(cmp.gap_per_kwh, "kg/kWh") == pytest.approx(0.044792, abs=1e-6)
    assert [line.item for line in cmp.lines] == ["cell plant grid supply", "hydropower PPA"]
    ppa = cmp.lines[1]
    assert magnitude(ppa.declaration, "kg") == pytest.approx(500) and magnitude(ppa.iso14067, "kg") == pytest.approx(10)
    assert "not recognised" in ppa.reason and "contracted hydropower" in ppa.reason


def test_declaration_refuses_without_company_specific_data_and_names_them() -> None:
    with pytest.raises(InputError) as err:
        declare(inputs(company_specific=("cathode", "electrolyte", "cell_casing")))
    assert "anode, separator" in err.value.message


def test_vehicle_category_defaults_and_override() -> None:
    """L: 20 cycles/yr; M3: 250; an explicit value wins. 10 kWh × 20 × 5 = 1,000; 300 kWh × 250 × 10 = 750,000."""
    l_cat = BatteryModel("e-bike", "p", "CN", "L", quantity(10, "kWh"), 5)
    bus = BatteryModel("bus", "p", "CN", "M3", quantity(300, "kWh"), 10)
    own = BatteryModel("car", "p", "CN", "M1", quantity(50, "kWh"), 10, cycles_per_year=100)
    assert magnitude(total_energy(l_cat)[0], "kWh") == 1_000
    assert magnitude(total_energy(bus)[0], "kWh") == 750_000
    assert magnitude(total_energy(own)[0], "kWh") == 50_000


def test_missing_national_mix_and_direct_line_factor_are_errors() -> None:
    base = inputs()
    with pytest.raises(InputError, match="national consumption mix"):
        declare(DeclarationInputs(base.battery, base.materials, base.electricity, national_mix={}))
    no_direct = [ElectricityUse("PV", quantity(1, "kWh"), supply="direct_line")]
    with pytest.raises(InputError, match="direct line"):
        declare(DeclarationInputs(base.battery, base.materials, no_direct, national_mix=base.national_mix))


def test_class_table_is_configurable_and_checked() -> None:
    table = ClassTable((PerformanceClass("low", 0.11), PerformanceClass("high", None)), "test table")
    assert declare(inputs(), classes=table).performance_class.label == "high"
    assert ILLUSTRATIVE_CLASSES.classify(quantity(0.10, "kg/kWh")).label == "A"  # limits are inclusive
    with pytest.raises(InputError):
        ClassTable((PerformanceClass("a", 0.3), PerformanceClass("b", 0.2)), "falling limits")


def test_jrc_defaults() -> None:
    assert jrc_defaults("metal").a == 0.2 and jrc_defaults("other").a == 0.5
    assert jrc_defaults("metal").b == 0.0 and jrc_defaults("metal").r1 == 0.0
