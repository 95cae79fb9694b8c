"""Allocation of multi-output processes: the share of inputs and emissions each co-product carries.

Physical, mass and economic allocation split one process into one column per co-product; substitution
keeps one column and credits the co-products against their other producers (system expansion).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from carbontrail.errors import InputError, UnitError
from carbontrail.lca.model import Exchange, Flow, Process
from carbontrail.units import magnitude, quantity

AllocationMethod = Literal["physical", "mass", "economic", "substitution"]
METHODS: tuple[AllocationMethod, ...] = ("physical", "mass", "economic", "substitution")


def is_provided(exchange: Exchange, flow: Flow) -> bool:
    """Whether the exchange is a product the process provides: a product output or a waste it treats."""
    return exchange.is_input == (flow.kind == "waste")


def products_of(process: Process, flows: Mapping[str, Flow]) -> list[Exchange]:
    """The products a process provides, its reference product first."""
    reference = process.reference
    provided = [e for e in process.exchanges
                if e is not reference and e.flow in flows and flows[e.flow].kind != "elementary"
                and is_provided(e, flows[e.flow])]
    # Several outputs of one flow are one product (their amounts add up in its column).
    seen = {reference.flow}
    unique = []
    for exchange in provided:
        if exchange.flow not in seen:
            seen.add(exchange.flow)
            unique.append(exchange)
    return [reference, *unique]


def shares(process: Process, flows: Mapping[str, Flow], method: AllocationMethod) -> dict[str, float]:
    """Allocation share of each co-product (flow id → share, summing to 1) under `method`.

    A single-output process, and every process under substitution, gives its reference product 1.
    """
    if method not in METHODS:
        raise InputError(f"unknown allocation method '{method}'", expected=", ".join(METHODS))
    outputs = products_of(process, flows)
    if len(outputs) == 1 or method == "substitution":
        return {process.reference.flow: 1.0}
    given = process.allocation.get(method)
    if given is None and method == "physical":
        given = process.allocation.get("mass")
    if given is None and method in ("mass", "physical"):
        return _mass_shares(process, outputs, flows)
    if given is None:
        raise InputError(f"process '{process.name}' has co-products but no {method} allocation factors",
                         expected=f"factors for {', '.join(e.flow for e in outputs)}")
    missing = [e.flow for e in outputs if e.flow not in given]
    if missing:
        # Products without a factor share what the given factors leave of 1 (openLCA stores no factor for
        # a product that takes the rest); nothing left is an error, not a silent zero.
        rest = 1.0 - sum(given[e.flow] for e in outputs if e.flow in given)
        if rest <= 0:
            raise InputError(f"process '{process.name}' has no {method} allocation factor for "
                             f"{', '.join(missing)} and the others already sum to 1 or more",
                             expected="one factor per co-product")
        given = {**given, **{flow: rest / len(missing) for flow in missing}}
    total = sum(given[e.flow] for e in outputs)
    if total <= 0 or any(given[e.flow] < 0 for e in outputs):
        raise InputError(f"process '{process.name}' has {method} allocation factors that are negative or sum to 0",
                         expected="non-negative factors with a positive sum")
    return {e.flow: given[e.flow] / total for e in outputs}


def _mass_shares(process: Process, outputs: list[Exchange], flows: Mapping[str, Flow]) -> dict[str, float]:
    masses: dict[str, float] = {}
    for exchange in outputs:
        unit = flows[exchange.flow].unit
        try:
            masses[exchange.flow] = magnitude(quantity(abs(exchange.amount), unit), "kg")
        except UnitError:
            raise UnitError(f"process '{process.name}': co-product '{flows[exchange.flow].name}' is measured in "
                            f"'{unit}', so mass allocation is impossible",
                            expected="a mass unit, or physical/economic allocation factors") from None
    total = sum(masses.values())
    if total <= 0:
        raise InputError(f"process '{process.name}': its co-products have no mass", expected="positive amounts")
    return {flow: mass / total for flow, mass in masses.items()}
