"""Single-demand footprint (supply, inventory, GWP100) vs bw2calc 3.1 LCA, fed the same matrices.

`ours` = prepare (characterise, structure, factorise) + one forward solve + inventory and impacts;
the peer = bw2calc.LCA(demand, data_objs=[datapackage]).lci() + .lcia(), which builds its matrices and
solves with SuperLU (pypardiso and scikit-umfpack are not installable here). `ours_warm` reuses a prepared
model, as a service answering many requests does. Systems: USLCI and the generated 20k system.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lca_common import ROOT, peak_mib, readable, systems, timed  # noqa: E402
from generate_system import bw2calc_datapackage  # noqa: E402

from carbontrail.lca.footprint import all_footprints, footprint, prepare  # noqa: E402
from carbontrail.units import quantity  # noqa: E402
from carbontrail.lca.matrices import ProductSystem  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import bw2calc as bc

def measure(label: str, system: ProductSystem, repeat: int) -> dict[str, object]:
    model = prepare(system)
    # The demand: the product with the largest footprint per unit (a deep supply chain) whose unit our
    # registry reads (some USLCI products are counted in 'Item(s)').
    scores = all_footprints(model).scores[0]
    j = next(int(k) for k in np.argsort(-scores) if readable(system.activities[int(k)].unit))
    act = system.activities[j]
    demand = {act.product: quantity(1.0, act.unit)}
    dp = bw2calc_datapackage(model, impacts=1)

    def ours() -> float:
        return float(footprint(prepare(system), demand).scores[0])

    def ours_warm() -> float:
        return float(footprint(model, demand).scores[0])

    def peer() -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lca = bc.LCA({j + 1: 1.0}, data_objs=[dp])
            lca.lci()
            lca.lcia()
        return float(lca.score)

    t_ours, s_ours = timed(ours, repeat)
    t_warm, _ = timed(ours_warm, repeat)
    t_peer, s_peer = timed(peer, 1 if len(system.activities) > 5000 else repeat)
    return {
        "system": label, "products": len(system.activities), "demand": f"1 {act.unit} of {act.product_name}",
        "ours_s": t_ours, "ours_warm_s": t_warm, "peer_s": t_peer, "ratio_peer_over_ours": t_peer / t_ours,
        "gwp100_ours": s_ours, "gwp100_peer": s_peer, "relative_difference": abs(s_ours - s_peer) / abs(s_peer),
        "peak_mib_ours": peak_mib(ours), "peak_mib_peer": peak_mib(peer),
    }


def main() -> None:
    rows = [measure(label, system, repeat=3 if len(system.activities) > 5000 else 20)
            for label, system in systems()]
    head = rows[-1]
    report = {
        "figure": "single-demand footprint, generated 20k system; ratio = peer / ours",
        "ours": head["ours_s"], "peer": head["peer_s"], "ratio": head["ratio_peer_over_ours"], "units": "s",
        "peer_tool": f"bw2calc {bc.__version__} LCA, SuperLU",
        "systems": rows,
    }
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "lca_single.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
