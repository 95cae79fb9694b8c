"""Residual value of retired units: cascade use or material recycling by configurable thresholds, valued with a
configurable price model, thousands of units at once (numpy, one pass, no Python loop over units).

State of health comes from GB/T 34015-style residual-capacity tests or BMS history: remaining capacity as a
fraction of rated, internal-resistance increase as a fraction of the initial value, full equivalent cycles.
The default thresholds are illustrative (an operator sets its own from its cascade product's specification).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pint

from carbontrail.errors import InputError, Location
from carbontrail.units import magnitude, quantity

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Thresholds:
    """A unit goes to cascade use when all hold; otherwise to material recycling."""

    min_capacity: float = 0.70
    max_resistance_increase: float = 0.50
    max_cycles: float = 3000.0
    source: str = "illustrative thresholds (set them from the cascade product's specification)"


@dataclass(frozen=True)
class PriceModel:
    """Prices that value each route.

    Cascade: remaining energy (rated × capacity) × `cascade_price` (CNY/kWh) − `repurposing_cost` (CNY/kWh of
    remaining energy). Recycling: unit mass × Σ content × recovery × price (CNY/kg) − `recycling_cost` (CNY/kg).
    """

    cascade_price: pint.Quantity
    repurposing_cost: pint.Quantity
    material_content: Mapping[str, float]
    recovery_rate: Mapping[str, float]
    material_price: Mapping[str, pint.Quantity]
    recycling_cost: pint.Quantity
    source: str


@dataclass(frozen=True)
class SoHBatch:
    """State-of-health records of many units, one array element per unit."""

    codes: tuple[str, ...]
    capacity: FloatArray
    resistance_increase: FloatArray
    cycles: FloatArray
    rated_energy: pint.Quantity  # array, kWh
    mass: pint.Quantity  # array, kg

    def __post_init__(self) -> None:
        n = len(self.codes)
        for name in ("capacity", "resistance_increase", "cycles"):
            arr = np.asarray(getattr(self, name), dtype=float)
            if arr.shape != (n,):
                raise InputError(f"{name} has {arr.size} values for {n} units", location=Location(field=name),
                                 expected="one value per unit")
            if not np.all(np.isfinite(arr)) or np.any(arr < 0):
                bad = int(np.flatnonzero(~np.isfinite(arr) | (arr < 0))[0])
                raise InputError(f"{name} of unit {self.codes[bad]} is {arr[bad]}",
                                 location=Location(row=bad + 1, field=name), expected="a finite value ≥ 0")
        for name, unit in (("rated_energy", "kWh"), ("mass", "kg")):
            arr = np.asarray(getattr(self, name).to(unit).magnitude, dtype=float)
            if arr.shape != (n,) or np.any(arr <= 0):
                raise InputError(f"{name} must be one positive value per unit", location=Location(field=name),
                                 expected=f"{n} values in {unit}, all > 0")


@dataclass(frozen=True)
class SortResult:
    """Route and value per unit (same order as the batch) and the batch ordered by value, best first."""

    codes: tuple[str, ...]
    cascade: npt.NDArray[np.bool_]
    value: pint.Quantity  # array, CNY: value of the chosen route
    cascade_value: pint.Quantity
    recycling_value: pint.Quantity
    order: npt.NDArray[np.intp]
    thresholds: Thresholds
    prices_source: str

    @property
    def n_cascade(self) -> int:
        return int(self.cascade.sum())

    @property
    def total_value(self) -> pint.Quantity:
        return quantity(float(self.value.to("yuan").magnitude.sum()), "yuan")


def classify(batch: SoHBatch, thresholds: Thresholds) -> npt.NDArray[np.bool_]:
    """True where a unit qualifies for cascade use, False where it goes to material recycling."""
    return ((batch.capacity >= thresholds.min_capacity)
            & (batch.resistance_increase <= thresholds.max_resistance_increase)
            & (batch.cycles <= thresholds.max_cycles))


def _recycling_value_per_kg(prices: PriceModel) -> float:
    total = 0.0
    for material, share in prices.material_content.items():
        if material not in prices.material_price or material not in prices.recovery_rate:
            raise InputError(f"the price model has no price or recovery rate for {material}",
                             location=Location(field="material_price"), expected="price and rate per material")
        price = magnitude(prices.material_price[material], "yuan/kg", location=Location(field=material))
        total += share * prices.recovery_rate[material] * price
    return total - magnitude(prices.recycling_cost, "yuan/kg", location=Location(field="recycling_cost"))


def sort_batch(batch: SoHBatch, thresholds: Thresholds, prices: PriceModel) -> SortResult:
    """Classify every unit and value it on its route, vectorised over the batch."""
    cascade = classify(batch, thresholds)
    rated = np.asarray(batch.rated_energy.to("kWh").magnitude, dtype=float)
    mass = np.asarray(batch.mass.to("kg").magnitude, dtype=float)
    net_per_kwh = (magnitude(prices.cascade_price, "yuan/kWh", location=Location(field="cascade_price"))
                   - magnitude(prices.repurposing_cost, "yuan/kWh", location=Location(field="repurposing_cost")))
    cascade_value = rated * batch.capacity * net_per_kwh
    recycling_value = mass * _recycling_value_per_kg(prices)
    value = np.where(cascade, cascade_value, recycling_value)
    order = np.argsort(-value, kind="stable")
    return SortResult(codes=batch.codes, cascade=cascade, value=quantity(1, "yuan") * value,
                      cascade_value=quantity(1, "yuan") * cascade_value,
                      recycling_value=quantity(1, "yuan") * recycling_value, order=order,
                      thresholds=thresholds, prices_source=prices.source)


def expected_recovery(batch: SoHBatch, result: SortResult, prices: PriceModel) -> dict[str, pint.Quantity]:
    """Material masses the recycling-route units should yield (mass × content × recovery), by material."""
    recycled_mass = float(np.asarray(batch.mass.to("kg").magnitude)[~result.cascade].sum())
    return {m: quantity(recycled_mass * share * prices.recovery_rate[m], "kg")
            for m, share in sorted(prices.material_content.items())}
