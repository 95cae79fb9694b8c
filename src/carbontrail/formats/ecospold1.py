"""EcoSpold 1 XML (one file of many datasets, or a zip holding it) → a linked `ProcessDatabase`.

EcoSpold 1 has no flow ids: elementary flows are named by name, compartment and unit, products by name,
category and location; product inputs are linked to the dataset whose reference function they name.
The file is streamed with `iterparse`, one dataset at a time.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError, iterparse

from carbontrail.errors import InputError, Location, UnitError
from carbontrail.formats.linking import ImportNotes, ImportResult, Omission, UnitConversion, link
from carbontrail.lca.model import Exchange, Flow, FlowKind, Process, ProcessDatabase, Uncertainty
from carbontrail.units import magnitude, quantity

NS = "{http://www.EcoInvent.org/EcoSpold01}"
_PRODUCT_INPUT_GROUPS = {"1", "2", "3", "5"}  # materials/fuels, electricity/heat, services, others


def read(path: Path) -> ProcessDatabase:
    """The linked process database of an EcoSpold 1 file (or a zip with one)."""
    return read_with_report(path).database


def read_with_report(path: Path, *, name: str | None = None, version: str = "") -> ImportResult:
    """The linked process database and the report of links, duplicates and unit conversions."""
    path = Path(path)
    with _open(path) as (stream, label):
        datasets = list(_datasets(stream, label))
    notes = ImportNotes()
    flows = _flows(datasets)
    processes: dict[str, Process] = {}
    for ds in datasets:
        process = _process(ds, flows, label, notes)
        if process.id in processes:
            raise InputError(f"dataset number {ds.number} occurs twice", location=Location(file=label, field="number"),
                             expected="unique dataset numbers")
        processes[process.id] = process
    db = ProcessDatabase(name=name or path.stem, version=version, flows=flows, processes=processes,
                         source=path.name)
    return link(db, notes)


# -- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RawExchange:
    attrs: Mapping[str, str]
    input_group: str | None
    output_group: str | None


@dataclass(frozen=True)
class _Dataset:
    number: str
    name: str
    location: str
    category: str
    exchanges: tuple[_RawExchange, ...]
    allocations: int


@contextmanager
def _open(path: Path) -> Iterator[tuple[IO[bytes], str]]:
    if not zipfile.is_zipfile(path):
        with path.open("rb") as stream:
            yield stream, path.name
        return
    with zipfile.ZipFile(path) as archive:
        members = [n for n in archive.namelist()
                   if n.lower().endswith(".xml") and not n.lower().endswith("categories.xml")]
        if len(members) != 1:
            raise InputError(f"holds {len(members)} EcoSpold files", location=Location(file=path.name),
                             expected="one EcoSpold 1 XML file (besides categories.xml)")
        with archive.open(members[0]) as stream:
            yield stream, f"{path.name}:{members[0]}"


def _datasets(stream: IO[bytes], label: str) -> Iterator[_Dataset]:
    try:
        for _, element in iterparse(stream, events=("end",)):
            if element.tag == NS + "dataset":
                yield _dataset(element, label)
                element.clear()  # keep memory flat over a 19 MB file
    except ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise InputError(f"is not well-formed XML ({exc})",
                         location=Location(file=label, row=line), expected="an EcoSpold 1 XML document") from None


def _dataset(element: Element, label: str) -> _Dataset:
    number = element.get("number", "")
    reference = element.find(f"{NS}metaInformation/{NS}processInformation/{NS}referenceFunction")
    if reference is None:
        raise InputError(f"dataset {number} has no reference function",
                         location=Location(file=label, field="referenceFunction"),
                         expected="a referenceFunction element in processInformation")
    geography = element.find(f"{NS}metaInformation/{NS}processInformation/{NS}geography")
    exchanges = []
    for x in element.iter(NS + "exchange"):
        ig, og = x.find(NS + "inputGroup"), x.find(NS + "outputGroup")
        exchanges.append(_RawExchange(dict(x.attrib), ig.text.strip() if ig is not None and ig.text else None,
                                      og.text.strip() if og is not None and og.text else None))
    category = "/".join(v for v in (reference.get("category"), reference.get("subCategory")) if v)
    return _Dataset(number, reference.get("name", "").strip(), geography.get("location", "") if geography is not None
                    else "", category, tuple(exchanges), len(element.findall(f".//{NS}allocation")))


# -- flows ------------------------------------------------------------------------------------


def _kind(x: _RawExchange) -> FlowKind:
    if x.input_group == "4" or x.output_group == "4":
        return "elementary"
    if x.output_group == "3":
        return "waste"
    return "product"


def _flow_id(x: _RawExchange, kind: FlowKind, location: str) -> str:
    a = x.attrs
    if kind == "elementary":
        return "|".join(("elementary", a.get("name", "").strip(), a.get("category", ""), a.get("subCategory", ""),
                         a.get("unit", "")))
    return "|".join((kind, a.get("name", "").strip(), a.get("category", ""), a.get("subCategory", ""), location))


def _exchange_location(x: _RawExchange, ds: _Dataset) -> str:
    # The reference product is made where the dataset is; other products carry their own location.
    return ds.location if x.output_group == "0" else x.attrs.get("location", "")


def _flows(datasets: list[_Dataset]) -> dict[str, Flow]:
    """One flow per identity; a product's unit is that of its producer's reference function when there is one."""
    flows: dict[str, Flow] = {}
    for first_pass_reference in (True, False):
        for ds in datasets:
            for x in ds.exchanges:
                if (x.output_group == "0") != first_pass_reference:
                    continue
                fid = _resolve(x, ds, flows)
                if fid in flows:
                    continue
                a = x.attrs
                kind = _kind(x)
                category = "/".join(v for v in (a.get("category"), a.get("subCategory")) if v)
                flows[fid] = Flow(id=fid, name=a.get("name", "").strip(), kind=kind, unit=a.get("unit", ""),
                                  category=category, cas=a.get("CASNumber", "") if a.get("CASNumber") != "NaN" else "",
                                  location=_exchange_location(x, ds) if kind != "elementary" else "")
    return flows


def _resolve(x: _RawExchange, ds: _Dataset, flows: Mapping[str, Flow]) -> str:
    """The flow id of an exchange. A product named like a known one but measured in a unit of another kind
    (natural gas by the m3 where its producer makes kg) is another flow, so it is not linked by mistake."""
    kind = _kind(x)
    fid = _flow_id(x, kind, _exchange_location(x, ds))
    known = flows.get(fid)
    unit = x.attrs.get("unit", "")
    if known is None or known.unit == unit or _convertible(unit, known.unit):
        return fid
    return f"{fid}|{unit}"


@lru_cache(maxsize=256)
def _convertible(unit: str, reference: str) -> bool:
    try:
        magnitude(quantity(1.0, _UNIT_SPELLINGS.get(unit, unit)), _UNIT_SPELLINGS.get(reference, reference))
    except UnitError:
        return False
    return True


# -- processes --------------------------------------------------------------------------------


def _process(ds: _Dataset, flows: Mapping[str, Flow], label: str, notes: ImportNotes) -> Process:
    refs = [x for x in ds.exchanges if x.output_group == "0"]
    if len(refs) != 1:
        raise InputError(f"dataset {ds.number} ('{ds.name}') has {len(refs)} reference products",
                         location=Location(file=label, field="outputGroup"),
                         expected="exactly one exchange with outputGroup 0")
    exchanges = [_exchange(x, ds, flows, label, notes) for x in ds.exchanges]
    if ds.allocations:
        notes.omissions.append(Omission(ds.number, f"{ds.allocations} allocation element(s)",
                                        "EcoSpold 1 allocation refers to exchange numbers, which the model does not "
                                        "carry; physical or economic factors apply instead"))
    return Process(id=ds.number, name=ds.name, exchanges=tuple(exchanges), location=ds.location,
                   category=ds.category)


def _exchange(x: _RawExchange, ds: _Dataset, flows: Mapping[str, Flow], label: str, notes: ImportNotes) -> Exchange:
    flow = flows[_resolve(x, ds, flows)]
    where = Location(file=label, field=f"dataset {ds.number}, exchange {x.attrs.get('number', '?')}")
    if x.input_group is None and x.output_group is None:
        raise InputError("the exchange has neither an inputGroup nor an outputGroup", location=where,
                         expected="inputGroup 1-5 or outputGroup 0-4")
    amount = _float(x.attrs, "meanValue", where)
    unit = x.attrs.get("unit", "")
    factor = 1.0
    if unit != flow.unit:
        factor = _unit_factor(unit, flow.unit, flow.name, where)
        notes.conversions.append(UnitConversion(ds.number, flow.id, amount, unit, amount * factor, flow.unit, factor))
    # outputGroup 1 is an avoided product: a credit, written as an input of minus the amount (see olca_jsonld).
    avoided = x.output_group == "1"
    sign = -1.0 if avoided else 1.0
    is_input = x.input_group is not None or avoided
    uncertainty = _uncertainty(x.attrs, amount * factor * sign, factor * sign, where, ds.number, flow, notes)
    return Exchange(flow=flow.id, amount=sign * amount * factor, is_input=is_input,
                    is_reference=x.output_group == "0", uncertainty=uncertainty,
                    comment=x.attrs.get("generalComment", ""))


def _float(attrs: Mapping[str, str], key: str, where: Location) -> float:
    raw = attrs.get(key)
    try:
        value = float(raw) if raw is not None else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        field = f"{where.field}, {key}" if where.field else key
        raise InputError(f"'{raw}' is not a number", location=Location(file=where.file, field=field),
                         expected="a finite number")
    return value


# EcoSpold/openLCA unit names that the unit registry spells differently (or would misread: 'cu ft').
_UNIT_SPELLINGS = {"m2": "m**2", "m3": "m**3", "m2a": "m**2*year", "m3a": "m**3*year", "m2*a": "m**2*year",
                   "m3*a": "m**3*year", "cu ft": "ft**3", "sh tn": "short_ton", "btu": "Btu", "Item(s)": "piece",
                   "kg*km": "kg*km", "t*km": "tkm", "kBq": "kBq", "Bq": "Bq"}


def _unit_factor(unit: str, reference: str, flow_name: str, where: Location) -> float:
    try:
        return magnitude(quantity(1.0, _UNIT_SPELLINGS.get(unit, unit)), _UNIT_SPELLINGS.get(reference, reference))
    except UnitError:
        raise UnitError(f"'{flow_name}' is given in '{unit}', which cannot be converted to its producer's unit "
                        f"'{reference}'", location=where, expected=f"a unit convertible to {reference}") from None


def _uncertainty(attrs: Mapping[str, str], mean: float, factor: float, where: Location, process: str, flow: Flow,
                 notes: ImportNotes) -> Uncertainty | None:
    """EcoSpold 1 parameters → stats_arrays terms. standardDeviation95 is the square of the geometric standard
    deviation for lognormals (type 1) and twice the standard deviation for normals (type 2)."""
    kind = attrs.get("uncertaintyType")
    if kind in (None, "", "0"):
        return None
    if kind == "1":
        sd95 = _float(attrs, "standardDeviation95", where)
        if sd95 < 1.0:
            notes.omissions.append(Omission(process, f"lognormal uncertainty of '{flow.name}'",
                                            f"standardDeviation95 {sd95} is below 1"))
            return None
        return Uncertainty("lognormal", loc=math.log(abs(mean)) if mean else None, scale=math.log(math.sqrt(sd95)))
    if kind == "2":
        return Uncertainty("normal", loc=mean, scale=_float(attrs, "standardDeviation95", where) / 2 * abs(factor))
    low, high = sorted((_float(attrs, "minValue", where) * factor, _float(attrs, "maxValue", where) * factor))
    if kind == "3":
        mode = _float(attrs, "mostLikelyValue", where) * factor if attrs.get("mostLikelyValue") else mean
        return Uncertainty("triangular", loc=mode, minimum=low, maximum=high)
    if kind == "4":
        return Uncertainty("uniform", minimum=low, maximum=high)
    raise InputError(f"unknown uncertaintyType '{kind}'", location=where,
                     expected="1 (lognormal), 2 (normal), 3 (triangular) or 4 (uniform)")
