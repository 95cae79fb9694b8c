"""Footprints on hand-computed systems: loops, GWP100 AR6/AR5, biogenic apart, errors, cut-offs, suppliers."""

from __future__ import annotations

import numpy as np
import pytest

from carbontrail.errors import InputError, SingularSystemError
from carbontrail.lca.contributions import contributions
from carbontrail.lca.data_quality import data_quality
from carbontrail.lca.external import ExternalFootprint
from carbontrail.lca.footprint import all_footprints, footprint, prepare
from carbontrail.lca.matrices import build_system
from carbontrail.lca.model import Exchange, Flow, Process, ProcessDatabase, Uncertainty
from carbontrail.lca.tree import supply_tree, tree_frame
from carbontrail.units import quantity

FLOWS = {
    "a": Flow("a", "cell", "product", "kg"),
    "b": Flow("b", "cathode", "product", "kg"),
    "c": Flow("c", "lithium carbonate", "product", "kg"),
    "co2": Flow("co2", "Carbon dioxide, fossil", "elementary", "kg", "air/unspecified"),
    "ch4": Flow("ch4", "Methane, fossil", "elementary", "kg", "air/unspecified"),
    "co2b": Flow("co2b", "Carbon dioxide, biogenic", "elementary", "kg", "air/unspecified"),
    "sf6": Flow("sf6", "Sulfur hexafluoride", "elementary", "g", "air/unspecified"),
}


def loop_db(b_uses_a: float = 0.2, extra: tuple[Exchange, ...] = ()) -> ProcessDatabase:
    """P1 makes 1 kg a from 0.5 kg b, emitting 1 kg CO2 and 1 kg biogenic CO2;
    P2 makes 1 kg b from `b_uses_a` kg a, emitting 2 kg fossil CH4."""
    p1 = Process("P1", "cell assembly", (Exchange("a", 1, False, True), Exchange("b", 0.5, True),
                                         Exchange("co2", 1, False), Exchange("co2b", 1, False), *extra),
                 stage="production", supplier="CellCo", location="CN-SC")
    p2 = Process("P2", "cathode synthesis", (Exchange("b", 1, False, True), Exchange("a", b_uses_a, True),
                                             Exchange("ch4", 2, False)), stage="materials", supplier="CathodeCo")
    return ProcessDatabase("loop", "1", dict(FLOWS), {"P1": p1, "P2": p2}, source="hand-made")


@pytest.mark.parametrize(("assessment", "ch4"), [("AR6", 29.8), ("AR5", 30.0)])
def test_loop_by_hand(assessment: str, ch4: float) -> None:
    """q_a = 1 + 0.5 q_b, q_b = 2·GWP(CH4 fossil) + 0.2 q_a → q_a = (1 + GWP)/0.9;
    AR6 (29.8): q_a = 34.2222…, q_b = 66.4444…; AR5 (30): 34.4444…, 66.8889…. Biogenic: 1/0.9, 0.2/0.9."""
    model = prepare(build_system(loop_db()), assessment)
    q = all_footprints(model).scores
    ja, jb = model.system.index("a"), model.system.index("b")
    qa = (1 + ch4) / 0.9
    assert q[0, ja] == pytest.approx(qa, rel=1e-12)
    assert q[0, jb] == pytest.approx(2 * ch4 + 0.2 * qa, rel=1e-12)
    assert q[1, ja] == pytest.approx(1 / 0.9, rel=1e-12)
    assert q[1, jb] == pytest.approx(0.2 / 0.9, rel=1e-12)
    result = footprint(model, {"a": quantity(2000, "g")})
    assert result.impacts["GWP100"].to("kg").magnitude == pytest.approx(2 * qa, rel=1e-12)
    # Supply: s_a = 2 + 0.2 s_b, s_b = 0.5 s_a → s_a = 2/0.9, s_b = 1/0.9.
    assert result.supply[[ja, jb]] == pytest.approx([2 / 0.9, 1 / 0.9], rel=1e-12)
    assert result.provenance.assessment == assessment and result.provenance.geography == "CN-SC"


def test_contributions_and_tree_add_up() -> None:
    """Demand 1 kg a (AR6): s = (1/0.9, 0.5/0.9); P1 direct 1/0.9 kg, P2 direct 59.6·0.5/0.9 = 33.111 kg."""
    model = prepare(build_system(loop_db()))
    result = footprint(model, {"a": quantity(1, "kg")})
    total = result.scores[0]
    by_gas = contributions(result, "gas")
    assert by_gas.loc["CH4_fossil", "GWP100"] == pytest.approx(59.6 * 0.5 / 0.9, rel=1e-12)
    assert by_gas.loc["CO2", "GWP100"] == pytest.approx(1 / 0.9, rel=1e-12)
    assert by_gas.loc["CO2", "GWP100 biogenic"] == pytest.approx(1 / 0.9, rel=1e-12)
    by_stage = contributions(result, "stage")
    assert by_stage.loc["materials", "GWP100"] == pytest.approx(59.6 * 0.5 / 0.9, rel=1e-12)
    assert contributions(result, "supplier")["GWP100"].sum() == pytest.approx(total, rel=1e-12)
    assert contributions(result, "process")["share"].sum() == pytest.approx(1.0, rel=1e-12)
    tree = supply_tree(model, "a", quantity(1, "kg"), cutoff=0.0, max_depth=3)
    # Root carries q_a; its child is 0.5 kg b carrying 0.5·q_b = 33.222 kg.
    assert tree.total == pytest.approx(total, rel=1e-12)
    assert tree.children[0].amount == pytest.approx(0.5) and tree.children[0].total == pytest.approx(
        0.5 * (59.6 + 0.2 * (1 + 29.8) / 0.9), rel=1e-12)
    frame = tree_frame(tree)
    assert list(frame["depth"]) == [0, 1, 2, 3]
    # What the depth limit leaves out equals what the shown nodes do not explain.
    shown = frame["direct_kg_co2e"].sum() + frame["pruned_kg_co2e"].sum()
    assert shown == pytest.approx(total, rel=1e-12)


def test_units_of_gases_and_demand() -> None:
    """5 g SF6 per kg a (AR6 GWP100 25,200, WG1 Table 7.SM.7 → 126 kg CO2e) adds 126/0.9 = 140 kg CO2e per kg a."""
    base = all_footprints(prepare(build_system(loop_db()))).scores[0]
    model = prepare(build_system(loop_db(extra=(Exchange("sf6", 5, False),))))
    ja = model.system.index("a")
    assert all_footprints(model).scores[0, ja] - base[ja] == pytest.approx(25200 * 0.005 / 0.9, rel=1e-9)
    with pytest.raises(InputError, match="no unit"):
        model.demand_vector({"a": 1.0})  # type: ignore[dict-item]
    with pytest.raises(InputError, match="cannot be converted"):
        footprint(model, {"a": quantity(1, "kWh")})


def test_loop_that_cannot_produce_is_named() -> None:
    """b needs 2.5 kg a per kg and a needs 0.5 kg b: the loop consumes 1.25 kg a per kg a made."""
    with pytest.raises(SingularSystemError, match="cannot produce") as info:
        prepare(build_system(loop_db(b_uses_a=2.5)))
    assert sorted(info.value.processes) == ["cathode synthesis", "cell assembly"]


def test_exactly_singular_loop_is_named() -> None:
    """b needs exactly 2 kg a per kg: a and b cancel out, A is singular."""
    with pytest.raises(SingularSystemError) as info:
        prepare(build_system(loop_db(b_uses_a=2.0)))
    assert sorted(info.value.processes) == ["cathode synthesis", "cell assembly"]


def test_process_using_more_of_its_product_than_it_makes() -> None:
    db = loop_db(extra=(Exchange("a", 1.2, True),))
    with pytest.raises(SingularSystemError, match="own product") as info:
        build_system(db)
    assert info.value.processes == ["cell assembly"]


def test_cutoff_is_reported_and_estimated() -> None:
    """P1 also uses 0.3 kg of 'c' which nobody makes: cut off. Its estimate uses the median kg-product
    footprint, median(q_a, q_b) = (34.222 + 66.444)/2 = 50.333, × 0.3 × s_a (1/0.9) = 16.778 kg."""
    db = loop_db(extra=(Exchange("c", 0.3, True),))
    model = prepare(build_system(db))
    assert [(l.flow, l.reason) for l in model.system.links] == [("c", "cut off: no producer")]
    result = footprint(model, {"a": quantity(1, "kg")})
    qa, qb = 30.8 / 0.9, 59.6 + 0.2 * 30.8 / 0.9
    estimate = 0.3 / 0.9 * (qa + qb) / 2
    assert result.cutoff_estimate[0] == pytest.approx(estimate, rel=1e-12)
    assert result.cutoff_share == pytest.approx(estimate / (qa + estimate), rel=1e-12)


def test_supplier_footprint_primary_share_and_dqr() -> None:
    """'c' bought at a supplier's own 4 kg CO2e/kg (primary, DQR 1,2,3): P1 uses 0.3 kg per kg a.
    GWP100 of 1 kg a = 34.222 + 0.3·4/0.9 = 35.556. Weights: P1 direct (1 + 1 biogenic)/0.9 = 2.222 rated
    (2,2,2) from pedigree; supplier 1.2/0.9 rated (1,2,3); P2 2·29.8·s_b = 29.8/0.9 unrated
    → primary share 1.2/33 = 0.0364, coverage 3.2/33."""
    pedigree = Uncertainty(pedigree=(1, 1, 2, 2, 2))
    extra = (Exchange("c", 0.3, True), Exchange("co2", 0.0, False, uncertainty=pedigree))
    fp = ExternalFootprint("c", quantity(4, "kg/kg"), primary=True, supplier="Tianqi Lithium", source="PACT",
                           dqr=(1, 2, 3))
    model = prepare(build_system(loop_db(extra=extra), external=[fp]))
    result = footprint(model, {"a": quantity(1, "kg")})
    assert result.scores[0] == pytest.approx(30.8 / 0.9 + 1.2 / 0.9, rel=1e-12)
    assert contributions(result, "supplier").loc["Tianqi Lithium", "GWP100"] == pytest.approx(1.2 / 0.9, rel=1e-12)
    dq = data_quality(result)
    weights = np.array([2 / 0.9, 1.2 / 0.9, 29.8 / 0.9])
    assert dq.primary_data_share == pytest.approx(weights[1] / weights.sum(), rel=1e-12)
    assert dq.technological == pytest.approx(round((2 * weights[0] + 1 * weights[1]) / weights[:2].sum(), 2))
    assert dq.geographical == pytest.approx(round((2 * weights[0] + 3 * weights[1]) / weights[:2].sum(), 2))
    assert dq.coverage == pytest.approx(weights[:2].sum() / weights.sum(), rel=1e-12)
    assert data_quality(result, primary_processes={"P1", "P2"}).primary_data_share == pytest.approx(1.0)


def test_cradle_to_gate_leaves_use_and_end_of_life_out() -> None:
    """A 'use' process (1 kg a per use, 3 kg CO2 while used): grave = 34.222 + 3; gate drops the process."""
    flows = dict(FLOWS, u=Flow("u", "use of the cell", "product", "piece"))
    db = loop_db()
    use = Process("U", "cell in use", (Exchange("u", 1, False, True), Exchange("a", 1, True),
                                       Exchange("co2", 3, False)), stage="use")
    grave = ProcessDatabase("grave", "1", flows, {**db.processes, "U": use})
    assert footprint(prepare(build_system(grave)), {"u": quantity(1, "piece")}).scores[0] == pytest.approx(
        30.8 / 0.9 + 3, rel=1e-12)
    gate = build_system(grave, boundary="cradle-to-gate")
    assert [a.process for a in gate.activities] == ["P1", "P2"]
    with pytest.raises(InputError, match="no activity"):
        gate.index("u")
