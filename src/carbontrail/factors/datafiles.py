"""The datasets shipped inside the package, read from factors/data/*.csv into `FactorDataset`s."""

from __future__ import annotations

import csv
import io
from importlib import resources

from carbontrail.factors import geography
from carbontrail.factors.fuels import SECTORS, fuel_rows
from carbontrail.factors.model import Factor, FactorDataset

IPCC = ("ipcc2006-stationary-combustion", "2006")
ELECTRICITY = ("china-electricity", "2026.01")
ENERGY_HEAT = ("china-energy-and-heat", "2020")
USEEIO_SPEND = ("useeio-spend-ghg", "1.1-2013usd")
CURRENCY = ("currency-and-prices", "2024.1")
FREIGHT = ("freight-transport", "2026.1")
MATERIALS = ("purchased-materials", "2026.1")


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("carbontrail.factors").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")))


class _Builder:
    """Numbers the factors of one dataset as they are added."""

    def __init__(self, name: str, version: str):
        self.name, self.version = name, version
        self.factors: list[Factor] = []

    def add(self, activity: str, value: float, unit: str, gas: str, geo: str, year: int | None, series: str,
            source: str, confidence: str, notes: str = "") -> None:
        self.factors.append(Factor(
            id=f"{self.name}@{self.version}#{len(self.factors) + 1}", activity=activity, value=value, unit=unit,
            gas=gas, geography=geo, year=year, series=series, dataset=self.name, dataset_version=self.version,
            source=source, confidence=confidence, notes=notes))


def ipcc_stationary_combustion() -> FactorDataset:
    """IPCC 2006 Vol.2: NCV (Table 1.2), carbon content (1.3), CO2 (1.4), CH4/N2O (2.2 and 2.3) for 53 fuels."""
    b = _Builder(*IPCC)
    glo = geography.GLOBAL
    for row in fuel_rows():
        key, name, conf = row["fuel"], row["ipcc_name"], row["confidence"]
        biomass = row["biomass"] == "1"
        if row["ncv"]:
            b.add(f"ncv:{key}", float(row["ncv"]), "GJ/t", "", glo, 2006, "",
                  f"IPCC 2006 Vol.2 Ch.1 Table 1.2, {name}", conf,
                  f"net calorific value; range {row['ncv_lower']}–{row['ncv_upper']} GJ/t")
        b.add(f"carbon_content:{key}", float(row["carbon"]), "kg/GJ", "C", glo, 2006, "",
              f"IPCC 2006 Vol.2 Ch.1 Table 1.3, {name}", conf,
              f"default carbon content; range {row['carbon_lower']}–{row['carbon_upper']} kg C/GJ")
        co2_note = "biogenic CO2: report outside the scopes (IPCC memo item)" if biomass else "oxidation factor 1"
        b.add(f"combustion:{key}", float(row["co2"]), "kg/TJ", "CO2_biogenic" if biomass else "CO2", glo, 2006, "",
              f"IPCC 2006 Vol.2 Ch.1 Table 1.4, {name}", conf, f"{co2_note}; {row['notes']}")
        ch4 = "CH4_non_fossil" if biomass else "CH4_fossil"
        for sector, table in SECTORS.items():
            col = "energy" if sector == "energy_industries" else "manufacturing"
            for gas, column in ((ch4, "ch4"), ("N2O", "n2o")):
                value = float(row[f"{column}_{col}"])
                # Table 2.2 was checked against a second transcription (EU DR 2023/1185 Annex Part C
                # Table 1); Table 2.3 values that differ from it were entered by hand.
                checked = sector == "energy_industries" or value == float(row[f"{column}_energy"])
                b.add(f"combustion:{key}", value, "kg/TJ", gas, glo, 2006, sector,
                      f"{table}, {name}, {column.upper()}",
                      "high" if checked else "medium (Table 2.3 value entered by hand; verify)")
    return FactorDataset(*IPCC, tuple(b.factors), publisher="IPCC",
                         licence="IPCC defaults, public facts (see factors/data/README.md)",
                         description="IPCC 2006 Guidelines Vol.2 Energy, stationary combustion defaults for 53 fuels")


def china_electricity() -> FactorDataset:
    """China's electricity factors: national, regional grids, provinces; average, residual-proxy, fossil, footprint."""
    return _plain(ELECTRICITY, "china_electricity.csv", "MEE / NBS / NEA (compiled)",
                  "government announcements, public facts",
                  "China electricity CO2 factors 2021–2023 and the 2023 electricity carbon footprint")


def china_energy_and_heat() -> FactorDataset:
    """GB/T 2589-2020 energy coefficients, the natural-gas volumetric NCV and the default purchased-heat factor."""
    return _plain(ENERGY_HEAT, "china_energy_and_heat.csv", "SAC (GB/T 2589-2020); NDRC guidelines",
                  "public facts from national standards and guidelines",
                  "Energy coefficients (kgce), natural-gas NCV per Nm3, purchased-heat CO2 factor")


def _plain(spec: tuple[str, str], file: str, publisher: str, licence: str, description: str) -> FactorDataset:
    """A dataset whose CSV rows are factors as they are (columns as in china_energy_and_heat.csv)."""
    b = _Builder(*spec)
    for row in _rows(file):
        b.add(row["activity"], float(row["value"]), row["unit"], row["gas"], geography.resolve(row["geography"]),
              int(row["year"]) if row["year"] else None, row["series"], row["source"], row["confidence"],
              row["notes"])
    return FactorDataset(*spec, tuple(b.factors), publisher=publisher, licence=licence, description=description)


def useeio_spend() -> FactorDataset:
    """USEEIO total (cradle-to-producer-gate) GHG intensity per USD of each US sector, 2013 producer prices."""
    return _plain(USEEIO_SPEND, "useeio_spend_ghg.csv", "US EPA (USEEIO)", "CC0-1.0",
                  "Spend-based factors: row GCC of U = C·B·(I − A)⁻¹ of USEEIO, kg CO2e per USD (2013, producer price)")


def currency_and_prices() -> FactorDataset:
    """Yuan per US dollar (NBS annual averages) and the US CPI-U (BLS) that carry spend to the factors' price year."""
    return _plain(CURRENCY, "currency_and_prices.csv", "NBS; US BLS", "official statistics, public facts",
                  "CNY per USD annual average exchange rates and US CPI-U annual averages")


def freight_transport() -> FactorDataset:
    """Freight factors per tonne-km by mode (road truck classes, rail, inland waterway, sea, air)."""
    return _plain(FREIGHT, "freight_transport.csv", "UK Defra/DECC; KiM / CE Delft (via ETRR)", "public facts",
                  "Freight transport factors, kg CO2e (or CO2) per tonne-km, one published value per mode")


def purchased_materials() -> FactorDataset:
    """Mass-based factors for purchased materials where a published value exists (CBAM defaults)."""
    return _plain(MATERIALS, "purchased_materials.csv", "European Commission (CBAM default values)",
                  "public facts", "Mass-based factors for purchased materials, t CO2e per t")


def shipped() -> list[FactorDataset]:
    """Every dataset in the package."""
    return [ipcc_stationary_combustion(), china_electricity(), china_energy_and_heat(), useeio_spend(),
            currency_and_prices(), freight_transport(), purchased_materials()]
