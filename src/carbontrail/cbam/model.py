"""The CBAM installation model: production processes with their boundaries, source streams, PFCs, heat,
electricity and precursors (Implementing Regulations (EU) 2023/1773 Annex III and 2025/2547)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Annotated, Literal

import pint
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from carbontrail.cbam.defaults import cn_code, normalise_cn, sector_of
from carbontrail.cbam.obligation import counts_indirect
from carbontrail.errors import ImportRejected, InputError, Location
from carbontrail.units import is_compatible, known_unit, quantity


class Amount(BaseModel):
    """A number with its unit; written '1200 t' or {value: 1200, unit: t} in a model file."""

    model_config = ConfigDict(frozen=True)

    value: float
    unit: str

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: object) -> object:
        if isinstance(data, str):
            number, _, unit = data.strip().partition(" ")
            if not unit.strip():
                raise ValueError(f"'{data}' has no unit (write it like '1200 t')")
            return {"value": number.replace(",", ""), "unit": unit.strip()}
        if isinstance(data, (int, float)):
            raise ValueError(f"{data} has no unit (write it like '1200 t')")
        return data

    _known_unit = field_validator("unit")(known_unit)

    @property
    def q(self) -> pint.Quantity:
        """The amount as a pint quantity."""
        return quantity(self.value, self.unit)

    def __str__(self) -> str:
        return f"{self.value:g} {self.unit}"


def _kind(reference: str, what: str) -> Callable[[Amount], Amount]:
    def check(amount: Amount) -> Amount:
        if not is_compatible(amount.unit, reference):
            raise ValueError(f"'{amount.unit}' is not a unit of {what} (e.g. {reference})")
        return amount
    return check


Mass = Annotated[Amount, AfterValidator(_kind("t", "mass"))]
Energy = Annotated[Amount, AfterValidator(_kind("MWh", "energy"))]
PerMass = Annotated[Amount, AfterValidator(_kind("t/t", "mass per mass"))]  # SEE, carbon content
PerEnergy = Annotated[Amount, AfterValidator(_kind("t/TJ", "mass per energy"))]  # emission factors of fuel, heat, power
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]

GWPReport = Literal["AR4", "AR5", "AR6"]
# the assessment report whose GWP100 values the CBAM monitoring rules print (see Installation._cbam_gwps)
CBAM_GWP_REPORT = "AR5"
ElectricityBasis = Literal["grid_default", "direct_technical_link", "ppa"]


class _Record(BaseModel):
    """What an installation file describes: read-only once parsed, and a key the model does not know is refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Sourced(_Record):
    """Where a factor or a figure comes from (required: a figure without a source is not accepted)."""

    source: str = Field(min_length=1)
    dataset_version: str = ""
    year: int | None = None
    geography: str = ""

    def provenance(self) -> str:
        """The source in one line, with version, year and geography where known."""
        extra = ", ".join(p for p in (self.dataset_version, str(self.year) if self.year else "", self.geography) if p)
        return f"{self.source} ({extra})" if extra else self.source


class InventoryLink(_Record):
    """Where an amount comes from when the inventory already holds it: the installation's facility's activity
    records for the reporting period, of one `meter`, or of one `kind` (and `item`), times `share`. The amount is
    then drawn from those records each time the installation is computed (the figure is entered once)."""

    meter: str = Field(default="", max_length=64)
    kind: str = Field(default="", max_length=32)
    item: str = Field(default="", max_length=200)
    share: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0

    @model_validator(mode="after")
    def _named(self) -> InventoryLink:
        if not self.meter and not self.kind:
            raise ValueError("name the meter, or the kind (and item), of the activity records to draw from")
        return self

    def matches(self, meter: str, kind: str, item: str) -> bool:
        if self.meter:
            return meter == self.meter
        return kind == self.kind and (not self.item or item == self.item)

    def describe(self) -> str:
        what = f"meter {self.meter}" if self.meter else f"{self.kind}" + (f" / {self.item}" if self.item else "")
        return what + (f" × {self.share:g}" if self.share != 1.0 else "")


#: the lists of an installation file whose entries may draw their amount from the inventory
LINKABLE = ("source_streams", "electricity")


def fill_linked_amounts(data: Mapping[str, object], amount_of: Callable[[InventoryLink, str, object], object]
                        ) -> dict[str, object]:
    """A copy of a parsed installation file in which every source stream or electricity use with `from_inventory`
    (and every process with `activity_level_from_inventory`: its production) has the amount `amount_of(link, place, stated)` gives (e.g. '6000000 Nm3'); `place` names the entry for errors,
    `stated` is the amount the file writes beside the link (None if it writes none)."""
    out = dict(data)
    processes = out.get("processes")
    if not isinstance(processes, list):
        return out
    filled = []
    for i, process in enumerate(processes):
        if not isinstance(process, Mapping):
            filled.append(process)
            continue
        process = dict(process)
        if process.get("activity_level_from_inventory") is not None:
            place = f"processes[{i}].activity_level_from_inventory"
            try:
                link = InventoryLink.model_validate(process["activity_level_from_inventory"])
            except ValidationError as exc:
                raise InputError(_message(exc.errors()[0]), location=Location(field=place)) from None
            process["activity_level_from_inventory"] = link.model_dump()
            process["activity_level"] = amount_of(link, place, process.get("activity_level"))
        for key in LINKABLE:
            entries = process.get(key)
            if not isinstance(entries, list):
                continue
            new = []
            for j, entry in enumerate(entries):
                if isinstance(entry, Mapping) and entry.get("from_inventory") is not None:
                    place = f"processes[{i}].{key}[{j}].from_inventory"
                    try:
                        link = InventoryLink.model_validate(entry["from_inventory"])
                    except ValidationError as exc:
                        raise InputError(_message(exc.errors()[0]), location=Location(field=place)) from None
                    entry = {**entry, "from_inventory": link.model_dump(),
                             "amount": amount_of(link, place, entry.get("amount"))}
                new.append(entry)
            process[key] = new
        filled.append(process)
    out["processes"] = filled
    return out


def has_links(data: Mapping[str, object]) -> bool:
    """Whether any production, source stream or electricity use of a parsed installation file draws from the
    inventory."""
    processes = data.get("processes")
    if not isinstance(processes, list):
        return False
    for p in processes:
        if not isinstance(p, Mapping):
            continue
        if p.get("activity_level_from_inventory") is not None:
            return True
        for key in LINKABLE:
            entries = p.get(key)
            if isinstance(entries, list) and any(isinstance(e, Mapping) and e.get("from_inventory") is not None
                                                 for e in entries):
                return True
    return False


class SourceStream(Sourced):
    """A fuel or material whose CO2 is calculated (2023/1773 Annex III, calculation-based):
    combustion = AD × NCV × EF × OxF; process = AD × EF × ConvF; mass balance = ±AD × carbon content × 3.664
    (outputs count negative)."""

    name: str = Field(min_length=1)
    method: Literal["combustion", "process", "mass_balance"]
    amount: Amount
    ncv: Amount | None = None
    emission_factor: Amount | None = None
    oxidation_factor: Fraction = 1.0
    conversion_factor: Fraction = 1.0
    carbon_content: PerMass | None = None
    direction: Literal["input", "output"] = "input"
    biomass_fraction: Fraction = 0.0  # zero-rated biomass share (sustainability criteria met)
    from_inventory: InventoryLink | None = None  # the amount is the facility's activity records (filled in)

    @model_validator(mode="after")
    def _complete(self) -> SourceStream:
        amount = self.amount.q
        if self.method == "combustion":
            if self.emission_factor is None:
                raise ValueError("a combustion stream needs an emission_factor (e.g. '94.6 t/TJ')")
            energy = amount if amount.check("[energy]") else None
            if energy is None:
                if self.ncv is None:
                    raise ValueError("a fuel given by mass or volume needs its ncv (e.g. '0.0258 TJ/t')")
                energy = amount * self.ncv.q
            if not energy.check("[energy]"):
                raise ValueError(f"amount '{self.amount}' × ncv '{self.ncv}' is not an energy")
            if not (energy * self.emission_factor.q).check("[mass]"):
                raise ValueError(f"emission_factor '{self.emission_factor}' is not per unit of energy")
        elif self.method == "process":
            if self.emission_factor is None:
                raise ValueError("a process stream needs an emission_factor (e.g. '0.44 t/t')")
            if not (amount * self.emission_factor.q).check("[mass]"):
                raise ValueError(f"amount '{self.amount}' × emission_factor '{self.emission_factor}' is not a mass")
        else:
            if self.carbon_content is None:
                raise ValueError("a mass-balance stream needs its carbon_content (e.g. '0.85 t/t')")
            if not amount.check("[mass]"):
                raise ValueError(f"a mass-balance amount must be a mass, not '{self.amount}'")
        return self


class Measurement(Sourced):
    """Emissions determined by continuous measurement (2023/1773 Annex III, measurement-based): the period's
    total of one gas."""

    name: str = Field(min_length=1)
    gas: str = "CO2"
    emissions: Mass


class PFCEmissions(Sourced):
    """Aluminium electrolysis PFCs (2023/1773 Annex III, PFC emissions; the MRR 2018/2066 Annex IV section 8 methods):
    Method A, slope: CF4 = SEF_CF4 × AEM × Pr_Al; Method B, overvoltage: CF4 = OVC × (AEO / CE) × Pr_Al;
    C2F6 = CF4 × F_C2F6/CF4; or measured CF4 / C2F6 masses. Pr_Al is the process's activity level. These give the
    emissions through the duct; with a collection efficiency, total = duct ÷ collection efficiency."""

    method: Literal["slope", "overvoltage", "measured"]
    anode_effect_minutes_per_cell_day: float | None = Field(default=None, ge=0.0)
    slope_cf4: PerMass | None = None  # kg CF4 per t Al per (AE-minute per cell-day), e.g. '0.143 kg/t'
    anode_effect_overvoltage_mv: float | None = Field(default=None, ge=0.0)  # AEO, mV per cell
    overvoltage_cf4: PerMass | None = None  # OVC, kg CF4 per t Al per mV
    current_efficiency: float | None = Field(default=None, gt=0.0, le=1.0)  # CE, as a fraction
    c2f6_to_cf4: Fraction | None = None  # mass ratio C2F6 / CF4
    collection_efficiency: float | None = Field(default=None, gt=0.0, le=1.0)  # absent: all PFCs are collected
    cf4: Mass | None = None
    c2f6: Mass | None = None

    @model_validator(mode="after")
    def _complete(self) -> PFCEmissions:
        if self.method == "slope" and None in (self.anode_effect_minutes_per_cell_day, self.slope_cf4,
                                               self.c2f6_to_cf4):
            raise ValueError("the slope method needs anode_effect_minutes_per_cell_day, slope_cf4 and c2f6_to_cf4")
        if self.method == "overvoltage" and None in (self.anode_effect_overvoltage_mv, self.overvoltage_cf4,
                                                     self.current_efficiency, self.c2f6_to_cf4):
            raise ValueError("the overvoltage method needs anode_effect_overvoltage_mv, overvoltage_cf4, "
                             "current_efficiency and c2f6_to_cf4")
        if self.method == "measured" and (self.cf4 is None or self.c2f6 is None):
            raise ValueError("measured PFCs need both cf4 and c2f6 masses")
        return self


class HeatFlow(Sourced):
    """Measurable heat imported into or exported from the process, with the emission factor of its production."""

    name: str = "heat"
    amount: Energy
    emission_factor: PerEnergy


class ElectricityUse(Sourced):
    """Electricity consumed by the process. The grid's default factor applies unless the installation has a direct
    technical link to the generator or a PPA meeting the rules (2025/2547), which `evidence` must describe."""

    name: str = "electricity"
    amount: Energy
    emission_factor: PerEnergy  # e.g. '0.5306 t/MWh'
    basis: ElectricityBasis = "grid_default"
    evidence: str = ""
    from_inventory: InventoryLink | None = None  # the amount is the facility's activity records (filled in)

    @model_validator(mode="after")
    def _evidence(self) -> ElectricityUse:
        if self.basis != "grid_default" and not self.evidence.strip():
            raise ValueError(f"an actual electricity factor ({self.basis}) needs the evidence of the direct "
                             "technical link or PPA; otherwise use basis grid_default with the grid's factor")
        return self


def _known_category(value: str) -> str:
    """A field check: `value` is an aggregated goods category CBAM names."""
    try:
        sector_of(value)
    except InputError as exc:
        raise ValueError(exc.message) from None
    return value


def _check_cn(code: str, category: str) -> None:
    """A CN code is known and belongs to the category declared beside it."""
    try:
        entry = cn_code(code)
    except InputError as exc:
        raise ValueError(exc.message) from None
    if entry.category != category:
        raise ValueError(f"CN {code} is '{entry.category}', not '{category}'")


class Precursor(_Record):
    """A relevant precursor consumed by the process, with where its embedded emissions come from:
    `own` (another process here), `supplier` (values it communicated) or `default` (CN code and country)."""

    name: str = Field(min_length=1)
    category: str
    mass: Mass
    origin: Literal["own", "supplier", "default"]
    process: str | None = None
    supplier: str = ""
    see_direct: PerMass | None = None
    see_indirect: PerMass | None = None
    cn_code: str | None = None
    country: str | None = None
    source: str = ""

    _category = field_validator("category")(_known_category)

    @model_validator(mode="after")
    def _complete(self) -> Precursor:
        if self.origin == "own" and not self.process:
            raise ValueError("an own-produced precursor names the process that makes it")
        if self.origin == "supplier" and (self.see_direct is None or not self.source.strip()
                                          or not self.supplier.strip()):
            raise ValueError("a supplier's precursor needs supplier, see_direct and the source (the communication "
                             "it came in)")
        # an Annex II good's indirect emissions count nowhere (Reg. (EU) 2023/956 Art. 7(1)), so its supplier
        # need not state them; every other precursor's do count and must be given
        if self.origin == "supplier" and self.see_indirect is None and counts_indirect(sector_of(self.category)):
            raise ValueError(f"a supplier's '{self.category}' precursor needs see_indirect: indirect emissions "
                             f"count for {sector_of(self.category).lower()} (not a Reg. (EU) 2023/956 Annex II good)")
        if self.origin == "default":
            if not self.cn_code or not self.country:
                raise ValueError("a precursor on default values needs its cn_code and country of production")
            _check_cn(self.cn_code, self.category)
        return self


class ProductionProcess(_Record):
    """A production process of one aggregated goods category, its system boundary and everything attributed to it."""

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    category: str
    cn_codes: list[str] = Field(min_length=1)
    route: str = ""
    system_boundary: str = Field(min_length=1)
    activity_level: Mass
    activity_level_from_inventory: InventoryLink | None = None  # the production is the facility's records (filled in)
    source_streams: list[SourceStream] = []
    measurements: list[Measurement] = []
    pfc: PFCEmissions | None = None
    heat_imported: list[HeatFlow] = []
    heat_exported: list[HeatFlow] = []
    electricity: list[ElectricityUse] = []
    precursors: list[Precursor] = []

    _category = field_validator("category")(_known_category)

    @field_validator("cn_codes")
    @classmethod
    def _codes(cls, codes: list[str]) -> list[str]:
        try:
            return [normalise_cn(code) for code in codes]
        except InputError as exc:
            raise ValueError(exc.message) from None

    @model_validator(mode="after")
    def _codes_match(self) -> ProductionProcess:
        for code in self.cn_codes:
            _check_cn(code, self.category)
        if self.activity_level.value <= 0:
            raise ValueError("the activity level (production in the period) must be more than zero")
        if self.pfc is not None and sector_of(self.category) != "Aluminium":
            raise ValueError("PFC emissions belong to aluminium electrolysis only")
        return self


class ReportingPeriod(_Record):
    """The period the values cover (normally a calendar year)."""

    start: date
    end: date

    @model_validator(mode="after")
    def _order(self) -> ReportingPeriod:
        if self.end <= self.start:
            raise ValueError("the reporting period ends before it starts")
        return self


class CarbonPricePaid(Sourced):
    """A carbon price due in the country of origin for a process's emissions (Reg. (EU) 2023/956 Art. 9):
    the price per tonne and the emissions it was effectively paid on (after free allocation and rebates)."""

    process: str
    instrument: str = Field(min_length=1)
    price: Amount  # currency per tonne, e.g. '85 CNY/t'
    emissions_covered: Mass

    @field_validator("price")
    @classmethod
    def _per_tonne(cls, price: Amount) -> Amount:
        if not price.q.check("[currency_cny] / [mass]") and not price.q.check("[currency_eur] / [mass]") \
                and not price.q.check("[currency_usd] / [mass]"):
            raise ValueError(f"'{price.unit}' is not a price per tonne (e.g. CNY/t, EUR/t)")
        return price


class Installation(_Record):
    """An installation outside the EU making CBAM goods, as its operator describes it for one reporting period."""

    name: str = Field(min_length=1)
    operator: str = Field(min_length=1)
    country: str = Field(default="CN", min_length=2, max_length=2)
    region: str = ""
    city: str = ""
    address: str = ""
    unlocode: str = ""
    latitude: float | None = None
    longitude: float | None = None
    contact: str = ""
    reporting_period: ReportingPeriod
    gwp_assessment: GWPReport = CBAM_GWP_REPORT
    processes: list[ProductionProcess] = Field(min_length=1)
    carbon_prices: list[CarbonPricePaid] = []
    notes: str = ""

    @field_validator("gwp_assessment")
    @classmethod
    def _cbam_gwps(cls, value: str) -> str:
        # the GWPs are part of the monitoring rules, not an operator's choice: another report would change the SEE
        # of PFCs and N2O that importers and verifiers compare against the rules' values
        if value != CBAM_GWP_REPORT:
            raise ValueError(f"a CBAM installation uses the GWP100 values the CBAM rules fix ({CBAM_GWP_REPORT}: "
                             f"N2O 265, CF4 6,630, C2F6 11,100; Implementing Reg. (EU) 2023/1773 Annex VIII "
                             f"section 3, taken over from Reg. (EU) 2018/2066 Annex VI section 3 Table 6); "
                             f"'{value}' cannot be chosen — leave gwp_assessment out or set it to "
                             f"{CBAM_GWP_REPORT}")
        return value

    @model_validator(mode="after")
    def _references(self) -> Installation:
        ids = [p.id for p in self.processes]
        doubles = sorted({i for i in ids if ids.count(i) > 1})
        if doubles:
            raise ValueError(f"process id(s) {', '.join(doubles)} appear more than once")
        for p in self.processes:
            for pre in p.precursors:
                if pre.origin == "own":
                    if pre.process not in ids:
                        raise ValueError(f"process '{p.id}': precursor '{pre.name}' names process '{pre.process}', "
                                         f"which is not in this installation ({', '.join(ids)})")
                    made = next(q for q in self.processes if q.id == pre.process)
                    if made.category != pre.category:
                        raise ValueError(f"process '{p.id}': precursor '{pre.name}' is '{pre.category}' but "
                                         f"process '{made.id}' makes '{made.category}'")
        for cp in self.carbon_prices:
            if cp.process not in ids:
                raise ValueError(f"carbon price '{cp.instrument}' names process '{cp.process}', which is not here")
        return self

    def process(self, process_id: str) -> ProductionProcess:
        """A process by id (`InputError` naming the ids there are)."""
        for p in self.processes:
            if p.id == process_id:
                return p
        raise InputError(f"no process '{process_id}' in installation '{self.name}'", location=Location(field="process"),
                         expected=", ".join(p.id for p in self.processes))


def parse_installation(data: Mapping[str, object], *, file: str = "installation") -> Installation:
    """An `Installation` from parsed YAML/JSON; every problem is reported with its place in the file."""
    if not isinstance(data, Mapping):
        raise InputError("the file does not hold an installation", location=Location(file=file),
                         expected="a mapping with name, operator, reporting_period, processes")
    try:
        return Installation.model_validate(dict(data))
    except ValidationError as exc:
        problems = [InputError(_message(err), location=Location(file=file, field=_path(err["loc"])))
                    for err in exc.errors()]
        if len(problems) == 1:
            raise problems[0] from None
        raise ImportRejected(file, problems) from None


def _path(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif not str(item).startswith(("function-after", "function-before")):
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top)"


def _message(err: Mapping[str, object]) -> str:
    text = str(err.get("msg", "invalid value"))
    return text.removeprefix("Value error, ")
