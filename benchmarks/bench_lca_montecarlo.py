"""Monte Carlo iterations per second vs bw2calc 3.1 IterativeLCA on one core, and on 1 vs 2 Dask workers.

Both sample every lognormal entry of A and B (the same distributions, fed to bw2calc as a datapackage with
stats_arrays distributions) and score one demand on GWP100. BLAS threads are pinned to one, so "one core"
holds for both. Dask: LocalCluster with 1 and 2 single-threaded worker processes, same seed, same chunks;
the samples must be identical. Peak memory (tracemalloc) of a short in-process run and of the peer.
"""

from __future__ import annotations

import json
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import sys
import time
import warnings
from pathlib import Path

import numpy as np
from distributed import Client, LocalCluster

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lca_common import ROOT, peak_mib, readable, systems, timed  # noqa: E402
from generate_system import bw2calc_datapackage  # noqa: E402

from carbontrail.lca.footprint import all_footprints, prepare  # noqa: E402
from carbontrail.lca.montecarlo import monte_carlo  # noqa: E402
from carbontrail.units import quantity  # noqa: E402
from carbontrail.lca.matrices import ProductSystem  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import bw2calc as bc

def measure(label: str, system: ProductSystem, ours_n: int, peer_n: int, dask_n: int) -> dict[str, object]:
    model = prepare(system)
    scores = all_footprints(model).scores[0]
    # The demand: the largest footprint per unit whose result is uncertain (many USLCI supply chains carry
    # no distributions at all, so their Monte Carlo would be flat).
    for k in np.argsort(-scores)[:400]:
        j = int(k)
        act = system.activities[j]
        if not readable(act.unit):
            continue
        demand = {act.product: quantity(1.0, act.unit)}
        trial = monte_carlo(model, demand, 20, seed=0).samples[:, 0]
        if trial.std() > 0.01 * abs(trial.mean()):
            break
    else:
        raise SystemExit(f"{label}: no product with an uncertain footprint among the 400 largest")
    chunk = max(1, dask_n // 16)
    dp = bw2calc_datapackage(model, with_distributions=True, impacts=1)

    def ours(n: int = ours_n) -> np.ndarray:
        return monte_carlo(model, demand, n, seed=42, chunk_size=chunk).samples[:, 0]

    def peer(n: int = peer_n) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lca = bc.IterativeLCA({j + 1: 1.0}, data_objs=[dp], use_distributions=True, seed_override=42)
            lca.lci()
            lca.lcia()
            out = []
            for _ in range(n):
                next(lca)
                out.append(lca.score)
        return np.array(out)

    ours()  # warm-up (imports, caches)
    t_ours, s_ours = timed(ours, 1)
    t_peer, s_peer = timed(peer, 1)
    dask: dict[str, object] = {}
    samples = []
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            monte_carlo(model, demand, chunk * workers, seed=1, chunk_size=chunk, scheduler=client)  # warm-up
            start = time.perf_counter()
            result = monte_carlo(model, demand, dask_n, seed=7, chunk_size=chunk, scheduler=client)
            dask[f"{workers}_workers_iterations_per_s"] = dask_n / (time.perf_counter() - start)
            samples.append(result.samples)
    return {
        "system": label, "products": len(system.activities), "demand": f"1 {act.unit} of {act.product_name}",
        "uncertain_entries": int(system.technosphere.distributions.uncertain.size
                                 + system.biosphere.distributions.uncertain.size),
        "ours_iterations_per_s": ours_n / t_ours, "peer_iterations_per_s": peer_n / t_peer,
        "ratio_ours_over_peer": (ours_n / t_ours) / (peer_n / t_peer),
        "mean_ours": float(s_ours.mean()), "mean_peer": float(s_peer.mean()),
        "sd_ours": float(s_ours.std(ddof=1)), "sd_peer": float(s_peer.std(ddof=1)),
        **dask,
        "dask_speedup_2_over_1": dask["2_workers_iterations_per_s"] / dask["1_workers_iterations_per_s"],
        "dask_1_and_2_workers_identical": bool(np.array_equal(samples[0], samples[1])),
        "peak_mib_ours": peak_mib(lambda: ours(max(2, ours_n // 10))),
        "peak_mib_peer": peak_mib(lambda: peer(max(2, peer_n // 10))),
    }


def main() -> None:
    rows = []
    for label, system in systems():
        small = len(system.activities) < 5000
        rows.append(measure(label, system, ours_n=2000 if small else 60, peer_n=300 if small else 15,
                            dask_n=4000 if small else 320))
    head = rows[-1]
    report = {
        "figure": "Monte Carlo iterations/s on one core, generated 20k system; ratio = ours / peer",
        "ours": head["ours_iterations_per_s"], "peer": head["peer_iterations_per_s"],
        "ratio": head["ratio_ours_over_peer"], "units": "iterations/s",
        "peer_tool": f"bw2calc {bc.__version__} IterativeLCA(use_distributions=True)",
        "systems": rows,
    }
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "lca_montecarlo.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
