"""Helpers of the LCA engine tests: a small random system with loops, and its matrices for bw2calc."""

from __future__ import annotations

import bw_processing as bwp
import numpy as np

from carbontrail.lca.footprint import FootprintModel
from carbontrail.lca.model import ProcessDatabase

FLOW_OFFSET = 1_000_000
IMPACTS = (("GWP100",), ("GWP100 biogenic",))


def datapackage(model: FootprintModel) -> bwp.Datapackage:
    """The model's A, B and C as a bw_processing datapackage (activity j → id j+1, flow i → FLOW_OFFSET+i)."""
    system = model.system
    dp = bwp.create_datapackage(sequential=True)
    for name, matrix, row_offset in (("technosphere_matrix", system.technosphere, 1),
                                     ("biosphere_matrix", system.biosphere, FLOW_OFFSET)):
        indices = np.array(list(zip(matrix.rows + row_offset, matrix.cols + 1)), dtype=bwp.INDICES_DTYPE)
        dp.add_persistent_vector(matrix=name, indices_array=indices, data_array=matrix.values.copy(),
                                 flip_array=np.zeros(len(matrix.values), dtype=bool))
    for k, impact in enumerate(IMPACTS):
        factors = model.characterisation.factors[k]
        nz = np.flatnonzero(factors)
        indices = np.array([(FLOW_OFFSET + i, FLOW_OFFSET + i) for i in nz], dtype=bwp.INDICES_DTYPE)
        dp.add_persistent_vector(matrix="characterization_matrix", name=f"cf-{k}", identifier=list(impact),
                                 indices_array=indices, data_array=factors[nz].copy())
    return dp


def random_database(n: int, seed: int) -> ProcessDatabase:
    """A small random system with loops (inputs ≤ 0.6 per unit made, so it is productive)."""
    from carbontrail.lca.model import Exchange, Flow, Process, Uncertainty

    rng = np.random.default_rng(seed)
    flows = {f"p{j}": Flow(f"p{j}", f"product {j}", "product", "kg") for j in range(n)}
    gases = ["Carbon dioxide, fossil", "Methane, fossil", "Dinitrogen monoxide", "Carbon dioxide, biogenic",
             "Sulfur hexafluoride", "Carbon dioxide, in air", "Water"]
    for k, name in enumerate(gases):
        flows[f"e{k}"] = Flow(f"e{k}", name, "elementary", "kg", "resource/in air" if "in air" in name else "air")
    processes = {}
    for j in range(n):
        suppliers = sorted(set(int(s) for s in rng.integers(0, n, 4)) - {j})
        amounts = rng.random(len(suppliers))
        amounts *= 0.6 / max(amounts.sum(), 1e-9)
        exchanges = [Exchange(f"p{j}", 1.0, is_input=False, is_reference=True)]
        exchanges += [Exchange(f"p{s}", float(a), is_input=True, provider=f"P{s}",
                               uncertainty=Uncertainty("lognormal", scale=0.2)) for s, a in zip(suppliers, amounts)]
        for k in sorted(set(int(g) for g in rng.integers(0, len(gases), 3))):
            exchanges.append(Exchange(f"e{k}", float(rng.lognormal(-2, 1)), is_input=(k == 5),
                                      uncertainty=Uncertainty("lognormal", scale=0.1)))
        processes[f"P{j}"] = Process(f"P{j}", f"process {j}", tuple(exchanges), location="CN-SC")
    return ProcessDatabase(name=f"random {n}", version="t", flows=flows, processes=processes, source="tests")
