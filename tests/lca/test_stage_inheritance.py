"""Life-cycle stage contributions: unlabelled upstream processes inherit the stage of what pulls them in."""

from __future__ import annotations

import pytest

from carbontrail.lca.contributions import contributions
from carbontrail.lca.footprint import footprint, prepare
from carbontrail.lca.matrices import build_system
from carbontrail.lca.model import Exchange, Flow, Process, ProcessDatabase
from carbontrail.units import quantity

FLOWS = {
    "cell": Flow("cell", "LFP cell", "product", "kg"),
    "cathode": Flow("cathode", "LFP cathode", "product", "kg"),
    "power": Flow("power", "grid electricity", "product", "kWh"),
    "co2": Flow("co2", "Carbon dioxide, fossil", "elementary", "kg", "air/unspecified"),
}


def chain() -> ProcessDatabase:
    """Cell (stage "main production"): 0.5 kg cathode + 2 kWh, emits 1 kg CO2.
    Cathode (stage "raw material"): 10 kWh, emits 3 kg CO2. Grid (no stage): 0.1 kWh of losses per kWh
    delivered (a loop inside the unlabelled part), emits 0.5 kg CO2 per kWh."""
    cell = Process("C", "cell line", (Exchange("cell", 1, False, True), Exchange("cathode", 0.5, True),
                                      Exchange("power", 2, True), Exchange("co2", 1, False)), stage="main production")
    cathode = Process("K", "cathode kiln", (Exchange("cathode", 1, False, True), Exchange("power", 10, True),
                                            Exchange("co2", 3, False)), stage="raw material")
    grid = Process("G", "grid", (Exchange("power", 1, False, True), Exchange("power", 0.1, True),
                                 Exchange("co2", 0.5, False)))
    return ProcessDatabase("stages", "1", dict(FLOWS), {"C": cell, "K": cathode, "G": grid})


def test_unlabelled_power_follows_its_buyers() -> None:
    """Grid net output per kWh made is 0.9, so delivering x kWh takes x/0.9 kWh of grid activity at 0.5 kg each.
    1 kg cell: main production = 1 + 2/0.9·0.5 = 2.1111 kg; raw material = 0.5·3 + 0.5·10/0.9·0.5 = 4.2778 kg;
    total = 1 + 1.5 + 7/0.9·0.5 = 6.3889 kg. Before the fix all 3.8889 kg of the grid sat in "unspecified"."""
    result = footprint(prepare(build_system(chain())), {"cell": quantity(1, "kg")})
    by_stage = contributions(result, "stage")
    assert by_stage.loc["main production", "GWP100"] == pytest.approx(1 + 2 / 0.9 * 0.5, rel=1e-12)
    assert by_stage.loc["raw material", "GWP100"] == pytest.approx(1.5 + 5 / 0.9 * 0.5, rel=1e-12)
    assert "unspecified" not in by_stage.index
    assert by_stage["GWP100"].sum() == pytest.approx(result.scores[0], rel=1e-12)
    assert result.scores[0] == pytest.approx(1 + 1.5 + 7 / 0.9 * 0.5, rel=1e-12)


def test_demand_on_unlabelled_product_stays_unspecified() -> None:
    """Demand 1 kg cell and 9 kWh power: the 9 kWh draw 9/0.9·0.5 = 5 kg CO2 that no stage pulls in."""
    result = footprint(prepare(build_system(chain())), {"cell": quantity(1, "kg"), "power": quantity(9, "kWh")})
    by_stage = contributions(result, "stage")
    assert by_stage.loc["unspecified", "GWP100"] == pytest.approx(5.0, rel=1e-12)
    assert by_stage.loc["main production", "GWP100"] == pytest.approx(1 + 2 / 0.9 * 0.5, rel=1e-12)
    assert by_stage["share"].sum() == pytest.approx(1.0, rel=1e-12)


def test_purchased_product_with_its_own_stage() -> None:
    """The cell line also buys 0.1 kg electrolyte at 10 kg CO2e/kg, declared "raw material": 1 kg moves from the
    buyer's stage (main production) to raw material; without a stage it stays with the buyer."""
    from carbontrail.lca.external import ExternalFootprint

    db = chain()
    flows = {**db.flows, "electrolyte": Flow("electrolyte", "electrolyte", "product", "kg")}
    cell = db.processes["C"]
    processes = {**db.processes, "C": Process(cell.id, cell.name, (*cell.exchanges, Exchange("electrolyte", 0.1, True)),
                                              stage=cell.stage)}
    staged = ExternalFootprint("electrolyte", quantity(10, "kg/kg"), stage="raw material")
    for fp, main, raw in ((staged, 1 + 2 / 0.9 * 0.5, 1.5 + 5 / 0.9 * 0.5 + 1.0),
                          (ExternalFootprint("electrolyte", quantity(10, "kg/kg")), 1 + 2 / 0.9 * 0.5 + 1.0,
                           1.5 + 5 / 0.9 * 0.5)):
        model = prepare(build_system(ProcessDatabase("stages", "1", flows, processes), external=[fp]))
        by_stage = contributions(footprint(model, {"cell": quantity(1, "kg")}), "stage")
        assert by_stage.loc["main production", "GWP100"] == pytest.approx(main, rel=1e-12)
        assert by_stage.loc["raw material", "GWP100"] == pytest.approx(raw, rel=1e-12)
