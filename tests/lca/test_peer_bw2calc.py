"""Our footprints equal bw2calc 3.x's on the same matrices (fed as a bw_processing datapackage) to 1e-9."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from carbontrail.formats.olca_jsonld import read
from carbontrail.lca.footprint import FootprintModel, all_footprints, footprint, prepare
from carbontrail.lca.matrices import build_system
from carbontrail.units import quantity

from lca_systems import IMPACTS, datapackage, random_database  # noqa: I001  (tests/lca/lca_systems.py)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # bw2calc warns that pypardiso is missing; SuperLU is what we compare with
    import bw2calc as bc


def _close(ours: np.ndarray, theirs: np.ndarray) -> None:
    # 1e-9 relative; entries that cancel to ~0 are held to 1e-9 of the largest score instead.
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9 * np.abs(theirs).max())


def _check_against_bw2calc(model: FootprintModel, sample: list[int], every: int = 1) -> None:
    """Supply and score of the `sample` demands with bw2calc.LCA; all-products scores against MultiLCA
    (one demand per product, every `every`-th product: MultiLCA solves each demand on its own)."""
    dp = datapackage(model)
    acts = model.system.activities
    for j in sample:
        lca = bc.LCA({j + 1: 1.0}, data_objs=[dp])
        lca.lci()
        lca.lcia()
        f = np.zeros(len(acts))
        f[j] = 1.0
        supply = model.solver.forward(f)
        _close(supply, lca.supply_array)
        # A single LCA sums every characterisation resource of the package: both indicators together.
        _close(np.array([model.cB.sum(axis=0) @ supply]), np.array([lca.score]))
    columns = list(range(0, len(acts), every))
    demands = {f"d{j}": {j + 1: 1.0} for j in columns}
    multi = bc.MultiLCA(demands, {"impact_categories": list(IMPACTS)}, data_objs=[dp])
    multi.lci()
    multi.lcia()
    theirs = np.array([[multi.scores[(impact, f"d{j}")] for j in columns] for impact in IMPACTS])
    _close(all_footprints(model).scores[:, columns], theirs)


def _unique(model: FootprintModel, j: int) -> bool:
    return sum(a.product == model.system.activities[j].product for a in model.system.activities) == 1


def test_generated_system_matches_bw2calc() -> None:
    model = prepare(build_system(random_database(300, seed=4)))
    assert model.solver.loop_sizes and model.solver.loop_sizes[0] > 50  # loops are exercised
    _check_against_bw2calc(model, [0, 17, 150, 299], every=2)


@pytest.fixture(scope="module")
def uslci(test_data: Path) -> FootprintModel:
    db = read(test_data / "uslci/uslci_olca1_5_0_json_ld.zip")
    return prepare(build_system(db, allocation="physical", unallocatable="reference"))


def test_uslci_matches_bw2calc(uslci: FootprintModel) -> None:
    scores = all_footprints(uslci).scores
    assert np.count_nonzero(scores[0]) > 500  # most USLCI products carry greenhouse gases
    top = np.argsort(-np.abs(scores[0]))[:3]
    _check_against_bw2calc(uslci, [int(j) for j in top] + [0, len(uslci.system.activities) - 1], every=3)


def test_uslci_single_demand_api(uslci: FootprintModel) -> None:
    """The public API on one USLCI product gives the adjoint's per-unit score times the amount."""
    acts = uslci.system.activities
    j = next(j for j in range(len(acts)) if _unique(uslci, j) and acts[j].unit == "kg")
    result = footprint(uslci, {acts[j].product: quantity(3, "kg")})
    assert result.scores[0] == pytest.approx(3 * all_footprints(uslci).scores[0, j], rel=1e-9)
