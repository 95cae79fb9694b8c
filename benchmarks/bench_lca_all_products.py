"""All-products footprints (per unit of every product, GWP100 fossil and biogenic) vs bw2calc 3.1.

`ours` = prepare (characterise, structure, factorise) + adjoint solve, from the product system's matrices;
the peer likewise builds its matrices from the datapackage. `ours_solve_only` starts from A and c = C·B,
as the bare scipy baseline does.

Peer: bw2calc FastScoresOnlyMultiLCA, direction="adjoint", one demand per product, fed the same matrices as a
bw_processing datapackage. It refuses to run without PARDISO or UMFPACK, neither of which is installable here,
so its module flag is set to take its UMFPACK branch, which then factorises Aᵀ with scipy's SuperLU
(bw2calc's own fallback import of `factorized`); its code is otherwise unchanged. Also timed: a bare scipy
`splu(Aᵀ)` + solve on the same matrix. Systems: USLCI (openLCA JSON-LD) and the generated 20k system.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np
from scipy.sparse.linalg import splu

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lca_common import ROOT, peak_mib, systems, timed  # noqa: E402
from generate_system import IMPACTS, bw2calc_datapackage  # noqa: E402

from carbontrail.lca.footprint import all_footprints, prepare  # noqa: E402
from carbontrail.lca.matrices import ProductSystem  # noqa: E402
from carbontrail.lca.solver import Solver  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import bw2calc as bc
    import bw2calc.fast_scores as fast_scores

def measure(label: str, system: ProductSystem, repeat: int) -> dict[str, object]:
    model = prepare(system)
    n = len(system.activities)
    dp = bw2calc_datapackage(model)

    def ours() -> np.ndarray:
        return all_footprints(prepare(system)).scores

    def peer() -> np.ndarray:
        fast_scores.UMFPACK = True  # see module docstring
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lca = bc.FastScoresOnlyMultiLCA({f"d{j}": {j + 1: 1.0} for j in range(n)},
                                            {"impact_categories": list(IMPACTS)}, data_objs=[dp],
                                            direction="adjoint")
            lca.calculate()
        return np.asarray(lca.product_scores.values)

    def ours_solve() -> np.ndarray:
        # Same work as the bare scipy baseline: from A and c = C·B to every product's scores.
        return Solver(system.A, names).adjoint(np.ascontiguousarray(model.cB.T)).T

    def bare() -> np.ndarray:
        lu = splu(system.A.T.tocsc())
        return lu.solve(np.ascontiguousarray(model.cB.T)).T

    names = [a.name for a in system.activities]
    t_ours, q_ours = timed(ours, repeat)
    t_solve, _ = timed(ours_solve, repeat)
    t_peer, q_peer = timed(peer, 1 if n > 5000 else repeat)
    t_bare, q_bare = timed(bare, 1 if n > 5000 else repeat)
    scale = np.abs(q_peer).max()
    return {
        "system": label, "products": n, "technosphere_nonzeros": int(system.A.nnz),
        "largest_loop": int(model.solver.loop_sizes[0]) if model.solver.loop_sizes else 1,
        "ours_s": t_ours, "peer_s": t_peer, "ours_solve_only_s": t_solve, "scipy_bare_s": t_bare,
        "ratio_peer_over_ours": t_peer / t_ours, "ratio_ours_solve_over_scipy_bare": t_solve / t_bare,
        "max_abs_diff_vs_peer_relative_to_max": float(np.abs(np.asarray(q_ours) - q_peer).max() / scale),
        "max_abs_diff_vs_scipy_relative_to_max": float(np.abs(np.asarray(q_ours) - q_bare).max() / scale),
        "peak_mib_ours": peak_mib(ours), "peak_mib_peer": peak_mib(peer),
    }


def main() -> None:
    rows = [measure(label, system, repeat=3 if len(system.activities) > 5000 else 20)
            for label, system in systems()]
    head = rows[-1]
    report = {
        "figure": "all-products footprints (adjoint, 2 indicators), generated 20k system; ratio = peer / ours",
        "ours": head["ours_s"], "peer": head["peer_s"], "ratio": head["ratio_peer_over_ours"], "units": "s",
        "peer_tool": f"bw2calc {bc.__version__} FastScoresOnlyMultiLCA(direction='adjoint'), SuperLU",
        "systems": rows,
    }
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "lca_all_products.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
