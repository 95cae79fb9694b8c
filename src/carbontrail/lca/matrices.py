"""ProcessDatabase → sparse technosphere A and biosphere B, with index maps, allocation and cut-offs applied.

Column j of A is activity j (a process, or one co-product's share of it) and row j is the product it
provides, so A is square with production on the diagonal: outputs positive, inputs negative.
B holds elementary flows plus one row per externally supplied product (supplier or library footprint);
product inputs with neither a producer nor a footprint are cut off into their own matrix and reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
from scipy import sparse

from carbontrail.errors import InputError, SingularSystemError
from carbontrail.lca.allocation import AllocationMethod, is_provided, shares
from carbontrail.lca.external import ExternalFootprint
from carbontrail.lca.model import Flow, Process, ProcessDatabase
from carbontrail.lca.uncertainty import DistributionBuilder, Distributions

Boundary = Literal["cradle-to-gate", "cradle-to-grave"]
# Stages after the factory gate; cradle-to-gate leaves their processes out.
GRAVE_STAGES = frozenset({"distribution", "use", "end-of-life", "end of life", "eol"})


@dataclass(frozen=True)
class Activity:
    """Column j of A and row j: a process (or one co-product's share of it) and the product it provides."""

    process: str
    product: str
    name: str
    product_name: str
    unit: str
    location: str = ""
    stage: str = ""
    supplier: str = ""
    share: float = 1.0
    # PACT ratings (technological, temporal, geographical) from the exchanges' pedigree scores, 1 best … 5 worst
    dqr: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class Link:
    """A product input that was not linked to a process: cut off, or satisfied by an external footprint."""

    process: str
    flow: str
    flow_name: str
    unit: str
    amount: float
    reason: str


@dataclass(frozen=True, eq=False)
class Matrix:
    """A sparse matrix kept with its entries, so sampled entry values can be summed back into it fast."""

    shape: tuple[int, int]
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    distributions: Distributions
    slots: np.ndarray = field(init=False)
    template: sparse.csc_matrix = field(init=False)
    # The matrix of the stored values, built with the system: every prepare of it shares this one (read only).
    matrix: sparse.csc_matrix = field(init=False)

    def __post_init__(self) -> None:
        # Position of each entry in the CSC data array; duplicates share a slot and are summed.
        order = np.lexsort((self.rows, self.cols))
        keys = self.cols[order].astype(np.int64) * self.shape[0] + self.rows[order]
        unique = np.unique(keys)
        slot_sorted = np.cumsum(np.r_[0, np.diff(keys) != 0])
        slots = np.empty_like(order)
        slots[order] = slot_sorted
        indptr = np.searchsorted(unique // self.shape[0], np.arange(self.shape[1] + 1))
        template = sparse.csc_matrix(
            (np.zeros(unique.size), (unique % self.shape[0]).astype(np.int32), indptr.astype(np.int32)),
            shape=self.shape)
        object.__setattr__(self, "slots", slots)
        object.__setattr__(self, "template", template)
        object.__setattr__(self, "matrix", self.with_values(self.values))

    def csc_data(self, values: np.ndarray) -> np.ndarray:
        """The CSC data array for entry values `values` (same order as `rows`/`cols`)."""
        return np.bincount(self.slots, weights=values, minlength=self.template.nnz)

    def with_values(self, values: np.ndarray) -> sparse.csc_matrix:
        """The CSC matrix with entry values `values` (same order as `rows`/`cols`)."""
        out = self.template.copy()
        out.data = self.csc_data(values)
        return out



@dataclass(frozen=True, eq=False)
class ProductSystem:
    """The product system in matrix form, with what was allocated, linked externally and cut off."""

    database: str
    version: str
    source: str
    allocation: AllocationMethod
    boundary: Boundary
    activities: tuple[Activity, ...]
    flows: tuple[Flow, ...]  # rows of B: elementary flows, then external product flows
    technosphere: Matrix
    biosphere: Matrix
    cutoff: Matrix  # cut-off product flows × activities
    cutoff_flows: tuple[Flow, ...]
    external: Mapping[str, ExternalFootprint]  # product flow id → footprint, for the external rows of B
    links: tuple[Link, ...]

    @property
    def A(self) -> sparse.csc_matrix:
        return self.technosphere.matrix

    @property
    def B(self) -> sparse.csc_matrix:
        return self.biosphere.matrix

    @cached_property
    def names(self) -> list[str]:
        """Each activity's process name, in column order."""
        return [a.name for a in self.activities]

    @cached_property
    def _by_product(self) -> dict[str, list[int]]:
        return self._columns_by("product")

    @cached_property
    def _by_process(self) -> dict[str, list[int]]:
        return self._columns_by("process")

    def _columns_by(self, key: Literal["product", "process"]) -> dict[str, list[int]]:
        table: dict[str, list[int]] = {}
        for j, a in enumerate(self.activities):
            table.setdefault(getattr(a, key), []).append(j)
        return table

    def index(self, product: str, process: str | None = None) -> int:
        """Row of a product (flow id, or the id of the process making it), optionally of a given process."""
        hits = [j for j in self._by_product.get(product, []) if process is None or self.activities[j].process == process]
        if not hits and process is None:
            hits = self._by_process.get(product, [])
        if len(hits) != 1:
            what = "no activity" if not hits else f"{len(hits)} activities"
            raise InputError(f"{what} in '{self.database}' provide '{product}'",
                             expected="a product flow id (with its process id when several processes make it)")
        return hits[0]


def build_system(
    db: ProcessDatabase,
    *,
    allocation: AllocationMethod = "physical",
    external: Iterable[ExternalFootprint] = (),
    boundary: Boundary = "cradle-to-grave",
    unallocatable: Literal["error", "reference"] = "error",
) -> ProductSystem:
    """Build the matrices of `db`. Every unlinked product input is either external or reported as cut off.

    `unallocatable="reference"` lets a process whose co-products the method cannot split (no factors, no
    common mass unit, nothing to substitute) put its whole burden on its reference product; each such
    process is reported in `links`. The default raises instead.
    """
    footprints = {fp.flow: fp for fp in external}
    flows = db.flows
    processes = [p for p in sorted(db.processes.values(), key=lambda p: p.id)
                 if boundary == "cradle-to-grave" or p.stage.strip().lower() not in GRAVE_STAGES]

    # Columns: one per (process, provided product) share.
    activities: list[Activity] = []
    column_of: dict[tuple[str, str], int] = {}
    notes: list[Link] = []
    unallocated: set[str] = set()
    producers: dict[str, list[int]] = {}
    process_shares: dict[str, dict[str, float]] = {}
    for process in processes:
        ref = process.reference
        if ref.flow not in flows:
            raise InputError(f"process '{process.name}' has a reference flow '{ref.flow}' that is not in the database",
                             expected="a known product flow")
        try:
            process_shares[process.id] = shares(process, flows, allocation)
        except InputError as exc:
            if unallocatable == "error":
                raise
            process_shares[process.id] = {ref.flow: 1.0}
            unallocated.add(process.id)
            notes.append(Link(process.id, ref.flow, flows[ref.flow].name, flows[ref.flow].unit, ref.amount,
                              f"not allocated, whole burden on the reference product: {exc.reason}"))
        for product, share in process_shares[process.id].items():
            flow = flows[product]
            column_of[(process.id, product)] = len(activities)
            producers.setdefault(product, []).append(len(activities))
            activities.append(Activity(process.id, product, process.name, flow.name, flow.unit,
                                       process.location, process.stage, process.supplier, share,
                                       _pedigree_dqr(process)))

    # Only the elementary flows some process exchanges: B and C stay as small as the system.
    used = {e.flow for p in processes for e in p.exchanges}
    elementary = sorted((f for f in flows.values() if f.kind == "elementary" and f.id in used), key=lambda f: f.id)
    flow_row = {f.id: i for i, f in enumerate(elementary)}
    external_flows: list[Flow] = []
    cutoff_flows: list[Flow] = []
    cutoff_row: dict[str, int] = {}
    external_row: dict[str, int] = {}
    a_entries: list[tuple[int, int, float]] = []
    b_entries: list[tuple[int, int, float]] = []
    c_entries: list[tuple[int, int, float]] = []
    a_dist, b_dist, c_dist = DistributionBuilder(), DistributionBuilder(), DistributionBuilder()
    links: list[Link] = notes

    for process in processes:
        provided = process_shares[process.id]
        cols = [(column_of[(process.id, product)], product, share) for product, share in provided.items()]
        for n, exchange in enumerate(process.exchanges):
            flow = flows.get(exchange.flow)
            where = f"process '{process.name}', exchange {n + 1}"
            if flow is None:
                raise InputError(f"{where} refers to flow '{exchange.flow}', which is not in the database",
                                 expected="a flow id listed in the database's flows")
            if flow.kind == "elementary":
                row = flow_row[flow.id]
                for col, _, share in cols:
                    b_entries.append((row, col, exchange.amount * share))
                    b_dist.add(exchange.amount, exchange.uncertainty, where)
                continue
            if is_provided(exchange, flow):
                if exchange.flow in provided:
                    # The co-product's own column gets its whole output; other shares see none of it.
                    col = column_of[(process.id, exchange.flow)]
                    a_entries.append((col, col, exchange.amount))
                    a_dist.add(exchange.amount, exchange.uncertainty, where)
                    continue
                if process.id in unallocated:
                    continue  # reported above: the reference product carries the whole burden
                # Substitution: a co-product displaces the product of its other producer.
                target = _producer(exchange.provider, flow, producers, column_of)
                if target is None and unallocatable == "reference":
                    links.append(Link(process.id, flow.id, flow.name, flow.unit, exchange.amount,
                                      "co-product with no other producer: no credit, whole burden on the reference"))
                    continue
                if target is None:
                    raise InputError(f"{where}: co-product '{flow.name}' has no other producer to substitute",
                                     expected="a process that makes it, or physical/mass/economic allocation")
                for col, _, share in cols:
                    a_entries.append((target, col, exchange.amount * share))
                    a_dist.add(exchange.amount, exchange.uncertainty, where)
                continue
            # A product input (or a waste output): linked to its producer, an external footprint, or cut off.
            target = _producer(exchange.provider, flow, producers, column_of)
            if target is not None and exchange.provider is None and len(producers[flow.id]) > 1:
                links.append(Link(process.id, flow.id, flow.name, flow.unit, exchange.amount,
                                  f"{len(producers[flow.id])} producers, linked to '{activities[target].name}'"))
            if target is not None:
                for col, _, share in cols:
                    a_entries.append((target, col, -exchange.amount * share))
                    a_dist.add(-exchange.amount, exchange.uncertainty, where, mirrored=True)
                continue
            if flow.id in footprints:
                if flow.id not in external_row:
                    external_row[flow.id] = len(external_flows)
                    external_flows.append(flow)
                row = len(elementary) + external_row[flow.id]
                for col, _, share in cols:
                    b_entries.append((row, col, exchange.amount * share))
                    b_dist.add(exchange.amount, exchange.uncertainty, where)
                links.append(Link(process.id, flow.id, flow.name, flow.unit, exchange.amount, "external footprint"))
                continue
            if flow.id not in cutoff_row:
                cutoff_row[flow.id] = len(cutoff_flows)
                cutoff_flows.append(flow)
            for col, _, share in cols:
                c_entries.append((cutoff_row[flow.id], col, exchange.amount * share))
                c_dist.add(exchange.amount, exchange.uncertainty, where)
            links.append(Link(process.id, flow.id, flow.name, flow.unit, exchange.amount, "cut off: no producer"))

    n = len(activities)
    technosphere = _matrix(a_entries, (n, n), a_dist)
    _check_production(technosphere, activities)
    for fp in footprints.values():
        if fp.flow in flows:
            fp.per_unit(flows[fp.flow].unit)  # unit and rating check up front
    return ProductSystem(
        database=db.name, version=db.version, source=db.source, allocation=allocation, boundary=boundary,
        activities=tuple(activities), flows=tuple(elementary + external_flows),
        technosphere=technosphere,
        biosphere=_matrix(b_entries, (len(elementary) + len(external_flows), n), b_dist),
        cutoff=_matrix(c_entries, (len(cutoff_flows), n), c_dist), cutoff_flows=tuple(cutoff_flows),
        external={f.id: footprints[f.id] for f in external_flows}, links=tuple(links),
    )


def _pedigree_dqr(process: Process) -> tuple[float, float, float] | None:
    scores = [e.uncertainty.pedigree for e in process.exchanges
              if e.uncertainty is not None and e.uncertainty.pedigree is not None]
    if not scores:
        return None
    mean = np.mean(np.array(scores, dtype=float), axis=0)
    # Pedigree order: reliability, completeness, temporal, geographical, further technological.
    return float(mean[4]), float(mean[2]), float(mean[3])


def _producer(provider: str | None, flow: Flow, producers: Mapping[str, list[int]],
              column_of: Mapping[tuple[str, str], int]) -> int | None:
    if provider is not None and (provider, flow.id) in column_of:
        return column_of[(provider, flow.id)]
    candidates = producers.get(flow.id, [])
    if not candidates:
        return None
    # Several producers and no provider named: the first by process id, the way openLCA links by default.
    return candidates[0]


def _matrix(entries: list[tuple[int, int, float]], shape: tuple[int, int], dist: DistributionBuilder) -> Matrix:
    table = np.array(entries, dtype=float).reshape(-1, 3)
    return Matrix(shape=shape, rows=table[:, 0].astype(np.int32), cols=table[:, 1].astype(np.int32),
                  values=table[:, 2].copy(), distributions=dist.build())


def _check_production(technosphere: Matrix, activities: list[Activity]) -> None:
    diagonal = technosphere.matrix.diagonal()
    bad = np.flatnonzero(diagonal <= 0)
    if bad.size:
        names = [activities[j].name for j in bad]
        raise SingularSystemError(
            f"{len(names)} process(es) use at least as much of their own product as they make: "
            f"{', '.join(names[:10])}", processes=names)
