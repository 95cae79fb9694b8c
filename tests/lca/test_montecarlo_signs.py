"""Monte Carlo signs: every distribution kind on a technosphere input (negative in A) and on a biosphere flow."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from carbontrail.formats.olca_jsonld import read
from carbontrail.lca.footprint import all_footprints, prepare
from carbontrail.lca.matrices import build_system
from carbontrail.lca.model import Exchange, Flow, Process, ProcessDatabase, Uncertainty
from carbontrail.lca.montecarlo import monte_carlo
from carbontrail.lca.uncertainty import pedigree_sigma
from carbontrail.units import quantity

FLOWS = {"a": Flow("a", "a", "product", "kg"), "b": Flow("b", "b", "product", "kg"),
         "co2": Flow("co2", "Carbon dioxide, fossil", "elementary", "kg", "air")}
ITERATIONS = 2_000
PEDIGREE = (3, 3, 2, 4, 3)
_S = pedigree_sigma(PEDIGREE)

# Each distribution of a variable v whose stored amount is 0.5: (uncertainty, E[v], sd[v], lower, upper bound).
# Lognormal: E = exp(μ + σ²/2), sd = E·sqrt(exp(σ²) − 1), v > 0. Uniform(l, h): (l+h)/2, (h−l)/√12.
# Triangular(l, m, h): (l+m+h)/3, sqrt((l²+m²+h²−lm−lh−mh)/18); with l, m, h = 0.4, 0.45, 0.6:
# E = 1.45/3 = 0.48333, sd = sqrt((0.16+0.2025+0.36−0.18−0.24−0.27)/18) = sqrt(0.0325/18) = 0.042492.
KINDS = {
    "lognormal": (Uncertainty("lognormal", loc=math.log(0.5), scale=0.2),
                  0.5 * math.exp(0.02), 0.5 * math.exp(0.02) * math.sqrt(math.exp(0.04) - 1), 0.0, math.inf),
    "lognormal-default-mu": (Uncertainty("lognormal", scale=0.2),
                             0.5 * math.exp(0.02), 0.5 * math.exp(0.02) * math.sqrt(math.exp(0.04) - 1), 0.0,
                             math.inf),
    "pedigree": (Uncertainty(pedigree=PEDIGREE), 0.5 * math.exp(_S**2 / 2),
                 0.5 * math.exp(_S**2 / 2) * math.sqrt(math.exp(_S**2) - 1), 0.0, math.inf),
    "normal": (Uncertainty("normal", loc=0.5, scale=0.05), 0.5, 0.05, -math.inf, math.inf),
    "normal-default-mean": (Uncertainty("normal", scale=0.05), 0.5, 0.05, -math.inf, math.inf),
    "uniform": (Uncertainty("uniform", minimum=0.4, maximum=0.6), 0.5, 0.2 / math.sqrt(12), 0.4, 0.6),
    "triangular": (Uncertainty("triangular", loc=0.45, minimum=0.4, maximum=0.6), 1.45 / 3,
                   math.sqrt(0.0325 / 18), 0.4, 0.6),
}


def system(u_input: Uncertainty | None, u_co2: Uncertainty | None) -> ProcessDatabase:
    """a: 1 kg from x = 0.5 kg b and y = 0.5 kg CO2; b: 1 kg with 2 kg CO2 → score of 1 kg a = y + 2x.

    x is a technosphere input, stored as −0.5 in A; y is a biosphere entry, +0.5 in B. Static score 1.5.
    """
    pa = Process("A", "a", (Exchange("a", 1, False, True), Exchange("b", 0.5, True, uncertainty=u_input),
                            Exchange("co2", 0.5, False, uncertainty=u_co2)))
    pb = Process("B", "b", (Exchange("b", 1, False, True), Exchange("co2", 2, False)))
    return ProcessDatabase("signs", "1", dict(FLOWS), {"A": pa, "B": pb})


def _check(samples: np.ndarray, mean: float, sd: float, low: float, high: float) -> None:
    stderr = sd / math.sqrt(samples.size)
    assert abs(samples.mean() - mean) < 4 * stderr, (samples.mean(), mean, stderr)
    assert samples.std(ddof=1) == pytest.approx(sd, rel=0.08)
    assert samples.min() >= low - 1e-12 and samples.max() <= high + 1e-12, (samples.min(), samples.max(), low, high)
    if math.isfinite(low) and math.isfinite(high):
        # The draws fill the range: a distribution shifted or mirrored inside wider bounds would not.
        assert samples.min() < low + 0.05 * (high - low) and samples.max() > high - 0.05 * (high - low)


@pytest.mark.parametrize("kind", list(KINDS))
def test_distribution_on_a_technosphere_input_keeps_its_sign(kind: str) -> None:
    """Score = 0.5 + 2x with x ~ D: E = 0.5 + 2·E[x], sd = 2·sd[x], bounds 0.5 + 2·[lower, upper].

    E.g. uniform(0.4, 0.6): scores in [1.3, 1.7], mean 1.5; with the input's bounds left unnegated on the
    −0.5 entry of A the draws were +0.4…+0.6, i.e. scores in [−0.7, −0.3]."""
    uncertainty, mean, sd, low, high = KINDS[kind]
    model = prepare(build_system(system(uncertainty, None)))
    result = monte_carlo(model, {"a": quantity(1, "kg")}, ITERATIONS, seed=11)
    assert result.deterministic[0] == pytest.approx(1.5)
    _check(result.samples[:, 0], 0.5 + 2 * mean, 2 * sd, 0.5 + 2 * low, 0.5 + 2 * high)


@pytest.mark.parametrize("kind", list(KINDS))
def test_distribution_on_a_biosphere_flow(kind: str) -> None:
    """Score = y + 2·0.5 with y ~ D: E = 1 + E[y], sd = sd[y], bounds 1 + [lower, upper]."""
    uncertainty, mean, sd, low, high = KINDS[kind]
    model = prepare(build_system(system(None, uncertainty)))
    result = monte_carlo(model, {"a": quantity(1, "kg")}, ITERATIONS, seed=12)
    _check(result.samples[:, 0], 1 + mean, sd, 1 + low, 1 + high)


def test_input_and_flow_together() -> None:
    """Triangular x and uniform y at once, independent: E = E[y] + 2E[x] = 0.5 + 2·0.48333 = 1.46667,
    sd = sqrt(sd_y² + 4·sd_x²) = sqrt(0.057735² + 4·0.042492²) = 0.10232, bounds [0.4 + 0.8, 0.6 + 1.2]."""
    model = prepare(build_system(system(KINDS["triangular"][0], KINDS["uniform"][0])))
    result = monte_carlo(model, {"a": quantity(1, "kg")}, ITERATIONS, seed=13)
    sd = math.sqrt((0.2 / math.sqrt(12)) ** 2 + 4 * (0.0325 / 18))
    samples = result.samples[:, 0]
    assert abs(samples.mean() - (0.5 + 2 * 1.45 / 3)) < 4 * sd / math.sqrt(ITERATIONS)
    assert samples.std(ddof=1) == pytest.approx(sd, rel=0.08)
    assert samples.min() >= 1.2 and samples.max() <= 1.8



USLCI = Path(__file__).resolve().parents[1] / "data" / "uslci" / "uslci_olca1_5_0_json_ld.zip"
# Products whose Monte Carlo median had the wrong sign before the fix (their chains hold uniform inputs).
USLCI_PRODUCTS = ("Hardboard, at hardboard plant", "Wood Combusted, at boiler, at hardboard mill",
                  "Wood ash, generated on-site, at hardboard mill")


@pytest.mark.slow
@pytest.mark.parametrize("name", USLCI_PRODUCTS)
def test_uslci_monte_carlo_median_has_the_static_sign(name: str) -> None:
    """The static GWP lies inside the sampled 2.5–97.5 % range, or at least the median has its sign (issue 20:
    Hardboard, static 0.958 kg CO2e, had a median of −8.70 with 96 % of 1,000 draws negative). The medians
    stay far above the static values because USLCI's uniform ranges are wide: e.g. the boiler's ethylene
    glycol input is 1.07e-6 kg with uniform(0, 9.68)."""
    model = prepare(build_system(read(USLCI), allocation="physical", unallocatable="reference"))
    static = all_footprints(model).scores[0]
    j = next(j for j, a in enumerate(model.system.activities) if a.product_name == name)
    activity = model.system.activities[j]
    samples = monte_carlo(model, {activity.product: quantity(1, activity.unit)}, 200, seed=3).samples[:, 0]
    low, median, high = np.percentile(samples, [2.5, 50, 97.5])
    assert static[j] > 0
    assert low <= static[j] <= high or np.sign(median) == np.sign(static[j]), (static[j], low, median, high)
    assert np.mean(samples < 0) < 0.05
