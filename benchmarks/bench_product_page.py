"""Median and p99 latency of one product page (GET /org/CD-CELL/products/lfp-cell/lfp-cell), and how many times
one request factorises and solves the product system.

`ours` is the page asked again (its view is kept with the prepared model); `ours_computed` the same page with a
new Monte Carlo seed each round, so everything is computed (one solve, the 500 draws, the rendering).

Ours: the page as a signed-in carbon manager sees it (footprint, contributions by four groupings, supply-chain
tree, 500-draw Monte Carlo histogram), served in-process through Starlette's test client on the demo database
(SQLite under a temporary CARBONTRAIL_HOME). Peer, in the same run: the same computations called directly on the
engine with the system factorised once (`prepare` + one `footprint` + the Monte Carlo), i.e. the floor the page
could reach if it did no work twice and no I/O. Prints JSON and writes var/bench/product_page.json.

    .venv/bin/python benchmarks/bench_product_page.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
PAGE = "/org/CD-CELL/products/lfp-cell/lfp-cell"


class Counter:
    """Counts factorisations (Solver constructions) and right-hand-side solves of the engine."""

    def __init__(self) -> None:
        from carbontrail.lca import solver

        self.factorisations = 0
        self.solves = 0
        original_init, original_adjoint, original_forward = (solver.Solver.__init__, solver.Solver.adjoint,
                                                             solver.Solver.forward)
        counter = self

        def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            counter.factorisations += 1
            original_init(self, *args, **kwargs)

        def adjoint(self, b):  # type: ignore[no-untyped-def]
            counter.solves += 1
            return original_adjoint(self, b)

        def forward(self, f):  # type: ignore[no-untyped-def]
            counter.solves += 1
            return original_forward(self, f)

        solver.Solver.__init__, solver.Solver.adjoint, solver.Solver.forward = init, adjoint, forward  # type: ignore[method-assign]

    def reset(self) -> None:
        self.factorisations = self.solves = 0


def _app():  # type: ignore[no-untyped-def]
    from carbontrail.app import create_app

    return create_app()


def _sign_in(client, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    form = client.get("/login").text
    token = re.search(r'name="login_csrf" value="([^"]+)"|name="csrf_token" value="([^"]+)"', form)
    assert token, "the sign-in form carries no CSRF token"
    answer = client.post("/login", data={"email": email, "password": password,
                                         "csrf_token": token.group(1) or token.group(2), "next": "/"},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text[:300]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="carbontrail-bench-page-"))
    env = {**os.environ, "CARBONTRAIL_HOME": str(home)}
    env.pop("CARBONTRAIL_DATABASE_URL", None)
    cli = [str(Path(sys.executable).with_name("carbontrail"))]
    subprocess.run([*cli, "init"], env=env, check=True, capture_output=True, cwd=ROOT)
    subprocess.run([*cli, "demo", "load"], env=env, check=True, capture_output=True, cwd=ROOT)
    os.environ.update({"CARBONTRAIL_HOME": str(home)})
    os.environ.pop("CARBONTRAIL_DATABASE_URL", None)
    from starlette.testclient import TestClient

    counter = Counter()
    password = os.environ.get("CARBONTRAIL_DEMO_PASSWORD", "carbontrail-demo")
    with TestClient(_app()) as client:
        _sign_in(client, "manager@cd-cell.example", password)
        assert client.get(PAGE).status_code == 200  # warm the caches and the templates
        counter.reset()
        assert client.get(f"{PAGE}?seed=999").status_code == 200  # a view not computed before
        per_page = {"factorisations": counter.factorisations, "solves": counter.solves}
        ours, fresh = [], []
        for r in range(args.rounds):
            t0 = time.perf_counter()
            answer = client.get(PAGE)
            ours.append(time.perf_counter() - t0)
            assert answer.status_code == 200
            t0 = time.perf_counter()
            answer = client.get(f"{PAGE}?seed={1000 + r}")  # a new seed: the view is computed in full
            fresh.append(time.perf_counter() - t0)
            assert answer.status_code == 200
    peer = _peer(args.rounds, home)
    median, p99, peer_median = statistics.median(ours), _percentile(ours, 0.99), statistics.median(peer)
    result = {"figure": "product page latency (median)", "page": PAGE, "units": "ms", "rounds": args.rounds,
              "ours": round(median * 1000, 2), "ours_p99": round(p99 * 1000, 2),
              "ours_spread": [round(min(ours) * 1000, 2), round(max(ours) * 1000, 2)],
              "ours_computed": round(statistics.median(fresh) * 1000, 2),
              "ours_computed_note": "median of the same page with a new Monte Carlo seed each round (nothing kept)",
              "peer": round(peer_median * 1000, 2), "peer_name": "engine called directly, one factorisation",
              "ratio": round(median / peer_median, 2), "per_page": per_page,
              "load_average": os.getloadavg()}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "product_page.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


def _peer(rounds: int, home: Path) -> list[float]:
    """The same footprint, contributions and 500-draw Monte Carlo straight on the engine, factorised once."""
    from carbontrail.formats import product_model
    from carbontrail.lca.contributions import contributions
    from carbontrail.lca.footprint import footprint, prepare
    from carbontrail.lca.matrices import build_system
    from carbontrail.lca.montecarlo import monte_carlo
    from carbontrail.units import quantity

    doc = product_model.read(ROOT / "examples" / "sichuan-battery-chain" / "products" / "lfp-cell.yaml")
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        system = build_system(doc.database, allocation="physical", external=list(doc.factors),
                              boundary="cradle-to-gate", unallocatable="reference")
        model = prepare(system)
        act = system.activities[system.index("lfp-cell")]
        demand = {act.product: quantity(1.0, act.unit)}
        fp = footprint(model, demand)
        for by in ("process", "stage", "supplier", "gas"):
            contributions(fp, by)  # type: ignore[arg-type]
        monte_carlo(model, demand, 500, seed=1)
        times.append(time.perf_counter() - t0)
    return times


if __name__ == "__main__":
    main()
