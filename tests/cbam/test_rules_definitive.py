"""CBAM definitive-period rules to the letter (issue 18): Annex II boundary, fixed GWPs, PFC methods."""

from __future__ import annotations

import pytest

from carbontrail.cbam import compute_see, parse_installation
from carbontrail.errors import InputError
from carbontrail.units import magnitude
from test_see import installation

ELECTROLYSIS = {
    "id": "electrolyser", "name": "water electrolysis", "category": "Hydrogen", "cn_codes": ["2804 10 00"],
    "system_boundary": "electrolyser stacks, compression", "activity_level": "1000 t",
    "electricity": [{"amount": "55000 MWh", "emission_factor": "0.5 t/MWh", "source": "test grid factor"}],
}
HABER_BOSCH = {
    "id": "synloop", "name": "ammonia synthesis loop", "category": "Ammonia", "cn_codes": ["2814 10 00"],
    "system_boundary": "air separation, synthesis loop", "activity_level": "5600 t",
    "source_streams": [{"name": "natural gas (start-up heater)", "method": "combustion", "amount": "10 TJ",
                        "emission_factor": "56.1 t/TJ", "source": "IPCC 2006 Vol.2 Table 2.2"}],
    "electricity": [{"amount": "2800 MWh", "emission_factor": "0.5 t/MWh", "source": "test grid factor"}],
    "precursors": [{"name": "hydrogen", "category": "Hydrogen", "mass": "1000 t", "origin": "own",
                    "process": "electrolyser"}],
}


def test_ammonia_from_own_electrolysis_hydrogen_counts_no_hydrogen_indirect() -> None:
    """Ammonia from own electrolysis hydrogen (hand calculation).

    Reg. (EU) 2023/956 Art. 7(1) with Annex II: hydrogen (CN 2804 10 00) is a good for which only direct emissions
    are taken into account; ammonia (CN 2814) is not in Annex II and counts direct + indirect. Implementing Reg.
    (EU) 2025/2547 (as Annex IV point 3 of 2023/956): SEE = (AttrEm + EE_InpMat) / AL per process, so the
    precursor's embedded emissions enter ammonia's total, but its indirect part stays on the Annex II side.

    hydrogen: 55,000 MWh × 0.5 t/MWh = 27,500 t indirect over 1,000 t → SEE indirect 27.5, direct 0, counted 0.
    ammonia: direct 10 TJ × 56.1 = 561 t; own electricity 2,800 × 0.5 = 1,400 t indirect.
      embedded indirect (all, shown) = 1,400 + 1,000 × 27.5 = 28,900 t → 28,900 / 5,600 = 5.160714 t/t
      counted indirect = 1,400 t only (hydrogen's 27,500 t stays out) → 0.25 t/t
      SEE for the obligation = 561 / 5,600 + 0.25 = 0.100179 + 0.25 = 0.350179 t/t
    (before the fix the whole 5.160714 t/t counted: 5.260893 t/t)."""
    result = compute_see(parse_installation(installation(ELECTROLYSIS, HABER_BOSCH)))
    hydrogen, ammonia = result.process("electrolyser"), result.process("synloop")
    assert magnitude(hydrogen.see_indirect, "t/t") == pytest.approx(27.5)
    assert magnitude(hydrogen.see_obligation, "t/t") == pytest.approx(0.0)
    assert magnitude(ammonia.see_indirect, "t/t") == pytest.approx(28_900 / 5_600)
    assert magnitude(ammonia.see_indirect_counted, "t/t") == pytest.approx(0.25)
    assert magnitude(ammonia.see_obligation, "t/t") == pytest.approx(561 / 5_600 + 0.25)


def test_supplier_precursor_outside_annex_ii_keeps_its_indirect_in_a_good_counting_indirect() -> None:
    """The other side of the boundary: a fertiliser made from bought ammonia (not Annex II) counts the ammonia's
    indirect SEE; bought hydrogen's (Annex II) does not. Nitric acid 1,000 t from 300 t ammonia (SEE 2.0 direct,
    0.3 indirect) and 10 t hydrogen (SEE 0 direct, 20.0 indirect), no own emissions:
    counted indirect = 300 × 0.3 = 90 t → 0.09 t/t; shown indirect = 90 + 10 × 20 = 290 t → 0.29 t/t;
    obligation SEE = 300 × 2.0 / 1,000 + 0.09 = 0.69 t/t (Reg. 2023/956 Art. 7(1), Annex II)."""
    acid = {"id": "acid", "name": "nitric acid plant", "category": "Nitric acid", "cn_codes": ["2808 00 00"],
            "system_boundary": "oxidation, absorption", "activity_level": "1000 t",
            "precursors": [
                {"name": "ammonia", "category": "Ammonia", "mass": "300 t", "origin": "supplier", "supplier": "A",
                 "see_direct": "2.0 t/t", "see_indirect": "0.3 t/t", "source": "communication 2026"},
                {"name": "hydrogen", "category": "Hydrogen", "mass": "10 t", "origin": "supplier", "supplier": "B",
                 "see_direct": "0 t/t", "see_indirect": "20.0 t/t", "source": "communication 2026"}]}
    p = compute_see(parse_installation(installation(acid))).process("acid")
    assert magnitude(p.see_indirect, "t/t") == pytest.approx(0.29)
    assert magnitude(p.see_indirect_counted, "t/t") == pytest.approx(0.09)
    assert magnitude(p.see_obligation, "t/t") == pytest.approx(0.69)


@pytest.mark.parametrize("report", ["AR4", "AR6"])
def test_another_gwp_report_is_refused_with_the_reason(report: str) -> None:
    """Implementing Reg. (EU) 2023/1773 Annex VIII section 3 fixes the GWP100 values (AR5: N2O 265, CF4 6,630,
    C2F6 11,100, as Reg. (EU) 2018/2066 Annex VI Table 6): an installation asking for another report is refused,
    naming the field and the rule, instead of silently computing other PFC CO2e."""
    with pytest.raises(InputError) as caught:
        parse_installation(installation(ELECTROLYSIS, gwp_assessment=report))
    assert caught.value.location is not None and caught.value.location.field == "gwp_assessment"
    assert f"'{report}' cannot be chosen" in str(caught.value) and "CF4 6,630" in str(caught.value)
    assert parse_installation(installation(ELECTROLYSIS)).gwp_assessment == "AR5"


def test_supplier_precursor_of_an_annex_ii_good_needs_no_indirect_see() -> None:
    """Reg. (EU) 2023/956 Art. 7(1), Annex II: bought crude steel (Annex II, direct only) may come without an
    indirect SEE: hot-rolled coil 100,000 t from 104,000 t slabs at SEE direct 1.9 → 197,600 t, 1.976 t/t direct,
    0 indirect. Bought ammonia (not Annex II) without one is refused, naming the field's owner."""
    coil = {"id": "hsm", "name": "hot strip mill", "category": "Iron or steel products", "cn_codes": ["7208 39 00"],
            "system_boundary": "mills", "activity_level": "100000 t",
            "precursors": [{"name": "slabs", "category": "Crude steel", "mass": "104000 t", "origin": "supplier",
                            "supplier": "mill A", "see_direct": "1.9 t/t", "source": "communication 2026"}]}
    p = compute_see(parse_installation(installation(coil))).process("hsm")
    assert magnitude(p.see_direct, "t/t") == pytest.approx(1.976)
    assert magnitude(p.see_indirect, "t/t") == pytest.approx(0.0)
    assert "no indirect SEE" in p.precursors[0].source
    acid = {"id": "acid", "name": "nitric acid plant", "category": "Nitric acid", "cn_codes": ["2808 00 00"],
            "system_boundary": "oxidation, absorption", "activity_level": "1000 t",
            "precursors": [{"name": "ammonia", "category": "Ammonia", "mass": "300 t", "origin": "supplier",
                            "supplier": "A", "see_direct": "2.0 t/t", "source": "communication 2026"}]}
    with pytest.raises(InputError) as caught:
        parse_installation(installation(acid))
    assert "needs see_indirect" in str(caught.value)
    assert caught.value.location is not None and caught.value.location.field == "processes[0].precursors[0]"


POTS = {"id": "pots", "name": "pot line", "category": "Unwrought aluminium", "cn_codes": ["7601 10 00"],
        "system_boundary": "electrolysis", "activity_level": "100000 t"}


def test_pfc_overvoltage_method_and_collection_efficiency() -> None:
    """Method B, overvoltage (MRR (EU) 2018/2066 Annex IV section 8, used by Implementing Reg. (EU) 2023/1773 Annex
    III for aluminium PFCs): CF4 = OVC × (AEO / CE) × Pr_Al; C2F6 = CF4 × F_C2F6/CF4; collection efficiency:
    PFC total = PFC collected ÷ collection efficiency (same section). Hand calculation, 100,000 t Al:
    OVC 1.16 kg CF4/t/mV, AEO 0.5 mV, CE 0.95 → CF4 = 1.16 × 0.5 / 0.95 × 100,000 kg = 61,052.63 kg = 61.05263 t
    collected; collection efficiency 0.98 → 62.29860 t total; C2F6 = 0.121 × 62.29860 = 7.538131 t;
    AR5 GWP100 → 62.29860 × 6,630 + 7.538131 × 11,100 = 413,039.7 + 83,673.3 = 496,713.0 t CO2e."""
    pfc = {"method": "overvoltage", "anode_effect_overvoltage_mv": 0.5, "overvoltage_cf4": "1.16 kg/t",
           "current_efficiency": 0.95, "c2f6_to_cf4": 0.121, "collection_efficiency": 0.98, "source": "test"}
    p = compute_see(parse_installation(installation({**POTS, "pfc": pfc}))).process("pots")
    assert p.pfc is not None
    cf4 = 1.16 * 0.5 / 0.95 * 100_000 / 1000 / 0.98
    assert magnitude(p.pfc.cf4, "t") == pytest.approx(cf4) and cf4 == pytest.approx(62.29860, rel=1e-6)
    assert magnitude(p.pfc.c2f6, "t") == pytest.approx(0.121 * cf4)
    assert magnitude(p.pfc.co2e, "t") == pytest.approx(cf4 * 6630 + 0.121 * cf4 * 11100)
    slope = {"method": "slope", "anode_effect_minutes_per_cell_day": 0.1, "slope_cf4": "0.143 kg/t",
             "c2f6_to_cf4": 0.121, "collection_efficiency": 0.5, "source": "test"}
    q = compute_see(parse_installation(installation({**POTS, "pfc": slope}))).process("pots")
    assert q.pfc is not None and magnitude(q.pfc.cf4, "t") == pytest.approx(1.43 / 0.5)  # 2.86 t total
    with pytest.raises(InputError, match="overvoltage method needs"):
        parse_installation(installation({**POTS, "pfc": {"method": "overvoltage", "c2f6_to_cf4": 0.1,
                                                         "source": "test"}}))
