"""Footprints: one demand (supply, inventory, impact) or every product at once (one adjoint solve).

`prepare()` characterises the system and factorises A once; `footprint()` and `all_footprints()` reuse it.
Results are frozen, carry their provenance and turn into pandas / xarray for notebooks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import pint
import xarray as xr

from carbontrail.errors import InputError
from carbontrail.factors.gwp import DEFAULT_ASSESSMENT
from carbontrail.lca.characterisation import Characterisation, characterise
from carbontrail.lca.matrices import ProductSystem
from carbontrail.lca.solver import DEFAULT_TOLERANCE, Solver
from carbontrail.units import magnitude, parse_unit, quantity

UNIT = "kg"  # of CO2 equivalent


@dataclass(frozen=True)
class Provenance:
    """Where a result comes from: data set, version, characterisation, modelling choices."""

    database: str
    version: str
    source: str
    characterisation: str
    assessment: str
    allocation: str
    boundary: str
    geography: str = ""


class FootprintModel:
    """A product system ready to compute on: characterised (c = C·B per indicator) and factorised."""

    def __init__(self, system: ProductSystem, assessment: str = DEFAULT_ASSESSMENT,
                 tolerance: float = DEFAULT_TOLERANCE):
        self.system = system
        self.characterisation: Characterisation = characterise(system, assessment)
        self.B = system.B
        # One row per indicator: kg CO2e per unit of each activity (characterisation folded into B).
        self.cB = self.characterisation.per_activity
        self.solver = Solver(system.A, system.names, tolerance)

    @property
    def indicators(self) -> tuple[str, ...]:
        return self.characterisation.indicators

    @cached_property
    def product_scores(self) -> np.ndarray:
        """kg CO2e per unit of every product, indicators × activities (the adjoint solve, done once)."""
        return self.solver.adjoint(self.cB.T).T

    @cached_property
    def cutoff_proxies(self) -> tuple[np.ndarray, np.ndarray]:
        """Per cut-off flow: median footprint of modelled products in its unit (indicators × flows), and
        whether such products exist."""
        units = np.array([a.unit for a in self.system.activities])
        flow_units = np.array([f.unit for f in self.system.cutoff_flows])
        proxy = np.zeros((len(self.indicators), len(flow_units)))
        known = np.zeros(len(flow_units), dtype=bool)
        for unit in np.unique(flow_units):
            same = units == unit
            if same.any():
                rows = flow_units == unit
                proxy[:, rows] = np.median(self.product_scores[:, same], axis=1)[:, None]
                known[rows] = True
        return proxy, known

    def provenance(self, geography: str = "") -> Provenance:
        s = self.system
        return Provenance(s.database, s.version, s.source, self.characterisation.source,
                          self.characterisation.assessment, s.allocation, s.boundary, geography)

    def demand_vector(self, demand: Mapping[str, pint.Quantity]) -> np.ndarray:
        """The demand as a vector over products, each amount converted to its product's unit."""
        f = np.zeros(len(self.system.activities))
        for product, amount in demand.items():
            j = self.system.index(product)
            unit = self.system.activities[j].unit
            if not isinstance(amount, pint.Quantity):
                raise InputError(f"the demand for '{product}' has no unit", expected=f"a quantity in {unit}")
            target = parse_unit(unit)
            # The product's own unit needs no conversion (pint's division and .to() cost ≈ 0.2 ms a demand).
            f[j] += (amount.magnitude / target.magnitude if amount.units == target.units
                     else magnitude(amount, unit))
        if not f.any():
            raise InputError("the demand is empty or zero", expected="at least one product with a non-zero amount")
        return f


def prepare(system: ProductSystem, assessment: str = DEFAULT_ASSESSMENT) -> FootprintModel:
    """Characterise and factorise `system` for repeated footprints (AR6 GWP100 default, AR5 selectable)."""
    return FootprintModel(system, assessment)


@dataclass(frozen=True, eq=False)
class Footprint:
    """The footprint of one demand: supply s, inventory g = B s, impacts h = C g, cut-off estimate."""

    model: FootprintModel = field(repr=False)
    demand: np.ndarray = field(repr=False)
    supply: np.ndarray = field(repr=False)
    inventory: np.ndarray = field(repr=False)
    scores: np.ndarray  # per indicator, kg CO2e
    provenance: Provenance

    @cached_property
    def _cutoff(self) -> tuple[np.ndarray, tuple[str, ...]]:
        # Computed on first use: the proxy needs every product's footprint (one adjoint solve per model).
        return _cutoff_estimate(self.model, self.supply)

    @property
    def cutoff_estimate(self) -> np.ndarray:
        """Per indicator, kg CO2e the cut-off inputs would have carried (median footprint of the unit)."""
        return self._cutoff[0]

    @property
    def cutoff_unestimated(self) -> tuple[str, ...]:
        """Cut-off flows in a unit no modelled product has, so without an estimate."""
        return self._cutoff[1]

    @property
    def impacts(self) -> dict[str, pint.Quantity]:
        """Each indicator as a quantity in kg CO2e."""
        return {name: quantity(float(v), UNIT) for name, v in zip(self.model.indicators, self.scores)}

    @property
    def cutoff_share(self) -> float:
        """Estimated share of the GWP100 result the cut-off inputs would have carried."""
        total = self.scores[0] + self.cutoff_estimate[0]
        return float(self.cutoff_estimate[0] / total) if total else 0.0

    def to_frame(self) -> pd.DataFrame:
        """Impacts per indicator, with the cut-off estimate and the unit."""
        return pd.DataFrame({"indicator": self.model.indicators, "value": self.scores,
                             "cutoff_estimate": self.cutoff_estimate, "unit": "kg CO2e"}).set_index("indicator")

    def supply_frame(self) -> pd.DataFrame:
        acts = self.model.system.activities
        nz = np.flatnonzero(self.supply)
        return pd.DataFrame({"process": [acts[j].process for j in nz], "name": [acts[j].name for j in nz],
                             "product": [acts[j].product_name for j in nz], "supply": self.supply[nz],
                             "unit": [acts[j].unit for j in nz]})

    def inventory_frame(self) -> pd.DataFrame:
        flows = self.model.system.flows
        nz = np.flatnonzero(self.inventory)
        return pd.DataFrame({"flow": [flows[i].id for i in nz], "name": [flows[i].name for i in nz],
                             "category": [flows[i].category for i in nz], "amount": self.inventory[nz],
                             "unit": [flows[i].unit for i in nz]})


def footprint(model: FootprintModel, demand: Mapping[str, pint.Quantity]) -> Footprint:
    """Footprint of a demand, e.g. {"battery-pack": quantity(1, "kWh")}."""
    f = model.demand_vector(demand)
    s = model.solver.forward(f)
    g = model.B @ s
    scores = model.cB @ s
    geography = ", ".join(sorted({model.system.activities[j].location for j in np.flatnonzero(f)} - {""}))
    return Footprint(model, f, s, g, scores, model.provenance(geography))


@dataclass(frozen=True, eq=False)
class ProductFootprints:
    """Cradle-to-gate (or -grave) footprint per unit of every product, indicators × products."""

    model: FootprintModel = field(repr=False)
    scores: np.ndarray
    provenance: Provenance

    def to_xarray(self) -> xr.DataArray:
        acts = self.model.system.activities
        return xr.DataArray(self.scores, dims=("indicator", "product"),
                            coords={"indicator": list(self.model.indicators),
                                    "product": [f"{a.process}/{a.product}" for a in acts],
                                    "unit": ("product", [f"kg CO2e/{a.unit}" for a in acts])},
                            attrs={"database": self.provenance.database, "version": self.provenance.version,
                                   "characterisation": self.provenance.characterisation})

    def to_frame(self) -> pd.DataFrame:
        acts = self.model.system.activities
        frame = pd.DataFrame({"process": [a.process for a in acts], "product": [a.product for a in acts],
                              "name": [a.name for a in acts], "location": [a.location for a in acts],
                              "unit": [f"kg CO2e/{a.unit}" for a in acts]})
        for i, name in enumerate(self.model.indicators):
            frame[name] = self.scores[i]
        return frame


def all_footprints(model: FootprintModel) -> ProductFootprints:
    """Every product's footprint per unit, from one adjoint solve per indicator (Aᵀ q = (C B)ᵀ)."""
    return ProductFootprints(model, model.product_scores, model.provenance())


def _cutoff_estimate(model: FootprintModel, supply: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """What the cut-off inputs would carry, at the median footprint of modelled products in the same unit."""
    system = model.system
    if not system.cutoff_flows:
        return np.zeros(len(model.indicators)), ()
    amounts = system.cutoff.matrix @ supply
    used = amounts != 0
    if not used.any():
        return np.zeros(len(model.indicators)), ()
    proxy, known = model.cutoff_proxies
    estimate = proxy[:, used & known] @ amounts[used & known]
    missing = tuple(f.name for f, u, k in zip(system.cutoff_flows, used, known) if u and not k)
    return estimate, missing
