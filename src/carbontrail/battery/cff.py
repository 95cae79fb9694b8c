"""End of life by the Circular Footprint Formula (CFF) of the EU PEF method, split into its input and output sides.

Formula: Commission Recommendation (EU) 2021/2279, Annex I (PEF method) §4.4.8.1 —
material  (1−R1)·Ev + R1·(A·Erec + (1−A)·Ev·Qsin/Qp) + (1−A)·R2·(ErecEoL − E*v·Qsout/Qp)
energy    (1−B)·R3·(EER − LHV·XER,heat·ESE,heat − LHV·XER,elec·ESE,elec)
disposal  (1−R2−R3)·ED
Defaults from the JRC battery carbon-footprint rules (draft delegated act): A = 0.2 for metals, 0.5 otherwise
(PEF Annex C gives material-specific A values), B = 0, R1 = 0 unless recycled content is traced. Every parameter
is an input because the delegated act is still a draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pint

from carbontrail.errors import InputError, Location
from carbontrail.units import magnitude, quantity

MaterialKind = Literal["metal", "other"]

JRC_DEFAULTS_SOURCE = "JRC battery carbon-footprint rules (draft delegated act under Reg. (EU) 2023/1542 Art. 7)"


@dataclass(frozen=True)
class CFFParameters:
    """The allocation and rate parameters of the CFF, all fractions in [0, 1], with where they come from.

    `a`: allocation of burdens and credits between supplier and user of recycled material; `b`: the same for
    energy recovery; `r1`: recycled content of the input; `r2`: share sent to recycling at end of life (output
    rate, after recycling losses); `r3`: share sent to energy recovery; `qsin_qp` / `qsout_qp`: quality ratios of
    the secondary material at input and output against the primary material.
    """

    a: float
    b: float = 0.0
    r1: float = 0.0
    r2: float = 0.0
    r3: float = 0.0
    qsin_qp: float = 1.0
    qsout_qp: float = 1.0
    source: str = JRC_DEFAULTS_SOURCE

    def __post_init__(self) -> None:
        for name in ("a", "b", "r1", "r2", "r3", "qsin_qp", "qsout_qp"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise InputError(f"the CFF parameter {name.upper()} is {value}", location=Location(field=name),
                                 expected="a fraction between 0 and 1")
        if self.r2 + self.r3 > 1.0:
            raise InputError(f"R2 + R3 is {self.r2 + self.r3}, more than all of the material",
                             location=Location(field="r2"), expected="R2 + R3 ≤ 1")


def jrc_defaults(kind: MaterialKind, *, r1: float = 0.0, r2: float = 0.0, r3: float = 0.0,
                 qsin_qp: float = 1.0, qsout_qp: float = 1.0) -> CFFParameters:
    """The JRC default parameters for a metal (A = 0.2) or any other material (A = 0.5), B = 0."""
    return CFFParameters(a=0.2 if kind == "metal" else 0.5, b=0.0, r1=r1, r2=r2, r3=r3,
                         qsin_qp=qsin_qp, qsout_qp=qsout_qp, source=JRC_DEFAULTS_SOURCE)


@dataclass(frozen=True)
class CFFEmissions:
    """The specific emissions the formula weighs, each per kg of material (kg CO2e as 'kg/kg') unless noted.

    `e_v`: virgin material (a declaration fills it from the material's own factor); `e_recycled`: recycling process that makes the recycled input; `e_recycling_eol`:
    recycling at end of life; `e_v_star`: virgin material the recycled output substitutes; `e_disposal`: landfill
    or incineration without recovery; `e_energy_recovery`: energy recovery process; `lhv` (MJ/kg) with the
    efficiencies `x_heat`, `x_elec` and the substituted energy factors `e_se_heat`, `e_se_elec` (kg/MJ).
    """

    e_v: pint.Quantity | None = None
    e_recycled: pint.Quantity | None = None
    e_recycling_eol: pint.Quantity | None = None
    e_v_star: pint.Quantity | None = None
    e_disposal: pint.Quantity | None = None
    e_energy_recovery: pint.Quantity | None = None
    lhv: pint.Quantity | None = None
    x_heat: float = 0.0
    x_elec: float = 0.0
    e_se_heat: pint.Quantity | None = None
    e_se_elec: pint.Quantity | None = None


@dataclass(frozen=True)
class CFFResult:
    """Emissions per kg of material: the input side (virgin and recycled content) and the end-of-life side."""

    input_side: pint.Quantity
    recycling_side: pint.Quantity
    energy_recovery: pint.Quantity
    disposal: pint.Quantity
    parameters: CFFParameters

    @property
    def end_of_life(self) -> pint.Quantity:
        """Everything that happens after use: recycling (with its credit), energy recovery, disposal."""
        return self.recycling_side + self.energy_recovery + self.disposal

    @property
    def total(self) -> pint.Quantity:
        return self.input_side + self.end_of_life


def _per_kg(value: pint.Quantity | None, name: str, needed: bool) -> float:
    if value is None:
        if needed:
            raise InputError(f"the CFF needs {name} because its weight in the formula is not zero",
                             location=Location(field=name), expected="kg CO2e per kg, as 'kg/kg'")
        return 0.0
    return magnitude(value, "kg/kg", location=Location(field=name))


def circular_footprint(params: CFFParameters, em: CFFEmissions) -> CFFResult:
    """Evaluate the CFF for one material; a term whose weight is zero needs no emission value."""
    p = params
    e_v = _per_kg(em.e_v, "e_v", True)
    e_rec = _per_kg(em.e_recycled, "e_recycled", p.r1 > 0 and p.a > 0)
    input_side = (1 - p.r1) * e_v + p.r1 * (p.a * e_rec + (1 - p.a) * e_v * p.qsin_qp)

    weight_out = (1 - p.a) * p.r2
    e_rec_eol = _per_kg(em.e_recycling_eol, "e_recycling_eol", weight_out > 0)
    e_v_star = _per_kg(em.e_v_star if em.e_v_star is not None else em.e_v, "e_v_star", weight_out > 0)
    recycling_side = weight_out * (e_rec_eol - e_v_star * p.qsout_qp)

    weight_er = (1 - p.b) * p.r3
    energy = 0.0
    if weight_er > 0:
        e_er = _per_kg(em.e_energy_recovery, "e_energy_recovery", True)
        lhv = magnitude(em.lhv, "MJ/kg", location=Location(field="lhv")) if em.lhv is not None else 0.0
        heat = magnitude(em.e_se_heat, "kg/MJ", location=Location(field="e_se_heat")) if em.e_se_heat else 0.0
        elec = magnitude(em.e_se_elec, "kg/MJ", location=Location(field="e_se_elec")) if em.e_se_elec else 0.0
        energy = weight_er * (e_er - lhv * em.x_heat * heat - lhv * em.x_elec * elec)

    weight_d = 1 - p.r2 - p.r3
    disposal = weight_d * _per_kg(em.e_disposal, "e_disposal", weight_d > 0)
    return CFFResult(input_side=quantity(input_side, "kg/kg"), recycling_side=quantity(recycling_side, "kg/kg"),
                     energy_recovery=quantity(energy, "kg/kg"), disposal=quantity(disposal, "kg/kg"),
                     parameters=p)
