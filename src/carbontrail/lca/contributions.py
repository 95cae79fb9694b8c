"""Where a footprint comes from: by process, life-cycle stage, supplier and gas (direct emissions × supply)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from carbontrail.lca.footprint import Footprint

Grouping = Literal["process", "stage", "supplier", "gas"]


def contributions(result: Footprint, by: Grouping = "process") -> pd.DataFrame:
    """Contribution of each group to every indicator (kg CO2e) and its share of GWP100, largest first."""
    model = result.model
    system = model.system
    factors = model.characterisation.factors  # indicators × flows
    if by == "gas":
        # Emissions of each flow times its factor, summed per gas.
        per_flow = factors * result.inventory  # indicators × flows
        labels = [g or "not a greenhouse gas" for g in model.characterisation.gases]
        frame = _grouped(per_flow, labels, model.indicators, by)
        return frame.drop(index="not a greenhouse gas", errors="ignore")
    # indicators × activities: direct emissions of each activity at its supply level.
    direct = model.cB * result.supply
    acts = system.activities
    if by == "process":
        labels = [f"{a.name} [{a.process}]" if a.share == 1.0 else f"{a.name} [{a.process}] → {a.product_name}"
                  for a in acts]
        return _grouped(direct, labels, model.indicators, by)
    if by == "stage":
        return _grouped(direct, [a.stage or "unspecified" for a in acts], model.indicators, by)
    if by == "supplier":
        # Externally supplied footprints belong to their supplier, not to the process that buys them.
        external = [i for i, f in enumerate(system.flows) if f.id in system.external]
        ext_part = np.zeros_like(direct)
        blocks = [direct]
        labels = [a.supplier or "own operations" for a in acts]
        if external:
            B = system.B.tocsr()
            for i in external:
                row = np.asarray(B[i].todense()).ravel() * result.supply
                ext = np.outer(factors[:, i], row)
                ext_part += ext
                fp = system.external[system.flows[i].id]
                blocks.append(ext.sum(axis=1, keepdims=True))
                labels.append(fp.supplier or f"library factor ({fp.source})")
            blocks[0] = direct - ext_part
        return _grouped(np.hstack(blocks), labels, model.indicators, by)
    raise ValueError(f"unknown grouping '{by}'")


def _grouped(values: np.ndarray, labels: list[str], indicators: tuple[str, ...], by: str) -> pd.DataFrame:
    frame = pd.DataFrame(values.T, columns=list(indicators))
    frame[by] = labels
    grouped = frame.groupby(by, sort=False).sum()
    grouped = grouped[(grouped != 0).any(axis=1)]
    total = grouped[indicators[0]].sum()
    grouped["share"] = grouped[indicators[0]] / total if total else 0.0
    grouped["unit"] = "kg CO2e"
    return grouped.sort_values(indicators[0], key=np.abs, ascending=False)

