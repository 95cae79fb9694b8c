"""IPCC 2006 stationary combustion: the shipped NCVs, carbon contents and factors against the published tables."""

from __future__ import annotations

import pytest

from carbontrail.errors import InputError
from carbontrail.factors import FactorLibrary
from carbontrail.factors.fuels import fuels
from carbontrail.factors.gwp import gwp100
from carbontrail.units import convert, magnitude, quantity


@pytest.fixture(scope="module")
def lib() -> FactorLibrary:
    return FactorLibrary.default()


def test_one_terajoule_of_natural_gas_in_manufacturing(lib: FactorLibrary) -> None:
    """IPCC 2006 Vol.2 Ch.1 Table 1.4: natural gas 56,100 kg CO2/TJ. Ch.2 Table 2.3 (manufacturing
    industries and construction): CH4 1 kg/TJ, N2O 0.1 kg/TJ. AR6 GWP100: fossil CH4 29.8 (WG1 Table 7.15),
    N2O 273. By hand: 56,100 + 1 × 29.8 + 0.1 × 273 = 56,100 + 29.8 + 27.3 = 56,157.1 kg CO2e = 56.1571 t."""
    gas = lib.fuel("natural_gas", sector="manufacturing")
    tj = quantity(1, "TJ")
    co2 = magnitude(tj * gas.emission["CO2"].quantity, "t")
    assert co2 == pytest.approx(56.1)
    assert magnitude(tj * gas.emission["CH4_fossil"].quantity, "kg") == pytest.approx(1.0)
    assert magnitude(tj * gas.emission["N2O"].quantity, "kg") == pytest.approx(0.1)
    co2e_kg = sum(magnitude(tj * f.quantity, "kg") * gwp100(g, "AR6").value for g, f in gas.emission.items())
    assert co2e_kg == pytest.approx(56_157.1)
    assert gas.emission["CO2"].source.startswith("IPCC 2006 Vol.2 Ch.1 Table 1.4")
    assert "Table 2.3" in gas.emission["N2O"].source


def test_energy_industries_use_table_2_2(lib: FactorLibrary) -> None:
    """Table 2.2 (energy industries) other bituminous coal: CH4 1, N2O 1.5 kg/TJ; Table 2.3 (manufacturing): CH4 10."""
    assert lib.fuel("other_bituminous_coal", sector="energy_industries").emission["CH4_fossil"].value == 1
    assert lib.fuel("other_bituminous_coal", sector="energy_industries").emission["N2O"].value == 1.5
    assert lib.fuel("other_bituminous_coal").emission["CH4_fossil"].value == 10
    with pytest.raises(InputError, match="sector"):
        lib.fuel("natural_gas", sector="households")


def test_hundred_tonnes_of_other_bituminous_coal(lib: FactorLibrary) -> None:
    """1 tce = 29.3076 GJ (GB/T 2589-2020). Other bituminous coal NCV 25.8 GJ/t (Table 1.2), CO2 94,600 kg/TJ
    (Table 1.4). 100 t × 25.8 GJ/t = 2,580 GJ = 2,580 / 29.3076 = 88.0318 tce; CO2 = 2.58 TJ × 94.6 t/TJ = 244.068 t."""
    assert magnitude(quantity(1, "tce"), "GJ") == pytest.approx(29.3076)
    coal = lib.fuel("烟煤")
    energy = quantity(100, "t") * coal.ncv.quantity
    assert magnitude(energy, "GJ") == pytest.approx(2580)
    assert magnitude(energy, "tce") == pytest.approx(88.0318, abs=1e-4)
    co2 = convert(energy * coal.emission["CO2"].quantity, "t")
    assert co2.magnitude == pytest.approx(244.068)
    assert coal.energy_coefficient is None  # GB/T 2589 has no row for this IPCC coal type: energy goes by NCV


@pytest.mark.parametrize(("fuel", "ncv", "carbon", "co2"), [
    # IPCC 2006 Vol.2 Ch.1 Table 1.2 (NCV, TJ/Gg), Table 1.3 (carbon, kg C/GJ), Table 1.4 (CO2, kg/TJ)
    ("natural_gas", 48.0, 15.3, 56_100),
    ("gas_diesel_oil", 43.0, 20.2, 74_100),
    ("motor_gasoline", 44.3, 18.9, 69_300),
    ("anthracite", 26.7, 26.8, 98_300),
    ("lignite", 11.9, 27.6, 101_000),
    ("coke_oven_coke", 28.2, 29.2, 107_000),
    ("blast_furnace_gas", 2.47, 70.8, 260_000),
    ("liquefied_petroleum_gases", 47.3, 17.2, 63_100),
    ("residual_fuel_oil", 40.4, 21.1, 77_400),
])
def test_ncv_carbon_and_co2_match_ipcc_tables(lib: FactorLibrary, fuel: str, ncv: float, carbon: float,
                                              co2: float) -> None:
    data = lib.fuel(fuel)
    assert data.ncv_mass is not None and data.ncv_mass.value == ncv and data.ncv_mass.unit == "GJ/t"
    assert data.carbon_content.value == carbon
    assert data.emission["CO2"].value == co2


def test_all_53_fuels_have_consistent_co2_factors(lib: FactorLibrary) -> None:
    """Table 1.4 is the carbon content × 44/12 (oxidation 1), rounded: within 0.5 % for every fuel."""
    names = fuels()
    assert len(names) == 53
    for info in names:
        data = lib.fuel(info.key)
        co2 = data.biogenic_co2 if info.biomass else data.emission["CO2"]
        assert co2 is not None
        assert co2.value == pytest.approx(data.carbon_content.value * 44 / 12 * 1000, rel=0.005), info.key


def test_biomass_co2_is_biogenic_and_its_methane_non_fossil(lib: FactorLibrary) -> None:
    """Wood/wood waste: CO2 112,000 kg/TJ (Table 1.4) reported outside the scopes; CH4 30, N2O 4 kg/TJ (Table 2.3)."""
    wood = lib.fuel("wood")
    assert wood.biomass and "CO2" not in wood.emission
    assert wood.biogenic_co2 is not None and wood.biogenic_co2.value == 112_000
    assert wood.emission["CH4_non_fossil"].value == 30 and wood.emission["N2O"].value == 4


@pytest.mark.parametrize(("name", "key"), [
    ("天然气", "natural_gas"), ("natural gas", "natural_gas"), ("柴油", "gas_diesel_oil"), ("Diesel", "gas_diesel_oil"),
    ("烟煤", "other_bituminous_coal"), ("焦炭", "coke_oven_coke"), ("LPG", "liquefied_petroleum_gases"),
    ("Gas/Diesel Oil", "gas_diesel_oil"),
])
def test_fuel_aliases(lib: FactorLibrary, name: str, key: str) -> None:
    assert lib.fuel(name).fuel == key


def test_unknown_fuel_lists_close_matches(lib: FactorLibrary) -> None:
    with pytest.raises(InputError, match="did you mean.*gas_diesel_oil"):
        lib.fuel("diesl")


def test_natural_gas_by_volume_and_energy_coefficients(lib: FactorLibrary) -> None:
    """NDRC guideline NCV of natural gas 389.31 GJ/10^4 Nm3: 10,000 Nm3 → 389.31 GJ → 0.38931 TJ × 56.1 t/TJ
    = 21.8403 t CO2. Diesel 1.4571 kgce/kg (GB/T 2589-2020): 10 t → 14.571 tce."""
    gas = lib.fuel("天然气")
    assert gas.ncv is not None and gas.ncv.unit == "GJ/Nm3"
    energy = quantity(10_000, "Nm3") * gas.ncv.quantity
    assert magnitude(energy, "GJ") == pytest.approx(389.31)
    assert magnitude(energy * gas.emission["CO2"].quantity, "t") == pytest.approx(21.8403, abs=1e-4)
    diesel = lib.fuel("柴油")
    assert diesel.energy_coefficient is not None
    assert magnitude(quantity(10, "t") * diesel.energy_coefficient.quantity, "tce") == pytest.approx(14.571)
