"""A generated product system shaped like ecoinvent for the LCA benchmarks, and the same matrices for bw2calc.

Shape (ecoinvent 3.x cut-off has ≈21k activities, ≈14 technosphere and ≈30 biosphere entries each):
`n` processes in six tiers (extraction → basic materials → intermediates → components → products →
services). Each process has ≈10 product inputs: most from lower tiers, picked with a Zipf-like
preference so a few suppliers (electricity, transport, heat markets) feed thousands of processes;
about one input in six comes from the same or a higher tier, which closes loops as real databases do.
Inputs are scaled so each process uses at most 0.7 units of value per unit made (a productive system).
Every exchange carries a lognormal distribution (σ 0.05-0.3), as most ecoinvent exchanges do.
"""

from __future__ import annotations

import argparse

import numpy as np

from carbontrail.lca.footprint import FootprintModel
from carbontrail.lca.model import Exchange, Flow, Process, ProcessDatabase, Uncertainty
from carbontrail.lca.uncertainty import LOGNORMAL, NORMAL, TRIANGULAR, UNIFORM

FLOW_OFFSET = 1_000_000
IMPACTS = (("GWP100",), ("GWP100 biogenic",))

TIERS = (0.10, 0.15, 0.25, 0.25, 0.15, 0.10)
GASES = ("Carbon dioxide, fossil", "Methane, fossil", "Dinitrogen monoxide", "Carbon dioxide, biogenic",
         "Methane, biogenic", "Sulfur hexafluoride", "Methane, tetrafluoro-, R-14",
         "Ethane, hexafluoro-, HFC-116", "Carbon dioxide, in air")


def generate(n: int = 20_000, inputs: int = 10, emissions: int = 12, other_flows: int = 400,
             seed: int = 1) -> ProcessDatabase:
    """A ProcessDatabase of `n` single-output processes with ≈`inputs` product inputs each."""
    rng = np.random.default_rng(seed)
    bounds = np.cumsum([0, *(round(share * n) for share in TIERS)])
    bounds[-1] = n
    tier = np.searchsorted(bounds, np.arange(n), side="right") - 1
    # Popularity of each process as a supplier (Zipf-like, shuffled within its tier).
    popularity = 1.0 / (1 + rng.permutation(n)) ** 0.9

    flows, flow_cdf = _flows(n, other_flows)

    # Loops close through hubs (markets for electricity, heat, transport: ≈1.5 % of processes), as in
    # ecoinvent, where a random upward link anywhere would make an unrealistically dense factorisation.
    hubs = np.sort(np.argsort(-popularity)[: max(2, int(0.015 * n))])
    hub_cdf = np.cumsum(popularity[hubs])
    cdf = np.cumsum(popularity)

    processes: dict[str, Process] = {}
    for j in range(n):
        t = tier[j]
        k = max(1, int(rng.poisson(inputs)))
        loop = rng.random(k) < 1 / 6
        if t == 0:
            loop[:] = True
        u = rng.random(k)
        high = cdf[bounds[t] - 1] if t > 0 else 0.0
        picks = np.where(loop, hubs[np.minimum(np.searchsorted(hub_cdf, u * hub_cdf[-1]), hubs.size - 1)],
                         np.minimum(np.searchsorted(cdf, u * high), max(bounds[t] - 1, 0)))
        suppliers = set(int(p) for p in picks) - {j}
        if not suppliers:
            continue_with = int(hubs[0] if hubs[0] != j else hubs[1])
            suppliers = {continue_with}
        processes[f"P{j}"] = _process(j, f"tier {t}", suppliers, rng, flow_cdf, emissions)
    return ProcessDatabase(name=f"generated ecoinvent-shaped system ({n} processes, seed {seed})", version="1",
                           flows=flows, processes=processes, source="benchmarks/generate_system.py")


def generate_loop_heavy(n: int = 20_000, loop_share: float = 0.4, inputs: int = 10, emissions: int = 12,
                        other_flows: int = 400, seed: int = 1) -> ProcessDatabase:
    """An ecoinvent-shaped system whose one strongly connected block holds `loop_share` of the `n` processes.

    ecoinvent 3.x has one such block holding most of its activities; `generate` has many small loops instead.
    Layout: processes [0, u) are upstream (extraction; they buy only from lower upstream ones), [u, u + m)
    the loop (m = loop_share·n) and the rest downstream (they buy from all three, never sell back). A loop
    member buys from the member just below it (a chain through the whole block), from the top member (the
    largest market) and ≈1.5 % hubs (markets) of the block one input in six, and otherwise from lower members
    or upstream with a Zipf-like preference; every member thus reaches the top member through the chain and
    is reached from it through a hub, so the block is strongly connected and of exactly m processes. Inputs,
    emissions and distributions as in `generate` (≈`inputs` inputs per process, ≤ 0.7 kg input per kg).
    """
    rng = np.random.default_rng(seed)
    m = round(loop_share * n)
    up = (n - m) // 2
    top = up + m - 1
    popularity = 1.0 / (1 + rng.permutation(n)) ** 0.9
    cdf = np.cumsum(popularity)
    members = np.arange(up, up + m)
    hubs = np.sort(members[np.argsort(-popularity[members])[: max(2, int(0.015 * m))]])
    hub_cdf = np.cumsum(popularity[hubs])
    flows, flow_cdf = _flows(n, other_flows)

    def below(u: np.ndarray, start: int, stop: int) -> np.ndarray:
        """Indices in [start, stop) drawn with the popularity preference (u uniform in [0, 1))."""
        low = cdf[start - 1] if start > 0 else 0.0
        return np.minimum(np.searchsorted(cdf, low + u * (cdf[stop - 1] - low)), stop - 1)

    processes: dict[str, Process] = {}
    for j in range(n):
        k = max(1, int(rng.poisson(inputs)))
        u = rng.random(k)
        kind = rng.random(k)
        if j < up:
            label = "upstream"
            suppliers = set(below(u, 0, j).tolist()) if j > 0 else set()
        elif j <= top:
            label = "loop"
            hub = hubs[np.minimum(np.searchsorted(hub_cdf, u * hub_cdf[-1]), hubs.size - 1)]
            inner = below(u, up, j) if j > up else hub
            outer = below(u, 0, up) if up > 0 else inner
            picks = np.where(kind < 1 / 6, hub, np.where(kind < 2 / 6, outer, inner))
            suppliers = set(picks.tolist()) | {top} | ({j - 1} if j > up else set())
        else:
            label = "downstream"
            suppliers = set(below(u, 0, j).tolist())
        suppliers.discard(j)
        processes[f"P{j}"] = _process(j, label, suppliers, rng, flow_cdf, emissions)
    return ProcessDatabase(name=f"generated loop-heavy system ({n} processes, {loop_share:.0%} in one loop, "
                                f"seed {seed})", version="1", flows=flows, processes=processes,
                           source="benchmarks/generate_system.py")


def _flows(n: int, other_flows: int) -> tuple[dict[str, Flow], np.ndarray]:
    """Product flows p0…p(n−1), the greenhouse gases and `other_flows` substances; the substances' CDF."""
    flows: dict[str, Flow] = {f"p{j}": Flow(f"p{j}", f"product {j}", "product", "kg") for j in range(n)}
    elementary = [Flow(f"e{k}", name, "elementary", "kg", "resource/in air" if "in air" in name else "air/unspecified")
                  for k, name in enumerate(GASES)]
    elementary += [Flow(f"e{len(GASES) + k}", f"substance {k}", "elementary", "kg", "air/unspecified")
                   for k in range(other_flows)]
    flows.update({f.id: f for f in elementary})
    # Ecoinvent-like: CO2 fossil nearly everywhere, others with falling frequency.
    flow_weights = np.r_[np.full(len(GASES), 0.0), 1.0 / (1 + np.arange(other_flows))]
    return flows, np.cumsum(flow_weights)


def _process(j: int, label: str, suppliers: set[int], rng: np.random.Generator, flow_cdf: np.ndarray,
             emissions: int = 12) -> Process:
    """Process j: 1 kg of p{j} from its suppliers (at most 0.7 kg of inputs per kg made) and its emissions."""
    amounts = rng.lognormal(0.0, 1.0, len(suppliers))
    amounts *= rng.uniform(0.2, 0.7) / max(amounts.sum(), 1e-12)
    exchanges = [Exchange(f"p{j}", 1.0, is_input=False, is_reference=True)]
    for supplier, amount in zip(sorted(suppliers), amounts):
        exchanges.append(Exchange(f"p{supplier}", float(amount), is_input=True, provider=f"P{supplier}",
                                  uncertainty=_lognormal(rng)))
    exchanges.append(Exchange("e0", float(rng.lognormal(0.0, 1.0)), is_input=False,
                              uncertainty=_lognormal(rng)))
    for gas in np.flatnonzero(rng.random(len(GASES) - 1) < [0, .5, .3, .2, .1, .02, .02, .02])[:]:
        exchanges.append(Exchange(f"e{gas}", float(rng.lognormal(-4.0, 1.0)), is_input=False,
                                  uncertainty=_lognormal(rng)))
    if rng.random() < 0.05:
        exchanges.append(Exchange(f"e{len(GASES) - 1}", float(rng.lognormal(0.0, 0.5)), is_input=True,
                                  uncertainty=_lognormal(rng)))
    for other in np.unique(np.searchsorted(flow_cdf, rng.random(emissions) * flow_cdf[-1])):
        exchanges.append(Exchange(f"e{other}", float(rng.lognormal(-6.0, 2.0)), is_input=False,
                                  uncertainty=_lognormal(rng)))
    return Process(f"P{j}", f"process {j} ({label})", tuple(exchanges), location="GLO", stage="production",
                   supplier=f"supplier {j % 500}")


def _lognormal(rng: np.random.Generator) -> Uncertainty:
    return Uncertainty("lognormal", scale=float(rng.uniform(0.05, 0.3)))


def bw2calc_datapackage(model: FootprintModel, *, with_distributions: bool = False,
                        impacts: int = len(IMPACTS)) -> object:
    """The model's A, B and C as a bw_processing datapackage: activity j → id j+1, flow i → FLOW_OFFSET+i.

    With distributions, each lognormal entry gets μ = ln|value| (or the stored μ scaled like the value) and σ.
    """
    import bw_processing as bwp
    from stats_arrays import (LognormalUncertainty, NormalUncertainty, TriangularUncertainty, UndefinedUncertainty,
                              UniformUncertainty)

    system = model.system
    dp = bwp.create_datapackage(sequential=True)
    for name, matrix, row_offset in (("technosphere_matrix", system.technosphere, 1),
                                     ("biosphere_matrix", system.biosphere, FLOW_OFFSET)):
        indices = np.empty(len(matrix.values), dtype=bwp.INDICES_DTYPE)
        indices["row"] = matrix.rows + row_offset
        indices["col"] = matrix.cols + 1
        kwargs = {}
        if with_distributions:
            dist = matrix.distributions
            table = np.zeros(len(matrix.values), dtype=bwp.UNCERTAINTY_DTYPE)
            table["uncertainty_type"] = UndefinedUncertainty.id
            table["loc"] = matrix.values
            for key in ("scale", "shape", "minimum", "maximum"):
                table[key] = np.nan
            ratio = matrix.values / np.where(dist.amount != 0, dist.amount, 1.0)
            lognormal = (dist.code == LOGNORMAL) & (dist.scale > 0)
            mu = np.where(np.isnan(dist.loc), np.log(np.abs(np.where(dist.amount != 0, dist.amount, 1.0))),
                          dist.loc) + np.log(np.abs(np.where(ratio != 0, ratio, 1.0)))
            table["uncertainty_type"][lognormal] = LognormalUncertainty.id
            table["loc"][lognormal] = mu[lognormal]
            table["scale"][lognormal] = dist.scale[lognormal]
            table["negative"] = matrix.values < 0
            # Other distributions: parameters scaled like the value (allocation share, sign).
            low, high = dist.minimum * ratio, dist.maximum * ratio
            normal = (dist.code == NORMAL) & (dist.scale > 0)
            table["uncertainty_type"][normal] = NormalUncertainty.id
            table["loc"][normal] = np.where(np.isnan(dist.loc), dist.amount, dist.loc)[normal] * ratio[normal]
            table["scale"][normal] = (dist.scale * np.abs(ratio))[normal]
            for code, kind in ((UNIFORM, UniformUncertainty), (TRIANGULAR, TriangularUncertainty)):
                rows = (dist.code == code) & (dist.minimum < dist.maximum)
                table["uncertainty_type"][rows] = kind.id
                table["minimum"][rows] = np.minimum(low, high)[rows]
                table["maximum"][rows] = np.maximum(low, high)[rows]
                if code == TRIANGULAR:
                    mode = np.clip(np.where(np.isnan(dist.loc), dist.amount, dist.loc), dist.minimum, dist.maximum)
                    table["loc"][rows] = (mode * ratio)[rows]
            kwargs["distributions_array"] = table
        dp.add_persistent_vector(matrix=name, indices_array=indices, data_array=matrix.values.copy(),
                                 flip_array=np.zeros(len(matrix.values), dtype=bool), **kwargs)
    for k, impact in enumerate(IMPACTS[:impacts]):
        factors = model.characterisation.factors[k]
        nz = np.flatnonzero(factors)
        indices = np.empty(nz.size, dtype=bwp.INDICES_DTYPE)
        indices["row"] = indices["col"] = FLOW_OFFSET + nz
        dp.add_persistent_vector(matrix="characterization_matrix", name=f"cf-{k}", identifier=list(impact),
                                 indices_array=indices, data_array=factors[nz].copy())
    return dp


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20_000)
    args = parser.parse_args()
    db = generate(args.n)
    count = sum(len(p.exchanges) for p in db.processes.values())
    print(f"{db.name}: {len(db.processes)} processes, {count} exchanges")
