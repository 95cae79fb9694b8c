"""CBAM cost and grid answers as plain numbers in named units: the one shape the API serves and the pages show."""

from __future__ import annotations

from pydantic import BaseModel

from carbontrail.cbam import GridComparison, GridFactor
from carbontrail.services.cbam import CostAnswer
from carbontrail.units import magnitude


class CostOut(BaseModel):
    process_id: str
    import_year: int
    mass_t: float
    see_obligation_t_per_t: float
    obligation_emissions_t: float
    free_allocation_share: float
    certificates_t: float
    certificate_price_eur_per_t: float
    gross_cost_eur: float
    carbon_price_deduction_eur: float
    net_cost_eur: float
    basis: str


class GridSide(BaseModel):
    geography: str
    t_per_mwh: float
    year: int | None
    source: str
    dataset: str


class GridOut(BaseModel):
    process_id: str
    electricity_mwh: float
    local: GridSide
    reference: GridSide
    see_indirect_local_t_per_t: float
    see_indirect_reference_t_per_t: float
    advantage_t_per_t: float
    counts_in_obligation: bool



def cost_out(answer: CostAnswer) -> CostOut:
    e = answer.estimate
    return CostOut(process_id=answer.process_id, import_year=e.year, mass_t=magnitude(answer.mass, "t"),
                   see_obligation_t_per_t=magnitude(answer.see_obligation, "t/t"),
                   obligation_emissions_t=magnitude(e.obligation_emissions, "t"),
                   free_allocation_share=e.free_allocation_share, certificates_t=magnitude(e.certificates, "t"),
                   certificate_price_eur_per_t=magnitude(e.certificate_price, "EUR/t"),
                   gross_cost_eur=magnitude(e.gross_cost, "EUR"),
                   carbon_price_deduction_eur=magnitude(e.carbon_price_deduction, "EUR"),
                   net_cost_eur=magnitude(e.net_cost, "EUR"), basis=e.basis)


def grid_out(cmp: GridComparison) -> GridOut:
    def side(g: GridFactor) -> GridSide:
        return GridSide(geography=g.geography, t_per_mwh=magnitude(g.value, "t/MWh"), year=g.year, source=g.source,
                        dataset=g.dataset_version)

    return GridOut(process_id=cmp.process_id, electricity_mwh=magnitude(cmp.electricity, "MWh"),
                   local=side(cmp.local), reference=side(cmp.reference),
                   see_indirect_local_t_per_t=magnitude(cmp.see_indirect_local, "t/t"),
                   see_indirect_reference_t_per_t=magnitude(cmp.see_indirect_reference, "t/t"),
                   advantage_t_per_t=magnitude(cmp.advantage, "t/t"), counts_in_obligation=cmp.counts_in_obligation)
