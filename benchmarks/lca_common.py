"""What the LCA benchmarks share: the systems they run on (USLCI and the generated 20k system), best-of-N timing
and peak traced memory."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from generate_system import generate

from carbontrail.errors import CarbontrailError
from carbontrail.formats.olca_jsonld import read
from carbontrail.lca.matrices import ProductSystem, build_system
from carbontrail.units import quantity

ROOT = Path(__file__).resolve().parents[1]
USLCI = ROOT / "tests" / "data" / "uslci" / "uslci_olca1_5_0_json_ld.zip"


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def peak_mib(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def systems() -> list[tuple[str, ProductSystem]]:
    out = []
    if USLCI.exists():
        out.append(("USLCI", build_system(read(USLCI), unallocatable="reference")))
    out.append(("generated 20k", build_system(generate(20_000))))
    return out


def readable(unit: str) -> bool:
    try:
        quantity(1.0, unit)
    except CarbontrailError:
        return False
    return True
