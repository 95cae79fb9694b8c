"""The solver's two strategies (whole-matrix LU, loops + supply tiers) agree with a plain sparse LU."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import spsolve

from carbontrail.errors import SingularSystemError
from carbontrail.lca.matrices import build_system
from carbontrail.lca.solver import Solver, _supply_order

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


def _small_loops(n: int = 300, seed: int = 4) -> sparse.csc_matrix:
    """Mostly acyclic, as USLCI: each process buys from up to 3 earlier ones, and every 10th process j also from
    j + k (k = 1…6), which buys from j: loops of 2-7 processes; inputs 0.6 per unit made, so it is productive."""
    rng = np.random.default_rng(seed)
    rows, cols, vals = list(range(n)), list(range(n)), [1.0] * n
    back = {j: j + int(rng.integers(1, 7)) for j in range(10, n - 6, 10)}
    for j in range(1, n):
        suppliers = set(int(i) for i in rng.integers(0, j, 3))
        suppliers |= {back[j]} if j in back else set()
        suppliers |= {i for i, k in back.items() if k == j}
        amounts = rng.random(len(suppliers))
        for i, a in zip(sorted(suppliers), 0.6 * amounts / amounts.sum()):
            rows.append(i)
            cols.append(j)
            vals.append(-a)
    return sparse.csc_matrix((vals, (rows, cols)), shape=(n, n))


def test_small_loops_are_solved_in_supply_order() -> None:
    """A whole matrix with small loops is factorised in supply order (no ordering search); forward, adjoint and a
    Monte Carlo draw equal spsolve."""
    matrix = _small_loops()
    names = [str(j) for j in range(matrix.shape[0])]
    solver = Solver(matrix, names, tiers=False)
    assert solver._ordered is not None and 2 <= solver.loop_sizes[0] <= 7 and len(solver.loop_sizes) >= 10
    rng = np.random.default_rng(2)
    b = rng.random((matrix.shape[0], 2))
    np.testing.assert_allclose(solver.adjoint(b), spsolve(matrix.T.tocsc(), b), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(solver.forward(b[:, 0]), spsolve(matrix, b[:, 0]), rtol=1e-10, atol=1e-12)
    data = matrix.data * np.exp(0.3 * rng.standard_normal(matrix.nnz))
    drawn = sparse.csc_matrix((data, matrix.indices, matrix.indptr), shape=matrix.shape)
    resampled = solver.resampled(data)
    np.testing.assert_allclose(resampled.forward(b[:, 1]), spsolve(drawn, b[:, 1]), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(resampled.adjoint(b), spsolve(drawn.T.tocsc(), b), rtol=1e-10, atol=1e-12)


def test_supply_order_puts_suppliers_first_whatever_the_labels() -> None:
    """The order puts every supplier (row of A) before its consumers (column), also when the components are
    numbered against scipy's topological numbering (then it comes from supply depths)."""
    matrix = _small_loops(120, seed=5)
    n_blocks, label = connected_components(matrix.T, directed=True, connection="strong")
    rows, cols = matrix.nonzero()
    shuffled = np.random.default_rng(0).permutation(n_blocks)[label]
    for labels in (label, shuffled):
        order = _supply_order(labels, rows, cols)
        place = np.empty_like(order)
        place[order] = np.arange(order.size)
        assert sorted(order.tolist()) == list(range(120))
        between = labels[rows] != labels[cols]
        assert np.all(place[rows[between]] < place[cols[between]])
        for block in np.unique(labels):  # each loop's members stand together
            spots = np.sort(place[labels == block])
            assert spots[-1] - spots[0] == spots.size - 1


@pytest.mark.parametrize("failing", [0, 1, 2])
def test_large_loop_draws_by_gmres_equal_spsolve(matrix: sparse.csc_matrix, failing: int,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A draw's loop above DIRECT_LOOP_UP_TO (lowered here to 100 for the 395-process loop) is solved by GMRES,
    first with the diagonal as preconditioner, then with the static LU, else by the draw's own LU. The first
    `failing` GMRES attempts of each solve are reported as not converged, so each way runs: all equal spsolve."""
    import carbontrail.lca.solver as solver_module

    attempts: list[str] = []

    def gmres(*args: object, **kwargs: object) -> tuple[np.ndarray, int]:
        x, info = solver_module_gmres(*args, **kwargs)
        attempts.append("jacobi" if len(attempts) % 2 == 0 else "static")
        return x, (1 if len(attempts) <= failing else info)

    solver_module_gmres = solver_module.gmres
    monkeypatch.setattr(solver_module, "DIRECT_LOOP_UP_TO", 100)
    monkeypatch.setattr(solver_module, "gmres", gmres)
    names = [str(j) for j in range(matrix.shape[0])]
    rng = np.random.default_rng(3)
    data = matrix.data * np.exp(0.2 * rng.standard_normal(matrix.nnz))
    drawn = sparse.csc_matrix((data, matrix.indices, matrix.indptr), shape=matrix.shape)
    solver = Solver(matrix, names, tiers=True)
    assert solver.loop_sizes[0] > 100
    resampled = solver.resampled(data)
    f = np.zeros(matrix.shape[0])
    f[[5, 50]] = 1.0, 3.0
    ours = resampled.forward(f)
    assert attempts[:2] == ["jacobi", "static"][:min(failing + 1, 2)]
    assert (failing == 2) == (len(resampled._lu) == 1)  # the draw's own LU only when both GMRES fail
    np.testing.assert_allclose(ours, spsolve(drawn, f), rtol=1e-9, atol=1e-9 * np.abs(ours).max())
    exact = spsolve(drawn.T.tocsc(), f)
    np.testing.assert_allclose(resampled.adjoint(f), exact, rtol=1e-9, atol=1e-9 * np.abs(exact).max())
