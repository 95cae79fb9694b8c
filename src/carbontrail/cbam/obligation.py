"""Which embedded emissions count toward the CBAM obligation, the default-value mark-ups, and the importer's
annual view across suppliers with the 50-tonne de minimis check (Regulation (EU) 2025/2083)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pint

from carbontrail.cbam.defaults import DefaultValues, cn_code
from carbontrail.errors import InputError, Location
from carbontrail.units import convert, quantity

# Reg. (EU) 2023/956 Annex II lists the goods for which only direct emissions are taken into account: iron and
# steel, aluminium, hydrogen (and electricity). Cement and fertilisers count direct + indirect.
INDIRECT_COUNTS: dict[str, bool] = {
    "Cement": True, "Fertilisers": True,
    "Iron & Steel": False, "Aluminium": False, "Hydrogen": False, "Electricity": False,
}

# De minimis (Reg. (EU) 2023/956 as amended by Reg. (EU) 2025/2083): an importer whose cumulative net
# mass of goods imported in a calendar year does not exceed 50 t is exempt; electricity and hydrogen are outside
# the threshold (always covered). Sources: EP Legislative Observatory summary of 2025/0039(COD); PwC Malta
# "Regulation (EU) 2025/2083 simplifying the CBAM"; Garrigues tax blog on the same regulation.
DE_MINIMIS = 50.0  # t per importer per calendar year
OUTSIDE_THRESHOLD = ("Hydrogen", "Electricity")

# Mark-ups on default values (Implementing Reg. (EU) 2025/2621): +10 % 2026, +20 % 2027, +30 % from 2028; fertilisers
# +1 % (cbamdefaults.com "CBAM default value markups 2026–2028"; ecocheck cbam_default_value tool description).
MARKUPS: dict[int, float] = {2026: 0.10, 2027: 0.20}
MARKUP_FROM_2028 = 0.30
FERTILISER_MARKUP = 0.01


def counts_indirect(sector: str) -> bool:
    """Whether indirect emissions count toward the obligation for goods of `sector`."""
    if sector not in INDIRECT_COUNTS:
        raise InputError(f"unknown CBAM sector '{sector}'", expected=", ".join(INDIRECT_COUNTS))
    return INDIRECT_COUNTS[sector]


def obligation_see(see_direct: pint.Quantity, see_indirect: pint.Quantity, sector: str) -> pint.Quantity:
    """The SEE that counts toward the obligation: direct, plus indirect for cement and fertilisers."""
    return see_direct + see_indirect if counts_indirect(sector) else see_direct


def markup(year: int, sector: str) -> float:
    """The mark-up on default values in `year` (0 before the definitive period)."""
    if year < 2026:
        return 0.0
    if sector == "Fertilisers":
        return FERTILISER_MARKUP
    return MARKUPS.get(year, MARKUP_FROM_2028)


@dataclass(frozen=True)
class ImportLine:
    """Goods of one CN code from one supplier's installation, imported in the year. Without SEE values, the
    default value of the country of production (with mark-up) is used."""

    supplier: str
    installation: str
    cn_code: str
    country: str
    mass: pint.Quantity
    see_direct: pint.Quantity | None = None
    see_indirect: pint.Quantity | None = None
    source: str = ""


@dataclass(frozen=True)
class ImportResult:
    """One import line with the SEE used, its embedded and obligation emissions."""

    line: ImportLine
    category: str
    sector: str
    see_direct: pint.Quantity
    see_indirect: pint.Quantity
    basis: str  # "actual" or "default +x %"
    embedded: pint.Quantity
    obligation: pint.Quantity
    source: str


@dataclass(frozen=True)
class ImporterView:
    """An importer's year across suppliers: lines, totals, and the de minimis outcome."""

    year: int
    lines: tuple[ImportResult, ...]
    mass_under_threshold: pint.Quantity  # goods that count toward the 50 t (not hydrogen or electricity)
    exempt: bool
    embedded: pint.Quantity
    obligation: pint.Quantity  # 0 for exempt goods
    default_share: float  # share of embedded emissions resting on default values


def importer_view(lines: Sequence[ImportLine], year: int, defaults: DefaultValues | None = None) -> ImporterView:
    """Aggregate an importer's lines for `year`; goods inside the threshold count nothing while the total mass
    of such goods stays at or below 50 t (the exemption is all-or-nothing for the year)."""
    table = defaults or DefaultValues.shipped()
    results = [_line(line, year, table, n) for n, line in enumerate(lines)]
    threshold_mass = sum((convert(r.line.mass, "t") for r in results if r.sector not in OUTSIDE_THRESHOLD),
                         quantity(0.0, "t"))
    exempt = threshold_mass.magnitude <= DE_MINIMIS
    counted = [r.obligation for r in results if not (exempt and r.sector not in OUTSIDE_THRESHOLD)]
    embedded = sum((r.embedded for r in results), quantity(0.0, "t"))
    from_defaults = sum((r.embedded for r in results if r.basis != "actual"), quantity(0.0, "t"))
    share = float((from_defaults / embedded).to("dimensionless").magnitude) if embedded.magnitude > 0 else 0.0
    return ImporterView(year, tuple(results), threshold_mass, exempt, embedded,
                        sum(counted, quantity(0.0, "t")), share)


def _line(line: ImportLine, year: int, table: DefaultValues, n: int) -> ImportResult:
    where = Location(row=n + 1, field="cn_code")
    entry = cn_code(line.cn_code, location=where)
    mass = convert(line.mass, "t", location=Location(row=n + 1, field="mass"))
    if line.see_direct is not None:
        see_d = convert(line.see_direct, "t/t", location=Location(row=n + 1, field="see_direct"))
        see_i = (convert(line.see_indirect, "t/t", location=Location(row=n + 1, field="see_indirect"))
                 if line.see_indirect is not None else quantity(0.0, "t/t"))
        basis, source = "actual", line.source or f"{line.supplier}, {line.installation}"
    else:
        value = table.lookup(line.cn_code, line.country)
        rate = markup(year, entry.sector)
        see_d = value.see_direct * (1 + rate)
        see_i = value.see_indirect * (1 + rate) if value.see_indirect is not None else quantity(0.0, "t/t")
        basis = f"default +{rate:.0%}"
        source = f"{value.dataset} {value.dataset_version}; {value.source}"
    embedded = convert(mass * (see_d + see_i), "t")
    obligation = convert(mass * obligation_see(see_d, see_i, entry.sector), "t")
    return ImportResult(line, entry.category, entry.sector, see_d, see_i, basis, embedded, obligation, source)
