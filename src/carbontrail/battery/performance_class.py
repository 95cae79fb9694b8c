"""Carbon-footprint performance classes: a configurable table of upper limits in kg CO2e per kWh.

Reg. (EU) 2023/1542 Art. 7(2) asks for performance classes that a delegated act will set; their limits are not
published yet, so the table is an input. `ILLUSTRATIVE_CLASSES` is illustrative only and says so in its source.
"""

from __future__ import annotations

from dataclasses import dataclass

import pint

from carbontrail.errors import InputError, Location
from carbontrail.units import magnitude


@dataclass(frozen=True)
class PerformanceClass:
    """A class label and its inclusive upper limit in kg CO2e per kWh (None: no upper limit)."""

    label: str
    upper_kg_per_kwh: float | None


@dataclass(frozen=True)
class ClassTable:
    """Classes from best to worst; the first whose limit the footprint does not exceed applies."""

    classes: tuple[PerformanceClass, ...]
    source: str

    def __post_init__(self) -> None:
        if not self.classes:
            raise InputError("the performance class table is empty", location=Location(field="classes"),
                             expected="at least one class")
        limits = [c.upper_kg_per_kwh for c in self.classes]
        bounded = [x for x in limits if x is not None]
        if bounded != sorted(bounded) or len(set(bounded)) != len(bounded):
            raise InputError("the class limits do not rise from best to worst class",
                             location=Location(field="classes"), expected="strictly increasing upper limits")
        if None in limits[:-1]:
            raise InputError("only the last (worst) class may be open-ended", location=Location(field="classes"))

    def classify(self, footprint: pint.Quantity) -> PerformanceClass:
        """The class of a footprint given per kWh of total energy delivered."""
        value = magnitude(footprint, "kg/kWh", location=Location(field="footprint"))
        for cls in self.classes:
            if cls.upper_kg_per_kwh is None or value <= cls.upper_kg_per_kwh:
                return cls
        raise InputError(f"{value:.3f} kg CO2e/kWh is above the worst class of the table",
                         location=Location(field="footprint"), expected="a table whose last class is open-ended")


ILLUSTRATIVE_CLASSES = ClassTable(
    classes=(
        PerformanceClass("A", 0.10),
        PerformanceClass("B", 0.15),
        PerformanceClass("C", 0.20),
        PerformanceClass("D", 0.30),
        PerformanceClass("E", None),
    ),
    source="illustrative table (not regulatory): the delegated act under Reg. (EU) 2023/1542 Art. 7(2) has not "
           "fixed class limits yet",
)
