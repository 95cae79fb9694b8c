"""Product footprints of an organisation: import its process models, compute, explain and bound the results.

Every function takes the organisation's id; front doors check tenancy first (`tenancy.require`). Suppliers'
own footprints (services/pact/supplier_data.py) replace the model's secondary factors for the flows they name.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import threading
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pint
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.config import Settings
from carbontrail.errors import CarbontrailError, Conflict, InputError, Location, NotFound
from carbontrail.formats import ecospold1, olca_jsonld, product_model
from carbontrail.formats.product_model import ProductModelDocument
from carbontrail.lca.allocation import METHODS, AllocationMethod
from carbontrail.lca.contributions import Grouping, contributions as core_contributions
from carbontrail.lca.data_quality import DataQuality, data_quality
from carbontrail.lca.external import ExternalFootprint
from carbontrail.lca.footprint import Footprint, FootprintModel, Provenance, all_footprints, footprint, prepare
from carbontrail.lca.matrices import Boundary, build_system
from carbontrail.lca.montecarlo import compare as core_compare, monte_carlo
from carbontrail.lca.solver import Solver
from carbontrail.lca.tree import Node, supply_tree
from carbontrail.services import tenancy
from carbontrail.services.work import Actor, SystemActor, unit_of_work
from carbontrail.store.models import ProductFootprintResult, ProductModel
from carbontrail.store.repositories import footprints as repo
from carbontrail.store.repositories.footprints import supplier_footprints
from carbontrail.units import quantity

SourceFormat = Literal["carbontrail", "olca-jsonld", "ecospold1"]
BOUNDARIES: tuple[Boundary, ...] = ("cradle-to-gate", "cradle-to-grave")
GROUPINGS: tuple[Grouping, ...] = ("process", "stage", "supplier", "gas")
MAX_ITERATIONS = 20_000
_KEY_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


@dataclass(frozen=True)
class Options:
    """Modelling choices of a computation: allocation of co-products, system boundary, GWP assessment report."""

    allocation: AllocationMethod = "physical"
    boundary: Boundary = "cradle-to-gate"
    assessment: str = "AR6"

    def checked(self) -> Options:
        if self.allocation not in METHODS:
            raise InputError(f"unknown allocation method '{self.allocation}'", location=Location(field="allocation"),
                             expected=", ".join(METHODS))
        if self.boundary not in BOUNDARIES:
            raise InputError(f"unknown system boundary '{self.boundary}'", location=Location(field="boundary"),
                             expected=", ".join(BOUNDARIES))
        if self.assessment.upper() not in ("AR6", "AR5", "AR4"):
            raise InputError(f"unknown GWP assessment report '{self.assessment}'",
                             location=Location(field="assessment"), expected="AR6, AR5 or AR4")
        return replace(self, assessment=self.assessment.upper())


# -- stored models ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelInfo:
    """A stored product model, without its processes."""

    key: str
    name: str
    version: str
    source_format: str
    source: str
    processes: int
    products: int
    updated_at: str


@dataclass(frozen=True)
class ImportSummary:
    """What an import stored, and how linking went."""

    model: ModelInfo
    created: bool
    linked: int
    unlinked: int
    duplicates: int
    secondary_factors: int
    notes: tuple[str, ...] = ()


def read_model_file(path: Path) -> tuple[ProductModelDocument, SourceFormat, tuple[int, int, int], tuple[str, ...]]:
    """A model file in any supported format: ours (.yaml/.yml/.json), openLCA JSON-LD (zip or folder),
    EcoSpold 1 (.xml or a zip with one). Returns the model, its format, (linked, unlinked, duplicates) and notes."""
    path = Path(path)
    if not path.exists():
        raise InputError("the file does not exist", location=Location(file=str(path)))
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml", ".json") and path.is_file():
        doc = product_model.read(path)
        return doc, "carbontrail", (0, 0, 0), ()
    if path.is_dir() or (suffix == ".zip" and _is_olca_zip(path)):
        result = olca_jsonld.read_with_report(path)
        fmt: SourceFormat = "olca-jsonld"
    elif suffix in (".xml", ".zip"):
        result = ecospold1.read_with_report(path)
        fmt = "ecospold1"
    else:
        raise InputError(f"cannot tell the format of '{path.name}'", location=Location(file=path.name),
                         expected="a .yaml/.json product model, an openLCA JSON-LD zip or folder, or EcoSpold 1 .xml")
    report = result.report
    notes = tuple(f"{o.process}: {o.what} ({o.reason})" for o in report.omissions[:20])
    return (ProductModelDocument(result.database), fmt,
            (report.linked, len(report.unlinked), len(report.duplicates)), notes)


def _is_olca_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return any(n.startswith("processes/") and n.endswith(".json") for n in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > 64 or not set(key) <= _KEY_CHARS:
        raise InputError(f"'{key}' is not a usable model key", location=Location(field="key"),
                         expected="1–64 letters, digits, '-', '_' or '.'")
    return key


def save_model(session: Session, organisation_id: int, doc: ProductModelDocument, *, key: str,
               source_format: SourceFormat, source: str = "") -> tuple[ProductModel, bool]:
    """Store (or replace) the organisation's model under `key`; the model is checked by building its matrices."""
    key = check_key(key)
    if not doc.database.processes:
        raise InputError("the model has no processes", location=Location(file=source or None),
                         expected="at least one process")
    # Refuse a model the engine cannot compute (unknown flows, singular loops …) before storing it.
    build_system(doc.database, external=doc.factors, unallocatable="reference")
    document = product_model.to_document(doc)
    digest = hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    row = repo.model(session, organisation_id, key)
    created = row is None
    if row is None:
        row = ProductModel(organisation_id=organisation_id, key=key)
        session.add(row)
    row.name = doc.database.name[:200]
    row.version = doc.database.version[:64]
    row.source_format = source_format
    row.source = (source or doc.database.source)[:500]
    row.process_count = len(doc.database.processes)
    row.product_count = len({p.reference.flow for p in doc.database.processes.values()})
    row.document = document
    row.digest = digest
    session.flush()
    return row, created


def import_model(session: Session, organisation_id: int, path: Path, *, key: str | None = None,
                 name: str | None = None) -> ImportSummary:
    """Import a model file for the organisation (no commit: the caller's transaction)."""
    path = Path(path)
    doc, fmt, (linked, unlinked, duplicates), notes = read_model_file(path)
    if name:
        doc.database.name = name
    row, created = save_model(session, organisation_id, doc, key=key or _key_from(path), source_format=fmt,
                              source=path.name)
    return ImportSummary(_info(row), created, linked, unlinked, duplicates, len(doc.factors), notes)


def import_document(session: Session, organisation_id: int, data: object, *, key: str) -> ImportSummary:
    """Import a model given as parsed JSON in our format (the API's upload)."""
    doc = product_model.parse(data, file="request body")
    row, created = save_model(session, organisation_id, doc, key=key, source_format="carbontrail",
                              source=doc.database.source)
    return ImportSummary(_info(row), created, 0, 0, 0, len(doc.factors))


def _key_from(path: Path) -> str:
    stem = path.name.split(".")[0] if not path.is_dir() else path.name
    cleaned = "".join(c if c in _KEY_CHARS else "-" for c in stem).strip("-")[:64]
    return cleaned or "model"


def list_models(session: Session, organisation_id: int) -> list[ModelInfo]:
    return [_info(r) for r in repo.models(session, organisation_id)]


def delete_model(session: Session, organisation_id: int, key: str) -> None:
    session.delete(_row(session, organisation_id, key))
    session.flush()


def model_document(session: Session, organisation_id: int, key: str) -> dict[str, object]:
    """The stored model in our format (tenant data: members only)."""
    return dict(_row(session, organisation_id, key).document)


def _row(session: Session, organisation_id: int, key: str) -> ProductModel:
    row = repo.model(session, organisation_id, key)
    if row is None:
        raise NotFound(f"no product model '{key}'")
    return row


def _info(row: ProductModel) -> ModelInfo:
    return ModelInfo(row.key, row.name, row.version, row.source_format, row.source, row.process_count,
                     row.product_count, row.updated_at.isoformat() if row.updated_at else "")


# -- a model ready to compute -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Loaded:
    """A stored model, with the organisation's supplier footprints in place, characterised and factorised."""

    key: str
    name: str
    options: Options
    model: FootprintModel
    primary_processes: frozenset[str]
    primary_flows: tuple[str, ...]  # purchased flows whose supplier footprint replaced a secondary factor or cut-off
    model_digest: str = ""  # the model's revision
    model_version: str = ""
    inputs_digest: str = ""  # the revision, the supplier footprints in place and the options: equal → equal results
    supplier_inputs: tuple[tuple[str, str, str], ...] = ()  # (flow, supplier, reference) of each footprint in place
    # Product views already computed on this very model (equal inputs, seeded Monte Carlo: equal results).
    views: OrderedDict[tuple[object, ...], ProductView] = field(default_factory=OrderedDict, repr=False)
    views_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class _Cache:
    """Prepared models by content (document digest, supplier footprints, options): safe across tenants and
    databases, since equal keys mean equal inputs. Factorising USLCI takes ~0.5 s; a page asks many times."""

    def __init__(self, size: int = 16):
        self.size, self.items, self.lock = size, OrderedDict[str, Loaded](), threading.Lock()

    def get(self, key: str) -> Loaded | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: str, value: Loaded) -> None:
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_CACHE = _Cache()


def load(session: Session, organisation_id: int, key: str, options: Options = Options()) -> Loaded:
    """The organisation's model `key` with its supplier footprints, ready to compute."""
    options = options.checked()
    # The digest first: a large model's document (USLCI: 4 MB) is read only when it is not prepared yet.
    found_row = repo.model_digest(session, organisation_id, key)
    if found_row is None:
        raise NotFound(f"no product model '{key}'")
    primary = supplier_footprints(session, organisation_id)
    fingerprint = json.dumps([_fp_tuple(primary[k]) for k in sorted(primary)], default=str)
    cache_key = hashlib.sha256(f"{found_row.digest}|{fingerprint}|{options}".encode()).hexdigest()
    found = _CACHE.get(cache_key)
    if found is not None and found.key == found_row.key and found.name == found_row.name:
        return found
    row = _row(session, organisation_id, key)
    doc = product_model.parse(row.document, file=f"model '{key}'")
    secondary = {fp.flow: fp for fp in doc.factors}
    external = dict(secondary)
    used_primary = []
    for flow_id, fp in primary.items():
        if flow_id in doc.database.flows and doc.database.flows[flow_id].kind != "elementary":
            # The supplier's own figure takes the place of the secondary factor, in the same life-cycle stage.
            stage = secondary[flow_id].stage if flow_id in secondary else ""
            external[flow_id] = replace(fp, stage=stage)
            used_primary.append(flow_id)
    system = build_system(doc.database, allocation=options.allocation, external=external.values(),
                          boundary=options.boundary, unallocatable="reference")
    model = prepare(system, options.assessment)
    used = tuple(sorted(f for f in used_primary if f in system.external))
    loaded = Loaded(row.key, row.name, options, model, frozenset(doc.primary_processes), used, row.digest,
                    row.version, cache_key, tuple((f, primary[f].supplier, primary[f].version) for f in used))
    _CACHE.put(cache_key, loaded)
    return loaded


def _fp_tuple(fp: ExternalFootprint) -> list[object]:
    return [fp.flow, str(fp.fossil), str(fp.biogenic), fp.supplier, fp.source, fp.version, fp.year, fp.geography,
            list(fp.dqr) if fp.dqr else None]


# -- results ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductRow:
    """One product of a model with its cradle-to-gate (or -grave) footprint per unit."""

    model: str
    product: str
    process: str
    name: str
    product_name: str
    unit: str
    location: str
    stage: str
    supplier: str
    fossil_kg_per_unit: float
    biogenic_kg_per_unit: float


def products(loaded: Loaded) -> list[ProductRow]:
    """Every product of the model with its footprint per unit (one adjoint solve for all of them)."""
    scores = all_footprints(loaded.model).scores
    out = []
    for j, a in enumerate(loaded.model.system.activities):
        out.append(ProductRow(loaded.key, a.product, a.process, a.name, a.product_name, a.unit, a.location, a.stage,
                              a.supplier, float(scores[0, j]), float(scores[1, j])))
    return out


@dataclass(frozen=True)
class ExternalUse:
    """A purchased product satisfied by a footprint outside the model, and how much of it the demand pulls."""

    flow: str
    name: str
    amount: float
    unit: str
    primary: bool
    supplier: str
    source: str
    fossil_kg: float


@dataclass(frozen=True)
class CutOff:
    flow: str
    name: str
    amount: float
    unit: str


@dataclass(frozen=True)
class FootprintReport:
    """The footprint of an amount of one product, with its data quality, cut-off and provenance."""

    model: str
    product: str
    process: str
    name: str
    product_name: str
    amount: float
    unit: str
    fossil_kg: float
    biogenic_kg: float
    fossil_kg_per_unit: float
    biogenic_kg_per_unit: float
    cutoff_kg: float
    cutoff_share: float
    cutoff_unestimated: tuple[str, ...]
    data_quality: DataQuality
    provenance: Provenance
    options: Options
    external: tuple[ExternalUse, ...] = ()
    cutoffs: tuple[CutOff, ...] = ()
    allocation_notes: tuple[str, ...] = field(default=())


def _demand(loaded: Loaded, product: str, amount: float | None) -> tuple[int, dict[str, pint.Quantity]]:
    system = loaded.model.system
    try:
        j = system.index(product)
    except InputError as exc:
        raise NotFound(f"model '{loaded.key}' has no product '{product}'"
                       + ("" if "no activity" in exc.reason else f": {exc.reason}")) from None
    act = system.activities[j]
    value = 1.0 if amount is None else amount
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise InputError(f"the amount '{amount}' is not a positive number", location=Location(field="amount"),
                         expected=f"a positive amount of {act.unit}")
    # A product made by several processes is asked for by its process id.
    name = act.product if _unique(loaded, act.product) else act.process
    return j, {name: quantity(float(value), act.unit)}


def _unique(loaded: Loaded, product: str) -> bool:
    return sum(a.product == product for a in loaded.model.system.activities) == 1


def _result(loaded: Loaded, product: str, amount: float | None) -> tuple[int, Footprint]:
    j, demand = _demand(loaded, product, amount)
    return j, footprint(loaded.model, demand)


def compute(loaded: Loaded, product: str, amount: float | None = None) -> FootprintReport:
    """Footprint of `amount` (default 1) of `product` (flow id or process id) in its unit."""
    j, result = _result(loaded, product, amount)
    return _report(loaded, j, result)


def _report(loaded: Loaded, j: int, result: Footprint) -> FootprintReport:
    system = loaded.model.system
    act = system.activities[j]
    value = float(result.demand[j])
    quality = data_quality(result, loaded.primary_processes)
    B = system.B.tocsr()
    external = []
    factors = loaded.model.characterisation.factors
    for i, flow in enumerate(system.flows):
        fp = system.external.get(flow.id)
        if fp is None:
            continue
        pulled = float((B[i] @ result.supply).item())
        if pulled:
            external.append(ExternalUse(flow.id, flow.name, pulled, flow.unit, fp.primary, fp.supplier, fp.source,
                                        pulled * float(factors[0, i])))
    cut = system.cutoff.matrix @ result.supply if system.cutoff_flows else np.zeros(0)
    cutoffs = tuple(CutOff(f.id, f.name, float(a), f.unit) for f, a in zip(system.cutoff_flows, cut) if a)
    notes = tuple(f"{link.process}: {link.reason}" for link in system.links if link.reason.startswith("not allocated")
                  or link.reason.startswith("co-product with no other producer"))
    return FootprintReport(
        loaded.key, act.product, act.process, act.name, act.product_name, value, act.unit,
        float(result.scores[0]), float(result.scores[1]), float(result.scores[0] / value),
        float(result.scores[1] / value), float(result.cutoff_estimate[0]), result.cutoff_share,
        result.cutoff_unestimated, quality, result.provenance, loaded.options,
        tuple(sorted(external, key=lambda e: -abs(e.fossil_kg))), cutoffs, notes)


@dataclass(frozen=True)
class Contribution:
    label: str
    fossil_kg: float
    biogenic_kg: float
    share: float  # of the fossil (GWP100) result


def contributions(loaded: Loaded, product: str, amount: float | None = None,
                  by: Grouping = "process") -> list[Contribution]:
    """Where the footprint comes from, by process, life-cycle stage, supplier or gas, largest first."""
    if by not in GROUPINGS:
        raise InputError(f"unknown grouping '{by}'", location=Location(field="by"), expected=", ".join(GROUPINGS))
    _, result = _result(loaded, product, amount)
    return _contributions(loaded, result, by)


def _contributions(loaded: Loaded, result: Footprint, by: Grouping) -> list[Contribution]:
    frame = core_contributions(result, by)
    fossil, biogenic = loaded.model.indicators[:2]
    return [Contribution(str(label), float(row[fossil]), float(row[biogenic]), float(row["share"]))
            for label, row in frame.iterrows()]


@dataclass(frozen=True)
class TreeRow:
    """One node of the supply-chain tree, flattened depth-first."""

    depth: int
    process: str
    name: str
    amount: float
    unit: str
    total_kg: float
    direct_kg: float
    pruned_kg: float


def tree(loaded: Loaded, product: str, amount: float | None = None, *, cutoff: float = 0.01,
         max_depth: int = 6, max_nodes: int = 300) -> list[TreeRow]:
    """The upstream supply chain, nodes below `cutoff` of the total summed into their parent's pruned part."""
    if not (isinstance(cutoff, (int, float)) and math.isfinite(cutoff) and 0 <= cutoff <= 1):
        raise InputError(f"the cut-off {cutoff} is not a share", location=Location(field="cutoff"),
                         expected="a number from 0 to 1")
    if not 0 <= max_depth <= 30:
        raise InputError(f"the depth {max_depth} is out of range", location=Location(field="max_depth"),
                         expected="0 to 30")
    j, demand = _demand(loaded, product, amount)
    [(name, qty)] = demand.items()
    root = supply_tree(loaded.model, name, qty, cutoff=cutoff, max_depth=max_depth, max_nodes=max_nodes)
    rows: list[TreeRow] = []

    def walk(node: Node, depth: int) -> None:
        rows.append(TreeRow(depth, node.process, node.name, node.amount, node.unit, node.total, node.direct,
                            node.pruned))
        for child in node.children:
            walk(child, depth + 1)

    walk(root, 0)
    return rows


@dataclass(frozen=True)
class UncertaintyReport:
    """Monte Carlo of one product's footprint: statistics (kg CO2e) and a histogram of the fossil result."""

    product: str
    amount: float
    unit: str
    iterations: int
    seed: int
    deterministic: float
    mean: float
    sd: float
    median: float
    p2_5: float
    p5: float
    p95: float
    p97_5: float
    biogenic_mean: float
    histogram_counts: tuple[int, ...]
    histogram_edges: tuple[float, ...]
    uncertain_entries: int
    on_dask: bool


def _check_mc(iterations: int, seed: int) -> None:
    if isinstance(iterations, bool) or not isinstance(iterations, int) or not 1 <= iterations <= MAX_ITERATIONS:
        raise InputError(f"{iterations} iterations is out of range", location=Location(field="iterations"),
                         expected=f"1 to {MAX_ITERATIONS}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise InputError(f"the seed {seed} is out of range", location=Location(field="seed"),
                         expected="a non-negative integer")


def _scheduler(scheduler: str | None) -> str | None:
    return scheduler if scheduler is not None else Settings.from_env().dask_scheduler


def uncertainty(loaded: Loaded, product: str, amount: float | None = None, *, iterations: int = 1000,
                seed: int = 1, bins: int = 30, scheduler: str | None = None) -> UncertaintyReport:
    """Monte Carlo from the stored distributions, seeded; on Dask when CARBONTRAIL_DASK_SCHEDULER is set
    (or `scheduler` given), in-process otherwise — the same numbers either way."""
    _check_mc(iterations, seed)
    j, demand = _demand(loaded, product, amount)
    return _uncertainty(loaded.model, j, demand, iterations=iterations, seed=seed, bins=bins, scheduler=scheduler)


def _uncertainty(model: FootprintModel, j: int, demand: dict[str, pint.Quantity], *, iterations: int, seed: int,
                 bins: int = 30, scheduler: str | None = None) -> UncertaintyReport:
    where = _scheduler(scheduler)
    result = monte_carlo(model, demand, iterations, seed=seed, scheduler=where)
    samples = result.samples[:, 0]
    counts, edges = np.histogram(samples, bins=bins)
    pct = np.percentile(samples, [2.5, 5, 50, 95, 97.5])
    system = model.system
    n_uncertain = int(system.technosphere.distributions.uncertain.size + system.biosphere.distributions.uncertain.size)
    act = system.activities[j]
    return UncertaintyReport(act.product, float(next(iter(demand.values())).magnitude), act.unit, iterations, seed,
                             float(result.deterministic[0]), float(samples.mean()),
                             float(samples.std(ddof=1)) if iterations > 1 else 0.0, float(pct[2]), float(pct[0]),
                             float(pct[1]), float(pct[3]), float(pct[4]), float(result.samples[:, 1].mean()),
                             tuple(int(c) for c in counts), tuple(float(e) for e in edges), n_uncertain,
                             where is not None)


class _Solved(Solver):
    """The model's factorised solver that answers the demand already solved in this request from that solution,
    so the Monte Carlo's deterministic centre is not solved a second time (any other right-hand side is solved)."""

    @classmethod
    def knowing(cls, solver: Solver, f: np.ndarray, s: np.ndarray) -> _Solved:
        known = cls.__new__(cls)
        known.__dict__.update(solver.__dict__)
        known._known = (np.asarray(f, dtype=float).reshape(-1), np.asarray(s, dtype=float).reshape(-1))
        return known

    def forward(self, f: np.ndarray) -> np.ndarray:
        rhs, solution = self._known
        f = np.asarray(f, dtype=float)
        if f.size == rhs.size and np.array_equal(f.reshape(-1), rhs):
            return solution.reshape(f.shape).copy()
        return super().forward(f)


def _solved(model: FootprintModel, result: Footprint) -> FootprintModel:
    """`model` with a solver that knows `result`'s solution (a shallow copy: matrices and factors are shared)."""
    known = copy.copy(model)
    known.solver = _Solved.knowing(model.solver, result.demand, result.supply)
    return known


@dataclass(frozen=True)
class ProductView:
    """Everything a product's page shows, from one solution of its system: the footprint, its contributions by
    every grouping, the supply-chain tree and the Monte Carlo statistics."""

    report: FootprintReport
    groups: dict[str, list[Contribution]]
    tree: list[TreeRow]
    uncertainty: UncertaintyReport


MAX_VIEWS = 32  # product views kept per prepared model


def product_view(loaded: Loaded, product: str, amount: float | None = None, *, iterations: int = 500,
                 seed: int = 1, cutoff: float = 0.01, max_depth: int = 6) -> ProductView:
    """The footprint from one solution of the system, and from that same solution its contributions by process,
    stage, supplier and gas, the supply-chain tree and the Monte Carlo's deterministic centre.

    A view is kept with its prepared model: the model's inputs (document, supplier footprints, options) and the
    seeded Monte Carlo fix the result, so the same page asked again is not computed again."""
    _check_mc(iterations, seed)
    memo = (product, amount, iterations, seed, cutoff, max_depth)
    with loaded.views_lock:
        found = loaded.views.get(memo)
        if found is not None:
            loaded.views.move_to_end(memo)
            return found
    j, demand = _demand(loaded, product, amount)
    result = footprint(loaded.model, demand)
    groups = {by: _contributions(loaded, result, by) for by in GROUPINGS}
    view = ProductView(_report(loaded, j, result), groups,
                       tree(loaded, product, amount, cutoff=cutoff, max_depth=max_depth),
                       _uncertainty(_solved(loaded.model, result), j, demand, iterations=iterations, seed=seed))
    with loaded.views_lock:
        loaded.views[memo] = view
        while len(loaded.views) > MAX_VIEWS:
            loaded.views.popitem(last=False)
    return view


@dataclass(frozen=True)
class ComparisonReport:
    """Two products scored on the same draws."""

    a: str
    b: str
    a_deterministic: float
    b_deterministic: float
    a_mean: float
    b_mean: float
    difference_mean: float
    difference_p2_5: float
    difference_p97_5: float
    probability_a_lower: float
    iterations: int
    seed: int


def compare(loaded: Loaded, a: str, b: str, *, amount_a: float | None = None, amount_b: float | None = None,
            iterations: int = 1000, seed: int = 1, scheduler: str | None = None) -> ComparisonReport:
    """Compare two products of one model with the same Monte Carlo draws (difference not blurred by sampling)."""
    _check_mc(iterations, seed)
    _, da = _demand(loaded, a, amount_a)
    _, db = _demand(loaded, b, amount_b)
    result = core_compare(loaded.model, da, db, iterations, seed=seed, scheduler=_scheduler(scheduler))
    diff = result.difference[:, 0]
    return ComparisonReport(a, b, float(result.a.deterministic[0]), float(result.b.deterministic[0]),
                            float(result.a.mean[0]), float(result.b.mean[0]), float(diff.mean()),
                            float(np.percentile(diff, 2.5)), float(np.percentile(diff, 97.5)),
                            result.probability_a_lower(), iterations, seed)


def product_keys(loaded: Loaded) -> list[str]:
    return [a.product if _unique(loaded, a.product) else a.process for a in loaded.model.system.activities]


def ensure_unused(session: Session, organisation_id: int, key: str) -> None:
    """Refuse to create a model under a key that exists (the API's create; `save_model` replaces)."""
    if repo.model_exists(session, organisation_id, key):
        raise Conflict(f"a product model '{key}' exists already")


# -- the use cases, one function each, for every door ----------------------------------------------------------


def models_of(sessions: sessionmaker[Session], actor: Actor, code: str) -> list[ModelInfo]:
    """The organisation's stored product models."""
    with sessions() as s:
        return list_models(s, tenancy.access(s, actor, code, tenancy.DATA_READ).organisation_id)


def store_model(sessions: sessionmaker[Session], actor: Actor, code: str, *, key: str, document: object = None,
                path: Path | None = None, create_only: bool = False, name: str | None = None) -> ImportSummary:
    """Store a product model given as parsed JSON in our format (`document`) or as a file of any supported format
    (`path`); it replaces the model under `key` unless `create_only` (then an existing key is a Conflict)."""
    with unit_of_work(sessions, actor) as work:
        org = tenancy.access(work.session, actor, code, tenancy.DATA_WRITE)
        if create_only:
            ensure_unused(work.session, org.organisation_id, key)
        if path is not None:
            summary = import_model(work.session, org.organisation_id, path, key=key or None, name=name)
        else:
            summary = import_document(work.session, org.organisation_id, document, key=key)
        work.audit("import" if path is not None else ("create" if summary.created else "replace"), "product_model",
                   f"{code}/{summary.model.key}", organisation_id=org.organisation_id,
                   detail={"processes": summary.model.processes, "file": path.name if path is not None else ""})
        return summary


def remove_model(sessions: sessionmaker[Session], actor: Actor, code: str, key: str) -> None:
    """Delete a stored product model (`tenancy.DELETE`, which data entry does not hold)."""
    with unit_of_work(sessions, actor) as work:
        org = tenancy.access(work.session, actor, code, tenancy.DELETE)
        delete_model(work.session, org.organisation_id, key)
        work.audit("delete", "product_model", f"{code}/{key}", organisation_id=org.organisation_id)


def document_of(sessions: sessionmaker[Session], actor: Actor, code: str, key: str) -> dict[str, object]:
    """The stored model in our format (tenant data: members only)."""
    with sessions() as s:
        return model_document(s, tenancy.access(s, actor, code, tenancy.DATA_READ).organisation_id, key)


def overview(sessions: sessionmaker[Session], actor: Actor) -> list[tuple[tenancy.Profile, list[ModelInfo]]]:
    """The organisations whose product footprints `actor` may see, with their models."""
    if isinstance(actor, SystemActor):
        return []  # the overview is a signed-in person's; the CLI names an organisation
    with sessions() as s:
        return [(tenancy.profile(s, a), list_models(s, a.organisation_id))
                for a in tenancy.visible_organisations(s, actor) if a.allows(tenancy.INVENTORY)]


def names_of(sessions: sessionmaker[Session], actor: Actor, code: str) -> tenancy.Profile:
    """The organisation's profile (names, place) for a report on its products."""
    with sessions() as s:
        return tenancy.profile(s, tenancy.access(s, actor, code, tenancy.INVENTORY))


def open_model(sessions: sessionmaker[Session], actor: Actor, code: str, key: str,
               options: Options = Options()) -> Loaded:
    """The organisation's model `key`, with its supplier footprints in place, ready to compute (results are
    tenant data: the inventory permission)."""
    with sessions() as s:
        return load(s, tenancy.access(s, actor, code, tenancy.INVENTORY).organisation_id, key, options)


@dataclass(frozen=True)
class Catalogue:
    """Every product of every model of an organisation; a model that cannot be computed is named with its error."""

    models: list[ModelInfo]
    products: list[ProductRow]
    problems: list[tuple[str, CarbontrailError]]

    def by_model(self) -> list[tuple[str, list[ProductRow]]]:
        return [(m.key, rows) for m in self.models if (rows := [r for r in self.products if r.model == m.key])]


def catalogue(sessions: sessionmaker[Session], actor: Actor, code: str, options: Options = Options()) -> Catalogue:
    """The products of all the organisation's models with their footprints per unit (one adjoint solve a model)."""
    models, rows, problems = models_of(sessions, actor, code), [], []
    for m in models:
        try:
            rows += products(open_model(sessions, actor, code, m.key, options))
        except CarbontrailError as exc:
            problems.append((m.key, exc))
    return Catalogue(models, rows, problems)


# -- stored results -----------------------------------------------------------------------------------------------


def record_result_in(session: Session, organisation_id: int, key: str, product: str,
                     options: Options = Options()) -> ProductFootprintResult:
    """Compute one unit of `product` of model `key` and keep the result (inside the caller's transaction); the
    stored result of equal inputs when there is one. What is published is made from such a row."""
    loaded = load(session, organisation_id, key, options)
    report = compute(loaded, product)
    found = repo.result_by_inputs(session, organisation_id, loaded.inputs_digest, product)
    if found is not None:
        return found
    dq = report.data_quality
    row = ProductFootprintResult(
        organisation_id=organisation_id, model_key=loaded.key, model_version=loaded.model_version[:64],
        model_digest=loaded.model_digest, inputs_digest=loaded.inputs_digest, product=product[:200],
        allocation=loaded.options.allocation, boundary=loaded.options.boundary,
        assessment=loaded.options.assessment, unit=report.unit[:32], fossil_kg_per_unit=report.fossil_kg_per_unit,
        biogenic_kg_per_unit=report.biogenic_kg_per_unit, primary_data_share=dq.primary_data_share,
        dqr_technological=dq.technological, dqr_temporal=dq.temporal, dqr_geographical=dq.geographical,
        supplier_inputs=[list(i) for i in loaded.supplier_inputs])
    session.add(row)
    session.flush()
    return row


def current_result(session: Session, row: ProductFootprintResult) -> tuple[float, str] | None:
    """What the stored result's model, with today's factors and supplier footprints, computes now: (kg CO2e per
    unit, inputs digest); None when the model or its product is gone."""
    try:
        loaded = load(session, row.organisation_id, row.model_key,
                      Options(row.allocation, row.boundary, row.assessment))  # type: ignore[arg-type]
        return compute(loaded, row.product).fossil_kg_per_unit, loaded.inputs_digest
    except NotFound:
        return None


def session_org(session: Session, code: str) -> int | None:
    return tenancy.organisation_id(session, code)
