"""The 53 fuels of IPCC 2006 stationary combustion, and the names people use for them (天然气, diesel, 烟煤 …)."""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from carbontrail.errors import InputError

SECTORS = {
    "manufacturing": "IPCC 2006 Vol.2 Ch.2 Table 2.3 (manufacturing industries and construction)",
    "energy_industries": "IPCC 2006 Vol.2 Ch.2 Table 2.2 (energy industries)",
}
FUEL_FILE = "data/ipcc2006_stationary_combustion.csv"


@dataclass(frozen=True)
class FuelInfo:
    """A fuel's key, its IPCC name, whether it is biomass, and its other names."""

    key: str
    name: str
    biomass: bool
    aliases: tuple[str, ...]


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-/&()（）]", "", text).lower()


def fuel_rows() -> list[dict[str, str]]:
    """The rows of the shipped IPCC fuel table (comments dropped)."""
    text = resources.files("carbontrail.factors").joinpath(FUEL_FILE).read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")))


@lru_cache(maxsize=1)
def _fuels() -> tuple[dict[str, FuelInfo], dict[str, str]]:
    fuels: dict[str, FuelInfo] = {}
    names: dict[str, str] = {}
    for row in fuel_rows():
        info = FuelInfo(row["fuel"], row["ipcc_name"], row["biomass"] == "1",
                        tuple(a for a in row["aliases"].split("|") if a))
        fuels[info.key] = info
        for spelling in (info.key, info.name, *info.aliases):
            names.setdefault(_norm(spelling), info.key)
    return fuels, names


def fuels() -> list[FuelInfo]:
    """Every fuel of the table, in its order."""
    return list(_fuels()[0].values())


def fuel_info(name: str) -> FuelInfo:
    """The fuel a name means ('柴油', 'diesel', 'gas_diesel_oil' → gas_diesel_oil), or `InputError` with close matches."""
    table, names = _fuels()
    key = names.get(_norm(name))
    if key:
        return table[key]
    close = difflib.get_close_matches(_norm(name), list(names), n=5, cutoff=0.6)
    suggestions = sorted({table[names[c]].key for c in close})
    hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
    raise InputError(f"unknown fuel '{name}'{hint}",
                     expected="one of the 53 IPCC 2006 fuels (e.g. natural_gas, gas_diesel_oil, other_bituminous_coal) "
                              "or a common name such as 天然气, 柴油, 烟煤, diesel")
