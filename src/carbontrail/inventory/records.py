"""What an inventory calculation reads and cites: an activity record as plain values, and a factor as one line used it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pint

from carbontrail.factors import Factor


@dataclass(frozen=True)
class Activity:
    """One activity record as the calculation sees it: plain values, a typed quantity, its origin."""

    facility: str
    province: str
    kind: str
    item: str
    quantity: pint.Quantity
    period_start: date
    period_end: date
    category: str = ""
    gas: str = ""
    supplier: str = ""
    instrument: str = ""
    instrument_ref: str = ""
    contract_factor: float | None = None  # kg CO2e per kWh
    source: str = ""


@dataclass(frozen=True)
class FactorUse:
    """A factor as used by one line: value, unit, gas, and where it comes from."""

    activity: str
    value: float
    unit: str
    gas: str
    geography: str
    year: int | None
    series: str
    dataset: str
    dataset_version: str
    source: str
    fallback: str = ""

    @classmethod
    def of(cls, factor: Factor, fallback: str = "") -> FactorUse:
        return cls(factor.activity, factor.value, factor.unit, factor.gas, factor.geography, factor.year,
                   factor.series, factor.dataset, factor.dataset_version, factor.source, fallback)
