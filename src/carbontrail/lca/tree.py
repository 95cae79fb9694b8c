"""The upstream supply-chain tree of a product, pruned below a share of the total for display."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pint

from carbontrail.lca.footprint import FootprintModel
from carbontrail.units import magnitude


@dataclass(frozen=True)
class Node:
    """One supplier in the tree: how much of its product flows up, and the GWP100 it carries (kg CO2e)."""

    process: str
    name: str
    amount: float
    unit: str
    total: float  # cradle-to-gate GWP100 of `amount`, upstream included
    direct: float  # GWP100 of this process's own emissions for `amount`
    children: tuple[Node, ...]
    pruned: float  # GWP100 of inputs left out below the cut-off


def supply_tree(model: FootprintModel, product: str, amount: pint.Quantity, *, cutoff: float = 0.01,
                max_depth: int = 8, max_nodes: int = 2000) -> Node:
    """Tree of `amount` of `product`: inputs carrying less than `cutoff` of the total are summed as pruned.

    Loops are followed until `max_depth`; the tree shows at most `max_nodes` nodes.
    """
    A = model.solver.A
    q = model.product_scores[0]
    c = model.cB[0]
    root = model.system.index(product)
    root_amount = magnitude(amount, model.system.activities[root].unit)
    threshold = abs(cutoff * root_amount * q[root])
    budget = [max_nodes]

    def build(j: int, qty: float, depth: int) -> Node:
        act = model.system.activities[j]
        budget[0] -= 1
        level = qty / A[j, j]
        start, end = A.indptr[j], A.indptr[j + 1]
        rows, values = A.indices[start:end], A.data[start:end]
        children, pruned = [], 0.0
        for i, value in sorted(zip(rows, values), key=lambda rv: -abs(rv[1] * q[rv[0]])):
            if i == j:
                continue
            needed = -value * level
            carried = needed * q[i]
            if depth >= max_depth or budget[0] <= 0 or abs(carried) < threshold:
                pruned += carried
                continue
            children.append(build(int(i), needed, depth + 1))
        return Node(act.process, act.name, qty, act.unit, qty * q[j], level * c[j], tuple(children), pruned)

    return build(root, root_amount, 0)


def tree_frame(node: Node) -> pd.DataFrame:
    """The tree flattened depth-first: depth, process, amount, total and direct GWP100, pruned remainder."""
    rows: list[dict[str, object]] = []

    def walk(n: Node, depth: int, path: str) -> None:
        here = f"{path}/{n.process}" if path else n.process
        rows.append({"depth": depth, "path": here, "process": n.process, "name": n.name, "amount": n.amount,
                     "unit": n.unit, "total_kg_co2e": n.total, "direct_kg_co2e": n.direct,
                     "pruned_kg_co2e": n.pruned})
        for child in n.children:
            walk(child, depth + 1, here)

    walk(node, 0, "")
    return pd.DataFrame(rows)

