"""The Circular Footprint Formula against hand calculations of its three parts."""

from __future__ import annotations

import pytest

from carbontrail.battery.cff import CFFEmissions, CFFParameters, circular_footprint, jrc_defaults
from carbontrail.errors import InputError
from carbontrail.units import magnitude, quantity


def kgkg(x: float):  # type: ignore[no-untyped-def]
    return quantity(x, "kg/kg")


def test_all_three_parts_by_hand() -> None:
    """A=0.5, B=0, R1=0.3, R2=0.4, R3=0.2, Qsin/Qp=0.9, Qsout/Qp=0.8; Ev=3, Erec=1, ErecEoL=0.5, E*v=2.5,
    EER=0.2, LHV=40 MJ/kg, Xheat=0.5, Xelec=0.2, ESE,heat=0.07, ESE,elec=0.15 kg/MJ, ED=0.1.
    input  = 0.7×3 + 0.3×(0.5×1 + 0.5×3×0.9) = 2.1 + 0.3×1.85 = 2.655
    recycl = 0.5×0.4×(0.5 − 2.5×0.8) = 0.2×(−1.5) = −0.3
    energy = 1×0.2×(0.2 − 40×0.5×0.07 − 40×0.2×0.15) = 0.2×(0.2 − 1.4 − 1.2) = −0.48
    disposal = (1 − 0.4 − 0.2)×0.1 = 0.04; total = 1.915 kg CO2e per kg."""
    params = CFFParameters(a=0.5, b=0.0, r1=0.3, r2=0.4, r3=0.2, qsin_qp=0.9, qsout_qp=0.8, source="test")
    em = CFFEmissions(e_v=kgkg(3), e_recycled=kgkg(1), e_recycling_eol=kgkg(0.5), e_v_star=kgkg(2.5),
                      e_energy_recovery=kgkg(0.2), lhv=quantity(40, "MJ/kg"), x_heat=0.5, x_elec=0.2,
                      e_se_heat=quantity(0.07, "kg/MJ"), e_se_elec=quantity(0.15, "kg/MJ"), e_disposal=kgkg(0.1))
    r = circular_footprint(params, em)
    assert magnitude(r.input_side, "kg/kg") == pytest.approx(2.655)
    assert magnitude(r.recycling_side, "kg/kg") == pytest.approx(-0.3)
    assert magnitude(r.energy_recovery, "kg/kg") == pytest.approx(-0.48)
    assert magnitude(r.disposal, "kg/kg") == pytest.approx(0.04)
    assert magnitude(r.total, "kg/kg") == pytest.approx(1.915)


def test_no_recycling_is_virgin_plus_disposal() -> None:
    """R1 = R2 = R3 = 0 reduces the CFF to Ev + ED: 20 + 0.1."""
    r = circular_footprint(jrc_defaults("metal"), CFFEmissions(e_v=kgkg(20), e_disposal=kgkg(0.1)))
    assert magnitude(r.total, "kg/kg") == pytest.approx(20.1)


def test_bad_parameters_and_missing_terms_are_refused() -> None:
    with pytest.raises(InputError, match="R2 \\+ R3"):
        CFFParameters(a=0.2, r2=0.7, r3=0.5)
    with pytest.raises(InputError, match="between 0 and 1"):
        CFFParameters(a=1.2)
    with pytest.raises(InputError, match="e_recycling_eol"):
        circular_footprint(jrc_defaults("metal", r2=0.5), CFFEmissions(e_v=kgkg(1), e_disposal=kgkg(0)))
