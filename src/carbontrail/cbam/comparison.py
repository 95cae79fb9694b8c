"""The same product with Sichuan's grid and with the China-average grid: how much the indirect SEE differs
(the "green trade advantage" of hydropower), and whether that part counts toward the obligation."""

from __future__ import annotations

from dataclasses import dataclass

import pint

from carbontrail.cbam.emissions import ProcessResult
from carbontrail.cbam.model import ProductionProcess
from carbontrail.cbam.obligation import counts_indirect
from carbontrail.factors import Factor, FactorLibrary
from carbontrail.units import convert, quantity


@dataclass(frozen=True)
class GridFactor:
    """A grid emission factor (t CO2 per MWh) with its provenance."""

    geography: str
    value: pint.Quantity
    year: int | None
    source: str
    dataset_version: str

    @classmethod
    def from_factor(cls, factor: Factor) -> GridFactor:
        """From a factor-library entry (kg/kWh) to t/MWh."""
        return cls(factor.geography, convert(factor.quantity, "t/MWh"), factor.year, factor.source,
                   f"{factor.dataset} {factor.dataset_version}")


@dataclass(frozen=True)
class GridComparison:
    """Indirect SEE of one process under two grids, precursors' indirect emissions held as they are."""

    process_id: str
    electricity: pint.Quantity  # MWh consumed by the process in the period
    local: GridFactor
    reference: GridFactor
    see_indirect_local: pint.Quantity
    see_indirect_reference: pint.Quantity
    advantage: pint.Quantity  # reference − local, t CO2 per t good
    counts_in_obligation: bool

    def obligation_saving(self, mass: pint.Quantity) -> pint.Quantity:
        """t CO2e of obligation avoided on `mass` of goods (zero where indirect emissions do not count)."""
        if not self.counts_in_obligation:
            return quantity(0.0, "t")
        return convert(mass * self.advantage, "t")


def library_grid_factors(year: int, local: str = "Sichuan", reference: str = "China",
                         library: FactorLibrary | None = None) -> tuple[GridFactor, GridFactor]:
    """Location-based ('average' series) grid factors of the two places from the factor library, each the most
    recent on or before `year` (the library explains any fallback)."""
    lib = library or FactorLibrary.default()
    return (GridFactor.from_factor(lib.electricity(local, year).factor),
            GridFactor.from_factor(lib.electricity(reference, year).factor))


def compare_grids(process: ProductionProcess, result: ProcessResult, local: GridFactor,
                  reference: GridFactor) -> GridComparison:
    """Indirect SEE of `process` with its electricity on the `local` grid and on the `reference` grid."""
    mwh = sum((convert(e.amount.q, "MWh") for e in process.electricity), quantity(0.0, "MWh"))
    precursor_indirect = sum((c.embedded_indirect for c in result.precursors), quantity(0.0, "t"))
    level = result.activity_level
    see_local = convert((mwh * local.value + precursor_indirect) / level, "t/t")
    see_reference = convert((mwh * reference.value + precursor_indirect) / level, "t/t")
    return GridComparison(process.id, mwh, local, reference, see_local, see_reference, see_reference - see_local,
                          counts_indirect(result.sector))
