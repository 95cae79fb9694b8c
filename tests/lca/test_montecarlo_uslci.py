"""Monte Carlo of every USLCI product at once (one adjoint solve per draw): signs, centres and exact draws."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order
from scipy.sparse.linalg import spsolve

from carbontrail.formats.olca_jsonld import read
from carbontrail.lca.footprint import FootprintModel, prepare
from carbontrail.lca.matrices import Matrix, build_system
from carbontrail.lca.montecarlo import ProductsMonteCarlo, _draws, _Job, monte_carlo, monte_carlo_products
from carbontrail.lca.uncertainty import LOGNORMAL, NORMAL, TRIANGULAR, UNIFORM
from carbontrail.units import quantity

ITERATIONS = 400


@pytest.fixture(scope="module")
def uslci(test_data: Path) -> FootprintModel:
    db = read(test_data / "uslci/uslci_olca1_5_0_json_ld.zip")
    return prepare(build_system(db, allocation="physical", unallocatable="reference"))


@pytest.fixture(scope="module")
def result(uslci: FootprintModel) -> ProductsMonteCarlo:
    return monte_carlo_products(uslci, ITERATIONS, seed=5, chunk_size=100)


def _medians(matrix: Matrix) -> tuple[np.ndarray, np.ndarray]:
    """(entries with a distribution, each one's analytic median): lognormal e^μ (μ = ln|amount| unless
    stored), normal its mean, uniform (l+h)/2, triangular l + √((h−l)(m−l)/2) when m ≥ (l+h)/2, else
    h − √((h−l)(h−m)/2), the mode clipped into [l, h]."""
    d = matrix.distributions
    idx = d.uncertain
    amount, code, loc, low, high = d.amount[idx], d.code[idx], d.loc[idx], d.minimum[idx], d.maximum[idx]
    med = np.full(idx.size, np.nan)
    lognormal = code == LOGNORMAL
    med[lognormal] = np.sign(amount[lognormal]) * np.exp(np.where(np.isnan(loc), np.log(np.abs(amount)), loc))[lognormal]
    normal = code == NORMAL
    med[normal] = np.where(np.isnan(loc), amount, loc)[normal]
    uniform = code == UNIFORM
    med[uniform] = ((low + high) / 2)[uniform]
    tri = code == TRIANGULAR
    mode = np.clip(np.where(np.isnan(loc), amount, loc), low, high)
    upper = mode >= (low + high) / 2
    med[tri] = np.where(upper, low + np.sqrt((high - low) * (mode - low) / 2),
                        high - np.sqrt((high - low) * (high - mode) / 2))[tri]
    return idx, med


def _supply_chains(A: sp.spmatrix) -> np.ndarray:
    """reach[i, j]: activity i is in product j's supply chain — a path j → i along A's stored entries (A[i, j]: j
    takes in i), explicit zeros included (a zero amount with a distribution can be drawn non-zero). This is A⁻¹'s
    structural pattern; the pattern of a numerically inverted A is not (its round-off leaves tiny non-zeros that
    depend on the BLAS kernel of the machine)."""
    pattern = sp.csr_matrix(A, copy=True)
    pattern.data[:] = 1
    edges = pattern.T.tocsr()
    reach = np.zeros(A.shape, dtype=bool)
    for j in range(A.shape[1]):
        reach[breadth_first_order(edges, j, directed=True, return_predecessors=False), j] = True
    return reach


def test_every_product_keeps_its_sign_and_its_centre(uslci: FootprintModel, result: ProductsMonteCarlo) -> None:
    """For all 887 products: a static score at rounding level (two products whose GWP cancels to ~1e-16)
    stays there; a product whose supply chain carries no distribution (696 of them) draws its static score every time; for
    the others that vary the median has the static sign and fewer than 5 % of draws the opposite one; and the static
    score lies inside the sampled 2.5–97.5 % band for every product whose supply chain holds only
    distributions centred on their amounts (median within 10 % of the amount). USLCI has 28 entries that are
    not (e.g. 1.07e-6 kg ethylene glycol with uniform(0, 9.68)); the products downstream of them may leave
    the band, and the test names them by that reason only."""
    system = uslci.system
    static = result.deterministic[0]
    samples = result.samples[:, 0, :]
    assert samples.shape == (ITERATIONS, len(system.activities))
    scale = np.abs(static).max()
    reach = _supply_chains(system.A)
    uncertain_cols, off_centre_cols = [], []
    for matrix in (system.technosphere, system.biosphere):
        idx, med = _medians(matrix)
        uncertain_cols.append(matrix.cols[idx])
        off_centre_cols.append(matrix.cols[idx[np.abs(med / matrix.distributions.amount[idx] - 1) > 0.1]])
    certain = ~reach[np.unique(np.concatenate(uncertain_cols))].any(axis=0)
    off_centre = reach[np.unique(np.concatenate(off_centre_cols))].any(axis=0)
    rounding = np.abs(static) <= 1e-14 * scale  # the largest is 8.6e6 kg CO2e (per item)
    low, median, high = np.percentile(samples, [2.5, 50, 97.5], axis=0)
    assert rounding.sum() == 32 + 2 and certain.sum() == 696
    assert np.all(np.abs(samples[:, rounding]) <= 1e-12 * scale)
    np.testing.assert_allclose(samples[:, certain & ~rounding], np.broadcast_to(static, samples.shape)[:, certain & ~rounding],
                               rtol=1e-9)
    # Products whose chain holds distributions only on flows without a GWP factor draw their static score too.
    flat = np.all(np.abs(samples - static) <= 1e-9 * np.abs(static), axis=0)
    varied = ~rounding & ~flat
    assert varied.sum() > 60  # USLCI: 77 products; most chains carry distributions only on flows without a GWP
    assert np.all(np.sign(median[varied]) == np.sign(static[varied]))
    assert np.all(np.mean(np.sign(samples[:, varied]) != np.sign(static[varied]), axis=0) < 0.05)
    outside = varied & ~((low <= static) & (static <= high))
    assert not np.any(outside & ~off_centre), [system.activities[j].product_name for j in np.flatnonzero(outside & ~off_centre)]
    assert off_centre.sum() < 60


def test_products_path_equals_one_demand_and_exact_draws(uslci: FootprintModel, result: ProductsMonteCarlo) -> None:
    """Column j is the Monte Carlo of one unit of product j (same seed, same chunks: the same draws), and a
    draw's footprints equal scipy's spsolve of Aᵀ q = (C B)ᵀ on that draw's matrices."""
    acts = uslci.system.activities
    hardboard = next(j for j, a in enumerate(acts) if a.product_name == "Hardboard, at hardboard plant")
    one = monte_carlo(uslci, {acts[hardboard].product: quantity(1, acts[hardboard].unit)}, ITERATIONS, seed=5,
                      chunk_size=100)
    np.testing.assert_allclose(result.samples[:, :, hardboard], one.samples, rtol=1e-9)
    system = uslci.system
    job = _Job(system.technosphere, system.biosphere, uslci.characterisation.factors, uslci.solver)
    first = np.random.SeedSequence(5).spawn(4)[0]
    for k, (a_data, b_values) in zip(range(3), _draws(job, first, 100)):  # the first chunk's first draws
        A = system.technosphere.template.copy()
        A.data = a_data
        B = system.biosphere.template.copy()
        B.data = system.biosphere.csc_data(b_values)
        cB = uslci.characterisation.factors @ B.toarray()
        exact = spsolve(A.T.tocsc(), cB.T).T
        np.testing.assert_allclose(result.samples[k], exact, rtol=1e-8, atol=1e-9 * np.abs(exact).max())
