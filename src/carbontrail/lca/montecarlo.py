"""Monte Carlo over the stored distributions, in-process or on Dask, identical for a seed on any worker count.

Iterations are cut into fixed chunks whose random streams are spawned from one `numpy.random.SeedSequence`,
so chunk k draws the same numbers wherever it runs. Each draw samples every uncertain entry of A and B at
once and solves with the static structure (see solver.py); several demands share the same draws.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from weakref import WeakKeyDictionary

import numpy as np
import pandas as pd
import pint
import xarray as xr

from carbontrail.errors import ConfigurationError, InputError
from carbontrail.lca.footprint import FootprintModel, Provenance
from carbontrail.lca.matrices import Matrix
from carbontrail.lca.solver import ResampledSolver, Solver
from carbontrail.lca.uncertainty import Sampler

PERCENTILES = (2.5, 5.0, 25.0, 50.0, 75.0, 95.0, 97.5)
DEFAULT_CHUNK = 25
# On Dask, a run's chunks go out as this many tasks per worker thread (some balancing if a worker falls behind).
TASKS_PER_THREAD = 2


@dataclass(frozen=True, eq=False)
class _Job:
    """What a worker needs: the matrices with their distributions, the factors and the solver (one per model)."""

    technosphere: Matrix
    biosphere: Matrix
    factors: np.ndarray
    solver: Solver

    # Made once per job (on a Dask worker: once per worker, not per chunk).
    @cached_property
    def scored(self) -> np.ndarray:
        """B's entries that some indicator characterises (the others change no score)."""
        return np.flatnonzero(np.any(self.factors[:, self.biosphere.rows] != 0, axis=0))

    @cached_property
    def samplers(self) -> tuple[Sampler, Sampler]:
        """A's uncertain entries and B's scored uncertain ones, laid out to draw."""
        return self.technosphere.distributions.sampler(), self.biosphere.distributions.sampler(self.scored)


def _draws(job: _Job, seed: np.random.SeedSequence, iterations: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(A's CSC data, B's entry values) of each draw of a chunk, always the same for a given seed.

    Only the B entries that some indicator characterises are drawn; the others keep their stored values."""
    rng = np.random.default_rng(seed)
    tech, bio = job.technosphere, job.biosphere
    a_sampler, b_sampler = job.samplers
    # Draw in batches of iterations (bounded memory).
    batch = max(1, min(iterations, 1_000_000 // max(1, a_sampler.idx.size + b_sampler.idx.size)))
    for start in range(0, iterations, batch):
        n = min(batch, iterations - start)
        a_ratios = a_sampler.ratios(rng, n)
        b_ratios = b_sampler.ratios(rng, n)
        for k in range(n):
            a_values = tech.values.copy()
            a_values[a_sampler.idx] *= a_ratios[k]
            b_values = bio.values.copy()
            b_values[b_sampler.idx] *= b_ratios[k]
            yield tech.csc_data(a_values), b_values


# One job per model, and on a Dask client the job scattered once: a model's runs reuse both (a worker keeps its
# factorisation of the solver too, see solver._received).
_JOBS: WeakKeyDictionary[FootprintModel, _Job] = WeakKeyDictionary()
_SCATTERED: WeakKeyDictionary[_Job, tuple[object, object]] = WeakKeyDictionary()


def _job_of(model: FootprintModel) -> _Job:
    job = _JOBS.get(model)
    if job is None:
        system = model.system
        job = _JOBS[model] = _Job(system.technosphere, system.biosphere, model.characterisation.factors, model.solver)
    return job


def _run_chunks(job: _Job, demands: np.ndarray | None, seeds: Sequence[np.random.SeedSequence],
                sizes: Sequence[int]) -> np.ndarray:
    """Several chunks in one task, one after the other with one resampled solver: the same numbers as each
    chunk on its own (a chunk's draws depend on its seed only), one task and one solver instead of one a chunk."""
    solver = ResampledSolver(job.solver)
    return np.concatenate([_run_chunk(job, demands, s, n, solver) for s, n in zip(seeds, sizes)], axis=0)


def _run_chunk(job: _Job, demands: np.ndarray | None, seed: np.random.SeedSequence, iterations: int,
               solver: ResampledSolver | None = None) -> np.ndarray:
    """Scores of `iterations` draws: iterations × indicators × demands (activities × demands; None: every product
    per unit, by the adjoint, so × products). `solver`: one to reuse (each draw replaces all its values)."""
    bio = job.biosphere
    # Characterised biosphere entries: score = Σ_e c[row_e]·b_e·s[col_e], no sparse B per draw.
    scored = job.scored
    weights, cols = job.factors[:, bio.rows[scored]], bio.cols[scored]
    solver = solver or ResampledSolver(job.solver)
    n_act = job.solver.n
    columns = n_act if demands is None else demands.shape[1]
    out = np.empty((iterations, job.factors.shape[0], columns))
    for k, (a_data, b_all) in enumerate(_draws(job, seed, iterations)):
        b_values = b_all[scored]
        solver.update(a_data)
        if demands is None:
            # Every product per unit: Aᵀ q = (C B)ᵀ, one adjoint solve with one column per indicator.
            charged = weights * b_values
            cB = np.stack([np.bincount(cols, weights=row, minlength=n_act) for row in charged])
            out[k] = solver.adjoint(cB.T).T
        else:
            supply = solver.forward(demands)
            out[k] = (weights * b_values) @ supply[cols]
    return out


@dataclass(frozen=True, eq=False)
class MonteCarloResult:
    """Sampled scores (iterations × indicators) of one demand, with the deterministic score alongside."""

    indicators: tuple[str, ...]
    samples: np.ndarray
    deterministic: np.ndarray
    seed: int
    provenance: Provenance = field(repr=False)

    @property
    def mean(self) -> np.ndarray:
        return self.samples.mean(axis=0)

    @property
    def median(self) -> np.ndarray:
        return np.median(self.samples, axis=0)

    def percentiles(self, q: Sequence[float] = PERCENTILES) -> np.ndarray:
        return np.percentile(self.samples, q, axis=0)

    def histogram(self, indicator: str = "GWP100", bins: int = 30) -> tuple[np.ndarray, np.ndarray]:
        """(counts, bin edges in kg CO2e) of one indicator."""
        return np.histogram(self.samples[:, self.indicators.index(indicator)], bins=bins)

    def summary(self) -> pd.DataFrame:
        """Mean, sd, median and percentiles per indicator, in kg CO2e."""
        pct = self.percentiles()
        frame = pd.DataFrame({"deterministic": self.deterministic, "mean": self.mean,
                              "sd": self.samples.std(axis=0, ddof=1), "median": self.median}, index=list(self.indicators))
        for q, row in zip(PERCENTILES, pct):
            frame[f"p{q:g}"] = row
        frame["unit"] = "kg CO2e"
        frame.index.name = "indicator"
        return frame

    def to_xarray(self) -> xr.DataArray:
        return xr.DataArray(self.samples, dims=("iteration", "indicator"),
                            coords={"indicator": list(self.indicators)}, attrs={"unit": "kg CO2e", "seed": self.seed})

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.samples, columns=list(self.indicators)).rename_axis("iteration")


@dataclass(frozen=True, eq=False)
class Comparison:
    """Two demands scored on the same draws: their samples and the difference a − b."""

    a: MonteCarloResult
    b: MonteCarloResult

    @property
    def difference(self) -> np.ndarray:
        return self.a.samples - self.b.samples

    def probability_a_lower(self, indicator: str = "GWP100") -> float:
        """Share of draws in which a has the lower score."""
        k = self.a.indicators.index(indicator)
        return float(np.mean(self.difference[:, k] < 0))


def monte_carlo(model: FootprintModel, demand: Mapping[str, pint.Quantity], iterations: int, *, seed: int,
                scheduler: object = None, chunk_size: int = DEFAULT_CHUNK) -> MonteCarloResult:
    """Monte Carlo of one demand. `scheduler`: None (in-process), a Dask scheduler address, or a Client."""
    return _simulate(model, [demand], iterations, seed, scheduler, chunk_size)[0]


def compare(model: FootprintModel, a: Mapping[str, pint.Quantity], b: Mapping[str, pint.Quantity],
            iterations: int, *, seed: int, scheduler: object = None, chunk_size: int = DEFAULT_CHUNK) -> Comparison:
    """Monte Carlo of two demands with the same draws, so their difference is not blurred by sampling."""
    first, second = _simulate(model, [a, b], iterations, seed, scheduler, chunk_size)
    return Comparison(first, second)


@dataclass(frozen=True, eq=False)
class ProductsMonteCarlo:
    """Sampled footprints per unit of every product (iterations × indicators × products), with the static ones."""

    indicators: tuple[str, ...]
    samples: np.ndarray
    deterministic: np.ndarray  # indicators × products
    seed: int
    provenance: Provenance = field(repr=False)

    @property
    def median(self) -> np.ndarray:
        return np.median(self.samples, axis=0)

    def percentiles(self, q: Sequence[float] = PERCENTILES) -> np.ndarray:
        """q × indicators × products."""
        return np.percentile(self.samples, q, axis=0)


def monte_carlo_products(model: FootprintModel, iterations: int, *, seed: int, scheduler: object = None,
                         chunk_size: int = DEFAULT_CHUNK) -> ProductsMonteCarlo:
    """Monte Carlo of every product's footprint per unit: one adjoint solve per draw.

    Draw k is the same as in `monte_carlo` with the same seed and chunk size, so column j equals the Monte
    Carlo of one unit of product j. Memory: iterations × indicators × products floats."""
    _check_sizes(iterations, chunk_size)
    samples = _chunks(_job_of(model), None, iterations, seed, scheduler, chunk_size)
    return ProductsMonteCarlo(model.indicators, samples, model.product_scores, seed, model.provenance())


def _check_sizes(iterations: int, chunk_size: int) -> None:
    if iterations < 1 or chunk_size < 1:
        raise InputError("Monte Carlo needs at least one iteration and a chunk size of at least one",
                         expected="positive integers")


def _chunks(job: _Job, demands: np.ndarray | None, iterations: int, seed: int, scheduler: object,
            chunk_size: int) -> np.ndarray:
    sizes = [min(chunk_size, iterations - start) for start in range(0, iterations, chunk_size)]
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    if scheduler is None:
        parts = [_run_chunks(job, demands, seeds, sizes)]
    else:
        parts = _on_dask(scheduler, job, demands, seeds, sizes)
    return np.concatenate(parts, axis=0)


def _simulate(model: FootprintModel, demands: list[Mapping[str, pint.Quantity]], iterations: int, seed: int,
              scheduler: object, chunk_size: int) -> list[MonteCarloResult]:
    _check_sizes(iterations, chunk_size)
    f = np.column_stack([model.demand_vector(d) for d in demands])
    samples = _chunks(_job_of(model), f, iterations, seed, scheduler, chunk_size)
    deterministic = model.cB @ model.solver.forward(f)
    return [MonteCarloResult(model.indicators, samples[:, :, k], deterministic[:, k], seed, model.provenance())
            for k in range(len(demands))]


def _on_dask(scheduler: object, job: _Job, demands: np.ndarray | None, seeds: list[np.random.SeedSequence],
             sizes: list[int]) -> list[np.ndarray]:
    # Dask loads only when a scheduler is configured (it takes seconds to import)
    from distributed import Client

    if isinstance(scheduler, Client):
        client, own = scheduler, False
    elif isinstance(scheduler, str):
        try:
            client, own = Client(scheduler, timeout="10s"), True
        except OSError as exc:
            raise ConfigurationError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    else:
        raise ConfigurationError("the Dask scheduler must be an address such as tcp://host:8786 or a Client")
    try:
        held = _SCATTERED.get(job)
        if held is not None and held[0] is client and held[1].status == "finished":
            shared = held[1]
        else:  # 42 MB for a 20k system, sent to every worker: once per model and client
            [shared] = client.scatter([job], broadcast=True, hash=False)
            if not own:
                _SCATTERED[job] = (client, shared)
        # Consecutive chunks grouped into TASKS_PER_THREAD tasks per worker thread: a task per chunk cost a
        # scheduler round trip and a resampled solver each; a chunk's numbers do not depend on its task.
        threads = sum(client.nthreads().values()) or 1
        tasks = min(len(sizes), TASKS_PER_THREAD * threads)
        bounds = np.linspace(0, len(sizes), tasks + 1).round().astype(int)
        groups = [(seeds[a:b], sizes[a:b]) for a, b in zip(bounds, bounds[1:])]
        futures = client.map(_run_chunks, [shared] * tasks, [demands] * tasks, [g[0] for g in groups],
                             [g[1] for g in groups], pure=False)
        return client.gather(futures)
    finally:
        if own:
            client.close()
