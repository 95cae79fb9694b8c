"""The organisational GHG inventory: scope 1 by gas and source, scope 2 location- and market-based, energy in tce.

Method (GHG Protocol Corporate Standard and Scope 2 Guidance; China's enterprise accounting practice):
- fuel combustion: quantity × net calorific value → TJ; × IPCC 2006 default factor per gas (kg/TJ); CO2e by GWP100.
  CH4 from burning fossil fuels is fossil methane (AR6 GWP 29.8, AR6 WG1 Table 7.15).
- process emissions: the gas mass the enterprise reports × GWP100.
- purchased electricity, location-based: the grid factor of the facility's province and the period's year, through
  the factor library's fallback chain (province → regional grid → national; nearest earlier year).
- purchased electricity, market-based: a contractual instrument's own factor (renewable certificates and green-power
  trades default to 0); electricity without an instrument takes the residual-mix proxy. China publishes no residual
  mix; the MEE/NBS national factor "excluding market-traded non-fossil electricity" is the official figure built
  to avoid double counting green power, so it is the default proxy (`residual="location"` uses the grid average).
- purchased heat and steam: energy × the heat factor of the library.
- energy use in tce: fuels by their GB/T 2589 coefficient where the library has one, else by NCV (1 tce = 29.3076 GJ);
  electricity at its calorific equivalent 0.1229 kgce/kWh (GB/T 2589-2020); heat and steam by energy content.
- intensities per 10⁴ yuan of industrial value added: energy (tce) and CO2e (scope 1 + scope 2 location-based,
  the basis of the provincial CO2-intensity indicator, which counts electricity's indirect emissions).
- scope 3 categories 1 and 4 (purchased goods and services, upstream transport): see inventory/scope3.py; they are
  reported beside scopes 1 and 2 and never enter the intensities.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Literal

import pint

from carbontrail.errors import FactorNotFound, InputError, Location
from carbontrail.factors import FactorLibrary, FactorQuery
from carbontrail.factors.gwp import gwp100
from carbontrail.inventory.records import Activity, ClaimUse, FactorUse
from carbontrail.inventory.scope3 import SCOPE3_KINDS, Scope3Calculator, Scope3Line
from carbontrail.units import convert, magnitude

if TYPE_CHECKING:
    from carbontrail.lca.external import ExternalFootprint

ActivityKind = Literal["fuel_combustion", "electricity", "heat", "steam", "process", "production", "value_added",
                       "purchased_goods", "upstream_transport"]
KINDS: tuple[str, ...] = ("fuel_combustion", "electricity", "heat", "steam", "process", "production", "value_added",
                          *SCOPE3_KINDS)
RENEWABLE_INSTRUMENTS = frozenset({"GEC", "I-REC", "green_power_trade", "PPA", "direct_line"})
TCE_GJ = 29.3076


@dataclass(frozen=True)
class EmissionLine:
    """Emissions of one gas from one activity record, in tonnes of gas and of CO2e."""

    facility: str
    scope: int
    category: str  # stationary_combustion | mobile_combustion | process | purchased_electricity | purchased_heat | purchased_steam
    basis: str  # "" for scope 1; "location" or "market" for scope 2
    gas: str
    period_start: date
    item: str
    activity_amount: float
    activity_unit: str
    gas_t: float
    gwp: float
    co2e_t: float
    factors: tuple[FactorUse, ...]


@dataclass(frozen=True)
class EnergyLine:
    """Energy use of one activity record in tce, with the coefficient used."""

    facility: str
    kind: str
    item: str
    period_start: date
    tce: float
    method: str


@dataclass(frozen=True)
class InventoryOptions:
    """Choices that change the numbers; stored with the result so it can be recomputed identically."""

    gwp: str = "AR6"
    electricity_series: str = "average"
    residual: Literal["national_excluding_market_nonfossil", "location"] = "national_excluding_market_nonfossil"
    combustion_sector: str = "manufacturing"
    pins: Mapping[str, str] = field(default_factory=dict)
    #: A period older than every published factor of a series (the 2020 base year: China's MEE/NBS grid series
    #: start with 2021) takes the series' earliest year, and each such line says so. False makes it an error.
    later_years: bool = True


@dataclass(frozen=True)
class InventoryResult:
    """An organisation's (or facility's) inventory for a period, with every line and factor behind it."""

    organisation: str
    period_start: date
    period_end: date
    options: InventoryOptions
    lines: tuple[EmissionLine, ...]
    energy: tuple[EnergyLine, ...]
    value_added_10k_yuan: float
    production: Mapping[str, tuple[float, str]]
    scope3: tuple[Scope3Line, ...] = ()
    #: the claims the market-based scope 2 took at zero emissions, the matching level and the MWh they matched
    claims: tuple[ClaimUse, ...] = ()
    claims_matching: str = ""
    claims_matched_mwh: float = 0.0

    @property
    def has_data(self) -> bool:
        """Whether any record fell in the period: without one, its zeros mean "no data", not zero emissions."""
        return bool(self.lines or self.energy or self.scope3 or self.value_added_10k_yuan or self.production)

    # -- totals ------------------------------------------------------------------------------------
    def _sum(self, scope: int, basis: str = "") -> float:
        return sum(line.co2e_t for line in self.lines if line.scope == scope and line.basis == basis)

    @property
    def scope1_t(self) -> float:
        return self._sum(1)

    @property
    def scope2_location_t(self) -> float:
        return self._sum(2, "location")

    @property
    def scope2_market_t(self) -> float:
        return self._sum(2, "market")

    @property
    def energy_tce(self) -> float:
        return sum(e.tce for e in self.energy)

    @property
    def energy_intensity(self) -> float | None:
        """tce per 10⁴ yuan of industrial value added."""
        return self.energy_tce / self.value_added_10k_yuan if self.value_added_10k_yuan else None

    @property
    def co2_intensity(self) -> float | None:
        """t CO2e (scope 1 + scope 2 location-based) per 10⁴ yuan of industrial value added."""
        if not self.value_added_10k_yuan:
            return None
        return (self.scope1_t + self.scope2_location_t) / self.value_added_10k_yuan

    def scope1_by_gas(self) -> dict[str, float]:
        return self._scope1_by("gas")

    def scope1_by_category(self) -> dict[str, float]:
        return self._scope1_by("category")

    def _scope1_by(self, key: Literal["gas", "category"]) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for line in self.lines:
            if line.scope == 1:
                out[getattr(line, key)] += line.co2e_t
        return dict(sorted(out.items()))

    def by_facility(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for line in self.lines:
            key = "scope1" if line.scope == 1 else f"scope2_{line.basis}"
            out[line.facility][key] += line.co2e_t
        for e in self.energy:
            out[e.facility]["energy_tce"] += e.tce
        return {k: dict(v) for k, v in sorted(out.items())}

    def monthly(self) -> dict[str, dict[str, float]]:
        """Per month (YYYY-MM): scope 1, scope 2 location/market, energy tce — for trend charts."""
        out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for line in self.lines:
            key = "scope1" if line.scope == 1 else f"scope2_{line.basis}"
            out[line.period_start.strftime("%Y-%m")][key] += line.co2e_t
        for e in self.energy:
            out[e.period_start.strftime("%Y-%m")]["energy_tce"] += e.tce
        return {k: dict(v) for k, v in sorted(out.items())}

    def energy_mix(self) -> dict[str, float]:
        """tce by energy carrier (fuel name, electricity, heat, steam)."""
        out: dict[str, float] = defaultdict(float)
        for e in self.energy:
            out[e.item if e.kind == "fuel_combustion" else e.kind] += e.tce
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    @property
    def scope3_t(self) -> float:
        """Scope 3 categories 1 and 4, t CO2e."""
        return sum(line.co2e_t for line in self.scope3)

    def scope3_by_category(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for line in self.scope3:
            key = f"category_{line.category}"
            out[key] = out.get(key, 0.0) + line.co2e_t
        return dict(sorted(out.items()))

    def scope3_by_data(self) -> dict[str, float]:
        """Scope 3 t CO2e resting on primary (suppliers' own) and on secondary (library) data."""
        out = {"primary": 0.0, "secondary": 0.0}
        for line in self.scope3:
            out[line.data] += line.co2e_t
        return out

    @property
    def scope3_primary_share(self) -> float | None:
        """Share of scope 3 emissions computed from suppliers' own footprints (None without scope 3 lines)."""
        total = self.scope3_t
        return self.scope3_by_data()["primary"] / total if total else None

    def factors_used(self) -> list[FactorUse]:
        seen: dict[tuple[str, str, str, str, int | None, str], FactorUse] = {}
        for line in (*self.lines, *self.scope3):
            for f in line.factors:
                seen.setdefault((f.dataset, f.dataset_version, f.activity, f.geography, f.year, f.gas), f)
        return sorted(seen.values(), key=lambda f: (f.dataset, f.activity, f.geography, f.gas))

    def summary(self) -> dict[str, object]:
        return {
            "organisation": self.organisation,
            "period": {"start": self.period_start.isoformat(), "end": self.period_end.isoformat()},
            "gwp": self.options.gwp,
            "scope1_t_co2e": self.scope1_t,
            "scope1_by_gas_t_co2e": self.scope1_by_gas(),
            "scope1_by_category_t_co2e": self.scope1_by_category(),
            "scope2_location_t_co2e": self.scope2_location_t,
            "scope2_market_t_co2e": self.scope2_market_t,
            "energy_tce": self.energy_tce,
            "value_added_10k_yuan": self.value_added_10k_yuan,
            "energy_intensity_tce_per_10k_yuan": self.energy_intensity,
            "co2_intensity_t_per_10k_yuan": self.co2_intensity,
            "production": {k: {"quantity": q, "unit": u} for k, (q, u) in self.production.items()},
            "by_facility": self.by_facility(),
            "monthly": self.monthly(),
            "energy_mix_tce": self.energy_mix(),
            "scope3_t_co2e": self.scope3_t,
            "scope3_by_category_t_co2e": self.scope3_by_category(),
            "scope3_by_data_t_co2e": self.scope3_by_data(),
            "scope3_primary_share": self.scope3_primary_share,
            "certificate_claims": {"matching": self.claims_matching, "matched_mwh": self.claims_matched_mwh,
                                   "claims": [asdict(c) for c in self.claims]},
        }


def compute_inventory(
    organisation: str,
    period_start: date,
    period_end: date,
    activities: Iterable[Activity],
    library: FactorLibrary,
    options: InventoryOptions | None = None,
    supplier_footprints: Mapping[str, ExternalFootprint] | None = None,
) -> InventoryResult:
    """The inventory of the activities that fall inside [period_start, period_end]. `supplier_footprints` (product
    key → a supplier's own footprint) replace secondary factors in scope 3 category 1 where they match."""
    options = options or InventoryOptions()
    calc = _Calculator(library, options)
    scope3_calc = Scope3Calculator(library, supplier_footprints, options.pins, options.gwp)
    scope3: list[Scope3Line] = []
    lines: list[EmissionLine] = []
    energy: list[EnergyLine] = []
    value_added = 0.0
    production: dict[str, pint.Quantity] = {}
    for act in activities:
        if act.period_start < period_start or act.period_end > period_end:
            continue
        try:
            if act.kind == "fuel_combustion":
                lines.extend(calc.fuel(act))
                energy.append(calc.fuel_energy(act))
            elif act.kind == "electricity":
                lines.extend(calc.electricity(act))
                energy.append(EnergyLine(act.facility, act.kind, act.item or "electricity", act.period_start,
                                         magnitude(act.quantity, "kWh") * 0.1229 / 1000,
                                         "0.1229 kgce/kWh, calorific equivalent (GB/T 2589-2020)"))
            elif act.kind in ("heat", "steam"):
                lines.extend(calc.heat(act))
                energy.append(calc.heat_energy(act))
            elif act.kind == "process":
                lines.append(calc.process(act))
            elif act.kind == "value_added":
                value_added += magnitude(act.quantity, "wan_yuan")
            elif act.kind == "production":
                before = production.get(act.item)
                production[act.item] = act.quantity if before is None else before + convert(
                    act.quantity, str(before.units))
            elif act.kind in SCOPE3_KINDS:
                scope3.append(scope3_calc.line(act))
            else:
                raise InputError(f"unknown activity kind '{act.kind}'", expected=", ".join(KINDS))
        except InputError as exc:
            raise exc.at(file=act.source or None, field="item") from None
    return InventoryResult(
        organisation=organisation,
        period_start=period_start,
        period_end=period_end,
        options=options,
        lines=tuple(lines),
        energy=tuple(energy),
        value_added_10k_yuan=value_added,
        production={k: (float(q.magnitude), f"{q.units:~}") for k, q in sorted(production.items())},
        scope3=tuple(scope3),
    )


class _Calculator:
    """Applies factors to activities; caches factor selections (the same query recurs every month)."""

    def __init__(self, library: FactorLibrary, options: InventoryOptions):
        self.lib = library
        self.opt = options
        self._gwp: dict[str, float] = {}
        self._cache: dict[tuple[object, ...], object] = {}

    def gwp(self, gas: str) -> float:
        if gas not in self._gwp:
            self._gwp[gas] = gwp100(gas, self.opt.gwp).value
        return self._gwp[gas]

    def _cached(self, key: tuple[object, ...], make):  # type: ignore[no-untyped-def]
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # -- scope 1 -------------------------------------------------------------------------------------
    def _fuel_data(self, fuel: str):  # type: ignore[no-untyped-def]
        return self._cached(("fuel", fuel), lambda: self.lib.fuel(fuel, sector=self.opt.combustion_sector,
                                                                 pins=self.opt.pins))

    def _fuel_tj(self, act: Activity) -> tuple[float, FactorUse | None]:
        """Energy content of a fuel quantity in TJ, and the NCV used (none when given as energy)."""
        if act.quantity.check("[energy]"):
            return magnitude(act.quantity, "TJ"), None
        data = self._fuel_data(act.item)
        ncv = data.ncv
        ncv_q = ncv.quantity  # e.g. GJ/t or GJ/Nm3
        try:
            energy = (act.quantity * ncv_q).to("TJ")
        except pint.errors.DimensionalityError:
            raise InputError(
                f"'{act.quantity.units:~}' cannot be converted with the net calorific value of '{act.item}' "
                f"({ncv.value} {ncv.unit})", location=Location(field="unit"),
                expected=f"a quantity measured like the NCV's denominator ({ncv.unit})") from None
        return float(energy.magnitude), FactorUse.of(ncv)

    def fuel(self, act: Activity) -> list[EmissionLine]:
        data = self._fuel_data(act.item)
        tj, ncv_use = self._fuel_tj(act)
        category = "mobile_combustion" if act.category == "mobile" else "stationary_combustion"
        lines = []
        for gas, factor in sorted(data.emission.items()):
            gas_t = tj * magnitude(factor.quantity, "kg/TJ") / 1000.0
            gwp = self.gwp(gas)
            used = (ncv_use, FactorUse.of(factor)) if ncv_use else (FactorUse.of(factor),)
            lines.append(EmissionLine(act.facility, 1, category, "", gas, act.period_start, act.item,
                                      float(act.quantity.magnitude), f"{act.quantity.units:~}",
                                      gas_t, gwp, gas_t * gwp, used))
        return lines

    def fuel_energy(self, act: Activity) -> EnergyLine:
        data = self._fuel_data(act.item)
        coef = getattr(data, "energy_coefficient", None)
        if coef is not None and not act.quantity.check("[energy]"):
            try:
                kgce = float((act.quantity * coef.quantity).to("kgce").magnitude)
                return EnergyLine(act.facility, act.kind, act.item, act.period_start, kgce / 1000,
                                  f"{coef.value} {coef.unit} ({coef.source})")
            except pint.errors.DimensionalityError:
                pass  # the coefficient is per another unit (e.g. per m³ for a fuel given in t): use the NCV
        tj, _ = self._fuel_tj(act)
        return EnergyLine(act.facility, act.kind, act.item, act.period_start, tj * 1000 / TCE_GJ,
                          "net calorific value, 1 tce = 29.3076 GJ")

    def process(self, act: Activity) -> EmissionLine:
        if not act.gas:
            raise InputError("a process-emission record needs the gas it reports",
                             location=Location(field="gas"), expected="CO2, CH4, N2O, SF6, CF4, C2F6 …")
        gas_t = magnitude(act.quantity, "t")
        gwp = self.gwp(act.gas)
        return EmissionLine(act.facility, 1, "process", "", act.gas, act.period_start, act.item,
                            float(act.quantity.magnitude), f"{act.quantity.units:~}", gas_t, gwp, gas_t * gwp, ())

    # -- scope 2 -------------------------------------------------------------------------------------
    def _grid(self, province: str, year: int, series: str):  # type: ignore[no-untyped-def]
        return self._cached(("grid", province, year, series),
                            lambda: self.lib.electricity(province, year, series=series, pins=self.opt.pins,
                                                         later_years=self.opt.later_years))

    def electricity(self, act: Activity) -> list[EmissionLine]:
        kwh = magnitude(act.quantity, "kWh")
        year = act.period_start.year
        loc = self._grid(act.province, year, self.opt.electricity_series)
        loc_kg = magnitude(loc.factor.quantity, "kg/kWh")
        loc_use = FactorUse.of(loc.factor, loc.explanation)
        amount, unit = float(act.quantity.magnitude), f"{act.quantity.units:~}"
        lines = [EmissionLine(act.facility, 2, "purchased_electricity", "location", "CO2", act.period_start,
                              act.item or "electricity", amount, unit, kwh * loc_kg / 1000, 1.0,
                              kwh * loc_kg / 1000, (loc_use,))]
        if act.instrument:
            if act.contract_factor is not None:
                mkt_kg = act.contract_factor
            elif act.instrument in RENEWABLE_INSTRUMENTS:
                mkt_kg = 0.0
            else:
                raise InputError(f"instrument '{act.instrument}' needs a contract_factor",
                                 location=Location(field="contract_factor"), expected="kg CO2e per kWh")
            use = FactorUse("electricity", mkt_kg, "kg/kWh", "CO2e", act.province, year,
                            f"contract:{act.instrument}", "contractual instrument", act.instrument_ref,
                            f"{act.instrument} {act.instrument_ref} from {act.supplier}".strip(), "")
        elif act.contract_factor is not None:  # supplier-specific factor without a certificate
            mkt_kg = act.contract_factor
            use = FactorUse("electricity", mkt_kg, "kg/kWh", "CO2e", act.province, year, "supplier-specific",
                            "supplier factor", "", f"supplier {act.supplier}", "")
        elif self.opt.residual == "location":
            mkt_kg, use = loc_kg, replace(loc_use, fallback=loc_use.fallback + "; market-based: grid average")
        else:
            res = self._grid(act.province, year, "excluding_market_nonfossil")
            mkt_kg = magnitude(res.factor.quantity, "kg/kWh")
            use = FactorUse.of(res.factor, "residual-mix proxy: " + res.explanation)
        lines.append(EmissionLine(act.facility, 2, "purchased_electricity", "market", "CO2", act.period_start,
                                  act.item or "electricity", amount, unit, kwh * mkt_kg / 1000, 1.0,
                                  kwh * mkt_kg / 1000, (use,)))
        return lines

    def _heat_gj(self, act: Activity) -> float:
        if act.quantity.check("[energy]"):
            return magnitude(act.quantity, "GJ")
        if not act.quantity.check("[mass]"):
            raise InputError(f"'{act.quantity.units:~}' is neither energy nor steam mass",
                             location=Location(field="unit"), expected="GJ, MJ, kWh or t of steam")
        try:
            sel = self._cached(("steam_enthalpy",), lambda: self.lib.select(
                FactorQuery(activity="steam_enthalpy"), pins=self.opt.pins))
        except FactorNotFound:
            # The heat in a tonne of steam depends on its pressure and temperature, so there is no honest default:
            # the NDRC guidelines take (enthalpy − 83.74 kJ/kg, water at 20 °C) × mass.
            raise InputError(
                f"{act.facility}: {act.quantity:~} of steam in {act.period_start:%Y-%m} cannot be turned into heat "
                "without the steam's enthalpy", location=Location(field="unit"),
                expected="the steam's heat in GJ ((enthalpy − 83.74 kJ/kg) × mass, NDRC guidelines), or a "
                         "'steam_enthalpy' factor in GJ/t in your own factor dataset") from None
        try:
            return float((act.quantity * sel.factor.quantity).to("GJ").magnitude)
        except pint.errors.DimensionalityError:
            raise InputError(f"'{act.quantity.units:~}' is neither energy nor steam mass",
                             location=Location(field="unit"), expected="GJ, MJ, kWh or t of steam") from None

    def heat(self, act: Activity) -> list[EmissionLine]:
        gj = self._heat_gj(act)
        sel = self._cached(("heat", act.province, act.period_start.year), lambda: self.lib.select(
            FactorQuery(activity="purchased_heat", geography=act.province, year=act.period_start.year,
                        later_years=self.opt.later_years),
            pins=self.opt.pins))
        kg_per_gj = magnitude(sel.factor.quantity, "kg/GJ")
        use = FactorUse.of(sel.factor, sel.explanation)
        category = f"purchased_{act.kind}"
        t = gj * kg_per_gj / 1000
        amount, unit = float(act.quantity.magnitude), f"{act.quantity.units:~}"
        return [EmissionLine(act.facility, 2, category, basis, "CO2", act.period_start, act.item or act.kind,
                             amount, unit, t, 1.0, t, (use,)) for basis in ("location", "market")]

    def heat_energy(self, act: Activity) -> EnergyLine:
        gj = self._heat_gj(act)
        return EnergyLine(act.facility, act.kind, act.item or act.kind, act.period_start, gj / TCE_GJ,
                          "energy content, 1 tce = 29.3076 GJ")


__all__ = [
    "Activity",
    "EmissionLine",
    "EnergyLine",
    "FactorUse",
    "InventoryOptions",
    "InventoryResult",
    "KINDS",
    "Scope3Line",
    "compute_inventory",
]
