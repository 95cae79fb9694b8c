"""Solves with the technosphere matrix A: forward (A s = f) and adjoint (Aᵀ q = b), with a verified backward error.

A supply chain is mostly acyclic: ordering its strongly connected components (loops) by supply depth makes A
block triangular. Only the loops are LU-factorised (once, SuperLU; a loop above FACTORISE_LOOPS_UP_TO processes
only when GMRES with its diagonal as preconditioner does not serve, see there); everything else is exact
substitution, one supply tier at a time, vectorised. Factorising the whole of A instead fills the factors through every process
that buys from a loop (see benchmarks/bench_engine_all_products.py). A loop of 1,000 processes or more is
ordered by minimum degree on A_KK + A_KKᵀ (its diagonal is production, so a symmetric ordering suits it): on the
generated 20k system's 3,849-process loop that is 0.28 M factor entries against 4.1 M with COLAMD; smaller
loops take COLAMD on A_KKᵀ. A small matrix is factorised whole: in supply order when its loops are small
(`_Ordered`, no ordering search: USLCI 0.35 ms), else with COLAMD on Aᵀ. Monte Carlo keeps each loop's
ordering and refactorises a draw's loop numerically (≈ 0.07 s for that loop against 1 s with the ordering
search), or, for one or two right-hand sides on a loop above 2,000 processes, runs GMRES with the diagonal as
preconditioner, then with the static LU, and falls back to the draw's own LU when neither converges.

Every solution x of M x = b is checked by its normwise backward error ‖b − M x‖∞ / (‖M‖∞ ‖x‖∞ + ‖b‖∞): x is the
exact solution of a system whose entries differ from M's and b's by at most that fraction. A residual relative
to ‖b‖ alone cannot be met by any solver on a badly scaled matrix: USLCI mixes units (diagonal 5.5e-5 to 2.6e4,
entries to 1e8, condition number 1e15), so the rounding of b − M x alone is ≈ 1e-16 ‖M‖ ‖x‖ ≈ 1e-10 ‖b‖.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import LinearOperator, SuperLU, gmres, splu

from carbontrail.errors import CalculationError, SingularSystemError

DEFAULT_TOLERANCE = 1e-12  # normwise backward error every solution must meet
# Below this many products one LU of the whole of A is faster than a vectorised pass per supply tier
# (USLCI, 887 products: 3.4 ms against ≈25 ms); above it the tiers win (20k generated: 0.4 s against 8 s).
WHOLE_MATRIX_BELOW = 4000
# A small system whose loops hold at most this many processes is factorised whole in supply order, with no
# ordering search (`_Ordered`); larger loops would fill in natural order, so it takes COLAMD on Aᵀ instead.
NATURAL_LOOPS_UP_TO = 100
# Monte Carlo: loops up to this size are refactorised for every draw; larger ones try GMRES first when a draw
# has at most ITERATIVE_COLUMNS right-hand sides (more share one factorisation better).
DIRECT_LOOP_UP_TO = 2000
ITERATIVE_COLUMNS = 2
# A loop above this size is not LU-factorised when the solver is made: a solve with at most ITERATIVE_COLUMNS
# right-hand sides runs GMRES with the loop's diagonal as preconditioner, and the loop is factorised only when
# GMRES does not converge, the backward error is not met, or more columns come. On loop-heavy 20k at 70 % (one
# loop of 14,000 processes) the LU takes ≈ 38 s, GMRES ≈ 0.03 s a column.
FACTORISE_LOOPS_UP_TO = 2000
# GMRES(50) restarts with the diagonal as preconditioner before a Monte Carlo draw tries the static LU, and
# before a static solve factorises the loop.
JACOBI_RESTARTS = 4
STATIC_JACOBI_RESTARTS = 8
# Loops from this size are ordered by minimum degree on A_KK + A_KKᵀ, smaller ones (and USLCI's whole matrix:
# 8.6k factor entries against 26k) by COLAMD.
MINIMUM_DEGREE_FROM = 1000


@dataclass(frozen=True, eq=False)
class _Level:
    nodes: np.ndarray  # activities solved at this supply depth
    adjoint: sparse.csr_matrix  # (Aᵀ)[nodes, :] without the diagonal and in-loop entries
    forward: sparse.csr_matrix  # A[nodes, :] likewise
    adjoint_pos: np.ndarray  # where each entry's value sits in A's CSC data
    forward_pos: np.ndarray
    loops: tuple[tuple[np.ndarray, np.ndarray, int], ...]  # (positions within `nodes`, activity indices, loop key)


@dataclass(eq=False)
class _Loop:
    nodes: np.ndarray
    block_pos: np.ndarray  # CSC data positions (in A) of A_KK's entries, CSC order of A_KK
    block: sparse.csc_matrix  # A_KK
    lu: SuperLU | None = None  # of M = A_KKᵀ; a loop above FACTORISE_LOOPS_UP_TO is factorised when first needed

    def solve(self, r: np.ndarray, transpose: bool) -> np.ndarray:
        """x with A_KKᵀ x = r (transpose) or A_KK x = r, by the LU (`Solver._factor` made it)."""
        assert self.lu is not None
        return self.lu.solve(np.ascontiguousarray(r), trans="N" if transpose else "T")


@dataclass(frozen=True, eq=False)
class _Ordered:
    """The LU of P A Pᵀ, P listing every supplier before its consumers (`order`; a loop's members together).

    P A Pᵀ is block upper triangular, its diagonal blocks the loops: SuperLU in natural column order then
    pivots (partially, by rows) only inside a loop, and fills only inside loops and their suppliers' rows.
    No ordering search: USLCI factorises in ≈ 0.35 ms against 1.9 ms with COLAMD (see NATURAL_LOOPS_UP_TO)."""

    lu: SuperLU
    order: np.ndarray
    pos: np.ndarray  # where each entry of P A Pᵀ (in its CSC order) sits in A's CSC data
    pattern: sparse.csc_matrix  # P A Pᵀ

    @classmethod
    def of(cls, A: sparse.csc_matrix, order: np.ndarray) -> _Ordered | None:
        """Factorised P A Pᵀ for `order`, or None when it is singular."""
        n = A.shape[0]
        counts = np.diff(A.indptr)[order]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        pos = np.repeat(A.indptr[order] - indptr[:-1], counts) + np.arange(A.nnz)
        where = np.empty(n, dtype=np.int64)
        where[order] = np.arange(n)
        rows = where[A.indices[pos]]
        sort = np.argsort(np.repeat(np.arange(n, dtype=np.int64) * n, counts) + rows, kind="stable")
        pos, rows = pos[sort], rows[sort]
        pattern = sparse.csc_matrix((A.data[pos], rows.astype(np.int32), indptr.astype(np.int32)), shape=A.shape)
        lu = _natural_lu(pattern)
        return None if lu is None else cls(lu, order, pos, pattern)

    def resampled(self, data: np.ndarray) -> _Ordered | None:
        """The same ordering for a matrix of A's pattern with CSC data `data` (a Monte Carlo draw)."""
        pattern = sparse.csc_matrix((data[self.pos], self.pattern.indices, self.pattern.indptr),
                                    shape=self.pattern.shape)
        lu = _natural_lu(pattern)
        return None if lu is None else _Ordered(lu, self.order, self.pos, pattern)

    def solve(self, r: np.ndarray, transpose: bool) -> np.ndarray:
        """x with Aᵀ x = r (transpose) or A x = r: (P A Pᵀ) P x = P r, P v = v[order]."""
        y = self.lu.solve(np.ascontiguousarray(r[self.order]), trans="T" if transpose else "N")
        x = np.empty_like(y)
        x[self.order] = y
        return x


def _natural_lu(matrix: sparse.csc_matrix) -> SuperLU | None:
    try:
        # One-column panels and no relaxed supernodes: faster on a matrix this sparse (USLCI 0.35 ms, 0.45 default).
        return splu(matrix, permc_spec="NATURAL", relax=1, panel_size=1)
    except RuntimeError:
        return None


def _supply_order(label: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Activities with every supplier before its consumers and each loop's members together.

    scipy numbers the strongly connected components of Aᵀ (edges consumer → supplier) so that a supplier's
    component (row of A) never has a higher label than its consumer's (column); this is checked, and otherwise
    the order comes from supply depths."""
    if np.all(label[rows] <= label[columns]):
        return np.argsort(label, kind="stable")
    between = label[rows] != label[columns]
    depth = _depths(label[rows][between], label[columns][between], int(label.max()) + 1)
    return np.lexsort((label, depth[label]))


@dataclass(frozen=True, eq=False)
class _DrawPlan:
    """How a draw refactorises a loop without searching an ordering again: M = A_KKᵀ with its columns in the
    static LU's order, M[:, order], and where each entry's value sits in A's CSC data."""

    order: np.ndarray
    pos: np.ndarray
    pattern: sparse.csc_matrix


class Solver:
    """A factorised technosphere matrix: call `adjoint` and `forward` as often as needed."""

    def __init__(self, A: sparse.csc_matrix, names: Sequence[str], tolerance: float = DEFAULT_TOLERANCE,
                 *, tiers: bool | None = None):
        if not isinstance(A, sparse.csc_matrix):
            A = sparse.csc_matrix(A)
        A.sort_indices()
        self.A = A
        self.token = uuid.uuid4().hex  # names this factorisation for a process that receives it (`_received`)
        self.names = list(names)
        self.tolerance = tolerance
        n = A.shape[0]
        self.n = n
        columns = np.repeat(np.arange(n), np.diff(A.indptr))
        self._diag_pos = np.flatnonzero(A.indices == columns)
        if self._diag_pos.size != n:
            missing = sorted(set(range(n)) - set(A.indices[self._diag_pos].tolist()))
            raise SingularSystemError(f"{len(missing)} process(es) make none of their own product: "
                                      f"{_listing([self.names[j] for j in missing])}",
                                      processes=[self.names[j] for j in missing])
        self.diag = A.data[self._diag_pos]
        self._columns = columns
        self.norms = _norms(A, columns)
        self._loops: dict[int, _Loop] = {}
        self._plans: dict[int, _DrawPlan] = {}
        if tiers is None:
            tiers = n >= WHOLE_MATRIX_BELOW
        self.whole = not tiers
        # On Aᵀ (a CSR view, no conversion: 0.17 ms against 0.5 ms cold on USLCI); the components are A's.
        n_blocks, label = connected_components(A.T, directed=True, connection="strong")
        sizes = np.bincount(label, minlength=n_blocks)
        self._loop_sizes = _sizes(sizes)
        self._ordered: _Ordered | None = None
        if not tiers:
            # Small systems: one LU of the whole matrix beats a Python pass per supply tier. Any failure is
            # redone by tiers, which names the loops at fault.
            try:
                order = _supply_order(label, A.indices, columns) if sizes.max() <= NATURAL_LOOPS_UP_TO else None
                if order is not None:
                    self._ordered = self._factorise_ordered(order)
                else:
                    self._loops[0] = self._factorise(np.arange(n), None)
            except SingularSystemError:
                Solver(A, names, tolerance, tiers=True)
                raise
            self._levels: tuple[_Level, ...] = ()  # no tiers: `_substitute` solves with the one LU
            return
        positions = sparse.csc_matrix((np.arange(1, A.nnz + 1, dtype=float), A.indices, A.indptr), shape=A.shape)
        coo = positions.tocoo()
        inside = label[coo.row] == label[coo.col]
        off = sparse.csr_matrix((coo.data[~inside], (coo.row[~inside], coo.col[~inside])), shape=A.shape)
        depth = _depths(label[coo.row[~inside]], label[coo.col[~inside]], n_blocks)
        node_depth = depth[label]
        order = np.argsort(node_depth, kind="stable")
        bounds = np.searchsorted(node_depth[order], np.arange(depth.max() + 2))
        off_t = off.T.tocsr()
        levels = []
        for d in range(depth.max() + 1):
            nodes = order[bounds[d]:bounds[d + 1]]
            fwd, adj = off[nodes], off_t[nodes]
            loops = []
            for block in np.unique(label[nodes][sizes[label[nodes]] > 1]):
                members = np.flatnonzero(label[nodes] == block)
                loops.append((members, nodes[members], int(block)))
                self._loops[int(block)] = self._factorise(nodes[members], positions)
            levels.append(_Level(nodes, _values(adj, A.data), _values(fwd, A.data),
                                 adj.data.astype(np.int64) - 1, fwd.data.astype(np.int64) - 1, tuple(loops)))
        self._levels = tuple(levels)

    @property
    def loop_sizes(self) -> tuple[int, ...]:
        """Sizes of the loops (strongly connected blocks of more than one process), largest first."""
        return self._loop_sizes

    def __reduce__(self) -> tuple[object, tuple[str, sparse.csc_matrix, list[str], float, bool]]:
        # SuperLU factors cannot be pickled: a Dask worker receiving a solver factorises its own copy once.
        return (_received, (self.token, self.A, self.names, self.tolerance, not self.whole))

    # -- factorisation and checks ---------------------------------------------------------------

    def _factorise(self, nodes: np.ndarray, positions: sparse.csc_matrix | None) -> _Loop:
        """LU of the loop `nodes` (or of the whole of A, positions None), with the productivity check."""
        if positions is None:
            pos, block = np.arange(self.A.nnz), self.A
            off_diagonal = np.delete(self.A.data, self._diag_pos)
        else:
            block_pos = positions[nodes][:, nodes].tocsc()
            block_pos.sort_indices()
            pos = block_pos.data.astype(np.int64) - 1
            block = sparse.csc_matrix((self.A.data[pos], block_pos.indices, block_pos.indptr), shape=block_pos.shape)
            cols = np.repeat(np.arange(nodes.size), np.diff(block.indptr))
            off_diagonal = block.data[block.indices != cols]
        loop = _Loop(nodes, pos, block)
        if positions is None or nodes.size <= FACTORISE_LOOPS_UP_TO:
            self._factor(loop)
        self._check_productive(lambda r: self._solve_loop(loop, r, False), nodes, off_diagonal)
        return loop

    def _factor(self, loop: _Loop) -> _Loop:
        """The loop with its LU (made now if it has none yet)."""
        if loop.lu is None:
            try:
                loop.lu = splu(loop.block.T.tocsc(),
                               permc_spec="MMD_AT_PLUS_A" if loop.nodes.size >= MINIMUM_DEGREE_FROM else "COLAMD")
            except RuntimeError:
                names = [self.names[i] for i in loop.nodes]
                raise SingularSystemError(
                    f"the loop of {len(names)} processes cannot be solved (its matrix is singular): "
                    f"{_listing(names)}", processes=names) from None
        return loop

    def _solve_loop(self, loop: _Loop, r: np.ndarray, transpose: bool) -> np.ndarray:
        """x with A_KKᵀ x = r or A_KK x = r: by GMRES on a large loop not factorised yet (few columns), else LU."""
        if loop.lu is None:
            columns = r.reshape(r.shape[0], -1)
            if columns.shape[1] <= ITERATIVE_COLUMNS:
                x = _jacobi_gmres(loop.block, self.diag[loop.nodes], columns, transpose, self.tolerance * 0.1,
                                  STATIC_JACOBI_RESTARTS)
                if x is not None:
                    return x.reshape(r.shape)
        return self._factor(loop).solve(r, transpose)

    def _factorise_ordered(self, order: np.ndarray) -> _Ordered:
        """LU of the whole of A with suppliers ordered before their consumers (see `_Ordered`)."""
        ordered = _Ordered.of(self.A, order)
        if ordered is None:
            raise SingularSystemError("the matrix is singular", processes=list(self.names))
        self._check_productive(lambda r: ordered.solve(r, transpose=False), np.arange(self.n),
                               np.delete(self.A.data, self._diag_pos))
        return ordered

    def _check_productive(self, solve: Callable[[np.ndarray], np.ndarray], nodes: np.ndarray,
                          off_diagonal: np.ndarray) -> None:
        if off_diagonal.size == 0 or off_diagonal.max() <= 0:
            # Inputs only (no substitution credits): productive iff A_KK⁻¹·1 > 0 (an M-matrix test).
            x = solve(np.ones(len(nodes)))
            if not np.all(np.isfinite(x)) or np.any(x <= 0):
                names = [self.names[i] for i in nodes]
                raise SingularSystemError(
                    f"the loop of {len(names)} processes uses more of its own products than it makes, so it "
                    f"cannot produce: {_listing(names)}", processes=names)

    def _plan(self, key: int) -> _DrawPlan:
        plan = self._plans.get(key)
        if plan is None:
            loop = self._factor(self._loops[key])
            order = np.argsort(loop.lu.perm_c)  # type: ignore[union-attr]
            m = loop.block.shape[0]
            where = sparse.csc_matrix((loop.block_pos + 1.0, loop.block.indices, loop.block.indptr), shape=(m, m))
            pattern = where.T.tocsc()[:, order].tocsc()
            pattern.sort_indices()
            pos = pattern.data.astype(np.int64) - 1
            pattern.data = self.A.data[pos]
            plan = self._plans[key] = _DrawPlan(order, pos, pattern)
        return plan

    # -- solves ---------------------------------------------------------------------------------

    def adjoint(self, b: np.ndarray) -> np.ndarray:
        """q with Aᵀ q = b (b: one column or several); footprints per unit of every product."""
        return self._checked(b, transpose=True)

    def forward(self, f: np.ndarray) -> np.ndarray:
        """s with A s = f; the supply (scaling) vector of demand f."""
        return self._checked(f, transpose=False)

    def _checked(self, rhs: np.ndarray, *, transpose: bool) -> np.ndarray:
        rhs = np.asarray(rhs, dtype=float)
        matrix = self.A.T if transpose else self.A
        norm = self.norms[1 if transpose else 0]
        x = self._substitute(rhs, transpose)
        for _ in range(3):
            res = rhs - matrix @ x
            if _backward_error(res, x, rhs, norm) <= self.tolerance:
                return x
            x = x + self._substitute(res, transpose)  # iterative refinement
        deferred = [loop for loop in self._loops.values() if loop.lu is None]
        if deferred:  # GMRES met its residual but not the backward error: the loops' LU instead
            for loop in deferred:
                self._factor(loop)
            return self._checked(rhs, transpose=transpose)
        worst = _backward_error(rhs - matrix @ x, x, rhs, norm)
        raise CalculationError(f"the solution's backward error {worst:.1e} stays above {self.tolerance:.0e}; "
                               "the system is too badly conditioned to solve reliably")

    def _substitute(self, rhs: np.ndarray, transpose: bool) -> np.ndarray:
        if self.whole:  # one LU of the whole matrix
            return (self._ordered or self._loops[0]).solve(rhs, transpose)
        x = np.zeros_like(rhs)
        diag = self.diag if rhs.ndim == 1 else self.diag[:, None]
        levels = self._levels if transpose else self._levels[::-1]
        for level in levels:
            part = level.adjoint if transpose else level.forward
            r = rhs[level.nodes] - part @ x
            x[level.nodes] = r / diag[level.nodes]
            for members, nodes, key in level.loops:
                x[nodes] = self._solve_loop(self._loops[key], r[members], transpose)
        return x

    # -- Monte Carlo ----------------------------------------------------------------------------

    def resampled(self, data: np.ndarray) -> ResampledSolver:
        """A solver for the matrix with the same pattern as A and CSC data `data` (a Monte Carlo draw)."""
        return ResampledSolver(self).update(data)


class ResampledSolver:
    """A with a draw's values: tiers by exact substitution, loops refactorised in their static ordering.

    Made once per run of draws; `update` puts a draw's values into the same sparse matrices in place.
    """

    def __init__(self, base: Solver):
        self.base = base
        self.A = base.A.copy()
        self.diag = base.diag.copy()
        self._parts = [(lv.adjoint.copy(), lv.forward.copy()) for lv in base._levels]
        self._blocks = {k: lp.block.copy() for k, lp in base._loops.items()}
        self._permuted: dict[int, sparse.csc_matrix] = {}  # a loop's copy in its LU ordering, once refactorised
        self._lu: dict[int, _PermutedLU] = {}
        self._ordered: _Ordered | None = None

    def update(self, data: np.ndarray) -> ResampledSolver:
        """Take a draw's values. The tiers' matrices, the norms and the loops' permuted copies are filled when a
        solve first needs them (a demand's forward solves never read the adjoint's)."""
        self._data = data
        self.A.data[:] = data
        self.diag[:] = data[self.base._diag_pos]
        self._stale = {False, True}  # orientations whose tier matrices hold an earlier draw
        self._norms: dict[bool, float] = {}
        self._permuted_stale = set(self._blocks)
        for key, block in self._blocks.items():
            block.data[:] = data[self.base._loops[key].block_pos]
        self._lu.clear()
        if self.base._ordered is not None:
            self._ordered = self.base._ordered.resampled(data)
            if self._ordered is None:
                raise CalculationError("a Monte Carlo draw makes the technosphere matrix singular")
        return self

    def _norm(self, transpose: bool) -> float:
        """‖Aᵀ‖∞ = ‖A‖₁ (transpose) or ‖A‖∞ of the draw."""
        if transpose not in self._norms:
            absolute = np.abs(self.A.data)
            if transpose:  # column sums: each column holds its diagonal entry, so none is empty
                sums = np.add.reduceat(absolute, self.A.indptr[:-1])
            else:
                sums = np.bincount(self.A.indices, weights=absolute, minlength=self.A.shape[0])
            self._norms[transpose] = float(sums.max(initial=0.0))
        return self._norms[transpose]

    def _part(self, i: int, transpose: bool) -> sparse.csr_matrix:
        if transpose in self._stale:
            which = 0 if transpose else 1
            for parts, level in zip(self._parts, self.base._levels):
                parts[which].data[:] = self._data[level.adjoint_pos if transpose else level.forward_pos]
            self._stale.discard(transpose)
        return self._parts[i][0 if transpose else 1]

    def forward(self, f: np.ndarray) -> np.ndarray:
        return self._checked(np.asarray(f, dtype=float), transpose=False)

    def adjoint(self, b: np.ndarray) -> np.ndarray:
        return self._checked(np.asarray(b, dtype=float), transpose=True)

    def _checked(self, rhs: np.ndarray, *, transpose: bool) -> np.ndarray:
        matrix = self.A.T if transpose else self.A
        norm = self._norm(transpose)
        x = self._substitute(rhs, transpose)
        for _ in range(3):
            res = rhs - matrix @ x
            if _backward_error(res, x, rhs, norm) <= self.base.tolerance:
                return x
            x = x + self._substitute(res, transpose)
        worst = _backward_error(rhs - matrix @ x, x, rhs, norm)
        raise CalculationError(f"a Monte Carlo draw could not be solved to a backward error of "
                               f"{self.base.tolerance:.0e} (reached {worst:.1e}); its matrix is too badly "
                               "conditioned")

    def _substitute(self, rhs: np.ndarray, transpose: bool) -> np.ndarray:
        base = self.base
        if self._ordered is not None:
            return self._ordered.solve(rhs, transpose)
        if base.whole:
            return self._loop_solve(0, rhs, transpose)
        x = np.zeros_like(rhs)
        diag = self.diag if rhs.ndim == 1 else self.diag[:, None]
        order = range(len(base._levels)) if transpose else range(len(base._levels) - 1, -1, -1)
        for i in order:
            level = base._levels[i]
            part = self._part(i, transpose)
            r = rhs[level.nodes] - part @ x
            x[level.nodes] = r / diag[level.nodes]
            for members, nodes, key in level.loops:
                x[nodes] = self._loop_solve(key, r[members], transpose)
        return x

    def _direct(self, key: int) -> _PermutedLU:
        lu = self._lu.get(key)
        if lu is None:
            loop = self.base._loops[key]
            names = [self.base.names[i] for i in loop.nodes]
            plan = self.base._plan(key)
            if key not in self._permuted:
                self._permuted[key] = plan.pattern.copy()
            if key in self._permuted_stale:
                self._permuted[key].data[:] = self._data[plan.pos]
                self._permuted_stale.discard(key)
            try:
                factor = splu(self._permuted[key], permc_spec="NATURAL")
            except RuntimeError:
                raise CalculationError(f"a Monte Carlo draw makes the loop of {len(names)} processes singular: "
                                       f"{_listing(names)}") from None
            lu = self._lu[key] = _PermutedLU(factor, plan.order)
        return lu

    def _loop_solve(self, key: int, r: np.ndarray, transpose: bool) -> np.ndarray:
        loop = self.base._loops[key]
        columns = r.reshape(r.shape[0], -1)
        if key in self._lu or loop.nodes.size <= DIRECT_LOOP_UP_TO or columns.shape[1] > ITERATIVE_COLUMNS:
            return self._direct(key).solve(r, transpose)
        block = self._blocks[key]
        rtol = self.base.tolerance * 0.1
        # First by the diagonal alone: a draw's A_KK is production minus inputs, and GMRES needs ≈ 20 products
        # with it (5 ms on an 8,000-process loop) where one solve with the static LU takes 17 ms.
        x = _jacobi_gmres(block, self.diag[loop.nodes], columns, transpose, rtol, JACOBI_RESTARTS)
        if x is not None:
            return x.reshape(r.shape)
        # Badly scaled: the static LU as preconditioner.
        matrix = block.T.tocsr() if transpose else block
        static_lu = self.base._factor(loop)
        # dtype given: without it LinearOperator applies itself once to find it (one static LU solve, 17 ms).
        static = LinearOperator(block.shape, matvec=lambda v: static_lu.solve(v, transpose), dtype=float)
        out = np.empty_like(columns)
        for c in range(columns.shape[1]):
            rhs = columns[:, c]
            x, info = gmres(matrix, rhs, x0=static_lu.solve(rhs, transpose), M=static, rtol=rtol, atol=0.0,
                            restart=30, maxiter=20)
            if info != 0:
                return self._direct(key).solve(r, transpose)  # the draw moved too far from the static LU
            out[:, c] = x
        return out.reshape(r.shape)


def _jacobi_gmres(block: sparse.csc_matrix, diag: np.ndarray, columns: np.ndarray, transpose: bool, rtol: float,
                  restarts: int) -> np.ndarray | None:
    """Each column of A_KKᵀ X = R (transpose) or A_KK X = R by GMRES(50) with the diagonal as preconditioner
    (A_KK is production minus inputs), or None when a column does not reach `rtol` in `restarts` restarts."""
    matrix = block.T.tocsr() if transpose else block
    jacobi = LinearOperator(block.shape, matvec=lambda v: v / diag, dtype=float)  # dtype: no probing call
    out = np.empty_like(columns)
    for c in range(columns.shape[1]):
        rhs = columns[:, c]
        x, info = gmres(matrix, rhs, x0=rhs / diag, M=jacobi, rtol=rtol, atol=0.0, restart=50, maxiter=restarts)
        if info != 0:
            return None
        out[:, c] = x
    return out


# A process receiving a pickled solver (a Dask worker) factorises its own copy, and keeps the last few it made by
# the sender's token: every Monte Carlo run scatters its job anew, and refactorising it each time cost more than
# the draws (generated 20k: 0.7 s a worker a run; loop-heavy 20k at 40 %: 7 s).
_RECEIVED: OrderedDict[str, Solver] = OrderedDict()
RECEIVED_KEPT = 4


def _received(token: str, A: sparse.csc_matrix, names: list[str], tolerance: float, tiers: bool) -> Solver:
    solver = _RECEIVED.get(token)
    if solver is None:
        solver = Solver(A, names, tolerance, tiers=tiers)
        solver.token = token
        _RECEIVED[token] = solver
        while len(_RECEIVED) > RECEIVED_KEPT:
            _RECEIVED.popitem(last=False)
    _RECEIVED.move_to_end(token)
    return solver


@dataclass(frozen=True, eq=False)
class _PermutedLU:
    """The LU of M[:, order] (M = A_KKᵀ), solving with A_KKᵀ or A_KK in the loop's own numbering."""

    lu: SuperLU
    order: np.ndarray

    def solve(self, r: np.ndarray, transpose: bool) -> np.ndarray:
        if transpose:  # M x = r: M[:, order] y = r with y = x[order]
            y = self.lu.solve(np.ascontiguousarray(r), trans="N")
            x = np.empty_like(y)
            x[self.order] = y
            return x
        return self.lu.solve(np.ascontiguousarray(r[self.order]), trans="T")  # Mᵀ x = r: M[:, order]ᵀ x = r[order]


def _values(pattern: sparse.csr_matrix, data: np.ndarray) -> sparse.csr_matrix:
    return sparse.csr_matrix((data[pattern.data.astype(np.int64) - 1], pattern.indices, pattern.indptr),
                             shape=pattern.shape)


def _depths(supplier: np.ndarray, consumer: np.ndarray, n_blocks: int) -> np.ndarray:
    """Supply depth of each loop-condensed block: 0 for blocks that buy nothing, else 1 + deepest supplier."""
    edges = sparse.csr_matrix((np.ones(supplier.size), (supplier, consumer)), shape=(n_blocks, n_blocks))
    edges.data[:] = 1.0
    remaining = np.diff(edges.tocsc().indptr).astype(np.int64)
    depth = np.zeros(n_blocks, dtype=np.int64)
    ready = np.flatnonzero(remaining == 0)
    d = 0
    while ready.size:
        depth[ready] = d
        dec = np.asarray(edges[ready].sum(axis=0)).ravel().astype(np.int64)
        remaining -= dec
        ready = np.flatnonzero((remaining == 0) & (dec > 0))
        d += 1
    return depth


def _sizes(sizes: np.ndarray) -> tuple[int, ...]:
    return tuple(int(x) for x in sorted(sizes[sizes > 1], reverse=True))


def _norms(A: sparse.csc_matrix, columns: np.ndarray) -> tuple[float, float]:
    """(‖A‖∞, ‖Aᵀ‖∞ = ‖A‖₁); `columns`: the column of each CSC entry."""
    absolute = np.abs(A.data)
    rows = np.bincount(A.indices, weights=absolute, minlength=A.shape[0])
    cols = np.bincount(columns, weights=absolute, minlength=A.shape[1])
    return float(rows.max(initial=0.0)), float(cols.max(initial=0.0))


def _backward_error(residual: np.ndarray, x: np.ndarray, rhs: np.ndarray, norm: float) -> float:
    """Largest normwise backward error over the columns: ‖r‖∞ / (‖M‖∞ ‖x‖∞ + ‖b‖∞), 0 for b = 0 solved by 0."""
    r = np.abs(residual).max(axis=0, initial=0.0)
    scale = norm * np.abs(x).max(axis=0, initial=0.0) + np.abs(rhs).max(axis=0, initial=0.0)
    err = np.divide(r, scale, out=np.zeros_like(r, dtype=float), where=scale > 0)
    err = np.where((scale == 0) & (r > 0), np.inf, err)
    return float(np.max(err))


def _listing(names: Sequence[str]) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:8])
    return shown + (f" and {len(names) - 8} more" if len(names) > 8 else "")
