"""What the engine benchmarks share: the systems, like-for-like timing (cold process and warm, set-up apart,
the same rounds for every side, medians and spread), peak RSS of a process, load averages, the JSON report.

Systems: USLCI (tests/data/uslci), the generated ecoinvent-shaped 20k system (many small loops), and the
loop-heavy systems of `generate_loop_heavy` (one strongly connected block of 40 % or 70 % of 20,000 or 60,000
processes, seed 1). A built system is kept as a pickle under var/bench/cache, named after the generator's
and the matrices' source hash, so a cold process loads it (set-up, not timed) instead of generating it again.

Cold: a fresh Python process per round (`python bench_engine_X.py --cold SIDE --system NAME`) loads the system
and the side's inputs untimed, then times the first call; it reports that time and its peak RSS
(getrusage ru_maxrss) with the RSS after loading. Warm: the same call repeated in this process. The sides'
rounds are interleaved (round k runs every side once, in turn), so a change of load on the shared machine falls on
all of them alike; each timed call runs with the garbage collector off, as timeit does.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import pickle
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

# One thread for BLAS/MKL in every process: each side runs on one core (MKL's PARDISO included). Set before numpy
# loads, which reads it once: with two OpenBLAS threads on the two shared cores a 14,000-element dot product took
# 0.38 ms against 0.003 ms, slowing every iterative solver (ours and bw2calc's) by as much.
PINNED = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
os.environ.update(PINNED)

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = ROOT / "var" / "bench"
CACHE = OUT / "cache"
USLCI = ROOT / "tests" / "data" / "uslci" / "uslci_olca1_5_0_json_ld.zip"
SYSTEMS = ("USLCI", "generated-20k", "loop-heavy-20k-40", "loop-heavy-20k-70", "loop-heavy-60k-40",
           "loop-heavy-60k-70")
# Measured by default; the 60k loop-heavy systems are run with --systems (minutes each on two shared cores).
DEFAULT_SYSTEMS = SYSTEMS[:4]


def system(name: str) -> object:
    """The ProductSystem called `name` (see SYSTEMS), from the cache when it was built before."""
    from generate_system import generate, generate_loop_heavy

    from carbontrail.formats.olca_jsonld import read
    from carbontrail.lca.matrices import build_system

    # Named after the generator's and the matrices' source: a change to either builds the systems again.
    source = hashlib.sha256((HERE / "generate_system.py").read_bytes()
                            + (ROOT / "src" / "carbontrail" / "lca" / "matrices.py").read_bytes()).hexdigest()[:12]
    path = CACHE / f"{name}-{source}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    if name == "USLCI":
        built = build_system(read(USLCI), allocation="physical", unallocatable="reference")
    elif name == "generated-20k":
        built = build_system(generate(20_000))
    else:
        _, _, size, share = name.split("-")
        built = build_system(generate_loop_heavy(int(size[:-1]) * 1000, int(share) / 100))
    CACHE.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed: a benchmark running beside this one never reads half a file.
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL))
    partial.replace(path)
    return built


# A side whose first round takes longer than this runs once only (bare SuperLU on the whole of a loop-heavy
# 20k system: ≈ 290 s, 43 M factor entries); its report says so ("rounds": 1, "over_budget").
BUDGET_S = 60.0
# A side's first (cold) round is stopped after this much wall time, and the side reported as at least this slow.
PROBE_S = 90.0


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """(seconds, result) of one call, the garbage collector collected before and off during it, as timeit does:
    a collection the set-up's objects happen to trigger inside a 3 ms call would otherwise be timed too. A short
    sleep first lets the call start on a fresh time slice of the shared cores (the same for every side)."""
    gc.collect()
    time.sleep(0.005)
    gc.disable()
    try:
        start = time.perf_counter()
        result = fn()
        return time.perf_counter() - start, result
    finally:
        gc.enable()


def rounds(fn: Callable[[], object], n: int) -> tuple[dict[str, float], object]:
    """Run `fn` n times; (median, min, max, spread = (max − min) / median, n, seconds each), last result."""
    times, result = [], None
    for _ in range(n):
        seconds, result = timed(fn)
        times.append(seconds)
        if times[0] > BUDGET_S:
            return {**summary(times), "over_budget": True}, result
    return summary(times), result


def sides_measured(script: str, calls: dict[str, Callable[[], object]], name: str, n: int,
                   extra: tuple[str, ...] = ()) -> tuple[dict[str, object], dict[str, object]]:
    """Warm and cold rounds of every side, interleaved (round k runs each side once, in turn, so a change of load
    on the shared machine falls on all sides alike): ({"SIDE_warm": ..., "SIDE_cold": ...}, last result per side).

    Each side's first cold round comes first and is stopped after PROBE_S of wall time: a side that does not
    finish by then (bare SuperLU on a loop-heavy 20k system, ≈ 290 s alone on a core) is not run again and is
    reported as taking at least PROBE_S (`lower_bound`), so a ratio over it is a bound. A side over BUDGET_S in
    its first warm round runs once, and its cold figure is that warm one."""
    cold_rows: dict[str, list[dict[str, float]]] = {}
    row: dict[str, object] = {}
    for side in calls:
        try:
            cold_rows[side] = [cold_round(script, side, name, extra, timeout=PROBE_S)]
        except subprocess.TimeoutExpired:
            bound = {"median_s": PROBE_S, "lower_bound": True, "rounds": 0, "load_average_at_stop": os.getloadavg(),
                     "note": f"stopped after {PROBE_S:.0f} s of wall time without a result: takes at least that"}
            row[f"{side}_warm"] = row[f"{side}_cold"] = bound
    times: dict[str, list[float]] = {side: [] for side in cold_rows}
    results: dict[str, object] = {}
    for _ in range(n):
        for side in cold_rows:
            if not times[side] or times[side][0] <= BUDGET_S:
                seconds, results[side] = timed(calls[side])
                times[side].append(seconds)
    for side, each in times.items():
        row[f"{side}_warm"] = {**summary(each), **({"over_budget": True} if each[0] > BUDGET_S else {})}
    for side in list(cold_rows):
        if times[side][0] > BUDGET_S:
            row[f"{side}_cold"] = {**row[f"{side}_warm"], "cold_skipped": "the warm round took longer than "
                                   "BUDGET_S; the cold figure is the warm one"}
            del cold_rows[side]
    for _ in range(n - 1):
        for side, got in cold_rows.items():
            got.append(cold_round(script, side, name, extra))
    for side, got in cold_rows.items():
        row[f"{side}_cold"] = cold_summary(got)
    return {key: row[key] for side in calls for key in (f"{side}_warm", f"{side}_cold")}, results


def summary(times: list[float]) -> dict[str, float]:
    med = statistics.median(times)
    return {"median_s": med, "min_s": min(times), "max_s": max(times),
            "spread": (max(times) - min(times)) / med if med else 0.0, "rounds": len(times),
            "each_s": [round(t, 6) for t in times]}


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cold_round(script: str, side: str, name: str, extra: tuple[str, ...] = (),
               timeout: float | None = None) -> dict[str, float]:
    """One fresh process of `script --cold side --system name`: its first-call time, set-up time and RSS.
    subprocess.TimeoutExpired after `timeout` seconds of wall time (the process is killed)."""
    out = subprocess.run([sys.executable, str(HERE / script), "--cold", side, "--system", name, *extra],
                         check=True, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **PINNED},
                         timeout=timeout)
    return json.loads(out.stdout.strip().splitlines()[-1])


def cold_summary(got: list[dict[str, float]]) -> dict[str, object]:
    return {**summary([r["s"] for r in got]), "setup_median_s": statistics.median(r["setup_s"] for r in got),
            "peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in got),
            "rss_after_setup_mib": statistics.median(r["rss_after_setup_mib"] for r in got)}


def cold(script: str, side: str, name: str, n: int, extra: tuple[str, ...] = ()) -> dict[str, object]:
    """n fresh processes of `script --cold side --system name`: medians of their first-call times and RSS."""
    got: list[dict[str, float]] = []
    for _ in range(n):
        if got and got[0]["s"] > BUDGET_S:
            break
        got.append(cold_round(script, side, name, extra))
    return cold_summary(got)


def cold_child(setup: Callable[[], Callable[[], object]]) -> None:
    """In a cold process: time `setup()` (untimed part, reported apart) and then the first call."""
    start = time.perf_counter()
    call = setup()
    setup_s = time.perf_counter() - start
    base = rss_mib()
    seconds, _ = timed(call)
    print(json.dumps({"s": seconds, "setup_s": setup_s, "peak_rss_mib": rss_mib(), "rss_after_setup_mib": base}))


def pin_threads() -> None:
    """Checks that BLAS runs on one thread (the pin is set when this module loads, before numpy)."""
    os.environ.update(PINNED)
    from threadpoolctl import threadpool_info

    threads = {pool["internal_api"]: pool["num_threads"] for pool in threadpool_info()}
    if any(n != 1 for n in threads.values()):
        raise SystemExit(f"BLAS is not on one thread ({threads}): import engine_common before numpy")


def pypardiso_version() -> str | None:
    try:
        import pypardiso  # noqa: F401
    except ImportError:
        return None
    from importlib.metadata import version

    return version("pypardiso")


def environment() -> dict[str, object]:
    from importlib.metadata import version

    return {"load_average_start": os.getloadavg(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "numpy": version("numpy"), "scipy": version("scipy"), "bw2calc": version("bw2calc"),
            "pypardiso": pypardiso_version(),
            "note": "machine shared with other jobs during the run: figures are noisy; see the load averages"}


def readable_demand(model: object) -> int:
    """Index of the product with the largest GWP per unit whose unit the registry reads (a deep chain)."""
    from carbontrail.errors import CarbontrailError
    from carbontrail.lca.footprint import all_footprints
    from carbontrail.units import quantity

    scores = all_footprints(model).scores[0]
    for k in np.argsort(-scores):
        try:
            quantity(1.0, model.system.activities[int(k)].unit)
        except CarbontrailError:
            continue
        return int(k)
    raise SystemExit("no product with a readable unit")


def main(doc: str, sides: tuple[str, ...], child: Callable[[argparse.Namespace], Callable[[], object]],
         measure: Callable[[str, int], dict[str, object]], name: str, **headline_args: object) -> None:
    """A benchmark's command line: a cold child round (--cold), or every system measured and the report written."""
    args = arguments(doc, sides)
    if args.cold:
        cold_child(lambda: child(args))
        return
    env = environment()
    # Systems an earlier run measured and this one does not are kept (each row has its own load averages and
    # time); the report is rewritten after each system, so a long run keeps what it did.
    earlier = OUT / f"{name}.json"
    kept = [r for r in json.loads(earlier.read_text()).get("systems", [])
            if r.get("system") not in args.systems] if earlier.exists() else []
    rows = []
    for system_name in args.systems:
        started = os.getloadavg()
        row = measure(system_name, args.rounds)
        row.update(load_average_start=started, load_average_end=os.getloadavg(),
                   measured_at=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()))
        rows.append(row)
        ordered = sorted(kept + rows, key=lambda r: SYSTEMS.index(r["system"]))
        headline(name, ordered, env, **headline_args)


def headline(name: str, rows: list[dict[str, object]], env: dict[str, object], *, figure: str, ratio: str,
             ours: str, peer: str, units: str, goal: str, worst_is_low: bool) -> None:
    """Write var/bench/NAME.json with the worst system's figure in front and every system in 'systems'."""
    pick = min if worst_is_low else max
    measured = [r for r in rows if r.get(ratio) is not None] or rows  # a peer stopped before any result: no ratio
    worst = pick(measured, key=lambda r: r[ratio] if r.get(ratio) is not None else 0.0)
    value = (lambda key: worst[key]["median_s"] if isinstance(worst.get(key), dict) else worst.get(key))
    write(name, {"figure": f"{figure}; worst system shown, every system in 'systems'", "ours": value(ours),
                 "peer": value(peer), "ratio": worst[ratio], "units": units, "system": worst["system"],
                 "goal": goal, "systems": rows}, env)


def write(name: str, report: dict[str, object], env: dict[str, object]) -> None:
    env = {**env, "load_average_end": os.getloadavg()}
    OUT.mkdir(parents=True, exist_ok=True)
    text = json.dumps({**report, "environment": env}, indent=2)
    (OUT / f"{name}.json").write_text(text)
    print(text)


def ratios(row: dict[str, object], sides: list[str]) -> None:
    """Cold and warm median ratios: ours and ours_solver over scipy, every peer over ours."""
    for kind in ("cold", "warm"):
        ours, scipy_s = row[f"ours_{kind}"]["median_s"], row[f"scipy_{kind}"]["median_s"]
        row[f"ratio_{kind}_ours_over_scipy"] = ours / scipy_s
        row[f"ratio_{kind}_ours_solver_over_scipy"] = row[f"ours_solver_{kind}"]["median_s"] / scipy_s
        if row[f"scipy_{kind}"].get("lower_bound"):  # the peer took at least its figure: these ratios at most
            row[f"ratio_{kind}_ours_over_scipy_bound"] = "at most"
        for peer in ("bw2calc", "pypardiso"):
            if peer in sides:
                row[f"ratio_{kind}_{peer}_over_ours"] = row[f"{peer}_{kind}"]["median_s"] / ours
                if row[f"{peer}_{kind}"].get("lower_bound"):
                    row[f"ratio_{kind}_{peer}_over_ours_bound"] = "at least"


def arguments(doc: str, sides: tuple[str, ...]) -> argparse.Namespace:
    """--rounds, --systems; and for a cold child process --cold SIDE --system NAME [--demand J]."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--systems", nargs="*", choices=SYSTEMS)
    parser.add_argument("--cold", choices=sides)
    parser.add_argument("--system", choices=SYSTEMS)
    parser.add_argument("--demand", type=int)
    args = parser.parse_args()
    args.rounds = max(5, args.rounds)
    args.systems = tuple(args.systems) if args.systems else DEFAULT_SYSTEMS
    return args
