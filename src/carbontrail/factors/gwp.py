"""Global warming potentials (GWP100) of the IPCC assessment reports, AR6 by default.

Data: `globalwarmingpotentials` 0.13.2 (openclimatedata, CC0) for SAR…AR6 — AR6 from WG1 Ch.7 SM
Table 7.SM.7; CH4 fossil / non-fossil from AR6 WG1 Table 7.15 (29.8 / 27.0) and AR5 WG1 Ch.8 (30 / 28).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from carbontrail.errors import InputError

DEFAULT_ASSESSMENT = "AR6"
ASSESSMENTS = ("SAR", "TAR", "AR4", "AR5", "AR6")
DATASET = "IPCC GWP100 (globalwarmingpotentials 0.13.2 + AR6 Table 7.15 CH4 split)"

# Spellings of the same species in inventories, LCA databases and our templates.
_ALIASES = {
    "CO2": "CO2", "CARBON DIOXIDE": "CO2", "CO2E": "CO2",
    "CH4": "CH4", "METHANE": "CH4",
    "CH4_FOSSIL": "CH4_fossil", "CH4 FOSSIL": "CH4_fossil", "METHANE, FOSSIL": "CH4_fossil",
    "CH4_NON_FOSSIL": "CH4_non_fossil", "CH4 NON-FOSSIL": "CH4_non_fossil", "CH4_BIOGENIC": "CH4_non_fossil",
    "METHANE, BIOGENIC": "CH4_non_fossil", "METHANE, NON-FOSSIL": "CH4_non_fossil",
    "N2O": "N2O", "DINITROGEN MONOXIDE": "N2O", "NITROUS OXIDE": "N2O",
    "SF6": "SF6", "SULFUR HEXAFLUORIDE": "SF6", "SULPHUR HEXAFLUORIDE": "SF6",
    "NF3": "NF3", "NITROGEN TRIFLUORIDE": "NF3",
    "CF4": "CF4", "PFC-14": "CF4", "TETRAFLUOROMETHANE": "CF4", "METHANE, TETRAFLUORO-": "CF4",
    "C2F6": "C2F6", "PFC-116": "C2F6", "HEXAFLUOROETHANE": "C2F6", "ETHANE, HEXAFLUORO-": "C2F6",
    "C3F8": "C3F8", "PFC-218": "C3F8",
}


@dataclass(frozen=True)
class GWP:
    """A GWP100 value with where it comes from."""

    species: str
    assessment: str
    value: float
    source: str


def canonical_species(name: str) -> str:
    """The registry's name for a gas ('methane, fossil' → 'CH4_fossil'; HFC-134a → HFC134a)."""
    key = name.strip().upper()
    if key in _ALIASES:
        return _ALIASES[key]
    return key.replace("-", "").replace(" ", "")


@lru_cache(maxsize=1)
def _table() -> dict[tuple[str, str], GWP]:
    table: dict[tuple[str, str], GWP] = {}
    text = resources.files("carbontrail.factors").joinpath(
        "data/gwp_ipcc_reports_globalwarmingpotentials_v0.13.2.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#"))
    for row in rows:
        species = row["Species"].strip()
        for assessment in ASSESSMENTS:
            cell = (row.get(f"{assessment}GWP100") or "").strip()
            if cell:
                table[(species.upper(), assessment)] = GWP(
                    species, assessment, float(cell),
                    f"{DATASET}, {assessment}GWP100 column, species {species}")
    for assessment in ASSESSMENTS:
        table[("CO2", assessment)] = GWP("CO2", assessment, 1.0, "definition (CO2 = 1)")
    # Fossil / non-fossil methane: AR6 WG1 Table 7.15; AR5 WG1 Ch.8 Table 8.A.1 (fossil includes its
    # oxidation to CO2). Older reports give one value, used for both.
    split = {"AR6": (29.8, 27.0), "AR5": (30.0, 28.0)}
    for assessment in ASSESSMENTS:
        fossil, non_fossil = split.get(assessment, (table[("CH4", assessment)].value,) * 2)
        src = "AR6 WG1 Table 7.15" if assessment == "AR6" else (
            "AR5 WG1 Ch.8 Table 8.A.1" if assessment == "AR5" else f"{assessment} (no fossil split)")
        table[("CH4_FOSSIL", assessment)] = GWP("CH4_fossil", assessment, fossil, src)
        table[("CH4_NON_FOSSIL", assessment)] = GWP("CH4_non_fossil", assessment, non_fossil, src)
    return table


def gwp100(species: str, assessment: str = DEFAULT_ASSESSMENT) -> GWP:
    """GWP100 of a gas in an assessment report; unknown gases or reports are an `InputError`."""
    report = assessment.upper()
    if report not in ASSESSMENTS:
        raise InputError(f"unknown assessment report '{assessment}'", expected=", ".join(ASSESSMENTS))
    key = canonical_species(species).upper()
    try:
        return _table()[(key, report)]
    except KeyError:
        raise InputError(f"no {report} GWP100 for gas '{species}'",
                         expected="a gas such as CO2, CH4_fossil, N2O, SF6, CF4, C2F6") from None


def species() -> list[str]:
    """Every gas with a GWP100 in the table."""
    return sorted({g.species for g in _table().values()})
