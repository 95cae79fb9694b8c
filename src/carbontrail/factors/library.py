"""The factor library: versioned datasets, explicit selection with a recorded fallback chain, search, fuels.

Selection rule (`FactorLibrary.select`): among the active version of every dataset (the pinned one, else the
newest), take the factors of the activity (and series / gas when given); walk the geography chain
province → regional grid → national → global, and at each level take the most recent year ≤ the year asked;
the first level that has one wins. When two datasets offer a factor at that level, the one added later wins
(a user's own dataset over the shipped defaults); the explanation says so.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from carbontrail.errors import Conflict, FactorNotFound, InputError, Location
from carbontrail.factors import geography as places
from carbontrail.factors.datafiles import shipped
from carbontrail.factors.fuels import SECTORS, fuel_info
from carbontrail.factors.gwp import canonical_species
from carbontrail.factors.model import Factor, FactorDataset, FactorQuery, FuelData, Selection, version_key

ELECTRICITY_SERIES = {
    "average": "电力平均二氧化碳排放因子 — average CO2 factor of electricity consumed (location-based)",
    "excluding_market_nonfossil": "不包括市场化交易的非化石能源电量 — excluding market-traded non-fossil electricity "
                                  "(residual-mix proxy for the market-based method)",
    "fossil": "化石能源电力二氧化碳排放因子 — fossil-fuel electricity only",
    "footprint_2023": "2023 电力碳足迹因子 — life-cycle (carbon-footprint) factor, CO2e, for product footprints",
    "mee_reporting": "0.5703 t/MWh national factor of MEE enterprise GHG reporting (2022 reporting year)",
}

_LEVEL = {"province": "its regional grid", "grid": "the national value", "country": "the global default"}


class FactorLibrary:
    """Emission factors from several datasets, each possibly in several versions; immutable once built."""

    def __init__(self, datasets: Iterable[FactorDataset] = ()):
        self._datasets: tuple[FactorDataset, ...] = ()
        for ds in datasets:
            self._datasets = self._added(ds)

    def _added(self, ds: FactorDataset) -> tuple[FactorDataset, ...]:
        if any(d.name == ds.name and d.version == ds.version for d in self._datasets):
            raise Conflict(f"dataset '{ds.name}' version '{ds.version}' is already in the library; "
                           "a published version never changes, add a new version instead")
        return (*self._datasets, ds)

    @classmethod
    def default(cls) -> FactorLibrary:
        """The datasets shipped with carbontrail (loaded once, then shared)."""
        return _default_library()

    def with_datasets(self, datasets: Sequence[FactorDataset]) -> FactorLibrary:
        """A new library with `datasets` added after the existing ones (so they win ties)."""
        lib = FactorLibrary(self._datasets)
        for ds in datasets:
            lib._datasets = lib._added(ds)
        return lib

    # -- datasets and versions -----------------------------------------------------------------------
    def datasets(self) -> list[tuple[str, str]]:
        """Every (name, version) in the library, names alphabetically, versions oldest first."""
        return sorted(((d.name, d.version) for d in self._datasets), key=lambda nv: (nv[0], version_key(nv[1])))

    def dataset(self, name: str, version: str | None = None) -> FactorDataset:
        """A dataset by name, the newest version unless one is named."""
        versions = [d for d in self._datasets if d.name == name]
        if not versions:
            raise FactorNotFound(f"no factor dataset named '{name}'")
        if version is None:
            return max(versions, key=lambda d: version_key(d.version))
        for d in versions:
            if d.version == version:
                return d
        raise FactorNotFound(f"dataset '{name}' has no version '{version}' "
                             f"(it has {', '.join(sorted((d.version for d in versions), key=version_key))})")

    def _active(self, pins: Mapping[str, str] | None) -> list[FactorDataset]:
        """The version of each dataset that takes part, in the order the datasets were first added."""
        pins = dict(pins or {})
        for name, version in pins.items():
            self.dataset(name, version)  # an unknown pin is an error, never silently ignored
        order: list[str] = []
        for d in self._datasets:
            if d.name not in order:
                order.append(d.name)
        return [self.dataset(name, pins.get(name)) for name in order]

    # -- selection -----------------------------------------------------------------------------------
    def select(self, query: FactorQuery, pins: Mapping[str, str] | None = None) -> Selection:
        """The factor for `query`, walking the fallback chain; `FactorNotFound` says everything that was tried."""
        active = self._active(pins)
        rank = {d.name: i for i, d in enumerate(active)}
        activity = query.activity.strip().lower()
        of_activity = [f for d in active for f in d.factors if f.activity.lower() == activity]
        if not of_activity:
            raise FactorNotFound(f"no factor for activity '{query.activity}'{self._activity_hint(active, activity)}")
        candidates = of_activity
        if query.series is not None:
            candidates = [f for f in candidates if f.series == query.series]
            if not candidates:
                raise FactorNotFound(f"activity '{query.activity}' has no series '{query.series}' "
                                     f"(it has {_listing(f.series for f in of_activity)})")
        if query.gas is not None:
            gas = canonical_species(query.gas).upper()
            candidates = [f for f in candidates if canonical_species(f.gas).upper() == gas] if gas else candidates
            if not candidates:
                raise FactorNotFound(f"activity '{query.activity}' has no factor for gas '{query.gas}' "
                                     f"(it has {_listing(f.gas for f in of_activity)})")

        if query.geography is None:
            geos = sorted({f.geography for f in candidates})
            if len(geos) > 1:
                raise InputError(f"activity '{query.activity}' has factors for several geographies; name one",
                                 location=Location(field="geography"),
                                 expected=", ".join(places.label(g) for g in geos[:12]))
            asked, steps = geos[0], [geos[0]]
        else:
            asked = places.resolve(query.geography)
            steps = places.chain(asked)

        tried: list[str] = []
        passes = (False, True) if query.later_years and query.year is not None else (False,)
        for later in passes:
            for geo in steps:
                found = self._at(query, candidates, geo, later, rank, asked, tried)
                if found is not None:
                    return found
        raise FactorNotFound(
            f"no factor for '{query.activity}'"
            + (f" series '{query.series}'" if query.series else "")
            + (f" gas '{query.gas}'" if query.gas else "")
            + (f" in {query.year}" if query.year is not None else "")
            + f"; tried {'; '.join(tried)}")

    def _at(self, query: FactorQuery, candidates: list[Factor], geo: str, later: bool, rank: Mapping[str, int],
            asked: str, tried: list[str]) -> Selection | None:
        """The factor at one level of the chain (on or before the year; the earliest later year when `later`)."""
        here = [f for f in candidates if f.geography == geo]
        if not here:
            if not later:
                tried.append(f"{places.label(geo)}: no factor")
            return None
        year, chosen = _pick_later_year(here, query.year) if later else _pick_year(here, query.year)
        if not chosen:
            tried.append(f"{places.label(geo)}: only {_listing(str(f.year) for f in here)}, "
                         f"none {'after' if later else 'on or before'} {query.year}")
            return None
        best = max(rank[f.dataset] for f in chosen)
        winners = [f for f in chosen if rank[f.dataset] == best]
        kinds = {(f.series, f.gas) for f in winners}
        if len(kinds) > 1:
            raise InputError(
                f"activity '{query.activity}' in {places.label(geo)} has several factors; say which",
                location=Location(field="series" if len({s for s, _ in kinds}) > 1 else "gas"),
                expected=", ".join(f"series '{s}' gas '{g}'" for s, g in sorted(kinds)))
        factor = winners[0]
        tried.append(f"{places.label(geo)}: {factor.year if factor.year is not None else 'timeless'} "
                     f"factor found in {factor.dataset} {factor.dataset_version}")
        others = sorted({f"{f.dataset} {f.dataset_version}" for f in chosen if f.dataset != factor.dataset})
        if others:
            tried.append(f"also offered by {', '.join(others)}; the later-added dataset "
                         f"{factor.dataset} takes precedence")
        return Selection(factor, query, tuple(tried), geo, year,
                         _explain(query, asked, factor, geo, year, others))

    def _activity_hint(self, active: list[FactorDataset], activity: str) -> str:
        names = sorted({f.activity.lower() for d in active for f in d.factors})
        close = difflib.get_close_matches(activity, names, n=4, cutoff=0.6)
        return f"; did you mean {', '.join(close)}?" if close else ""

    def electricity(self, geography: str, year: int, series: str = "average",
                    pins: Mapping[str, str] | None = None, *, later_years: bool = False) -> Selection:
        """The grid factor (kg/kWh) for a province, grid or the nation in a year, province → grid → national,
        most recent year ≤ `year` (the earliest later year when `later_years` and nothing is older).
        Series: see `ELECTRICITY_SERIES`."""
        return self.select(FactorQuery("electricity", geography, year, series, later_years=later_years), pins)

    # -- fuels ---------------------------------------------------------------------------------------
    def fuel(self, name: str, sector: str = "manufacturing", pins: Mapping[str, str] | None = None) -> FuelData:
        """Calorific value, carbon content and CO2/CH4/N2O factors of a fuel (by IPCC key or a common name).

        CH4 from burning fossil fuels is fossil methane (AR6 GWP100 29.8, AR6 WG1 Table 7.15), so it is given
        as gas "CH4_fossil"; a biomass fuel's CH4 is "CH4_non_fossil" and its CO2 is biogenic (`biogenic_co2`).
        """
        if sector not in SECTORS:
            raise InputError(f"unknown combustion sector '{sector}'", location=Location(field="sector"),
                             expected=" or ".join(SECTORS))
        info = fuel_info(name)
        key = info.key

        def get(activity: str, gas: str | None = None, series: str | None = None) -> Factor | None:
            try:
                return self.select(FactorQuery(activity, places.NATIONAL, None, series, gas), pins).factor
            except FactorNotFound:
                return None

        carbon = get(f"carbon_content:{key}")
        co2 = get(f"combustion:{key}", "CO2_biogenic" if info.biomass else "CO2")
        ch4 = get(f"combustion:{key}", "CH4_non_fossil" if info.biomass else "CH4_fossil", sector)
        n2o = get(f"combustion:{key}", "N2O", sector)
        if carbon is None or co2 is None or ch4 is None or n2o is None:
            raise FactorNotFound(f"the factor library has no complete combustion data for '{key}' "
                                 f"(pins {dict(pins or {})})")
        ncv_mass = get(f"ncv:{key}")
        ncv_volume = get(f"ncv_volume:{key}")
        emission = {ch4.gas: ch4, "N2O": n2o}
        if not info.biomass:
            emission = {"CO2": co2, **emission}
        return FuelData(fuel=key, name=info.name, sector=sector, biomass=info.biomass,
                        ncv=ncv_volume or ncv_mass, ncv_mass=ncv_mass, carbon_content=carbon, emission=emission,
                        biogenic_co2=co2 if info.biomass else None,
                        energy_coefficient=get(f"energy_coefficient:{key}"), aliases=info.aliases)

    # -- search --------------------------------------------------------------------------------------
    def search(self, text: str | None = None, activity: str | None = None, geography: str | None = None,
               year: int | None = None, series: str | None = None, pins: Mapping[str, str] | None = None,
               all_versions: bool = False) -> list[Factor]:
        """Factors matching every filter given: `text` anywhere (activity, fuel names, place names, gas, source,
        notes, dataset); `activity` as a prefix ('combustion' finds every fuel); exact geography and year."""
        sets = self._datasets if all_versions else self._active(pins)
        found = [f for d in sets for f in d.factors]
        if activity:
            prefix = activity.strip().lower()
            found = [f for f in found if f.activity.lower().startswith(prefix)]
        if geography:
            code = places.resolve(geography)
            found = [f for f in found if f.geography == code]
        if year is not None:
            found = [f for f in found if f.year == year]
        if series:
            found = [f for f in found if f.series == series]
        if text:
            found = [f for f in found if _matches(f, text)]
        return found


def _matches(factor: Factor, text: str) -> bool:
    needle = text.strip().lower()
    fuel_key = None
    try:
        fuel_key = fuel_info(text).key
    except InputError:
        pass
    if fuel_key and factor.activity.endswith(f":{fuel_key}"):
        return True
    geo = places.resolve(text)
    if geo and geo == factor.geography:
        return True
    place = places.region(factor.geography)
    haystack = " ".join([factor.activity, factor.gas, factor.series, factor.source, factor.notes, factor.dataset,
                         factor.geography, *((place.name_zh, place.name_en) if place else ())]).lower()
    return needle in haystack


def _pick_year(factors: list[Factor], year: int | None) -> tuple[int | None, list[Factor]]:
    """The most recent year on or before `year` (any year when None); undated factors only if none is dated."""
    dated = [f for f in factors if f.year is not None and (year is None or f.year <= year)]
    if dated:
        best = max(f.year for f in dated if f.year is not None)
        return best, [f for f in dated if f.year == best]
    return None, [f for f in factors if f.year is None]


def _pick_later_year(factors: list[Factor], year: int | None) -> tuple[int | None, list[Factor]]:
    """The earliest dated year after `year` (used only when no level of the chain has an earlier one)."""
    later = [f for f in factors if f.year is not None and year is not None and f.year > year]
    if not later:
        return None, []
    best = min(f.year for f in later if f.year is not None)
    return best, [f for f in later if f.year == best]


def _listing(values: Iterable[str]) -> str:
    items = sorted({v if v else "''" for v in values})
    return ", ".join(items) if items else "nothing"


def _explain(query: FactorQuery, asked: str, factor: Factor, used: str, year: int | None,
             others: list[str]) -> str:
    parts = []
    if used != asked:
        region = places.region(asked)
        level = "the next level up"
        chain = places.chain(asked)
        if region and len(chain) > 1 and chain[1] == used:
            level = _LEVEL.get(region.kind, level)
        elif used == places.NATIONAL:
            level = "the national value"
        elif used == places.GLOBAL:
            level = "the global default"
        parts.append(f"{places.label(asked)} has none, so {level} {places.label(used)} is used")
    if query.year is not None and year is not None and year != query.year:
        if year < query.year:
            parts.append(f"no {query.year} value, so {year} (the most recent earlier year) is used")
        else:
            parts.append(f"no value on or before {query.year} at any level, so {year} (the earliest later year, "
                         f"where the series starts) is used")
    if others:
        parts.append(f"{factor.dataset} takes precedence over {', '.join(others)}")
    what = query.activity + (f" [{factor.series}]" if factor.series else "")
    when = f" {query.year}" if query.year is not None else ""
    how = "; ".join(parts) if parts else "exact match"
    return (f"{what} for {places.label(asked)}{when}: {how} → {factor.value:g} {factor.unit} {factor.gas} "
            f"({places.label(used)}{f' {year}' if year is not None else ''}; {factor.dataset} "
            f"{factor.dataset_version}; {factor.source}; confidence {factor.confidence or 'not stated'})")


@lru_cache(maxsize=1)
def _default_library() -> FactorLibrary:

    return FactorLibrary(shipped())
