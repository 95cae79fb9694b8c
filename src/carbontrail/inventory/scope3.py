"""Scope 3 of the organisational inventory: category 1 (purchased goods and services) and 4 (upstream transport).

Method (GHG Protocol Scope 3 Standard and its Technical Guidance, ch. 1 and 4):
- category 1, supplier-specific: purchased quantity × the supplier's own cradle-to-gate footprint of that product
  (primary data). The footprint applies when the record's `item` is the footprint's product key and, if the record
  names a supplier, the footprint comes from that supplier.
- category 1, otherwise (secondary data): the record's `category` names a library factor —
  `material:<key>` (mass-based, per t/kg) or `spend:useeio:<BEA code>` (spend-based, kg CO2e per USD of 2013 at
  producer prices). Spend in yuan is converted at the NBS annual average rate of the purchase year, then carried
  from that year's dollars to the factor's price year with the US CPI-U (both factors of the library).
- category 4: tonne-km × the freight factor of the mode the record's `category` names (`freight:<mode>`).
Each line keeps every factor it used, and says whether it rests on primary or secondary data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

import pint

from carbontrail.errors import FactorNotFound, InputError, Location, UnitError
from carbontrail.factors import Factor, FactorLibrary, FactorQuery, Selection
from carbontrail.inventory.records import Activity, FactorUse
from carbontrail.factors.gwp import gwp100
from carbontrail.units import magnitude, parse_unit, ureg

if TYPE_CHECKING:
    from carbontrail.lca.external import ExternalFootprint

PURCHASED_GOODS = "purchased_goods"
UPSTREAM_TRANSPORT = "upstream_transport"
SCOPE3_KINDS: tuple[str, ...] = (PURCHASED_GOODS, UPSTREAM_TRANSPORT)
SPEND_PREFIX = "spend:"
MATERIAL_PREFIX = "material:"
FREIGHT_PREFIX = "freight:"
EXCHANGE_RATE = "exchange_rate:CNY_per_USD"
PRICE_INDEX = "price_index:us_cpi_u"

Method = Literal["supplier_footprint", "spend_based", "mass_based", "transport_mode"]


@dataclass(frozen=True)
class Scope3Line:
    """One scope 3 line: what was bought or moved, from whom, how much, the factor behind it and the result."""

    facility: str
    category: int  # 1 purchased goods and services | 4 upstream transportation and distribution
    period_start: date
    item: str
    supplier: str
    quantity: float
    unit: str
    method: Method
    primary: bool
    kg_co2e: float
    factor_value: float
    factor_unit: str
    factors: tuple[FactorUse, ...]
    biogenic_kg: float = 0.0  # reported beside the scopes, as the GHG Protocol asks
    note: str = ""

    @property
    def co2e_t(self) -> float:
        return self.kg_co2e / 1000.0

    @property
    def data(self) -> str:
        return "primary" if self.primary else "secondary"


def freight_key(mode: str) -> str:
    """The library activity of a transport mode ('rail' and 'freight:rail' both give 'freight:rail')."""
    mode = mode.strip()
    return mode if mode.lower().startswith(FREIGHT_PREFIX) else f"{FREIGHT_PREFIX}{mode}"


def transport_modes(library: FactorLibrary) -> list[str]:
    """The freight modes the library has a factor for (without the 'freight:' prefix)."""
    return sorted({f.activity[len(FREIGHT_PREFIX):] for f in library.search(activity=FREIGHT_PREFIX)})


def _is_currency(q: pint.Quantity | pint.Unit) -> bool:
    dims = q.dimensionality
    return len(dims) == 1 and next(iter(dims)).startswith("[currency_") and next(iter(dims.values())) == 1


def check_activity(library: FactorLibrary, kind: str, category: str, unit: str) -> tuple[str, str, str] | None:
    """(field, reason, expected) when a scope 3 row cannot be computed, or None; for row-level import checks."""
    if kind == UPSTREAM_TRANSPORT:
        if not category:
            return "category", "an upstream_transport row needs its transport mode in category", \
                ", ".join(transport_modes(library))
        known = {f.activity.lower() for f in library.search(activity=FREIGHT_PREFIX)}
        if freight_key(category).lower() not in known:
            return "category", f"unknown transport mode '{category}'", ", ".join(transport_modes(library))
        return None
    if kind != PURCHASED_GOODS:
        return None
    expected = "spend:useeio:<BEA code> (quantity in CNY or USD) or material:<key> (quantity in t or kg)"
    if not category:
        if unit and _is_currency(parse_unit(unit)):
            return "category", "a purchase given as spend needs its spend-based factor in category", expected
        # a physical purchase may rest on the supplier's own footprint alone (it may arrive later over PACT);
        # the inventory names the record if neither supplier data nor a fallback factor is there by then
        return None
    key = category.strip().lower()
    found = [f for f in library.search(activity=key) if f.activity.lower() == key]
    if not found:
        return "category", f"the factor library has no factor '{category}'", expected
    if not unit:
        return None
    q = parse_unit(unit)
    factor_unit = ureg.Quantity(1.0, found[0].unit)
    if key.startswith(SPEND_PREFIX) or (factor_unit * ureg.Quantity(1.0, "USD")).check("[mass]"):
        if not _is_currency(q):
            return "unit", f"'{unit}' is not a currency but '{category}' is a spend-based factor", \
                "an amount in CNY (yuan, 万元) or USD"
        return None
    try:
        (q * factor_unit).to("kg")
    except pint.errors.DimensionalityError:
        return "unit", f"'{unit}' does not fit the factor '{category}' ({found[0].unit})", \
            f"a quantity the factor is per (its unit is {found[0].unit})"
    return None


class Scope3Calculator:
    """Applies supplier footprints and library factors to scope 3 activity records; caches factor selections."""

    def __init__(self, library: FactorLibrary, footprints: Mapping[str, ExternalFootprint] | None,
                 pins: Mapping[str, str], gwp: str = "AR6"):
        self.lib = library
        self.footprints = dict(footprints or {})
        self.pins = pins
        self.gwp = gwp
        self._cache: dict[tuple[object, ...], Selection] = {}

    def _select(self, query: FactorQuery) -> Selection:
        key = (query.activity, query.geography, query.year, query.later_years)
        if key not in self._cache:
            self._cache[key] = self.lib.select(query, pins=self.pins)
        return self._cache[key]

    def line(self, act: Activity) -> Scope3Line:
        if act.kind == UPSTREAM_TRANSPORT:
            return self.transport(act)
        return self.purchase(act)

    # -- category 1 ----------------------------------------------------------------------------------
    def _footprint(self, act: Activity) -> ExternalFootprint | None:
        fp = self.footprints.get(act.item)
        if fp is None:
            return None
        if act.supplier and fp.supplier and act.supplier.strip().casefold() != fp.supplier.strip().casefold():
            return None
        return fp

    def purchase(self, act: Activity) -> Scope3Line:
        unit = f"{act.quantity.units:~}"
        fp = self._footprint(act)
        note = ""
        if fp is not None:
            try:
                fossil, biogenic = fp.per_unit(unit)
            except UnitError:
                note = (f"supplier footprint of '{fp.flow}' is per {fp.fossil.units:~} and cannot take a quantity in "
                        f"{unit}; secondary factor used")
            else:

                amount = float(act.quantity.magnitude)
                use = FactorUse(fp.flow, fossil, f"kg/{unit}", "CO2e", fp.geography, fp.year, "supplier",
                                f"supplier: {fp.supplier}" if fp.supplier else "supplier", fp.version, fp.source)
                return Scope3Line(act.facility, 1, act.period_start, act.item, act.supplier or fp.supplier, amount,
                                  unit, "supplier_footprint", True, amount * fossil, fossil, f"kg CO2e/{unit}",
                                  (use,), biogenic_kg=amount * biogenic)
        return self._secondary(act, note)

    def _secondary(self, act: Activity, note: str) -> Scope3Line:

        key = act.category.strip()
        if not key:
            raise InputError(f"purchase of '{act.item}'" + (f" from '{act.supplier}'" if act.supplier else "")
                             + f" in {act.period_start:%Y-%m} has no supplier footprint and no secondary factor",
                             location=Location(field="category"),
                             expected="spend:useeio:<BEA code> or material:<key>")
        year = act.period_start.year
        unit = f"{act.quantity.units:~}"
        amount = float(act.quantity.magnitude)
        if _is_currency(act.quantity):
            sel = self._select(FactorQuery(key, year=None))
            factor = sel.factor
            usd, used, steps = self._to_factor_dollars(act.quantity, year, factor)
            per_usd = magnitude(factor.quantity, "kg/USD")
            kg = usd * per_usd * self._gwp(factor)
            note = "; ".join(p for p in (note, *steps) if p)
            return Scope3Line(act.facility, 1, act.period_start, act.item, act.supplier, amount, unit, "spend_based",
                              False, kg, factor.value, factor.unit, (*used, FactorUse.of(factor, sel.explanation)),
                              note=note)
        sel = self._select(FactorQuery(key, geography=act.province, year=year, later_years=True))
        factor = sel.factor
        try:
            kg = float((act.quantity * factor.quantity).to("kg").magnitude) * self._gwp(factor)
        except pint.errors.DimensionalityError:
            raise UnitError(f"'{unit}' does not fit the factor '{key}' ({factor.unit})", location=Location(field="unit"),
                            expected=f"a quantity the factor is per ({factor.unit})") from None
        return Scope3Line(act.facility, 1, act.period_start, act.item, act.supplier, amount, unit, "mass_based",
                          False, kg, factor.value, factor.unit, (FactorUse.of(factor, sel.explanation),), note=note)

    def _to_factor_dollars(self, spend: pint.Quantity, year: int,
                           factor: Factor) -> tuple[float, tuple[FactorUse, ...], tuple[str, ...]]:
        """Spend as USD of the factor's price year: yuan → USD at the purchase year's rate, then CPI-U."""

        used: list[FactorUse] = []
        steps: list[str] = []
        if spend.check("[currency_usd]"):
            usd = magnitude(spend, "USD")
        elif spend.check("[currency_cny]"):
            rate = self._select(FactorQuery(EXCHANGE_RATE, geography="CN", year=year))
            cny_per_usd = magnitude(rate.factor.quantity, "CNY/USD")
            usd = magnitude(spend, "CNY") / cny_per_usd
            used.append(FactorUse.of(rate.factor, rate.explanation))
            steps.append(f"{magnitude(spend, 'CNY'):,.2f} CNY / {cny_per_usd} CNY per USD ({rate.used_year}) "
                         f"= {usd:,.2f} USD")
        else:
            raise UnitError(f"no exchange rate for '{spend.units:~}'", location=Location(field="unit"),
                            expected="an amount in CNY (yuan, 万元) or USD")
        price_year = factor.year
        if price_year is not None and price_year != year:
            now = self._select(FactorQuery(PRICE_INDEX, geography="US", year=year))
            then = self._select(FactorQuery(PRICE_INDEX, geography="US", year=price_year))
            ratio = then.factor.value / now.factor.value
            steps.append(f"× CPI-U {then.factor.year} {then.factor.value} / {now.factor.year} {now.factor.value} "
                         f"= {usd * ratio:,.2f} USD of {price_year}")
            usd *= ratio
            used.extend((FactorUse.of(now.factor, now.explanation), FactorUse.of(then.factor, then.explanation)))
        return usd, tuple(used), tuple(steps)

    def _gwp(self, factor: Factor) -> float:
        """1 for factors already in CO2e (or CO2); a single-gas factor is weighted by its GWP100."""
        gas = factor.gas or "CO2e"
        if gas.upper() in ("CO2E", "CO2"):
            return 1.0
        return gwp100(gas, self.gwp).value

    # -- category 4 ----------------------------------------------------------------------------------
    def transport(self, act: Activity) -> Scope3Line:

        key = freight_key(act.category)
        try:
            sel = self._select(FactorQuery(key, year=None))
        except FactorNotFound:
            raise InputError(f"unknown transport mode '{act.category}'", location=Location(field="category"),
                             expected=", ".join(transport_modes(self.lib))) from None
        factor = sel.factor
        unit = f"{act.quantity.units:~}"
        try:
            tkm = magnitude(act.quantity, "tkm")
        except UnitError:
            raise UnitError(f"'{unit}' is not transport work", location=Location(field="unit"),
                            expected="tonne-kilometres (t-km, tkm)") from None
        kg = tkm * magnitude(factor.quantity, "kg/tkm") * self._gwp(factor)
        note = "CO2 only (other gases and fuel supply not in the factor)" if factor.gas.upper() == "CO2" else ""
        return Scope3Line(act.facility, 4, act.period_start, act.item, act.supplier, float(act.quantity.magnitude),
                          unit, "transport_mode", False, kg, factor.value, factor.unit,
                          (FactorUse.of(factor, sel.explanation),), note=note)


__all__ = [
    "PURCHASED_GOODS",
    "SCOPE3_KINDS",
    "UPSTREAM_TRANSPORT",
    "Scope3Calculator",
    "Scope3Line",
    "check_activity",
    "freight_key",
    "transport_modes",
]
