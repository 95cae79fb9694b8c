"""carbontrail's own product-model format (YAML or JSON, docs/product-models.md) ↔ a `ProcessDatabase`.

A model lists flows, processes (outputs first is the reference, then inputs and emissions) and secondary factors
for purchased products nobody in the model makes. Amounts may carry their own unit; they are converted to the
flow's unit on the way in, with their distributions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import yaml

from carbontrail.errors import InputError, Location, UnitError
from carbontrail.lca.external import ExternalFootprint
from carbontrail.lca.model import Exchange, Flow, Process, ProcessDatabase, Uncertainty
from carbontrail.units import magnitude, quantity

FORMAT = "carbontrail.product-model/1"
_KINDS = ("product", "waste", "elementary")
# Unit spellings of openLCA/EcoSpold data sets (USLCI) that the unit registry reads under another name; mapped
# on the way in so every product can be asked for in its own unit.
UNIT_SPELLINGS = {"m3": "m**3", "m2": "m**2", "Item(s)": "piece", "p*km": "pkm", "m2*a": "m**2*year",
                  "m3*a": "m**3*year"}


@dataclass
class ProductModelDocument:
    """A parsed model: the process database, its secondary factors, processes built on primary data, and the
    stage each purchased flow belongs to (for stage contributions)."""

    database: ProcessDatabase
    factors: list[ExternalFootprint] = field(default_factory=list)
    primary_processes: set[str] = field(default_factory=set)
    description: str = ""


def read(path: Path) -> ProductModelDocument:
    """A model file (.yaml, .yml or .json)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the model: {exc}", location=Location(file=path.name)) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: {exc}".splitlines()[0],
                         location=Location(file=path.name)) from None
    return parse(data, file=path.name)


def parse(data: object, *, file: str = "model") -> ProductModelDocument:
    """A model from its parsed YAML/JSON; every problem names the file and the field (flows[3].unit …)."""
    doc = _mapping(data, file, "")
    fmt = doc.get("format", FORMAT)
    if fmt != FORMAT:
        raise InputError(f"unknown model format '{fmt}'", location=Location(file=file, field="format"),
                         expected=FORMAT)
    name = _text(doc, "name", file, "", required=True)
    flows: dict[str, Flow] = {}
    for where, fid, item in _entries(doc, "flows", "flow", file):
        kind = _text(item, "kind", file, where) or "product"
        if kind not in _KINDS:
            raise InputError(f"unknown flow kind '{kind}'", location=Location(file=file, field=f"{where}.kind"),
                             expected=", ".join(_KINDS))
        # Not checked against the unit registry: imported data sets name units it lacks (USLCI's "m3", "p");
        # a unit is parsed only where an amount or a factor has to be converted.
        unit = _text(item, "unit", file, where, required=True)
        unit = UNIT_SPELLINGS.get(unit, unit)
        flows[fid] = Flow(fid, _text(item, "name", file, where) or fid, kind, unit,  # type: ignore[arg-type]
                          _text(item, "category", file, where), _text(item, "cas", file, where),
                          _text(item, "location", file, where))
    processes: dict[str, Process] = {}
    primary: set[str] = set()
    for where, pid, item in _entries(doc, "processes", "process", file):
        outputs = _list(item, "outputs", file, where)
        if not outputs:
            raise InputError(f"process '{pid}' has no outputs", location=Location(file=file, field=f"{where}.outputs"),
                             expected="its reference product first")
        exchanges: list[Exchange] = []
        references = 0
        for k, x in enumerate(outputs):
            exchange = _exchange(x, flows, file, f"{where}.outputs[{k}]", is_input=False)
            is_ref = exchange.is_reference or (k == 0 and not any(
                isinstance(o, Mapping) and o.get("reference") for o in outputs))
            references += is_ref
            exchanges.append(Exchange(exchange.flow, exchange.amount, False, is_ref, exchange.provider,
                                      exchange.uncertainty, exchange.comment))
        if references != 1:
            raise InputError(f"process '{pid}' marks {references} reference outputs",
                             location=Location(file=file, field=f"{where}.outputs"), expected="exactly one")
        ref = next(e for e in exchanges if e.is_reference)
        if flows[ref.flow].kind == "elementary" or ref.amount == 0:
            raise InputError(f"process '{pid}' has a reference output that is not a product or is zero",
                             location=Location(file=file, field=f"{where}.outputs"),
                             expected="a non-zero product output")
        for k, x in enumerate(_list(item, "inputs", file, where)):
            exchanges.append(_exchange(x, flows, file, f"{where}.inputs[{k}]", is_input=True))
        allocation = _allocation(item.get("allocation"), flows, file, f"{where}.allocation")
        data = _text(item, "data", file, where) or "secondary"
        if data not in ("primary", "secondary"):
            raise InputError(f"unknown data kind '{data}'", location=Location(file=file, field=f"{where}.data"),
                             expected="primary (company-specific measurements) or secondary")
        if data == "primary":
            primary.add(pid)
        processes[pid] = Process(pid, _text(item, "name", file, where) or pid, tuple(exchanges),
                                 _text(item, "location", file, where), _text(item, "stage", file, where),
                                 _text(item, "supplier", file, where), _text(item, "category", file, where),
                                 allocation)
    factors = [_factor(raw, flows, file, f"factors[{n}]") for n, raw in enumerate(_list(doc, "factors", file, ""))]
    seen: set[str] = set()
    for n, fp in enumerate(factors):
        if fp.flow in seen:
            raise InputError(f"flow '{fp.flow}' has two secondary factors",
                             location=Location(file=file, field=f"factors[{n}].flow"))
        seen.add(fp.flow)
    db = ProcessDatabase(name, _text(doc, "version", file, ""), flows, processes, _text(doc, "source", file, ""))
    return ProductModelDocument(db, factors, primary, _text(doc, "description", file, ""))


def to_document(model: ProductModelDocument) -> dict[str, object]:
    """The model in our format (amounts in each flow's unit), ready for JSON or YAML; `parse` reads it back."""
    db = model.database
    flows = []
    for f in db.flows.values():
        row: dict[str, object] = {"id": f.id, "name": f.name, "kind": f.kind, "unit": f.unit}
        for key in ("category", "cas", "location"):
            if getattr(f, key):
                row[key] = getattr(f, key)
        flows.append(row)
    processes = []
    for p in db.processes.values():
        row = {"id": p.id, "name": p.name}
        for key in ("location", "stage", "supplier", "category"):
            if getattr(p, key):
                row[key] = getattr(p, key)
        if p.id in model.primary_processes:
            row["data"] = "primary"
        outputs = [e for e in p.exchanges if not e.is_input]
        # The reference output goes first, so a reader that takes the first output agrees.
        outputs.sort(key=lambda e: not e.is_reference)
        row["outputs"] = [_exchange_out(e) for e in outputs]
        row["inputs"] = [_exchange_out(e) for e in p.exchanges if e.is_input]
        if p.allocation:
            row["allocation"] = {method: dict(values) for method, values in p.allocation.items()}
        processes.append(row)
    out: dict[str, object] = {"format": FORMAT, "name": db.name, "version": db.version, "source": db.source}
    if model.description:
        out["description"] = model.description
    out["flows"] = flows
    out["processes"] = processes
    out["factors"] = [_factor_out(fp, db.flows) for fp in model.factors]
    return out


# -- reading pieces ---------------------------------------------------------------------------------------------


def _entries(doc: Mapping[str, object], key: str, what: str,
             file: str) -> Iterator[tuple[str, str, Mapping[str, object]]]:
    """Each entry of the list `key` (flows, processes): where it stands, its id (refused when listed twice) and its
    fields."""
    seen: set[str] = set()
    for n, raw in enumerate(_list(doc, key, file, "")):
        where = f"{key}[{n}]"
        item = _mapping(raw, file, where)
        ident = _text(item, "id", file, where, required=True)
        if ident in seen:
            raise InputError(f"{what} '{ident}' is listed twice", location=Location(file=file, field=f"{where}.id"))
        seen.add(ident)
        yield where, ident, item


def _mapping(raw: object, file: str, where: str) -> Mapping[str, object]:
    if not isinstance(raw, Mapping):
        raise InputError(f"{where or 'the model'} is not a mapping", location=Location(file=file, field=where or None),
                         expected="key: value pairs")
    return cast(Mapping[str, object], raw)


def _list(doc: Mapping[str, object], key: str, file: str, where: str) -> list[object]:
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"'{key}' is not a list", location=Location(file=file, field=_join(where, key)),
                         expected="a list of entries")
    return value


def _text(doc: Mapping[str, object], key: str, file: str, where: str, *, required: bool = False) -> str:
    value = doc.get(key)
    if value is None or value == "":
        if required:
            raise InputError(f"'{key}' is missing", location=Location(file=file, field=_join(where, key)))
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InputError(f"'{key}' is not text", location=Location(file=file, field=_join(where, key)))
    return str(value).strip()


def _number(doc: Mapping[str, object], key: str, file: str, where: str, *, required: bool = False) -> float | None:
    value = doc.get(key)
    if value is None:
        if required:
            raise InputError(f"'{key}' is missing", location=Location(file=file, field=_join(where, key)),
                             expected="a number")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"'{key}' is '{value}', not a number", location=Location(file=file, field=_join(where, key)),
                         expected="a finite number")
    return float(value)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _factor_to(unit: str, target: str, file: str, field_name: str) -> float:
    try:
        return magnitude(quantity(1.0, unit, location=Location(file=file, field=field_name)), target)
    except UnitError as exc:
        raise exc.at(file=file, field=field_name) from None


def _exchange(raw: object, flows: Mapping[str, Flow], file: str, where: str, *, is_input: bool) -> Exchange:
    item = _mapping(raw, file, where)
    fid = _text(item, "flow", file, where, required=True)
    flow = flows.get(fid)
    if flow is None:
        raise InputError(f"flow '{fid}' is not in the model's flows", location=Location(file=file, field=f"{where}.flow"),
                         expected="an id listed under flows")
    amount = _number(item, "amount", file, where, required=True)
    assert amount is not None
    unit = _text(item, "unit", file, where)
    unit = UNIT_SPELLINGS.get(unit, unit)
    factor = _factor_to(unit, flow.unit, file, f"{where}.unit") if unit and unit != flow.unit else 1.0
    uncertainty = _uncertainty(item.get("uncertainty"), amount, factor, file, f"{where}.uncertainty")
    return Exchange(fid, amount * factor, is_input, bool(item.get("reference", False)),
                    _text(item, "provider", file, where) or None, uncertainty, _text(item, "comment", file, where))


def _scores(item: Mapping[str, object], key: str, what: str, n: int, file: str, where: str,
            expected: str) -> tuple[int, ...] | None:
    """`item[key]` as `n` whole scores from 1 to 5 (pedigree scores, data-quality ratings), None when absent."""
    scores = item.get(key)
    if scores is None:
        return None
    if (not isinstance(scores, list) or len(scores) != n
            or any(isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= 5 for s in scores)):
        raise InputError(f"{key} {scores} is not {what} from 1 to 5",
                         location=Location(file=file, field=f"{where}.{key}"), expected=expected)
    return tuple(scores)


def _uncertainty(raw: object, amount: float, factor: float, file: str, where: str) -> Uncertainty | None:
    """Distribution of an amount given in its own unit, scaled into the flow's unit by `factor`."""
    if raw is None:
        return None
    item = _mapping(raw, file, where)
    pedigree = cast(tuple[int, int, int, int, int] | None,
                    _scores(item, "pedigree", "five scores", 5, file, where,
                            "[reliability, completeness, temporal, geographical, technological]"))
    kind = _text(item, "distribution", file, where) or "undefined"
    num = lambda key: _number(item, key, file, where)  # noqa: E731
    if kind == "undefined":
        if pedigree is None:
            raise InputError("an uncertainty needs a distribution or pedigree scores",
                             location=Location(file=file, field=where),
                             expected="distribution: lognormal | normal | triangular | uniform, or pedigree")
        return Uncertainty(pedigree=pedigree)
    if kind == "lognormal":
        gsd, sigma, mu = num("gsd"), num("sigma"), num("mu")
        if gsd is not None:
            if gsd < 1:
                raise InputError(f"geometric standard deviation {gsd} is below 1",
                                 location=Location(file=file, field=f"{where}.gsd"), expected="1 or more")
            sigma = math.log(gsd)
        if sigma is None or sigma < 0:
            raise InputError("a lognormal distribution needs gsd (≥ 1) or sigma (≥ 0)",
                             location=Location(file=file, field=where))
        loc = None if mu is None else mu + math.log(factor)
        return Uncertainty("lognormal", loc=loc, scale=sigma, pedigree=pedigree)
    if kind == "normal":
        sd, mean = num("sd"), num("mean")
        if sd is None or sd < 0:
            raise InputError("a normal distribution needs sd ≥ 0", location=Location(file=file, field=f"{where}.sd"))
        return Uncertainty("normal", loc=None if mean is None else mean * factor, scale=sd * abs(factor),
                           pedigree=pedigree)
    if kind in ("triangular", "uniform"):
        low, high = num("min"), num("max")
        if low is None or high is None or low > high:
            raise InputError(f"a {kind} distribution needs min ≤ max", location=Location(file=file, field=where))
        mode = num("mode") if kind == "triangular" else None
        return Uncertainty(kind, loc=None if mode is None else mode * factor, minimum=low * factor,
                           maximum=high * factor, pedigree=pedigree)
    raise InputError(f"unknown distribution '{kind}'", location=Location(file=file, field=f"{where}.distribution"),
                     expected="lognormal, normal, triangular or uniform")


def _allocation(raw: object, flows: Mapping[str, Flow], file: str, where: str) -> dict[str, dict[str, float]]:
    if raw is None:
        return {}
    out: dict[str, dict[str, float]] = {}
    for method, values in _mapping(raw, file, where).items():
        if method not in ("physical", "mass", "economic"):
            raise InputError(f"unknown allocation method '{method}'", location=Location(file=file, field=where),
                             expected="physical, mass or economic")
        table = _mapping(values, file, f"{where}.{method}")
        out[method] = {}
        for fid in table:
            if fid not in flows:
                raise InputError(f"flow '{fid}' is not in the model's flows",
                                 location=Location(file=file, field=f"{where}.{method}"))
            value = _number(table, fid, file, f"{where}.{method}", required=True)
            assert value is not None
            out[method][fid] = value
    return out


def _factor(raw: object, flows: Mapping[str, Flow], file: str, where: str) -> ExternalFootprint:
    item = _mapping(raw, file, where)
    fid = _text(item, "flow", file, where, required=True)
    flow = flows.get(fid)
    if flow is None or flow.kind == "elementary":
        raise InputError(f"flow '{fid}' is not a product flow of the model",
                         location=Location(file=file, field=f"{where}.flow"), expected="a product flow id")
    unit = _text(item, "unit", file, where) or flow.unit
    _factor_to(unit, flow.unit, file, f"{where}.unit")
    fossil = _number(item, "fossil", file, where, required=True)
    biogenic = _number(item, "biogenic", file, where)
    source = _text(item, "source", file, where, required=True)
    dqr = cast(tuple[int, int, int] | None,
               _scores(item, "dqr", "three ratings", 3, file, where,
                       "[technological, temporal, geographical], each 1 (best) … 5"))
    year = _number(item, "year", file, where)
    per = f"kg/({unit})"
    return ExternalFootprint(fid, quantity(fossil, per), quantity(biogenic, per) if biogenic is not None else None,
                             primary=False, supplier=_text(item, "supplier", file, where), source=source,
                             version=_text(item, "version", file, where), year=int(year) if year else None,
                             geography=_text(item, "geography", file, where), dqr=dqr,
                             stage=_text(item, "stage", file, where))


# -- writing pieces ---------------------------------------------------------------------------------------------


def _exchange_out(e: Exchange) -> dict[str, object]:
    row: dict[str, object] = {"flow": e.flow, "amount": e.amount}
    if e.is_reference:
        row["reference"] = True
    if e.provider:
        row["provider"] = e.provider
    if e.uncertainty is not None:
        row["uncertainty"] = _uncertainty_out(e.uncertainty)
    if e.comment:
        row["comment"] = e.comment
    return row


def _uncertainty_out(u: Uncertainty) -> dict[str, object]:
    row: dict[str, object] = {}
    if u.distribution == "lognormal":
        row = {"distribution": "lognormal", "sigma": u.scale}
        if u.loc is not None:
            row["mu"] = u.loc
    elif u.distribution == "normal":
        row = {"distribution": "normal", "sd": u.scale}
        if u.loc is not None:
            row["mean"] = u.loc
    elif u.distribution in ("triangular", "uniform"):
        row = {"distribution": u.distribution, "min": u.minimum, "max": u.maximum}
        if u.distribution == "triangular" and u.loc is not None:
            row["mode"] = u.loc
    if u.pedigree is not None:
        row["pedigree"] = list(u.pedigree)
    return row


def _factor_out(fp: ExternalFootprint, flows: Mapping[str, Flow]) -> dict[str, object]:
    unit = flows[fp.flow].unit
    fossil, biogenic = fp.per_unit(unit)
    row: dict[str, object] = {"flow": fp.flow, "fossil": fossil, "unit": unit}
    if fp.biogenic is not None:
        row["biogenic"] = biogenic
    row["source"] = fp.source
    for key in ("supplier", "version", "geography", "stage"):
        if getattr(fp, key):
            row[key] = getattr(fp, key)
    if fp.year is not None:
        row["year"] = fp.year
    if fp.dqr is not None:
        row["dqr"] = list(fp.dqr)
    return row
