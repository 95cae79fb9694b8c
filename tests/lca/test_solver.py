"""The solver's two strategies (whole-matrix LU, loops + supply tiers) agree with a plain sparse LU."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from scipy.sparse.linalg import spsolve

from carbontrail.errors import SingularSystemError
from carbontrail.lca.matrices import build_system
from carbontrail.lca.solver import Solver

from lca_systems import random_database  # noqa: I001  (tests/lca/lca_systems.py)


@pytest.fixture(scope="module")
def matrix() -> sparse.csc_matrix:
    return build_system(random_database(400, seed=9)).A


def test_tiers_and_whole_matrix_agree_with_spsolve(matrix: sparse.csc_matrix) -> None:
    names = [str(j) for j in range(matrix.shape[0])]
    tiers, whole = Solver(matrix, names, tiers=True), Solver(matrix, names, tiers=False)
    assert len(tiers._levels) >= 2 and tiers.loop_sizes[0] > 10  # both loops and acyclic tiers are exercised
    rng = np.random.default_rng(0)
    b = rng.random((matrix.shape[0], 3))
    reference = spsolve(matrix.T.tocsc(), b)
    np.testing.assert_allclose(tiers.adjoint(b), reference, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(whole.adjoint(b), reference, rtol=1e-10, atol=1e-12)
    f = np.zeros(matrix.shape[0])
    f[[3, 200]] = 1.0, 2.5
    np.testing.assert_allclose(tiers.forward(f), spsolve(matrix, f), rtol=1e-10, atol=1e-12)


def test_resampled_matrix_is_solved_exactly(matrix: sparse.csc_matrix) -> None:
    """A Monte Carlo draw (every entry × lognormal, σ = 0.3) solved with the static structure equals spsolve."""
    names = [str(j) for j in range(matrix.shape[0])]
    rng = np.random.default_rng(1)
    data = matrix.data * np.exp(0.3 * rng.standard_normal(matrix.nnz))
    drawn = sparse.csc_matrix((data, matrix.indices, matrix.indptr), shape=matrix.shape)
    f = np.zeros(matrix.shape[0])
    f[17] = 1.0
    # The residual bound is norm-wise (1e-10 of ‖f‖), so entries are held to 1e-9 of the largest one.
    for tiers in (True, False):
        solver = Solver(matrix, names, tiers=tiers).resampled(data)
        for ours, exact in ((solver.forward(f), spsolve(drawn, f)), (solver.adjoint(f), spsolve(drawn.T.tocsc(), f))):
            np.testing.assert_allclose(ours, exact, rtol=1e-9, atol=1e-9 * np.abs(exact).max())


def test_only_the_failing_loop_is_named() -> None:
    """Chain x → y feeding a loop a ⇄ b that needs 1.5 × 1 = 1.5 a per a: only a and b are named."""
    A = sparse.csc_matrix(np.array([
        [1.0, -0.5, 0.0, 0.0],    # x, used by y
        [0.0, 1.0, -0.2, 0.0],    # y, used by a
        [0.0, 0.0, 1.0, -1.5],    # a, used by b
        [0.0, 0.0, -1.0, 1.0],    # b, used by a
    ]))
    for tiers in (True, False):
        with pytest.raises(SingularSystemError) as info:
            Solver(A, ["x", "y", "a", "b"], tiers=tiers)
        assert sorted(info.value.processes) == ["a", "b"]
