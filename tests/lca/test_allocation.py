"""Allocation of a co-product under each method, on a three-process example computed by hand."""

from __future__ import annotations

import pytest

from carbontrail.errors import UnitError
from carbontrail.lca.footprint import all_footprints, footprint, prepare
from carbontrail.lca.matrices import build_system
from carbontrail.lca.model import Exchange, Flow, Process, ProcessDatabase
from carbontrail.units import quantity


def chlor_alkali(factors: dict[str, dict[str, float]] | None = None, naoh_unit: str = "kg") -> ProcessDatabase:
    """Electricity (1 kWh, 0.5 kg CO2); chlor-alkali (1 kg Cl2 + 1.5 kg NaOH from 3 kWh, 0.2 kg CO2);
    a second NaOH route (1 kg NaOH from 1 kWh, 0.1 kg CO2)."""
    flows = {
        "elec": Flow("elec", "electricity", "product", "kWh"),
        "cl2": Flow("cl2", "chlorine", "product", "kg"),
        "naoh": Flow("naoh", "sodium hydroxide", "product", naoh_unit),
        "co2": Flow("co2", "Carbon dioxide, fossil", "elementary", "kg", "air/unspecified"),
    }
    processes = [
        Process("grid", "electricity, grid", (Exchange("elec", 1.0, False, True), Exchange("co2", 0.5, False))),
        Process("ca", "chlor-alkali electrolysis", (
            Exchange("cl2", 1.0, False, True), Exchange("naoh", 1.5, False),
            Exchange("elec", 3.0, True), Exchange("co2", 0.2, False)),
            allocation=factors or {"physical": {"cl2": 0.5, "naoh": 0.5}, "economic": {"cl2": 3.0, "naoh": 1.0}}),
        Process("naoh2", "sodium hydroxide, other route", (
            Exchange("naoh", 1.0, False, True), Exchange("elec", 1.0, True), Exchange("co2", 0.1, False))),
    ]
    return ProcessDatabase("chlor-alkali", "1", flows, {p.id: p for p in processes})


@pytest.mark.parametrize(("method", "chlorine", "naoh_coproduct"), [
    # Burden of the electrolysis: 0.2 + 3 kWh × 0.5 = 1.7 kg CO2 for 1 kg Cl2 and 1.5 kg NaOH.
    ("mass", 1.7 * 1.0 / 2.5, 1.7 * 1.5 / 2.5 / 1.5),        # 0.68 and 0.68 kg CO2/kg
    ("physical", 1.7 * 0.5, 1.7 * 0.5 / 1.5),               # 0.85 and 0.5667
    ("economic", 1.7 * 0.75, 1.7 * 0.25 / 1.5),             # factors 3:1 → 1.275 and 0.2833
])
def test_partitioning(method: str, chlorine: float, naoh_coproduct: float) -> None:
    model = prepare(build_system(chlor_alkali(), allocation=method))
    assert footprint(model, {"cl2": quantity(1, "kg")}).scores[0] == pytest.approx(chlorine, rel=1e-12)
    j = model.system.index("naoh", "ca")
    assert all_footprints(model).scores[0, j] == pytest.approx(naoh_coproduct, rel=1e-12)
    # The other NaOH route is untouched: 0.1 + 1 × 0.5 = 0.6 kg CO2/kg.
    assert all_footprints(model).scores[0, model.system.index("naoh", "naoh2")] == pytest.approx(0.6, rel=1e-12)


def test_substitution_credits_the_displaced_route() -> None:
    """System expansion: 1.7 kg CO2 minus 1.5 kg NaOH × 0.6 kg CO2/kg of the other route = 0.8 kg CO2/kg Cl2."""
    model = prepare(build_system(chlor_alkali(), allocation="substitution"))
    assert len(model.system.activities) == 3
    assert footprint(model, {"cl2": quantity(1, "kg")}).scores[0] == pytest.approx(0.8, rel=1e-12)


def test_partial_factors_leave_the_rest_to_the_unnamed_product() -> None:
    """Only NaOH has a factor (0.3): chlorine takes the remaining 0.7 → 1.7 × 0.7 = 1.19 kg CO2/kg."""
    model = prepare(build_system(chlor_alkali({"physical": {"naoh": 0.3}}), allocation="physical"))
    assert footprint(model, {"cl2": quantity(1, "kg")}).scores[0] == pytest.approx(1.19, rel=1e-12)


def test_mass_allocation_needs_mass_units() -> None:
    db = chlor_alkali({}, naoh_unit="m3")
    with pytest.raises(UnitError, match="sodium hydroxide.*m3"):
        build_system(db, allocation="mass")
    system = build_system(db, allocation="mass", unallocatable="reference")
    assert [link.reason.startswith("not allocated") for link in system.links] == [True]
    # Unallocated: chlorine carries the whole 1.7 kg CO2.
    assert footprint(prepare(system), {"cl2": quantity(1, "kg")}).scores[0] == pytest.approx(1.7, rel=1e-12)
