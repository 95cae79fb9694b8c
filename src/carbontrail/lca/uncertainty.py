"""Distributions of exchange amounts, encoded as arrays and sampled all at once; pedigree-matrix σ.

Codes follow stats_arrays (0 none, 2 lognormal, 3 normal, 4 uniform, 5 triangular). Samples are drawn as
ratios to the stored amount, so a matrix entry that was allocated or summed scales with its exchange.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from carbontrail.errors import InputError
from carbontrail.lca.model import Uncertainty

NONE, LOGNORMAL, NORMAL, UNIFORM, TRIANGULAR = 0, 2, 3, 4, 5
_CODES = {"undefined": NONE, "lognormal": LOGNORMAL, "normal": NORMAL, "uniform": UNIFORM,
          "triangular": TRIANGULAR}

# Pedigree matrix of the ecoinvent v3 data-quality guideline: Weidema B.P. et al. (2013), "Overview and
# methodology. Data quality guideline for the ecoinvent database version 3", ecoinvent report 1(v3),
# Table 10.5: variances of the underlying normal (ln) for scores 1…5 of reliability, completeness,
# temporal, geographical and further technological correlation. Total variance = basic + Σ indicators.
PEDIGREE_VARIANCES: tuple[tuple[float, ...], ...] = (
    (0.0, 0.0006, 0.002, 0.008, 0.04),
    (0.0, 0.0001, 0.0006, 0.002, 0.008),
    (0.0, 0.0002, 0.002, 0.008, 0.04),
    (0.0, 0.000025, 0.0001, 0.0006, 0.002),
    (0.0, 0.0006, 0.008, 0.04, 0.12),
)
# Basic variance where the data gives none: the guideline's Table 10.4 value for demands of energy and
# semi-finished products and for CO2 emissions (0.0006).
DEFAULT_BASIC_VARIANCE = 0.0006


def pedigree_sigma(scores: tuple[int, int, int, int, int], basic_variance: float = DEFAULT_BASIC_VARIANCE) -> float:
    """σ of the underlying normal from five pedigree scores (1 best … 5 worst)."""
    if len(scores) != 5 or any(not 1 <= int(s) <= 5 for s in scores):
        raise InputError(f"pedigree scores {scores} are not five scores from 1 to 5",
                         expected="(reliability, completeness, temporal, geographical, technological), each 1-5")
    variance = basic_variance + sum(PEDIGREE_VARIANCES[i][int(s) - 1] for i, s in enumerate(scores))
    return math.sqrt(variance)


@dataclass(frozen=True, eq=False)
class Distributions:
    """One distribution per matrix entry: stored amount, code and parameters (NaN where unused)."""

    amount: np.ndarray
    code: np.ndarray
    loc: np.ndarray
    scale: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray

    @property
    def uncertain(self) -> np.ndarray:
        """Indices of entries that vary."""
        return np.flatnonzero((self.code != NONE) & (self.amount != 0))

    def sample_ratios(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(indices, ratios[n, len(indices)]): sampled value / stored amount for every uncertain entry."""
        sampler = self.sampler()
        return sampler.idx, sampler.ratios(rng, n)

    def sampler(self, entries: np.ndarray | None = None) -> Sampler:
        """The uncertain entries (those among `entries` when given) laid out to be drawn many times."""
        idx = self.uncertain
        if entries is not None:
            wanted = np.zeros(self.amount.size, dtype=bool)
            wanted[entries] = True
            idx = idx[wanted[idx]]
        chosen, groups = [], []
        for code in (LOGNORMAL, NORMAL, UNIFORM, TRIANGULAR):
            sel = idx[self.code[idx] == code]
            if sel.size == 0:
                continue
            a = self.amount[sel]
            if code == LOGNORMAL:  # value / a = sign(a)·exp(μ + σz) / a = exp(μ − ln|a| + σz)
                mu = np.where(np.isnan(self.loc[sel]), np.log(np.abs(a)), self.loc[sel])
                params: tuple[np.ndarray, ...] = (mu - np.log(np.abs(a)), self.scale[sel])
            elif code == NORMAL:
                mean = np.where(np.isnan(self.loc[sel]), a, self.loc[sel])
                params = (mean / a, self.scale[sel] / a)
            elif code == UNIFORM:
                params = (self.minimum[sel] / a, (self.maximum[sel] - self.minimum[sel]) / a)
            else:
                # A mode outside [minimum, maximum] (seen in USLCI) is taken at the nearest bound, as the
                # distribution is otherwise undefined.
                low, high = self.minimum[sel], self.maximum[sel]
                mode = np.clip(np.where(np.isnan(self.loc[sel]), a, self.loc[sel]), low, high)
                params = (low, mode, high, a)
            chosen.append(sel)
            groups.append((code, params))
        return Sampler(np.concatenate(chosen) if chosen else idx, tuple(groups))


@dataclass(frozen=True, eq=False)
class Sampler:
    """Uncertain entries `idx`, grouped by distribution, with parameters made ratios to the stored amount.

    Each group draws its block of random numbers in the order lognormal, normal, uniform, triangular (entries
    in index order within a group), so a seed gives the same numbers whatever entries are left out elsewhere."""

    idx: np.ndarray
    groups: tuple[tuple[int, tuple[np.ndarray, ...]], ...]

    def ratios(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """ratios[n, len(idx)]: sampled value / stored amount."""
        out = np.empty((n, self.idx.size))
        start = 0
        for code, params in self.groups:
            part = out[:, start:start + params[0].size]
            start += params[0].size
            if code == LOGNORMAL:
                shift, sigma = params
                part[...] = rng.standard_normal(part.shape)
                part *= sigma
                part += shift
                np.exp(part, out=part)
            elif code == NORMAL:
                mean, sd = params
                part[...] = mean + sd * rng.standard_normal(part.shape)
            elif code == UNIFORM:
                low, width = params
                part[...] = low + width * rng.random(part.shape)
            else:
                low, mode, high, a = params
                part[...] = _triangular(rng.random(part.shape), low, mode, high) / a
        return out


def _triangular(u: np.ndarray, low: np.ndarray, mode: np.ndarray, high: np.ndarray) -> np.ndarray:
    # Inverse CDF, vectorised over entries with different parameters.
    width = high - low
    cut = np.divide(mode - low, width, out=np.zeros_like(width), where=width > 0)
    left = low + np.sqrt(u * width * (mode - low))
    right = high - np.sqrt((1 - u) * width * (high - mode))
    return np.where(u < cut, left, right)


class DistributionBuilder:
    """Collects one distribution per matrix entry while the matrices are built."""

    def __init__(self) -> None:
        self._rows: list[tuple[float, int, float, float, float, float]] = []

    def add(self, amount: float, uncertainty: Uncertainty | None, where: str, *, mirrored: bool = False) -> None:
        """One entry. `mirrored`: `amount` is the exchange's amount negated (an input in A), so the
        distribution is mirrored too: X ↦ −X keeps a lognormal's μ and σ (the sign goes with the amount),
        negates a normal's mean and a triangular's mode, and turns [min, max] into [−max, −min]."""
        nan = math.nan
        if uncertainty is None:
            self._rows.append((amount, NONE, nan, nan, nan, nan))
            return
        code = _CODES.get(uncertainty.distribution)
        if code is None:
            raise InputError(f"{where}: unknown distribution '{uncertainty.distribution}'",
                             expected=", ".join(_CODES))
        loc, scale = _num(uncertainty.loc), _num(uncertainty.scale)
        low, high = _num(uncertainty.minimum), _num(uncertainty.maximum)
        if code == NONE and uncertainty.pedigree is not None:
            code, loc, scale = LOGNORMAL, nan, pedigree_sigma(uncertainty.pedigree)
        problem = None
        if code in (LOGNORMAL, NORMAL) and not (scale >= 0):
            problem = "a lognormal or normal distribution needs a non-negative scale"
        elif code in (UNIFORM, TRIANGULAR) and not (low <= high):
            problem = "a uniform or triangular distribution needs minimum ≤ maximum"
        elif code == LOGNORMAL and amount == 0:
            code = NONE
        if problem:
            raise InputError(f"{where}: {problem}", expected="valid distribution parameters")
        if mirrored:
            low, high = -high, -low
            if code != LOGNORMAL:
                loc = -loc
        self._rows.append((amount, code, loc, scale, low, high))

    def build(self) -> Distributions:
        table = np.array(self._rows, dtype=float).reshape(-1, 6)
        return Distributions(amount=table[:, 0], code=table[:, 1].astype(np.int8), loc=table[:, 2],
                             scale=table[:, 3], minimum=table[:, 4], maximum=table[:, 5])


def _num(value: float | None) -> float:
    return math.nan if value is None else float(value)
