"""Footprints that satisfy an input without a process model: a supplier's own (primary) or a library factor."""

from __future__ import annotations

from dataclasses import dataclass

import pint

from carbontrail.errors import InputError
from carbontrail.units import magnitude, quantity

DQR = tuple[int, int, int]  # PACT order: technological, temporal, geographical (1 best … 5 worst)


@dataclass(frozen=True)
class ExternalFootprint:
    """Cradle-to-gate footprint of one unit of a product flow, e.g. fossil = quantity(2.1, "kg/kg").

    `primary` is True for a supplier's own published footprint, False for a secondary library factor.
    """

    flow: str
    fossil: pint.Quantity
    biogenic: pint.Quantity | None = None
    primary: bool = False
    supplier: str = ""
    source: str = ""
    version: str = ""
    year: int | None = None
    geography: str = ""
    dqr: DQR | None = None
    stage: str = ""  # life-cycle stage its burden belongs to (e.g. raw material acquisition); "" = the buyer's

    def per_unit(self, unit: str) -> tuple[float, float]:
        """(fossil, biogenic) kg CO2e per one `unit` of the flow; a wrong unit is a `UnitError`."""
        one = quantity(1.0, unit)
        fossil = magnitude(self.fossil * one, "kg")
        biogenic = magnitude(self.biogenic * one, "kg") if self.biogenic is not None else 0.0
        if self.dqr is not None and any(not 1 <= score <= 5 for score in self.dqr):
            raise InputError(f"footprint of '{self.flow}' has data-quality ratings {self.dqr}",
                             expected="ratings from 1 to 5")
        return fossil, biogenic
