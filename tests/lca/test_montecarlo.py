"""Monte Carlo: analytic means, pedigree σ, shared draws for comparisons, and the same numbers on Dask."""

from __future__ import annotations

import math

import numpy as np
import pytest
from distributed import Client, LocalCluster

from carbontrail.errors import InputError
from carbontrail.lca.footprint import prepare
from carbontrail.lca.matrices import build_system
from carbontrail.lca.model import Exchange, Flow, Process, ProcessDatabase, Uncertainty
from carbontrail.lca.montecarlo import compare, monte_carlo
from carbontrail.lca.uncertainty import pedigree_sigma
from carbontrail.units import quantity

from lca_systems import random_database  # noqa: I001  (tests/lca/lca_systems.py)

FLOWS = {"a": Flow("a", "a", "product", "kg"), "b": Flow("b", "b", "product", "kg"),
         "co2": Flow("co2", "Carbon dioxide, fossil", "elementary", "kg", "air")}


def two_process(u_input: Uncertainty, u_a: Uncertainty, u_b: Uncertainty) -> ProcessDatabase:
    """a: 1 kg from 0.5 kg b, 1 kg CO2; b: 1 kg, 2 kg CO2 → score of 1 kg a = e_a + x·e_b."""
    pa = Process("A", "a", (Exchange("a", 1, False, True), Exchange("b", 0.5, True, uncertainty=u_input),
                            Exchange("co2", 1, False, uncertainty=u_a)))
    pb = Process("B", "b", (Exchange("b", 1, False, True), Exchange("co2", 2, False, uncertainty=u_b)))
    return ProcessDatabase("two", "1", dict(FLOWS), {"A": pa, "B": pb})


def test_lognormal_mean_converges_to_the_analytic_mean() -> None:
    """E[score] = E[e_a] + E[x]·E[e_b] for independent lognormals, E = exp(μ + σ²/2):
    1·e^{0.08} + 0.5·e^{0.045}·2·e^{0.02} = 1.08329 + 1.06716 = 2.15045 (σ = 0.4, 0.3, 0.2)."""
    db = two_process(Uncertainty("lognormal", scale=0.3), Uncertainty("lognormal", scale=0.4),
                     Uncertainty("lognormal", scale=0.2))
    model = prepare(build_system(db))
    result = monte_carlo(model, {"a": quantity(1, "kg")}, 10_000, seed=7, chunk_size=2_500)
    analytic = math.exp(0.4**2 / 2) + 0.5 * math.exp(0.3**2 / 2) * 2 * math.exp(0.2**2 / 2)
    stderr = result.samples[:, 0].std(ddof=1) / math.sqrt(10_000)
    assert stderr < 0.007
    assert abs(result.mean[0] - analytic) < 4 * stderr
    # Deterministic value uses the stored amounts: 1 + 0.5·2 = 2; the median of e_a alone would be 1.
    assert result.deterministic[0] == pytest.approx(2.0)
    counts, edges = result.histogram("GWP100", bins=20)
    assert counts.sum() == 10_000 and edges[0] == pytest.approx(result.samples[:, 0].min())
    assert result.summary().loc["GWP100", "p50"] == pytest.approx(result.median[0])


@pytest.mark.parametrize(("uncertainty", "mean", "sd"), [
    (Uncertainty("uniform", minimum=1.0, maximum=3.0), 2.0, 2 / math.sqrt(12)),
    (Uncertainty("triangular", loc=2.0, minimum=1.0, maximum=4.0), 7 / 3, math.sqrt((1 + 4 + 16 - 2 - 4 - 8) / 18)),
    (Uncertainty("normal", loc=2.0, scale=0.1), 2.0, 0.1),
])
def test_other_distributions(uncertainty: Uncertainty, mean: float, sd: float) -> None:
    """Score of 1 kg b = its CO2 draw: uniform(1,3) mean 2, sd 2/√12; triangular(1,2,4) mean 7/3,
    sd √((a²+b²+c²−ab−ac−bc)/18); normal(2, 0.1)."""
    db = two_process(Uncertainty(), Uncertainty(), uncertainty)
    result = monte_carlo(prepare(build_system(db)), {"b": quantity(1, "kg")}, 10_000, seed=1, chunk_size=10_000)
    assert result.mean[0] == pytest.approx(mean, abs=4 * sd / 100)
    assert result.samples[:, 0].std() == pytest.approx(sd, rel=0.05)


def test_pedigree_only_uncertainty() -> None:
    """Scores (1,1,1,1,1) leave the basic variance 0.0006; (5,5,5,5,5) add 0.04+0.008+0.04+0.002+0.12
    (Weidema et al. 2013, Table 10.5) → σ = √0.2106 = 0.4589; sampled ln(e_b/2) has that sd."""
    assert pedigree_sigma((1, 1, 1, 1, 1)) == pytest.approx(math.sqrt(0.0006))
    assert pedigree_sigma((5, 5, 5, 5, 5)) == pytest.approx(math.sqrt(0.2106))
    with pytest.raises(InputError):
        pedigree_sigma((0, 1, 1, 1, 1))
    db = two_process(Uncertainty(), Uncertainty(), Uncertainty(pedigree=(5, 5, 5, 5, 5)))
    result = monte_carlo(prepare(build_system(db)), {"b": quantity(1, "kg")}, 10_000, seed=3, chunk_size=10_000)
    assert np.log(result.samples[:, 0] / 2).std() == pytest.approx(math.sqrt(0.2106), rel=0.03)


def test_comparison_uses_the_same_draws() -> None:
    """Demand b = 2 × demand a on the same draws: every sampled difference is exactly −(score of a)."""
    model = prepare(build_system(random_database(40, seed=2)))
    one, two = {"p3": quantity(1, "kg")}, {"p3": quantity(2, "kg")}
    result = compare(model, one, two, 60, seed=11, chunk_size=25)
    np.testing.assert_allclose(result.difference, -result.a.samples, rtol=1e-12)
    assert result.probability_a_lower() == 1.0
    # The same seed gives the same draws again; another seed does not.
    again = compare(model, one, two, 60, seed=11, chunk_size=25)
    np.testing.assert_array_equal(again.a.samples, result.a.samples)
    assert not np.array_equal(compare(model, one, two, 60, seed=12, chunk_size=25).a.samples, again.a.samples)


def test_same_numbers_on_one_and_two_dask_workers() -> None:
    model = prepare(build_system(random_database(60, seed=5)))
    demand = {"p7": quantity(1, "kg")}
    local = monte_carlo(model, demand, 40, seed=2024, chunk_size=8)
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            on_dask = monte_carlo(model, demand, 40, seed=2024, chunk_size=8, scheduler=client)
            np.testing.assert_array_equal(on_dask.samples, local.samples)
            via_address = monte_carlo(model, demand, 16, seed=2024, chunk_size=8, scheduler=cluster.scheduler_address)
            np.testing.assert_array_equal(via_address.samples, local.samples[:16])
