"""Specific embedded emissions: hand-worked examples for a simple good, a complex good and an aluminium smelter."""

from __future__ import annotations

import copy

import pytest

from carbontrail.cbam import DefaultValues, compute_see, parse_installation
from carbontrail.errors import CalculationError, FactorNotFound, ImportRejected, InputError
from carbontrail.units import magnitude

PERIOD = {"start": "2025-01-01", "end": "2025-12-31"}


def installation(*processes: dict, **extra: object) -> dict:
    return {"name": "test works", "operator": "test operator", "reporting_period": PERIOD,
            "processes": list(processes), **extra}


CLINKER = {
    "id": "kiln", "name": "rotary kiln", "category": "Cement clinker", "cn_codes": ["2523 10 00"],
    "system_boundary": "raw meal preparation, kiln, cooler", "activity_level": "1000000 t",
    "source_streams": [
        {"name": "clinker (calcination)", "method": "process", "amount": "1000000 t",
         "emission_factor": "0.525 t/t", "source": "test"},
        {"name": "bituminous coal", "method": "combustion", "amount": "110000 t", "ncv": "0.0258 TJ/t",
         "emission_factor": "94.6 t/TJ", "oxidation_factor": 0.99, "source": "IPCC 2006 Vol.2 Tables 1.2, 1.4"},
    ],
    "electricity": [{"amount": "60000 MWh", "emission_factor": "0.5306 t/MWh", "source": "test"}],
}


def test_simple_good_cement_clinker() -> None:
    """Clinker, no precursors (hand calculation):
    calcination 1,000,000 t × 0.525 t/t = 525,000 t CO2
    coal 110,000 t × 0.0258 TJ/t = 2,838 TJ × 94.6 t/TJ × 0.99 = 265,790.052 t CO2
    direct = 790,790.052 t → SEE direct = 0.790790052 t/t
    electricity 60,000 MWh × 0.5306 t/MWh = 31,836 t → SEE indirect = 0.031836 t/t."""
    result = compute_see(parse_installation(installation(CLINKER))).process("kiln")
    assert magnitude(result.components["process"], "t") == pytest.approx(525_000.0)
    assert magnitude(result.components["combustion"], "t") == pytest.approx(265_790.052)
    assert magnitude(result.see_direct, "t/t") == pytest.approx(0.790790052)
    assert magnitude(result.see_indirect, "t/t") == pytest.approx(0.031836)
    assert result.default_share == 0.0


ROLLING = {
    "id": "hsm", "name": "hot strip mill", "category": "Iron or steel products", "cn_codes": ["7208 39 00"],
    "system_boundary": "reheating furnace, mills", "activity_level": "100000 t",
    "source_streams": [{"name": "natural gas", "method": "combustion", "amount": "3000000 Nm3",
                        "ncv": "0.038931 GJ/Nm3", "emission_factor": "56.1 t/TJ", "source": "test"}],
    "electricity": [{"amount": "10000 MWh", "emission_factor": "0.5306 t/MWh", "source": "test"}],
    "precursors": [
        {"name": "slabs", "category": "Crude steel", "mass": "104000 t", "origin": "supplier",
         "supplier": "mill A", "see_direct": "1.9 t/t", "see_indirect": "0.15 t/t", "source": "communication 2025"},
        {"name": "ferro-manganese", "category": "Alloys (FeMn, FeCr, FeNi)", "mass": "1000 t", "origin": "supplier",
         "supplier": "alloy maker B", "see_direct": "2.5 t/t", "see_indirect": "3.0 t/t",
         "source": "communication 2025"},
    ],
}


def test_complex_good_with_two_precursors() -> None:
    """Hot-rolled coil from crude steel and a ferro-alloy (hand calculation):
    gas 3,000,000 Nm3 × 0.038931 GJ/Nm3 = 116.793 TJ × 56.1 t/TJ = 6,552.0873 t CO2 (attributed direct)
    electricity 10,000 MWh × 0.5306 = 5,306 t (attributed indirect)
    direct   = 6,552.0873 + 104,000 × 1.9 + 1,000 × 2.5 = 206,652.0873 t → 2.066520873 t/t
    indirect = 5,306 + 104,000 × 0.15 + 1,000 × 3.0 = 23,906 t → 0.23906 t/t."""
    result = compute_see(parse_installation(installation(ROLLING))).process("hsm")
    assert magnitude(result.attributed_direct, "t") == pytest.approx(6_552.0873)
    assert magnitude(result.see_direct, "t/t") == pytest.approx(2.066520873)
    assert magnitude(result.see_indirect, "t/t") == pytest.approx(0.23906)
    assert [c.origin for c in result.precursors] == ["supplier", "supplier"]


SMELTER = {
    "id": "pots", "name": "CWPB pot line", "category": "Unwrought aluminium", "cn_codes": ["7601 10 00"],
    "system_boundary": "electrolysis", "activity_level": "100000 t",
    "source_streams": [{"name": "anodes", "method": "mass_balance", "amount": "41000 t",
                        "carbon_content": "0.976 t/t", "source": "test"}],
    "pfc": {"method": "slope", "anode_effect_minutes_per_cell_day": 0.1, "slope_cf4": "0.143 kg/t",
            "c2f6_to_cf4": 0.121, "source": "test"},
}


@pytest.mark.parametrize(("report", "pfc_co2e"), [
    ("AR5", 1.43 * 6630 + 0.17303 * 11100),   # 11,401.533 t
])
def test_aluminium_smelter_with_anode_effects(report: str, pfc_co2e: float) -> None:
    """Smelter, 100,000 t Al (hand calculation):
    anodes 41,000 t × 0.976 t C/t × 3.664 = 146,618.624 t CO2
    CF4 = 0.143 kg/t per AE-min/cell-day × 0.1 × 100,000 t = 1.43 t; C2F6 = 1.43 × 0.121 = 0.17303 t
    AR5 GWP100 CF4 6,630, C2F6 11,100 → 11,401.533 t CO2e; AR6 7,380 / 12,400 → 12,698.972 t CO2e
    SEE direct (AR5) = (146,618.624 + 11,401.533) / 100,000 = 1.58020157 t/t."""
    result = compute_see(parse_installation(installation(SMELTER, gwp_assessment=report))).process("pots")
    assert result.pfc is not None
    assert magnitude(result.pfc.cf4, "t") == pytest.approx(1.43)
    assert magnitude(result.pfc.c2f6, "t") == pytest.approx(0.17303)
    assert magnitude(result.components["mass_balance"], "t") == pytest.approx(146_618.624)
    assert magnitude(result.components["pfc"], "t") == pytest.approx(pfc_co2e)
    assert magnitude(result.see_direct, "t/t") == pytest.approx((146_618.624 + pfc_co2e) / 100_000)
    if report == "AR5":
        assert magnitude(result.see_direct, "t/t") == pytest.approx(1.58020157)


def test_pfc_co2e_under_ar6_gwps_outside_cbam() -> None:
    """The AR6 case of the smelter test, moved: a CBAM installation refuses AR6 (its GWPs are fixed), but the PFC
    arithmetic under AR6 GWP100 (CF4 7,380, C2F6 12,400) is still 1.43 × 7,380 + 0.17303 × 12,400 = 12,698.972 t."""
    from carbontrail.cbam.emissions import pfc_emissions

    process = parse_installation(installation(SMELTER)).process("pots")
    pfc = pfc_emissions(process, "AR6")
    assert pfc is not None
    assert magnitude(pfc.co2e, "t") == pytest.approx(1.43 * 7380 + 0.17303 * 12400)


MISSING = {
    "id": "mill", "name": "rolling mill", "category": "Iron or steel products", "cn_codes": ["7208 39 00"],
    "system_boundary": "mill", "activity_level": "10000 t",
    "electricity": [{"amount": "1000 MWh", "emission_factor": "0.5 t/MWh", "source": "test"}],
    "precursors": [{"name": "bought ingots", "category": "Crude steel", "mass": "10500 t", "origin": "default",
                    "cn_code": "7206 10 00", "country": "CN"}],
}


@pytest.mark.parametrize(("year", "see_direct"), [(2025, 1.827), (2026, 2.0097), (2027, 2.1924), (2029, 2.3751)])
def test_default_value_with_markup_for_missing_precursor(year: int, see_direct: float) -> None:
    """The supplier sent nothing, so the default for CN 7206 10 00 from China applies: 1.74 t/t (2025/2621 via
    cbamdefaults.com) × (1 + mark-up): 2025 none → 1.74; 2026 +10 % → 1.914; 2027 +20 % → 2.088; 2029 +30 % → 2.262.
    SEE direct = 10,500 t × that / 10,000 t, e.g. 2026: 10,500 × 1.914 / 10,000 = 2.0097 t/t.
    Indirect = 1,000 MWh × 0.5 t/MWh / 10,000 t = 0.05 t/t; share from defaults 2026 = 20,097 / 20,597."""
    result = compute_see(parse_installation(installation(MISSING)), markup_year=year).process("mill")
    assert magnitude(result.see_direct, "t/t") == pytest.approx(see_direct)
    assert magnitude(result.see_indirect, "t/t") == pytest.approx(0.05)
    assert result.default_share == pytest.approx(see_direct * 10_000 / (see_direct * 10_000 + 500))
    if year == 2026:
        assert result.default_share == pytest.approx(20_097 / 20_597)
        assert result.precursors[0].markup == pytest.approx(0.10)


def test_own_precursor_carries_its_default_share() -> None:
    """Crude steel made on site from bought pig iron on defaults (hand calculation, user table, 2026):
    converter: 1,000 t pig iron × 2.0 × 1.10 = 2,200 t + 300 t own = 2,500 t for 1,000 t steel → 2.5 t/t, 88 % default;
    mill: 1,000 t steel × 2.5 = 2,500 t + 100 t own = 2,600 t for 1,000 t → 2.6 t/t; default 2,200 / 2,600."""
    table = DefaultValues.from_csv(
        "cn_code,country,see_direct,see_indirect,route,source,confidence\n7201,IN,2.0,,,test table,test\n",
        name="test-defaults", version="1")
    converter = {"id": "bof", "name": "converter", "category": "Crude steel", "cn_codes": ["7207 11 14"],
                 "system_boundary": "bof", "activity_level": "1000 t",
                 "source_streams": [{"name": "lime", "method": "process", "amount": "300 t",
                                     "emission_factor": "1 t/t", "source": "test"}],
                 "precursors": [{"name": "pig iron", "category": "Pig iron", "mass": "1000 t", "origin": "default",
                                 "cn_code": "7201 10 11", "country": "IN"}]}
    mill = {"id": "mill", "name": "mill", "category": "Iron or steel products", "cn_codes": ["7208 39 00"],
            "system_boundary": "mill", "activity_level": "1000 t",
            "source_streams": [{"name": "gas", "method": "process", "amount": "100 t", "emission_factor": "1 t/t",
                                "source": "test"}],
            "precursors": [{"name": "slabs", "category": "Crude steel", "mass": "1000 t", "origin": "own",
                            "process": "bof"}]}
    result = compute_see(parse_installation(installation(mill, converter)), defaults=table, markup_year=2026)
    assert magnitude(result.process("bof").see_direct, "t/t") == pytest.approx(2.5)
    assert result.process("bof").default_share == pytest.approx(0.88)
    assert magnitude(result.process("mill").see_direct, "t/t") == pytest.approx(2.6)
    assert result.process("mill").default_share == pytest.approx(2_200 / 2_600)
    assert result.defaults == "test-defaults 1"


def test_default_missing_for_country_is_an_error_not_zero() -> None:
    data = copy.deepcopy(MISSING)
    data["precursors"][0]["country"] = "TR"
    with pytest.raises(FactorNotFound, match="CN 7206 10 00 made in TR"):
        compute_see(parse_installation(installation(data)))


def test_loop_of_own_precursors_is_refused() -> None:
    a = {"id": "a", "name": "a", "category": "Crude steel", "cn_codes": ["7207 11 14"], "system_boundary": "a",
         "activity_level": "10 t", "precursors": [{"name": "p", "category": "Pig iron", "mass": "1 t",
                                                   "origin": "own", "process": "b"}]}
    b = {"id": "b", "name": "b", "category": "Pig iron", "cn_codes": ["7201 10 11"], "system_boundary": "b",
         "activity_level": "10 t", "precursors": [{"name": "s", "category": "Crude steel", "mass": "1 t",
                                                   "origin": "own", "process": "a"}]}
    with pytest.raises(CalculationError, match="loop"):
        compute_see(parse_installation(installation(a, b)))


def test_bad_input_names_the_field() -> None:
    data = copy.deepcopy(CLINKER)
    data["source_streams"][1]["amount"] = 110000
    with pytest.raises(InputError) as info:
        parse_installation(installation(data), file="kiln.yaml")
    assert info.value.location.file == "kiln.yaml"
    assert info.value.location.field == "processes[0].source_streams[1].amount"
    assert "has no unit" in info.value.message


def test_several_problems_reject_the_whole_file() -> None:
    first = copy.deepcopy(CLINKER)
    first["electricity"][0]["basis"] = "ppa"  # actual factor without evidence
    second = {**copy.deepcopy(CLINKER), "id": "kiln2", "cn_codes": ["7601 10 00"]}  # aluminium code on clinker
    with pytest.raises(ImportRejected) as info:
        parse_installation(installation(first, second), file="kiln.yaml")
    messages = " ".join(p.message for p in info.value.problems)
    assert "is 'Unwrought aluminium', not 'Cement clinker'" in messages
    assert "needs the evidence" in messages


def test_wrong_kind_of_unit_is_refused() -> None:
    data = copy.deepcopy(CLINKER)
    data["activity_level"] = "1000000 MWh"
    with pytest.raises(InputError, match="not a unit of mass"):
        parse_installation(installation(data))


NITRIC_ACID = {
    "id": "hno3", "name": "nitric acid plant", "category": "Nitric acid", "cn_codes": ["2808 00 00"],
    "system_boundary": "ammonia oxidation, absorption", "activity_level": "100000 t",
    "measurements": [{"name": "tail gas N2O (CEMS)", "gas": "N2O", "emissions": "100 t", "source": "test"}],
    "source_streams": [
        {"name": "biogas boiler", "method": "combustion", "amount": "20 TJ", "emission_factor": "56.1 t/TJ",
         "biomass_fraction": 0.5, "source": "test"},
        {"name": "carbon in, mass balance", "method": "mass_balance", "amount": "100 t", "carbon_content": "0.5 t/t",
         "source": "test"},
        {"name": "carbon out in product", "method": "mass_balance", "direction": "output", "amount": "50 t",
         "carbon_content": "0.4 t/t", "source": "test"},
    ],
    "heat_imported": [{"amount": "10 TJ", "emission_factor": "62 t/TJ", "source": "test"}],
    "heat_exported": [{"amount": "2 TJ", "emission_factor": "62 t/TJ", "source": "test"}],
    "precursors": [{"name": "ammonia", "category": "Ammonia", "mass": "29000 t", "origin": "supplier",
                    "supplier": "NH3 plant", "see_direct": "2.0 t/t", "see_indirect": "0.1 t/t", "source": "c"}],
}


def test_measurement_heat_biomass_and_mass_balance_outputs() -> None:
    """Nitric acid, 100,000 t (hand calculation, AR5 N2O GWP100 = 265):
    N2O 100 t × 265 = 26,500 t CO2e; biogas 20 TJ × 56.1 × (1 − 0.5) = 561 t;
    mass balance (100 × 0.5 − 50 × 0.4) × 3.664 = 30 × 3.664 = 109.92 t;
    heat +10 TJ × 62 = 620 t, −2 TJ × 62 = −124 t → attributed direct 27,666.92 t;
    ammonia 29,000 t × 2.0 = 58,000 t → SEE direct (27,666.92 + 58,000) / 100,000 = 0.8566692 t/t;
    indirect 29,000 × 0.1 / 100,000 = 0.029 t/t; fertilisers count both: 0.8856692 t/t."""
    from carbontrail.cbam import obligation_see

    result = compute_see(parse_installation(installation(NITRIC_ACID))).process("hno3")
    assert magnitude(result.components["measured"], "t") == pytest.approx(26_500)
    assert magnitude(result.components["combustion"], "t") == pytest.approx(561)
    assert magnitude(result.components["mass_balance"], "t") == pytest.approx(109.92)
    assert magnitude(result.components["heat_exported"], "t") == pytest.approx(-124)
    assert magnitude(result.attributed_direct, "t") == pytest.approx(27_666.92)
    assert magnitude(result.see_direct, "t/t") == pytest.approx(0.8566692)
    assert magnitude(result.see_indirect, "t/t") == pytest.approx(0.029)
    assert magnitude(obligation_see(result.see_direct, result.see_indirect, result.sector), "t/t") == \
        pytest.approx(0.8856692)
