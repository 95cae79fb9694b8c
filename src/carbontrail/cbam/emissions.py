"""Attributed emissions and specific embedded emissions (SEE) per production process, direct and indirect apart.

SEE = (attributed emissions + Σ precursor mass × precursor SEE) / activity level (Implementing Reg. (EU) 2023/1773
Annex III), for simple goods (no precursors) and complex goods alike. Direct attributed = source streams + measured
gases + PFCs (as CO2e) + heat imported − heat exported; indirect attributed = electricity consumed × its factor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pint

from carbontrail.cbam.defaults import DefaultValues, sector_of
from carbontrail.cbam.model import Amount, Installation, Precursor, ProductionProcess, SourceStream
from carbontrail.cbam.obligation import counts_indirect, markup
from carbontrail.errors import CalculationError
from carbontrail.factors.gwp import gwp100
from carbontrail.units import convert, quantity

# t CO2 per t C: the ratio of molar masses 44.010 / 12.011 as the EU monitoring rules (2023/1773, MRR 2018/2066)
# print it.
CO2_PER_CARBON = 3.664


def _t(value: float) -> pint.Quantity:
    return quantity(value, "t")


def _zero() -> pint.Quantity:
    return _t(0.0)


def _need(value: Amount | float | None, what: str, owner: str) -> Amount | float:
    """A value the model's validation requires; missing only when a model was built without validation."""
    if value is None:
        raise CalculationError(f"'{owner}' has no {what}")
    return value


def _q(value: Amount | float | None, what: str, owner: str) -> pint.Quantity:
    found = _need(value, what, owner)
    if not isinstance(found, Amount):
        raise CalculationError(f"'{owner}': {what} needs a unit")
    return found.q


def stream_emissions(stream: SourceStream) -> pint.Quantity:
    """CO2 of one source stream (t), after its zero-rated biomass share."""
    amount = stream.amount.q
    if stream.method == "combustion":
        energy = amount if amount.check("[energy]") else amount * _q(stream.ncv, "ncv", stream.name)
        co2 = energy * _q(stream.emission_factor, "emission factor", stream.name) * stream.oxidation_factor
    elif stream.method == "process":
        co2 = amount * _q(stream.emission_factor, "emission factor", stream.name) * stream.conversion_factor
    else:
        sign = 1.0 if stream.direction == "input" else -1.0
        co2 = sign * amount * _q(stream.carbon_content, "carbon content", stream.name) * CO2_PER_CARBON
    return convert(co2 * (1.0 - stream.biomass_fraction), "t")


@dataclass(frozen=True)
class PFCResult:
    """PFC masses and their CO2e under the chosen assessment report's GWP100."""

    cf4: pint.Quantity
    c2f6: pint.Quantity
    co2e: pint.Quantity
    gwp_cf4: float
    gwp_c2f6: float
    assessment: str


def pfc_emissions(process: ProductionProcess, assessment: str) -> PFCResult | None:
    """CF4 and C2F6 of an aluminium electrolysis process (slope or overvoltage method, or measured)."""
    pfc = process.pfc
    if pfc is None:
        return None
    if pfc.method == "slope":
        minutes = float(_need(pfc.anode_effect_minutes_per_cell_day, "anode-effect minutes", process.id))
        ratio = float(_need(pfc.c2f6_to_cf4, "C2F6/CF4 ratio", process.id))
        cf4 = convert(_q(pfc.slope_cf4, "CF4 slope", process.id) * minutes * process.activity_level.q, "t")
        c2f6 = cf4 * ratio
    elif pfc.method == "overvoltage":
        overvoltage = float(_need(pfc.anode_effect_overvoltage_mv, "anode-effect overvoltage", process.id))
        efficiency = float(_need(pfc.current_efficiency, "current efficiency", process.id))
        ratio = float(_need(pfc.c2f6_to_cf4, "C2F6/CF4 ratio", process.id))
        cf4 = convert(_q(pfc.overvoltage_cf4, "CF4 overvoltage coefficient", process.id) * (overvoltage / efficiency)
                      * process.activity_level.q, "t")
        c2f6 = cf4 * ratio
    else:
        cf4 = convert(_q(pfc.cf4, "CF4 mass", process.id), "t")
        c2f6 = convert(_q(pfc.c2f6, "C2F6 mass", process.id), "t")
    if pfc.method != "measured" and pfc.collection_efficiency is not None:
        # the methods give what the duct collects; what escapes the pot hoods is the rest of the total
        cf4, c2f6 = cf4 / pfc.collection_efficiency, c2f6 / pfc.collection_efficiency
    g_cf4, g_c2f6 = gwp100("CF4", assessment).value, gwp100("C2F6", assessment).value
    return PFCResult(cf4, c2f6, cf4 * g_cf4 + c2f6 * g_c2f6, g_cf4, g_c2f6, assessment)


@dataclass(frozen=True)
class PrecursorContribution:
    """What one precursor brings into a process: mass × its SEE, direct and indirect, and where the SEE came from."""

    name: str
    category: str
    origin: str
    mass: pint.Quantity
    see_direct: pint.Quantity
    see_indirect: pint.Quantity
    embedded_direct: pint.Quantity
    embedded_indirect: pint.Quantity
    from_defaults: pint.Quantity  # the part of embedded_direct + embedded_indirect resting on default values
    source: str
    # the part of embedded_indirect that may count in a good counting indirect emissions: none when the precursor's
    # own good is one of Reg. (EU) 2023/956 Annex II (direct emissions only)
    embedded_indirect_counted: pint.Quantity
    markup: float | None = None


@dataclass(frozen=True)
class ProcessResult:
    """Attributed and embedded emissions of one process, its SEE per tonne of good, and the share from defaults."""

    process_id: str
    name: str
    category: str
    sector: str
    cn_codes: tuple[str, ...]
    route: str
    activity_level: pint.Quantity
    components: dict[str, pint.Quantity]  # direct parts: combustion, process, mass_balance, measured, pfc, heat …
    attributed_direct: pint.Quantity
    attributed_indirect: pint.Quantity
    precursors: tuple[PrecursorContribution, ...]
    embedded_direct: pint.Quantity
    embedded_indirect: pint.Quantity
    see_direct: pint.Quantity
    see_indirect: pint.Quantity
    default_share: float
    pfc: PFCResult | None
    methods: tuple[str, ...]
    electricity: tuple[str, ...]  # one line per electricity use: amount, factor, basis, source
    see_indirect_counted: pint.Quantity  # the indirect SEE that counts toward the obligation
    streams: tuple[tuple[str, str, pint.Quantity], ...]  # (name, method, t CO2) per source stream, for verifiers

    @property
    def see_obligation(self) -> pint.Quantity:
        """The SEE counting toward the obligation: direct, plus the indirect that crosses no Annex II boundary."""
        return self.see_direct + self.see_indirect_counted

    @property
    def see_total(self) -> pint.Quantity:
        """Direct + indirect SEE (t CO2e per t good)."""
        return self.see_direct + self.see_indirect

    @property
    def default_embedded(self) -> pint.Quantity:
        """Embedded emissions (t CO2e) that rest on default values."""
        return (self.embedded_direct + self.embedded_indirect) * self.default_share


@dataclass(frozen=True)
class InstallationResult:
    """Every process's result for one installation and period, and the rules used (GWPs, mark-up year, defaults)."""

    installation: str
    period: str
    gwp_assessment: str
    markup_year: int
    defaults: str
    processes: tuple[ProcessResult, ...] = field(default_factory=tuple)

    def process(self, process_id: str) -> ProcessResult:
        """The result of a process by id."""
        for p in self.processes:
            if p.process_id == process_id:
                return p
        raise CalculationError(f"no result for process '{process_id}'")


def compute_see(installation: Installation, *, defaults: DefaultValues | None = None,
                markup_year: int | None = None) -> InstallationResult:
    """SEE of every process of the installation; own precursors first, a loop among them is a `CalculationError`.

    `markup_year` (default: the year the reporting period ends) sets the mark-up on default values."""
    table = defaults or DefaultValues.shipped()
    year = markup_year if markup_year is not None else installation.reporting_period.end.year
    done: dict[str, ProcessResult] = {}
    for process in _in_order(installation):
        done[process.id] = _process(process, installation, done, table, year)
    period = f"{installation.reporting_period.start.isoformat()}/{installation.reporting_period.end.isoformat()}"
    return InstallationResult(installation.name, period, installation.gwp_assessment, year,
                              f"{table.name} {table.version}",
                              tuple(done[p.id] for p in installation.processes))


def _in_order(installation: Installation) -> list[ProductionProcess]:
    """Processes so that each comes after the processes making its own precursors."""
    by_id = {p.id: p for p in installation.processes}
    ordered: list[ProductionProcess] = []
    state: dict[str, str] = {}

    def visit(pid: str, trail: tuple[str, ...]) -> None:
        if state.get(pid) == "done":
            return
        if state.get(pid) == "visiting":
            loop = " → ".join((*trail[trail.index(pid):], pid))
            raise CalculationError(f"own precursors form a loop ({loop}); a process cannot consume what it "
                                   "needs to make itself")
        state[pid] = "visiting"
        for pre in by_id[pid].precursors:
            if pre.origin == "own" and pre.process:
                visit(pre.process, (*trail, pid))
        state[pid] = "done"
        ordered.append(by_id[pid])

    for p in installation.processes:
        visit(p.id, ())
    return ordered


def _process(process: ProductionProcess, installation: Installation, done: dict[str, ProcessResult],
             table: DefaultValues, year: int) -> ProcessResult:
    components: dict[str, pint.Quantity] = {}
    methods: list[str] = []
    streams: list[tuple[str, str, pint.Quantity]] = []
    for stream in process.source_streams:
        co2 = stream_emissions(stream)
        streams.append((stream.name, stream.method, co2))
        components[stream.method] = components.get(stream.method, _zero()) + co2
        methods.append(f"{stream.name}: calculation-based ({stream.method.replace('_', ' ')}); {stream.provenance()}")
    for m in process.measurements:
        gwp = gwp100(m.gas, installation.gwp_assessment).value
        components["measured"] = components.get("measured", _zero()) + convert(m.emissions.q, "t") * gwp
        methods.append(f"{m.name}: measurement-based ({m.gas}); {m.provenance()}")
    pfc = pfc_emissions(process, installation.gwp_assessment)
    if pfc is not None and process.pfc is not None:
        components["pfc"] = pfc.co2e
        methods.append(f"PFC ({process.pfc.method} method, GWP100 {pfc.assessment}: CF4 {pfc.gwp_cf4:g}, "
                       f"C2F6 {pfc.gwp_c2f6:g}); {process.pfc.provenance()}")
    for h in process.heat_imported:
        components["heat_imported"] = components.get("heat_imported", _zero()) + convert(
            h.amount.q * h.emission_factor.q, "t")
        methods.append(f"{h.name} imported: {h.amount} × {h.emission_factor}; {h.provenance()}")
    for h in process.heat_exported:
        components["heat_exported"] = components.get("heat_exported", _zero()) - convert(
            h.amount.q * h.emission_factor.q, "t")
        methods.append(f"{h.name} exported: −{h.amount} × {h.emission_factor}; {h.provenance()}")
    attributed_direct = sum(components.values(), _zero())

    attributed_indirect = _zero()
    electricity: list[str] = []
    for e in process.electricity:
        attributed_indirect = attributed_indirect + convert(e.amount.q * e.emission_factor.q, "t")
        electricity.append(f"{e.name}: {e.amount} × {e.emission_factor} ({e.basis.replace('_', ' ')}); "
                           f"{e.provenance()}" + (f"; evidence: {e.evidence}" if e.evidence else ""))

    contributions = tuple(_precursor(pre, installation, done, table, year) for pre in process.precursors)
    embedded_direct = attributed_direct + sum((c.embedded_direct for c in contributions), _zero())
    embedded_indirect = attributed_indirect + sum((c.embedded_indirect for c in contributions), _zero())
    level = convert(process.activity_level.q, "t")
    if embedded_direct.magnitude < 0 or embedded_indirect.magnitude < 0:
        raise CalculationError(f"process '{process.id}' ends with negative embedded emissions; check heat exported "
                               "and mass-balance outputs")
    total = embedded_direct + embedded_indirect
    sector = sector_of(process.category)
    # Reg. (EU) 2023/956 Art. 7(1) and Annex II: a good of Annex II counts direct emissions only, so neither its own
    # electricity nor its precursors' indirect emissions count; a good outside Annex II counts its own electricity
    # and the indirect emissions of precursors outside Annex II, but not those of an Annex II precursor (the
    # electrolysis electricity of hydrogen in ammonia), which are direct-only goods themselves
    counted_indirect = (attributed_indirect + sum((c.embedded_indirect_counted for c in contributions),
                                                  _zero())) if counts_indirect(sector) else _zero()
    from_defaults = sum((c.from_defaults for c in contributions), _zero())
    share = float((from_defaults / total).to("dimensionless").magnitude) if total.magnitude > 0 else 0.0
    return ProcessResult(
        process_id=process.id, name=process.name, category=process.category, sector=sector,
        cn_codes=tuple(process.cn_codes), route=process.route, activity_level=level, components=components,
        attributed_direct=attributed_direct, attributed_indirect=attributed_indirect, precursors=contributions,
        embedded_direct=embedded_direct, embedded_indirect=embedded_indirect,
        see_direct=convert(embedded_direct / level, "t/t"), see_indirect=convert(embedded_indirect / level, "t/t"),
        default_share=share, pfc=pfc, methods=tuple(methods), electricity=tuple(electricity),
        see_indirect_counted=convert(counted_indirect / level, "t/t"), streams=tuple(streams))


def _precursor(pre: Precursor, installation: Installation, done: dict[str, ProcessResult], table: DefaultValues,
               year: int) -> PrecursorContribution:
    mass = convert(pre.mass.q, "t")
    rate: float | None = None
    if pre.origin == "own":
        made = done[pre.process or ""]
        see_d, see_i = made.see_direct, made.see_indirect
        see_counted = made.see_indirect_counted
        source = f"own production, process '{made.process_id}'"
        default_fraction = made.default_share
    elif pre.origin == "supplier":
        see_d = convert(_q(pre.see_direct, "see_direct", pre.name), "t/t")
        # absent only for an Annex II good, whose indirect emissions count nowhere (model validation)
        see_i = (convert(_q(pre.see_indirect, "see_indirect", pre.name), "t/t") if pre.see_indirect is not None
                 else quantity(0.0, "t/t"))
        source = f"{pre.supplier}: {pre.source}" + ("" if pre.see_indirect is not None
                                                    else " (no indirect SEE: an Annex II good)")
        default_fraction = 0.0
    else:
        value = table.lookup(pre.cn_code or "", pre.country or "")
        rate = markup(year, sector_of(pre.category))
        see_d = value.see_direct * (1.0 + rate)
        see_i = (value.see_indirect * (1.0 + rate)) if value.see_indirect is not None else quantity(0.0, "t/t")
        source = (f"default value CN {value.cn_code} {value.country}, {value.dataset} {value.dataset_version} "
                  f"(+{rate:.0%} mark-up {year}); {value.source}")
        default_fraction = 1.0
    if pre.origin != "own":
        see_counted = see_i if counts_indirect(sector_of(pre.category)) else see_i * 0
    embedded_d, embedded_i = convert(mass * see_d, "t"), convert(mass * see_i, "t")
    return PrecursorContribution(pre.name, pre.category, pre.origin, mass, see_d, see_i, embedded_d, embedded_i,
                                 (embedded_d + embedded_i) * default_fraction, source,
                                 convert(mass * see_counted, "t"), rate)
