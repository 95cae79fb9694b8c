"""Single-demand footprint: ours against bare scipy (SuperLU factorise + solve), bw2calc 3.1 and pypardiso.

Every side starts from the same product system and solves A s = f for 1 unit of the product with the largest
GWP per unit (a deep supply chain), then scores c·s. Set-up not timed, reported apart: loading the system,
building bw2calc's datapackage (which carries C), c = C·B for the bare solvers, and for ours C and C·B
(`characterise(system)`: matching the flow names to gases, kept per system; USLCI ≈ 9 ms cold). No solver of
ours runs in any side's set-up, so each side's first call in a cold process is its own first solve. Timed:
- ours: `prepare(system)` (structure, factorise) + `footprint(model, demand)`;
- ours_characterising: the same with C made in the timed call too (a cold process matching every flow name);
- ours_solver: `Solver(A, names).forward(f)` and c·s, the same work as bare scipy;
- scipy: `splu(A).solve(f)` and c·s; pypardiso: `PyPardisoSolver()` + `spsolve(A, f)` (a new solver object each
  round, so it factorises every time; MKL on one thread) and c·s; bw2calc: `LCA(...).lci(); .lcia()`;
- prepared: a second demand on a prepared model against `lu.solve(f)` on scipy's kept factorisation.
Cold: each round a fresh process (first call); warm: rounds in one process. ≥5 rounds each, medians.

    .venv/bin/python benchmarks/bench_engine_single.py [--rounds 5] [--systems USLCI loop-heavy-20k-70 ...]
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
import engine_common as ec  # noqa: E402

ec.pin_threads()

import numpy as np  # noqa: E402

SIDES = ("ours", "ours_characterising", "ours_solver", "scipy", "pypardiso", "bw2calc")


def call(name: str, j: int, side: str) -> object:
    """The timed call of `side` for system `name` and demand j; its set-up is done here, untimed. For `ours`
    nothing of the engine runs in the set-up, so a cold process starts with empty caches."""
    from scipy.sparse.linalg import splu

    from carbontrail.lca.characterisation import characterise
    from carbontrail.lca.footprint import footprint, prepare
    from carbontrail.lca.solver import Solver
    from carbontrail.units import quantity

    system = ec.system(name)
    if side in ("ours", "ours_characterising"):
        act = system.activities[j]
        demand = {act.product: quantity(1.0, act.unit)}
        if side == "ours":
            characterise(system)
        return lambda: float(footprint(prepare(system), demand).scores[0])
    A = system.A
    # C·B from the characterisation alone: no solver of ours runs in a peer's set-up (it would warm SuperLU and
    # scipy's sparse code for the peer's first call in a cold process).
    model = SimpleNamespace(system=system, characterisation=characterise(system))
    c = model.characterisation.per_activity[0].copy()
    f = np.zeros(A.shape[0])
    f[j] = 1.0
    if side == "ours_solver":
        return lambda: float(c @ Solver(A, system.names).forward(f))
    if side == "scipy":
        return lambda: float(c @ splu(A).solve(f))
    if side == "pypardiso":
        import pypardiso

        matrix = A.tocsr()
        return lambda: float(c @ pypardiso.PyPardisoSolver().solve(matrix, f))
    from generate_system import bw2calc_datapackage

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import bw2calc as bc
    dp = bw2calc_datapackage(model, impacts=1)

    def peer() -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lca = bc.LCA({j + 1: 1.0}, data_objs=[dp])
            lca.lci()
            lca.lcia()
        return float(lca.score)

    return peer


def measure(name: str, n: int) -> dict[str, object]:
    from scipy.sparse.linalg import norm, splu

    from carbontrail.lca.footprint import footprint, prepare
    from carbontrail.lca.solver import Solver
    from carbontrail.units import quantity

    system = ec.system(name)
    model = prepare(system)
    j = ec.readable_demand(model)
    act = system.activities[j]
    demand = {act.product: quantity(1.0, act.unit)}
    row: dict[str, object] = {"system": name, "products": len(system.activities), "demand": act.product_name,
                              "technosphere_nonzeros": int(system.A.nnz),
                              "largest_loop": int(model.solver.loop_sizes[0]) if model.solver.loop_sizes else 1,
                              "loops": len(model.solver.loop_sizes)}
    sides = [s for s in SIDES if s != "pypardiso" or ec.pypardiso_version()]
    measured, values = ec.sides_measured("bench_engine_single.py", {side: call(name, j, side) for side in sides},
                                         name, n, ("--demand", str(j)))
    row.update(measured)
    c = model.cB[0]
    f = np.zeros(system.A.shape[0])
    f[j] = 1.0
    row["ours_prepared"], _ = ec.rounds(lambda: footprint(model, demand).scores[0], max(n, 20))
    # A check that needs no peer: our solver's x solves A·x = f to a normwise backward error of ≈ 1e-16, and our
    # footprint is c·x.
    x = Solver(system.A, system.names).forward(f)
    row["ours_backward_error"] = float(np.abs(system.A @ x - f).max()
                                       / (norm(system.A, np.inf) * np.abs(x).max() + np.abs(f).max()))
    if "ours" in values:
        row["ours_minus_c_x_relative"] = abs(values["ours"] - float(c @ x)) / abs(float(c @ x))
    if row["scipy_cold"].get("lower_bound"):  # its factorisation alone takes longer than the probe: not run again
        row["scipy_prepared"] = {"not_run": f"bare SuperLU did not factorise within {ec.PROBE_S:.0f} s"}
    else:
        lu = splu(system.A)
        row["scipy_prepared"], _ = ec.rounds(lambda: float(c @ lu.solve(f)), max(n, 20))
        row["ratio_prepared_ours_over_scipy"] = row["ours_prepared"]["median_s"] / row["scipy_prepared"]["median_s"]
        values = {**values, "scipy_prepared": float(c @ lu.solve(f))}
    # Against bare scipy's result, else the prepared LU's (the same SuperLU factors, made outside the timed rounds),
    # else a peer's.
    reference = next((side for side in ("scipy", "scipy_prepared", "pypardiso", "bw2calc", "ours_solver")
                      if side in values), None)
    if reference is None:  # every side was stopped at its first cold round: no result to compare, bounds only
        row["relative_difference"] = f"no side finished its first cold round within {ec.PROBE_S:.0f} s"
    else:
        ref = values[reference]
        row[f"relative_difference_to_{reference}"] = {side: abs(v - ref) / abs(ref) for side, v in values.items()}
    ec.ratios(row, sides)
    for kind in ("cold", "warm"):  # warm: C is kept per system, so this side equals ours after its first round
        row[f"ratio_{kind}_ours_characterising_over_scipy"] = (row[f"ours_characterising_{kind}"]["median_s"]
                                                              / row[f"scipy_{kind}"]["median_s"])
    print(f"{name}: cold ours/scipy {row['ratio_cold_ours_over_scipy']:.2f}, warm {row['ratio_warm_ours_over_scipy']:.2f}",
          file=sys.stderr)
    return row


def main() -> None:
    ec.main(__doc__, SIDES, lambda args: call(args.system, args.demand, args.cold), measure, "engine_single",
            ratio="ratio_cold_ours_over_scipy", ours="ours_cold",
            peer="scipy_cold", units="s", worst_is_low=False,
            figure="single-demand footprint time, ours / bare scipy factorise + solve (cold process, median)",
            goal="ours ≤ 1.5 × scipy, cold and warm, on every system (issue 20, item 2)")


if __name__ == "__main__":
    main()
