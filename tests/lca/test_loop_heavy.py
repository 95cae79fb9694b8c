"""A loop-heavy system (one strongly connected block of 70 % of 2,000 processes, as in ecoinvent): results
equal scipy's spsolve and bw2calc's to 1e-9, and its Monte Carlo gives the same numbers on 1 and 2 workers."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from distributed import Client, LocalCluster
from scipy.sparse.linalg import spsolve

from carbontrail.lca.footprint import FootprintModel, all_footprints, footprint, prepare
from carbontrail.lca.matrices import build_system
from carbontrail.lca.montecarlo import monte_carlo
from carbontrail.units import quantity

from lca_systems import IMPACTS, datapackage  # noqa: I001  (tests/lca/lca_systems.py)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from generate_system import generate_loop_heavy  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import bw2calc as bc

N = 2_000


@pytest.fixture(scope="module")
def model() -> FootprintModel:
    return prepare(build_system(generate_loop_heavy(N, loop_share=0.7, seed=3)))


def _close(ours: np.ndarray, theirs: np.ndarray) -> None:
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12 * np.abs(theirs).max())


def test_the_block_holds_70_percent(model: FootprintModel) -> None:
    """1,400 of 2,000 processes in one strongly connected block, ≈10 product inputs per process."""
    assert model.solver.loop_sizes[0] == 1_400
    assert sum(model.solver.loop_sizes) == 1_400
    assert 10 <= model.system.A.nnz / N - 1 <= 11.5


def test_equals_spsolve_and_bw2calc(model: FootprintModel) -> None:
    """All products (Aᵀ q = (C B)ᵀ) and single demands (A s = f) against scipy's spsolve and bw2calc 3.1."""
    A = model.system.A.tocsc()
    reference = spsolve(A.T.tocsc(), np.ascontiguousarray(model.cB.T)).T
    ours = all_footprints(model).scores
    _close(ours, reference)
    assert np.all(ours[0] > 0)
    dp = datapackage(model)
    acts = model.system.activities
    for j in (0, 400, 650, 1000, 1500, N - 1):  # upstream, loop, loop, loop, downstream, downstream
        f = np.zeros(N)
        f[j] = 1.0
        result = footprint(model, {acts[j].product: quantity(1, acts[j].unit)})
        _close(result.supply, spsolve(A, f))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lca = bc.LCA({j + 1: 1.0}, data_objs=[dp])
            lca.lci()
            lca.lcia()
        _close(result.supply, lca.supply_array)
        # One LCA sums both characterisation resources of the package.
        _close(np.array([result.scores.sum()]), np.array([lca.score]))
        _close(result.scores, reference[:, j])
    assert len(IMPACTS) == 2


def test_monte_carlo_same_seed_same_numbers_on_one_and_two_workers(model: FootprintModel) -> None:
    """Worker processes receive the solver pickled and factorise it again; the draws still agree exactly."""
    act = model.system.activities[1000]
    demand = {act.product: quantity(1, act.unit)}
    local = monte_carlo(model, demand, 24, seed=99, chunk_size=4)
    assert local.samples[:, 0].std() > 0.01 * local.samples[:, 0].mean()
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            on_dask = monte_carlo(model, demand, 24, seed=99, chunk_size=4, scheduler=client)
        np.testing.assert_array_equal(on_dask.samples, local.samples)
