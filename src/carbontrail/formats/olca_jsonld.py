"""openLCA JSON-LD (olca-schema v1 as written by openLCA 1.x, and v2) → a linked `ProcessDatabase`.

Reads the zip directly (or an unpacked folder). Amounts are converted to each flow's reference unit through
the unit groups and the flow's flow-property factors; product inputs are linked by flow (see `linking`).
"""

from __future__ import annotations

import json
import math
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

from carbontrail.errors import InputError, Location
from carbontrail.formats.linking import FormulaExchange, ImportNotes, ImportResult, Omission, UnitConversion, link
from carbontrail.lca.model import Exchange, Flow, FlowKind, Process, ProcessDatabase, Uncertainty

JsonObject = dict[str, object]

_FLOW_KINDS: dict[str, FlowKind] = {
    "PRODUCT_FLOW": "product", "WASTE_FLOW": "waste", "ELEMENTARY_FLOW": "elementary"}
_ALLOCATION_METHODS = {"PHYSICAL_ALLOCATION": "physical", "ECONOMIC_ALLOCATION": "economic"}


def read(path: Path) -> ProcessDatabase:
    """The linked process database of an openLCA JSON-LD export (zip or folder)."""
    return read_with_report(path).database


def read_with_report(path: Path, *, name: str | None = None, version: str = "") -> ImportResult:
    """The linked process database and the report of links, duplicates, conversions and formulas."""
    archive = _Archive(Path(path))
    with archive:
        units = _unit_groups(archive)
        properties = {pid: units[gid] for pid, gid in _flow_properties(archive, units).items()}
        categories = _categories(archive)
        flows, factors = _flows(archive, properties, categories)
        notes = ImportNotes()
        processes: dict[str, Process] = {}
        for member in archive.members("processes"):
            process = _process(archive, member, flows, factors, properties, categories, notes)
            processes[process.id] = process
    db = ProcessDatabase(name=name or Path(path).stem, version=version, flows=flows, processes=processes,
                         source=Path(path).name)
    return link(db, notes)


# -- the archive ------------------------------------------------------------------------------


class _Archive:
    """A zip file or a folder, read member by member; errors name the member inside the zip."""

    def __init__(self, path: Path):
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        if path.is_dir():
            self._names = sorted(str(p.relative_to(path)).replace("\\", "/") for p in path.rglob("*.json"))
        else:
            try:
                self._zip = zipfile.ZipFile(path)
            except (OSError, zipfile.BadZipFile) as exc:
                raise InputError(f"cannot be opened as a zip archive ({exc})", location=Location(file=path.name),
                                 expected="an openLCA JSON-LD export (.zip) or its folder") from None
            self._names = sorted(n for n in self._zip.namelist() if n.endswith(".json"))

    def __enter__(self) -> _Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._zip is not None:
            self._zip.close()

    def members(self, folder: str) -> Iterator[str]:
        prefix = folder + "/"
        return (n for n in self._names if n.startswith(prefix))

    def label(self, member: str) -> str:
        return f"{self.path.name}:{member}"

    def load(self, member: str) -> JsonObject:
        data = self._zip.read(member) if self._zip is not None else (self.path / member).read_bytes()
        try:
            value = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            where = f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
            raise InputError(f"is not valid JSON{where}", location=Location(file=self.label(member)),
                             expected="one complete JSON object per file") from None
        if not isinstance(value, dict):
            raise InputError("holds no JSON object", location=Location(file=self.label(member)),
                             expected="one JSON object per file")
        return cast(JsonObject, value)


def _require(obj: JsonObject, key: str, archive: _Archive, member: str, field: str | None = None) -> object:
    if key not in obj or obj[key] is None:
        raise InputError(f"'{field or key}' is missing", location=Location(file=archive.label(member),
                                                                         field=field or key))
    return obj[key]


def _ref_id(obj: JsonObject, key: str, archive: _Archive, member: str, field: str) -> str:
    ref = _require(obj, key, archive, member, field)
    if not isinstance(ref, dict) or not isinstance(ref.get("@id"), str):
        raise InputError(f"'{field}' is not a reference", location=Location(file=archive.label(member), field=field),
                         expected='an object with an "@id"')
    return cast(str, ref["@id"])


def _number(obj: JsonObject, key: str, archive: _Archive, member: str, field: str) -> float:
    value = _require(obj, key, archive, member, field)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"'{value}' is not a number", location=Location(file=archive.label(member), field=field),
                         expected="a finite number")
    return float(value)


# -- units, flow properties, categories, flows ---------------------------------------------


@dataclass(frozen=True)
class _UnitGroup:
    factors: Mapping[str, float]  # unit id → size in the group's reference unit
    names: Mapping[str, str]
    reference: str  # name of the reference unit


def _unit_groups(archive: _Archive) -> dict[str, _UnitGroup]:
    groups: dict[str, _UnitGroup] = {}
    for member in archive.members("unit_groups"):
        group = archive.load(member)
        gid = cast(str, _require(group, "@id", archive, member))
        factors: dict[str, float] = {}
        names: dict[str, str] = {}
        reference = ""
        units = _require(group, "units", archive, member)
        for i, unit in enumerate(cast(list[JsonObject], units)):
            uid = cast(str, _require(unit, "@id", archive, member, f"units[{i}].@id"))
            factors[uid] = _number(unit, "conversionFactor", archive, member, f"units[{i}].conversionFactor")
            names[uid] = str(unit.get("name", ""))
            if unit.get("referenceUnit") or unit.get("isRefUnit"):
                reference = names[uid]
        if not reference:
            raise InputError("the unit group has no reference unit", location=Location(
                file=archive.label(member), field="units"), expected="one unit marked as reference unit")
        groups[gid] = _UnitGroup(factors, names, reference)
    return groups


def _flow_properties(archive: _Archive, units: Mapping[str, _UnitGroup]) -> dict[str, str]:
    out: dict[str, str] = {}
    for member in archive.members("flow_properties"):
        prop = archive.load(member)
        gid = _ref_id(prop, "unitGroup", archive, member, "unitGroup")
        if gid not in units:
            raise InputError(f"unit group '{gid}' is not in the export", location=Location(
                file=archive.label(member), field="unitGroup"), expected="a unit group of unit_groups/")
        out[cast(str, _require(prop, "@id", archive, member))] = gid
    return out


def _categories(archive: _Archive) -> dict[str, str]:
    """v1 category id → path ('Elementary flows/air/unspecified'); v2 files carry paths themselves."""
    parents: dict[str, tuple[str, str | None]] = {}
    for member in archive.members("categories"):
        cat = archive.load(member)
        parent = cat.get("category")
        parent_id = cast(str, parent.get("@id")) if isinstance(parent, dict) else None
        parents[cast(str, cat.get("@id"))] = (str(cat.get("name", "")), parent_id)

    def path(cid: str) -> str:
        names, seen = [], set()
        current: str | None = cid
        while current in parents and current not in seen:
            seen.add(current)
            name, current = parents[current]
            names.append(name)
        return "/".join(reversed(names))

    return {cid: path(cid) for cid in parents}


def _category(obj: JsonObject, categories: Mapping[str, str]) -> str:
    value = obj.get("category")
    if isinstance(value, str):  # v2: a path
        return value
    if isinstance(value, dict):  # v1: a reference to a category file
        return categories.get(str(value.get("@id")), str(value.get("name", "")))
    return ""


def _ref_name(obj: JsonObject, key: str) -> str:
    ref = obj.get(key)
    if isinstance(ref, dict):
        return str(ref.get("code") or ref.get("name") or "")
    return ""


def _flows(archive: _Archive, properties: Mapping[str, _UnitGroup],
           categories: Mapping[str, str]) -> tuple[dict[str, Flow], dict[str, dict[str, float]]]:
    """Flows, and per flow its property factors divided by the reference property's (1 ref-unit = f of prop)."""
    flows: dict[str, Flow] = {}
    factors: dict[str, dict[str, float]] = {}
    for member in archive.members("flows"):
        raw = archive.load(member)
        fid = cast(str, _require(raw, "@id", archive, member))
        kind = _FLOW_KINDS.get(str(raw.get("flowType")))
        if kind is None:
            raise InputError(f"unknown flow type '{raw.get('flowType')}'", location=Location(
                file=archive.label(member), field="flowType"), expected=", ".join(_FLOW_KINDS))
        props: dict[str, float] = {}
        reference = None
        for i, fpf in enumerate(cast(list[JsonObject], _require(raw, "flowProperties", archive, member))):
            pid = _ref_id(fpf, "flowProperty", archive, member, f"flowProperties[{i}].flowProperty")
            if pid not in properties:
                raise InputError(f"flow property '{pid}' is not in the export", location=Location(
                    file=archive.label(member), field=f"flowProperties[{i}].flowProperty"),
                    expected="a flow property of flow_properties/")
            props[pid] = _number(fpf, "conversionFactor", archive, member, f"flowProperties[{i}].conversionFactor")
            if fpf.get("referenceFlowProperty") or fpf.get("isRefFlowProperty"):
                reference = pid
        if reference is None:
            raise InputError("the flow has no reference flow property", location=Location(
                file=archive.label(member), field="flowProperties"), expected="one reference flow property")
        base = props[reference]
        factors[fid] = {pid: f / base for pid, f in props.items()}
        category = _category(raw, categories)
        if kind == "elementary" and category.lower().startswith("elementary flows/"):
            category = category[len("elementary flows/"):]
        flows[fid] = Flow(id=fid, name=str(raw.get("name", "")).strip(), kind=kind,
                          unit=properties[reference].reference, category=category,
                          cas=str(raw.get("cas") or ""), location=_ref_name(raw, "location"))
    return flows, factors


# -- processes --------------------------------------------------------------------------------


def _process(archive: _Archive, member: str, flows: Mapping[str, Flow], factors: Mapping[str, dict[str, float]],
             properties: Mapping[str, _UnitGroup], categories: Mapping[str, str], notes: ImportNotes) -> Process:
    raw = archive.load(member)
    pid = cast(str, _require(raw, "@id", archive, member))
    raw_exchanges = cast(list[JsonObject], _require(raw, "exchanges", archive, member))
    v2 = any("isInput" in e for e in raw_exchanges)
    ref_key = "isQuantitativeReference" if v2 else "quantitativeReference"
    exchanges: list[Exchange] = []
    for i, e in enumerate(raw_exchanges):
        exchanges.append(_exchange(archive, member, pid, i, e, v2, flows, factors, properties, notes))
    refs = [x for x in exchanges if x.is_reference]
    if len(refs) != 1:
        what = "no exchange is" if not refs else f"{len(refs)} exchanges are"
        raise InputError(f"{what} marked as the quantitative reference",
                         location=Location(file=archive.label(member), field=ref_key),
                         expected="exactly one reference exchange")
    return Process(id=pid, name=str(raw.get("name", "")).strip(), exchanges=tuple(exchanges),
                   location=_ref_name(raw, "location"), category=_category(raw, categories),
                   allocation=_allocation(archive, member, pid, raw, notes))


def _exchange(archive: _Archive, member: str, pid: str, i: int, e: JsonObject, v2: bool,
              flows: Mapping[str, Flow], factors: Mapping[str, dict[str, float]],
              properties: Mapping[str, _UnitGroup], notes: ImportNotes) -> Exchange:
    field = f"exchanges[{i}]"
    fid = _ref_id(e, "flow", archive, member, f"{field}.flow")
    flow = flows.get(fid)
    if flow is None:
        raise InputError(f"flow '{fid}' is not in the export", location=Location(
            file=archive.label(member), field=f"{field}.flow"), expected="a flow of flows/")
    input_key = "isInput" if v2 else "input"
    is_input = _require(e, input_key, archive, member, f"{field}.{input_key}")
    amount = _number(e, "amount", archive, member, f"{field}.amount")

    # Unit → the flow's reference unit: size of the unit in its group's reference unit, then from the
    # exchange's flow property to the flow's reference property (1 reference unit = f units of the property).
    prop_id = (_ref_id(e, "flowProperty", archive, member, f"{field}.flowProperty")
               if e.get("flowProperty") else next(p for p, f in factors[fid].items() if f == 1.0))
    if prop_id not in factors[fid]:
        raise InputError(f"flow '{flow.name}' has no flow property '{prop_id}'", location=Location(
            file=archive.label(member), field=f"{field}.flowProperty"), expected="a flow property of the flow")
    group = properties[prop_id]
    unit_id = _ref_id(e, "unit", archive, member, f"{field}.unit") if e.get("unit") else None
    if unit_id is not None and unit_id not in group.factors:
        raise InputError(f"unit '{unit_id}' is not in the unit group of flow '{flow.name}'", location=Location(
            file=archive.label(member), field=f"{field}.unit"), expected=f"a unit of {group.reference}")
    unit_factor = group.factors[unit_id] if unit_id is not None else 1.0
    factor = unit_factor / factors[fid][prop_id]
    converted = amount * factor
    if factor != 1.0:
        notes.conversions.append(UnitConversion(
            pid, fid, amount, group.names[unit_id] if unit_id else group.reference, converted, flow.unit, factor))
    formula = e.get("amountFormula")
    if isinstance(formula, str) and formula.strip():
        notes.formulas.append(FormulaExchange(pid, fid, formula, converted))

    # An avoided product (openLCA stores it as an input) is a credit: an input of minus the amount links to
    # the product's producer and enters the technosphere as a displaced output.
    avoided = bool(e.get("isAvoidedProduct" if v2 else "avoidedProduct"))
    sign = -1.0 if avoided else 1.0
    uncertainty = _uncertainty(e.get("uncertainty"), factor * sign, archive, member, field, pid, flow, notes)
    pedigree = _pedigree(e.get("dqEntry" if v2 else "pedigreeUncertainty"))
    if pedigree is not None:
        uncertainty = replace(uncertainty or Uncertainty(), pedigree=pedigree)
    provider = e.get("defaultProvider")
    return Exchange(
        flow=fid, amount=sign * converted, is_input=bool(is_input) or avoided,
        is_reference=bool(e.get("isQuantitativeReference" if v2 else "quantitativeReference")),
        provider=cast(str, provider["@id"]) if isinstance(provider, dict) and "@id" in provider else None,
        uncertainty=uncertainty, comment=str(e.get("description") or ""),
    )


def _uncertainty(raw: object, factor: float, archive: _Archive, member: str, field: str, pid: str, flow: Flow,
                 notes: ImportNotes) -> Uncertainty | None:
    """openLCA parameters (in the exchange's unit) → stats_arrays terms in the flow's reference unit."""
    if not isinstance(raw, dict):
        return None
    kind = raw.get("distributionType")
    where = f"{field}.uncertainty"

    def num(key: str) -> float:
        return _number(raw, key, archive, member, f"{where}.{key}")

    if kind == "LOG_NORMAL_DISTRIBUTION":
        gsd = num("geomSd")
        if gsd < 1.0:
            # A geometric standard deviation below 1 describes no lognormal (σ = ln gsd would be negative).
            notes.omissions.append(Omission(pid, f"lognormal uncertainty of '{flow.name}'",
                                            f"geometric standard deviation {gsd} is below 1"))
            return None
        gmean = num("geomMean") * factor if raw.get("geomMean") is not None else None
        loc = math.log(abs(gmean)) if gmean else None
        return Uncertainty("lognormal", loc=loc, scale=math.log(gsd))
    if kind == "NORMAL_DISTRIBUTION":
        return Uncertainty("normal", loc=num("mean") * factor, scale=num("sd") * abs(factor))
    if kind == "TRIANGLE_DISTRIBUTION":
        low, high = sorted((num("minimum") * factor, num("maximum") * factor))
        mode = num("mode") * factor if raw.get("mode") is not None else None
        return Uncertainty("triangular", loc=mode, minimum=low, maximum=high)
    if kind == "UNIFORM_DISTRIBUTION":
        low, high = sorted((num("minimum") * factor, num("maximum") * factor))
        return Uncertainty("uniform", minimum=low, maximum=high)
    if kind in (None, "NO_DISTRIBUTION"):
        return None
    raise InputError(f"unknown distribution type '{kind}'", location=Location(
        file=archive.label(member), field=f"{where}.distributionType"),
        expected="LOG_NORMAL_DISTRIBUTION, NORMAL_DISTRIBUTION, TRIANGLE_DISTRIBUTION or UNIFORM_DISTRIBUTION")


def _pedigree(raw: object) -> tuple[int, int, int, int, int] | None:
    """'(3;3;4;3;1)' → (3, 3, 4, 3, 1); anything else (e.g. 'n.a.' scores) → None."""
    if not isinstance(raw, str):
        return None
    parts = raw.strip().strip("()").split(";")
    if len(parts) != 5 or not all(p.strip().isdigit() and 1 <= int(p) <= 5 for p in parts):
        return None
    a, b, c, d, e = (int(p) for p in parts)
    return (a, b, c, d, e)


def _allocation(archive: _Archive, member: str, pid: str, raw: JsonObject,
                notes: ImportNotes) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    causal = orphaned = 0
    for i, factor in enumerate(cast(list[JsonObject], raw.get("allocationFactors") or [])):
        kind = str(factor.get("allocationType"))
        method = _ALLOCATION_METHODS.get(kind)
        if method is None:
            causal += 1
            continue
        if not factor.get("product"):
            orphaned += 1
            continue
        product = _ref_id(factor, "product", archive, member, f"allocationFactors[{i}].product")
        out.setdefault(method, {})[product] = _number(factor, "value", archive, member,
                                                      f"allocationFactors[{i}].value")
    if causal:
        notes.omissions.append(Omission(pid, f"{causal} causal allocation factor(s)",
                                        "the model holds one factor per co-product, not per exchange; "
                                        "physical or economic factors apply instead"))
    if orphaned:
        notes.omissions.append(Omission(pid, f"{orphaned} allocation factor(s) without a product",
                                        "a factor that names no co-product cannot be applied"))
    return out
