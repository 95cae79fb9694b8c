"""Characterisation C: elementary flow → greenhouse gas → GWP100 (AR6 default), biogenic carbon kept apart.

Two indicators: "GWP100" (fossil and unspecified gases, land-use change, external footprints) and
"GWP100 biogenic" (biogenic CO2 and CH4 emitted, CO2 taken up from air). Names are matched the way
USLCI and ecoinvent spell them ("Carbon dioxide, fossil", "Methane, tetrafluoro-, R-14").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from weakref import WeakKeyDictionary

import numpy as np

from carbontrail.errors import InputError, UnitError
from carbontrail.factors.gwp import DATASET, DEFAULT_ASSESSMENT, canonical_species, gwp100
from carbontrail.factors.gwp import species as gwp_species
from carbontrail.lca.matrices import ProductSystem
from carbontrail.units import magnitude, quantity

INDICATORS = ("GWP100", "GWP100 biogenic")
EXTERNAL_GAS = "external footprint (CO2e)"
_QUALIFIERS = {"fossil", "biogenic", "non-fossil", "in air", "land transformation", "land use change",
               "from soil or biomass stock", "to air", "unspecified"}
_BIOGENIC = ("biogenic", "non-fossil", "in air")


@dataclass(frozen=True)
class Gas:
    """The gas an elementary flow is, and whether it counts as biogenic."""

    species: str
    biogenic: bool
    uptake: bool = False


@dataclass(frozen=True, eq=False)
class Characterisation:
    """C as one dense row per indicator over the rows of B, with the gas of each row and the source."""

    assessment: str
    indicators: tuple[str, ...]
    factors: np.ndarray  # indicators × flows, kg CO2e per flow unit
    gases: tuple[str, ...]  # per flow: gas species, EXTERNAL_GAS, or "" when not a greenhouse gas
    source: str
    # C·B: kg CO2e per unit of each activity's own emissions, indicators × activities (kept with C: a sparse
    # product per prepare was 0.5 ms of a 3 ms USLCI footprint).
    per_activity: np.ndarray


# Per product system and assessment: preparing the same system again (a service answering many requests) finds
# its factors here instead of looking up thousands of flows again (USLCI: 9 of 17 ms of a prepare).
_DONE: WeakKeyDictionary[ProductSystem, dict[str, Characterisation]] = WeakKeyDictionary()


def characterise(system: ProductSystem, assessment: str = DEFAULT_ASSESSMENT) -> Characterisation:
    """GWP100 factors for every row of the system's B under `assessment` (AR6 default, AR5 selectable)."""
    report = assessment.upper()
    done = _DONE.setdefault(system, {})
    if report not in done:
        done[report] = _characterise(system, report)
    return done[report]


def _characterise(system: ProductSystem, report: str) -> Characterisation:
    looked_up = [_factor(f.name, f.category, f.unit, report) for f in system.flows]
    rows = np.fromiter((r for r, _, _ in looked_up), dtype=np.int64, count=len(looked_up))
    values = np.fromiter((v for _, v, _ in looked_up), dtype=float, count=len(looked_up))
    gases = [g for _, _, g in looked_up]
    factors = np.zeros((len(INDICATORS), len(system.flows)))
    hit = np.flatnonzero(rows >= 0)
    factors[rows[hit], hit] = values[hit]
    for i, flow in enumerate(system.flows):
        if flow.id in system.external:
            factors[:, i] = system.external[flow.id].per_unit(flow.unit)
            gases[i] = EXTERNAL_GAS
    per_activity = np.asarray((system.B.T @ factors.T).T)
    per_activity.setflags(write=False)  # shared by every model of the system
    return Characterisation(report, INDICATORS, factors, tuple(gases),
                            f"{DATASET}, {report} GWP100; biogenic CO2 and CH4 reported apart", per_activity)


@lru_cache(maxsize=16384)
def _factor(name: str, category: str, unit: str, report: str) -> tuple[int, float, str]:
    """(indicator row or -1, kg CO2e per flow unit, species) of one elementary flow."""
    gas = gas_of(name, category)
    if gas is None:
        return -1, 0.0, ""
    value = gwp100(gas.species, report).value * _kg(unit, name)
    return (1 if gas.biogenic else 0), (-value if gas.uptake else value), gas.species


def gas_of(name: str, category: str = "") -> Gas | None:
    """The greenhouse gas a flow name denotes (None when it is not one, or not emitted to or taken from air)."""
    return _gas(name.strip(), category.strip().lower())


@lru_cache(maxsize=8192)
def _gas(name: str, category: str) -> Gas | None:
    lowered = name.lower()
    uptake = "in air" in lowered or category.startswith("resource") or "/resource" in category
    if category and "air" not in category and not uptake:
        return None
    parts = [p.strip() for p in name.split(",")]
    core = [p for p in parts if p.lower() not in _QUALIFIERS]
    biogenic = any(marker in lowered for marker in _BIOGENIC)
    candidates = [", ".join(core), ", ".join(core[:-1]), core[-1] if core else ""]
    for candidate in candidates:
        if not candidate:
            continue
        species = _species(candidate)
        if species is None:
            continue
        if species in ("CH4", "CH4_fossil", "CH4_non_fossil"):
            species = "CH4_non_fossil" if biogenic else ("CH4_fossil" if "fossil" in lowered else "CH4")
        if uptake and species != "CO2":
            return None
        return Gas(species, biogenic or uptake, uptake)
    return None


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(name.upper() for name in gwp_species())


def _species(candidate: str) -> str | None:
    # Most flow names are no gas: a set look-up turns them away without raising an error per name.
    if canonical_species(candidate).upper() not in _known():
        return None
    try:
        return gwp100(candidate, DEFAULT_ASSESSMENT).species
    except InputError:
        return None


def _kg(unit: str, name: str) -> float:
    try:
        return _kg_per_unit(unit)
    except UnitError:
        raise UnitError(f"greenhouse gas flow '{name}' is measured in '{unit}'",
                        expected="a mass unit such as kg") from None


@lru_cache(maxsize=256)
def _kg_per_unit(unit: str) -> float:
    return magnitude(quantity(1.0, unit), "kg")
