"""The factor library's plain data: a factor with its provenance, a dataset version, a query and its selection."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pint

from carbontrail.units import quantity


@dataclass(frozen=True)
class FactorValue:
    """A factor's value per unit of activity and where it comes from: what a factor is, and what a calculation that
    used one cites (`inventory.records.FactorUse`).

    `unit` is per activity unit ("kg/kWh", "kg/TJ", "GJ/t"); `gas` names what the numerator measures
    ("CO2", "CH4_fossil", "N2O", "CO2e"; "" for a property such as a calorific value).
    """

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

    @property
    def quantity(self) -> pint.Quantity:
        """The factor as a pint quantity (e.g. 0.1404 kg/kWh)."""
        return quantity(self.value, self.unit)


@dataclass(frozen=True)
class _FactorId:
    id: str


# Dataclasses take the fields of the last base first, so `id` stays Factor's first field (and argument).
@dataclass(frozen=True)
class Factor(FactorValue, _FactorId):
    """One emission factor (or fuel property) in the library: its id, value and provenance, and how sure it is."""

    confidence: str = ""
    notes: str = ""


@dataclass(frozen=True)
class FactorDataset:
    """A named, versioned set of factors; a version, once published, never changes."""

    name: str
    version: str
    factors: tuple[Factor, ...]
    publisher: str = ""
    licence: str = ""
    description: str = ""


@dataclass(frozen=True)
class FactorQuery:
    """What a calculation asks the library for. `None` means "any" (and must then be unambiguous)."""

    activity: str
    geography: str | None = None
    year: int | None = None
    series: str | None = None
    gas: str | None = None
    #: When no level of the chain has a value on or before `year` (a base year older than the series), take the
    #: earliest later year instead, walking the chain again; the explanation says so.
    later_years: bool = False


@dataclass(frozen=True)
class Selection:
    """The factor chosen for a query, every step tried on the way, and the explanation in words."""

    factor: Factor
    query: FactorQuery
    fallback: tuple[str, ...]
    used_geography: str
    used_year: int | None
    explanation: str


@dataclass(frozen=True)
class FuelData:
    """What the library knows about burning one fuel: calorific value, carbon content, factors per gas.

    `emission` holds the gases counted in scope 1 (kg per TJ of fuel, net calorific basis): CO2 (IPCC 2006
    Vol.2 Ch.1 Table 1.4), CH4 and N2O (Ch.2 Table 2.2 for energy industries, Table 2.3 for manufacturing
    industries and construction). CH4 from burning a fossil fuel is fossil methane ("CH4_fossil", AR6 GWP100
    29.8, AR6 WG1 Table 7.15); from biomass it is "CH4_non_fossil" (27.0). The CO2 of a biomass fuel is
    biogenic: it is in `biogenic_co2`, reported outside the scopes, not in `emission`.
    """

    fuel: str
    name: str
    sector: str
    biomass: bool
    ncv: Factor | None  # GJ/Nm3 when a sourced volumetric value exists (gaseous fuels), else GJ/t (Table 1.2)
    ncv_mass: Factor | None  # GJ/t (Table 1.2); None where IPCC gives none (industrial wastes)
    carbon_content: Factor
    emission: dict[str, Factor]
    biogenic_co2: Factor | None = None
    energy_coefficient: Factor | None = None
    aliases: tuple[str, ...] = field(default_factory=tuple)

    def factors(self) -> list[Factor]:
        """Every factor this fuel's figures rest on (for provenance listings)."""
        found = [self.ncv, self.ncv_mass, self.carbon_content, *self.emission.values(), self.biogenic_co2,
                 self.energy_coefficient]
        seen: list[Factor] = []
        for f in found:
            if f is not None and f not in seen:
                seen.append(f)
        return seen


_NUM = re.compile(r"(\d+)")


def version_key(version: str) -> tuple[tuple[int, object], ...]:
    """Natural ordering of version strings ("1.10" after "1.9", "2026.01" after "2024.12")."""
    parts = [p for p in _NUM.split(version.strip()) if p]
    return tuple((0, int(p)) if p.isdigit() else (1, p.lower()) for p in parts)
