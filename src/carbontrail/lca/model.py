"""The supply-chain model the engine computes on: flows, processes and their exchanges.

Plain, immutable data that importers (openLCA JSON-LD, EcoSpold, EEIO, our own models) produce and the
matrix builder consumes. Amounts are in the flow's reference unit (importers convert on the way in).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FlowKind = Literal["product", "waste", "elementary"]
Distribution = Literal["undefined", "lognormal", "normal", "triangular", "uniform"]


@dataclass(frozen=True)
class Uncertainty:
    """A distribution in stats_arrays terms.

    lognormal: `loc` = μ = ln(geometric mean), `scale` = σ (of the underlying normal);
    normal: `loc` = mean, `scale` = standard deviation; triangular: `minimum`, `loc` = mode, `maximum`;
    uniform: `minimum`, `maximum`. `pedigree` holds the five data-quality scores when known.
    """

    distribution: Distribution = "undefined"
    loc: float | None = None
    scale: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    pedigree: tuple[int, int, int, int, int] | None = None


@dataclass(frozen=True)
class Flow:
    """A product, waste or elementary flow, measured in `unit`."""

    id: str
    name: str
    kind: FlowKind
    unit: str
    category: str = ""  # e.g. "air/unspecified" for elementary flows
    cas: str = ""
    location: str = ""


@dataclass(frozen=True)
class Exchange:
    """An input or output of a process. `provider` links a product input to the process that makes it."""

    flow: str
    amount: float
    is_input: bool
    is_reference: bool = False
    provider: str | None = None
    uncertainty: Uncertainty | None = None
    comment: str = ""


@dataclass(frozen=True)
class Process:
    """A unit process; `stage` and `supplier` label contributions (life-cycle stage, organisation)."""

    id: str
    name: str
    exchanges: tuple[Exchange, ...]
    location: str = ""
    stage: str = ""
    supplier: str = ""
    category: str = ""
    # allocation factors for multi-output processes: method → {product flow id → factor}
    allocation: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def reference(self) -> Exchange:
        refs = [e for e in self.exchanges if e.is_reference]
        if refs:
            return refs[0]
        outputs = [e for e in self.exchanges if not e.is_input]
        return outputs[0]


@dataclass
class ProcessDatabase:
    """A set of processes and the flows they exchange, with the data set's name and version."""

    name: str
    version: str = ""
    flows: dict[str, Flow] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)
    source: str = ""
