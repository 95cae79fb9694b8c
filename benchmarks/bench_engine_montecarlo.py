"""Monte Carlo iterations/s: ours against bw2calc 3.1 IterativeLCA on one core, and 1 against 2 Dask workers.

Both sample every uncertain entry of A and B with the same distributions and score one demand (the product with
the largest GWP per unit) on GWP100. The peer's distributions come from the same arrays as ours
(`generate_system.bw2calc_datapackage(with_distributions=True)`): a lognormal entry gets μ = ln|value| (or the
stored μ moved by the allocation share) and the same σ with bw's `negative` flag for inputs; normal, uniform and
triangular parameters are the stored ones (already mirrored for inputs) times the entry's share. Set-up is timed
apart for both sides: ours `prepare(system)`, the peer `IterativeLCA(...)` + `lci()` + `lcia()`. Then each round
runs N draws on a fresh set-up, ≥5 rounds for both, medians and spread. The sample means must agree within
4 combined standard errors. Dask: LocalCluster with 1 and 2 single-threaded worker processes (warmed up with
one chunk each: the scatter and each worker's factorisation are set-up), 64 draws in chunks of 8, same seed and
chunks: the samples must be identical; where the time goes is reported beside (`dask_rounds`). Peak RSS: a fresh
process per side.

    .venv/bin/python benchmarks/bench_engine_montecarlo.py [--rounds 5] [--systems ...] [--dask-only]
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import engine_common as ec  # noqa: E402

ec.pin_threads()

import numpy as np  # noqa: E402

DASK_SYSTEMS = ("generated-20k", "loop-heavy-20k-40", "loop-heavy-20k-70")


def draws_for(products: int) -> int:
    return 200 if products < 5000 else 30


def sides(name: str, j: int) -> dict[str, object]:
    """For each side: (set-up, run N draws on a set-up) as callables."""
    from generate_system import bw2calc_datapackage

    from carbontrail.lca.footprint import prepare
    from carbontrail.lca.montecarlo import monte_carlo
    from carbontrail.units import quantity

    system = ec.system(name)
    act = system.activities[j]
    demand = {act.product: quantity(1.0, act.unit)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import bw2calc as bc
    dp = bw2calc_datapackage(prepare(system), with_distributions=True, impacts=1)

    def peer_setup() -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lca = bc.IterativeLCA({j + 1: 1.0}, data_objs=[dp], use_distributions=True, seed_override=42)
            lca.lci()
            lca.lcia()
        return lca

    def peer_run(lca: object, n: int) -> np.ndarray:
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(n):
                next(lca)
                out.append(lca.score)
        return np.array(out)

    return {"ours": (lambda: prepare(system),
                     lambda model, n: monte_carlo(model, demand, n, seed=42, chunk_size=n).samples[:, 0]),
            "bw2calc": (peer_setup, peer_run), "_demand": demand}


def uncertain_demand(model: object) -> int:
    """The product with the largest GWP per unit whose 20-draw Monte Carlo varies by more than 1 % (many USLCI
    chains carry no distribution on a greenhouse gas, so their Monte Carlo would be flat)."""
    from carbontrail.errors import CarbontrailError
    from carbontrail.lca.footprint import all_footprints
    from carbontrail.lca.montecarlo import monte_carlo
    from carbontrail.units import quantity

    scores = all_footprints(model).scores[0]
    for k in np.argsort(-scores)[:400]:
        act = model.system.activities[int(k)]
        try:  # a unit the registry reads, and a product only one activity provides
            trial = monte_carlo(model, {act.product: quantity(1.0, act.unit)}, 20, seed=0).samples[:, 0]
        except CarbontrailError:
            continue
        if trial.std() > 0.01 * abs(trial.mean()):
            return int(k)
    raise SystemExit("no product with an uncertain footprint among the 400 largest")


#: `--dask-only`: measure only the 1 and 2 worker rounds of a system and keep the rest of its earlier row (the
#: Dask figure wants a quiet machine; the single-core sides take minutes more)
DASK_ONLY = "--dask-only" in sys.argv


def measure(name: str, n_rounds: int) -> dict[str, object]:
    from carbontrail.lca.footprint import prepare

    system = ec.system(name)
    model = prepare(system)
    j = uncertain_demand(model)
    if DASK_ONLY:
        return _dask_only(name, model, j, n_rounds)
    n = draws_for(len(system.activities))
    table = sides(name, j)
    demand = table.pop("_demand")
    row: dict[str, object] = {"system": name, "products": len(system.activities), "draws_per_round": n,
                              "demand": system.activities[j].product_name,
                              "largest_loop": int(model.solver.loop_sizes[0]) if model.solver.loop_sizes else 1,
                              "uncertain_entries": int(system.technosphere.distributions.uncertain.size
                                                       + system.biosphere.distributions.uncertain.size)}
    samples = {}
    # The peer's set-up (a PARDISO factorisation of the whole matrix) is first tried in a child process, stopped
    # after PROBE_S: a peer that has not drawn by then is not run here (on a 60k loop-heavy system it would take
    # far longer), and only the time to a first result is compared.
    try:
        ec.cold_round("bench_engine_montecarlo.py", "bw2calc", name, ("--demand", str(j)), timeout=ec.PROBE_S)
    except subprocess.TimeoutExpired:
        del table["bw2calc"]
        row["bw2calc_setup"] = {"median_s": ec.PROBE_S, "lower_bound": True, "rounds": 0,
                                "note": f"IterativeLCA's set-up and {n} draws did not end within {ec.PROBE_S:.0f} s "
                                        "of wall time in a fresh process: its iterations/s are not measured"}
    for side, (setup, run) in table.items():
        setups, runs, drawn = [], [], []
        for _ in range(n_rounds):
            start = time.perf_counter()
            state = setup()
            setups.append(time.perf_counter() - start)
            start = time.perf_counter()
            drawn.append(run(state, n))
            runs.append(time.perf_counter() - start)
        row[f"{side}_setup"] = ec.summary(setups)
        row[f"{side}_draws"] = ec.summary(runs)
        row[f"{side}_iterations_per_s"] = n / row[f"{side}_draws"]["median_s"]
        samples[side] = drawn[0]
    row["ours_time_to_draws_s"] = row["ours_setup"]["median_s"] + row["ours_draws"]["median_s"]
    if "bw2calc" not in table:
        row["ratio_ours_over_bw2calc"] = None
        row["ratio_time_to_draws_bw2calc_over_ours"] = ec.PROBE_S / row["ours_time_to_draws_s"]
        row["ratio_time_to_draws_bw2calc_over_ours_bound"] = "at least"
        row["mean_ours"], row["sd_ours"] = float(samples["ours"].mean()), float(samples["ours"].std(ddof=1))
    else:
        row["ratio_ours_over_bw2calc"] = row["ours_iterations_per_s"] / row["bw2calc_iterations_per_s"]
        # bw2calc's draws repeat each round (seed_override); ours too: the first round of each is compared.
        se = math.sqrt(samples["ours"].var(ddof=1) / n + samples["bw2calc"].var(ddof=1) / n)
        row["mean_ours"], row["mean_bw2calc"] = float(samples["ours"].mean()), float(samples["bw2calc"].mean())
        row["means_agree_within_4_standard_errors"] = bool(abs(row["mean_ours"] - row["mean_bw2calc"]) <= 4 * se)
        row["sd_ours"], row["sd_bw2calc"] = float(samples["ours"].std(ddof=1)), float(samples["bw2calc"].std(ddof=1))
        row["combined_standard_error"] = se
    if name in DASK_SYSTEMS:
        row.update(dask_rounds(model, demand, n_rounds))
    for side in table:
        row[f"{side}_peak_rss"] = ec.cold("bench_engine_montecarlo.py", side, name, 1, ("--demand", str(j)))
    ratio = row["ratio_ours_over_bw2calc"]
    print(f"{name}: ours/bw2calc {'not measured (peer stopped)' if ratio is None else f'{ratio:.2f}'}",
          file=sys.stderr)
    return row


DASK_CHUNK = 8
DASK_DRAWS = 64


def dask_rounds(model: object, demand: object, n_rounds: int) -> dict[str, object]:
    """1 and 2 single-threaded worker processes on the same 64 draws (chunks of 8, seed 7): wall time, and where
    it goes: each task's compute time on its worker (Dask's task stream), each worker's CPU seconds (getrusage
    via client.run) and the client's. CPU seconds below a worker's busy time mean it waited for a core (the
    machine is shared); compute summed over tasks above 1 worker's means work repeated per worker."""
    import resource

    from distributed import Client, LocalCluster, get_task_stream

    from carbontrail.lca.montecarlo import monte_carlo

    def cpu_s() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    row: dict[str, object] = {"dask_draws_per_round": DASK_DRAWS, "dask_chunk": DASK_CHUNK}
    got = []
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          env=ec.PINNED) as cluster, Client(cluster) as client:
            # Warm-up: the scatter, each worker's factorisation and one task each, untimed.
            monte_carlo(model, demand, DASK_CHUNK * workers, seed=1, chunk_size=DASK_CHUNK, scheduler=client)
            times, compute, worker_cpu, busy_max, client_cpu, loads = [], [], [], [], [], []
            for _ in range(n_rounds):
                before, own, loads_start = client.run(cpu_s), cpu_s(), os.getloadavg()[0]
                with get_task_stream(client) as stream:
                    start = time.perf_counter()
                    result = monte_carlo(model, demand, DASK_DRAWS, seed=7, chunk_size=DASK_CHUNK, scheduler=client)
                    times.append(time.perf_counter() - start)
                after = client.run(cpu_s)
                client_cpu.append(cpu_s() - own)
                worker_cpu.append(sum(after[w] - before[w] for w in before))
                per_worker: dict[str, float] = {}
                for task in stream.data:
                    for part in task["startstops"]:
                        if part["action"] == "compute":
                            per_worker[task["worker"]] = per_worker.get(task["worker"], 0.0) + part["stop"] - part["start"]
                compute.append(sum(per_worker.values()))
                busy_max.append(max(per_worker.values()))
                loads.append(loads_start)
            key = f"dask_{workers}_workers"
            row[key] = ec.summary(times)
            row[f"{key}_iterations_per_s"] = DASK_DRAWS / row[key]["median_s"]
            row[f"{key}_where"] = {"task_compute_s_summed": ec.summary(compute), "busiest_worker_s": ec.summary(busy_max),
                                   "worker_cpu_s_summed": ec.summary(worker_cpu), "client_cpu_s": ec.summary(client_cpu),
                                   "load_average_1min_at_round_start": loads}
            got.append(result.samples)
    one, two = row["dask_1_workers"]["median_s"], row["dask_2_workers"]["median_s"]
    row["dask_speedup_2_over_1"] = one / two
    # Wall time outside the busiest worker's tasks: scheduling, transfers, the client's own work.
    row["dask_2_workers_overhead_s"] = two - statistics.median(row["dask_2_workers_where"]["busiest_worker_s"]["each_s"])
    row["dask_1_and_2_workers_identical"] = bool(np.array_equal(got[0], got[1]))
    return row


def _dask_only(name: str, model: object, j: int, n_rounds: int) -> dict[str, object]:
    import json

    from carbontrail.units import quantity

    if name not in DASK_SYSTEMS:
        raise SystemExit(f"{name} has no Dask rounds (they run on {', '.join(DASK_SYSTEMS)})")
    earlier = ec.OUT / "engine_montecarlo.json"
    rows = json.loads(earlier.read_text())["systems"] if earlier.exists() else []
    [row] = [r for r in rows if r["system"] == name] or [None]
    if row is None:
        raise SystemExit(f"--dask-only updates a row an earlier full run wrote; {name} has none")
    act = model.system.activities[j]
    row = {**row, **dask_rounds(model, {act.product: quantity(1.0, act.unit)}, n_rounds),
           "dask_rounds_measured_apart": True}
    print(f"{name}: Dask 2 over 1 worker {row['dask_speedup_2_over_1']:.2f}", file=sys.stderr)
    return row


def child(args: object) -> object:
    start, run = sides(args.system, args.demand)[args.cold]
    state = start()
    n = draws_for(len(ec.system(args.system).activities))
    return lambda: run(state, n)


def main() -> None:
    if DASK_ONLY:
        sys.argv.remove("--dask-only")
    ec.main(__doc__, ("ours", "bw2calc"), child, measure, "engine_montecarlo",
            ratio="ratio_ours_over_bw2calc", ours="ours_iterations_per_s",
            peer="bw2calc_iterations_per_s", units="iterations/s", worst_is_low=True,
            figure="Monte Carlo iterations/s on one core, ours / bw2calc IterativeLCA (median of rounds, set-up "
            "apart)",
            goal="ours ≥ 3 × IterativeLCA on every system; 2 Dask workers ≥ 1.7 × 1 on the 20,000-process systems")


if __name__ == "__main__":
    main()
