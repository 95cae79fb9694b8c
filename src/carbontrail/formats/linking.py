"""Linking product inputs to the processes that make them, and the report every LCA importer hands back.

A provider is a process whose reference product is the flow (the openLCA 1.x convention). Inputs with
one provider are linked to it, inputs with several get the one a stated rule picks, and inputs with none
stay unlinked (the engine cuts them off) — each case is listed in the `LinkReport`, none is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from carbontrail.lca.model import Exchange, Flow, Process, ProcessDatabase

UnlinkedKind = Literal["product input", "waste output", "co-product output"]


@dataclass(frozen=True)
class UnlinkedExchange:
    """A technosphere exchange no process in the database makes as its reference product."""

    process: str
    process_name: str
    flow: str
    flow_name: str
    kind: UnlinkedKind
    amount: float
    unit: str


@dataclass(frozen=True)
class DuplicateProducer:
    """A product made as reference product by several processes, and the one inputs were linked to."""

    flow: str
    flow_name: str
    processes: tuple[str, ...]
    chosen: str
    reason: str


@dataclass(frozen=True)
class UnitConversion:
    """An exchange given in another unit than its flow's reference unit, and how it was converted."""

    process: str
    flow: str
    amount: float
    unit: str
    converted: float
    reference_unit: str
    factor: float


@dataclass(frozen=True)
class FormulaExchange:
    """An exchange whose amount the source computes from a formula; the stored (evaluated) amount is used."""

    process: str
    flow: str
    formula: str
    amount: float


@dataclass(frozen=True)
class Omission:
    """Something in the source that the model cannot carry, said out loud (e.g. causal allocation factors)."""

    process: str
    what: str
    reason: str


@dataclass(frozen=True)
class LinkReport:
    """What linking and conversion did to an imported data set."""

    source: str
    linked: int
    unlinked: tuple[UnlinkedExchange, ...]
    duplicates: tuple[DuplicateProducer, ...]
    conversions: tuple[UnitConversion, ...] = ()
    formulas: tuple[FormulaExchange, ...] = ()
    omissions: tuple[Omission, ...] = ()

    def unlinked_of(self, kind: UnlinkedKind) -> tuple[UnlinkedExchange, ...]:
        return tuple(u for u in self.unlinked if u.kind == kind)


@dataclass(frozen=True)
class ImportResult:
    """An imported process database with the report of how it was linked and converted."""

    database: ProcessDatabase
    report: LinkReport


@dataclass
class ImportNotes:
    """Collected while reading, before linking: conversions, formulas and omissions."""

    conversions: list[UnitConversion] = field(default_factory=list)
    formulas: list[FormulaExchange] = field(default_factory=list)
    omissions: list[Omission] = field(default_factory=list)


def provides(exchange: Exchange, flow: Flow) -> bool:
    """A product output or a waste input: what a process delivers to others (the engine's convention)."""
    return exchange.is_input == (flow.kind == "waste")


def link(db: ProcessDatabase, notes: ImportNotes) -> ImportResult:
    """Set `provider` on every product input (and waste output) that has a provider in `db`.

    A provider named by the source (openLCA 2 `defaultProvider`) is kept when it makes the flow. Otherwise,
    with several providers, the one with the lowest process id is chosen: a rule that does not depend on file
    order, and the same the engine applies when no provider is named, so both give one answer.
    """
    flows = db.flows
    producers: dict[str, list[str]] = {}
    makes: set[tuple[str, str]] = set()  # (process, flow) for every product a process delivers
    for process in sorted(db.processes.values(), key=lambda p: p.id):
        ref = process.reference
        flow = flows[ref.flow]
        if flow.kind != "elementary" and provides(ref, flow):
            producers.setdefault(ref.flow, []).append(process.id)
        for exchange in process.exchanges:
            kind = flows[exchange.flow].kind
            if kind != "elementary" and provides(exchange, flows[exchange.flow]):
                makes.add((process.id, exchange.flow))

    duplicates: dict[str, DuplicateProducer] = {}
    for flow_id, makers in producers.items():
        if len(makers) > 1:
            duplicates[flow_id] = DuplicateProducer(
                flow_id, flows[flow_id].name, tuple(makers), makers[0],
                f"{len(makers)} processes make it and the source names none for this input: "
                "the lowest process id was chosen")

    linked = 0
    unlinked: list[UnlinkedExchange] = []
    processes: dict[str, Process] = {}
    for pid, process in db.processes.items():
        exchanges = list(process.exchanges)
        for n, exchange in enumerate(exchanges):
            flow = flows[exchange.flow]
            if exchange.is_reference or flow.kind == "elementary":
                continue
            makers = producers.get(flow.id, [])
            if provides(exchange, flow):
                if not makers:
                    unlinked.append(UnlinkedExchange(pid, process.name, flow.id, flow.name, "co-product output",
                                                     exchange.amount, flow.unit))
                continue
            if exchange.provider is not None and (exchange.provider, flow.id) in makes:
                linked += 1
                continue
            if not makers:
                kind: UnlinkedKind = "waste output" if flow.kind == "waste" else "product input"
                unlinked.append(UnlinkedExchange(pid, process.name, flow.id, flow.name, kind,
                                                 exchange.amount, flow.unit))
                if exchange.provider is not None:
                    exchanges[n] = replace(exchange, provider=None)
                continue
            exchanges[n] = replace(exchange, provider=makers[0])
            linked += 1
        processes[pid] = replace(process, exchanges=tuple(exchanges))

    database = ProcessDatabase(name=db.name, version=db.version, flows=dict(flows), processes=processes,
                               source=db.source)
    report = LinkReport(
        source=db.source, linked=linked, unlinked=tuple(unlinked),
        duplicates=tuple(sorted(duplicates.values(), key=lambda d: d.flow)),
        conversions=tuple(notes.conversions), formulas=tuple(notes.formulas), omissions=tuple(notes.omissions),
    )
    return ImportResult(database, report)
