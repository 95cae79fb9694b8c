"""Where a footprint comes from: by process, life-cycle stage, supplier and gas (direct emissions × supply)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from carbontrail.lca.footprint import Footprint
from carbontrail.lca.solver import Solver

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
        values, labels = stage_split(result, direct)
        return _grouped(values, labels, model.indicators, by)
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


def stage_split(result: Footprint, direct: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Direct contributions (indicators × activities) split into columns per life-cycle stage.

    A process with a stage label keeps all of its emissions in that stage. A process without one inherits the
    stage of whatever pulls it in, in proportion: its supply is split as s_U = A_UU⁻¹ (f_U − Σ_k A_U,k s_k),
    where U are the unlabelled activities and k runs over the stages of the labelled ones, so the 2 kWh of
    grid power a cell line buys counts in "main production" and the 10 kWh its cathode supplier buys in
    "raw material acquisition". What the demand itself draws on unlabelled processes stays "unspecified".
    The parts add up to s_U exactly, since row U of A s = f reads A_UU s_U + A_UL s_L = f_U.
    """
    system = result.model.system
    # A purchased product's footprint with a stage of its own (EU battery CF: purchased cathode material counts
    # in raw material acquisition, not in the cell maker's production) leaves its buyer's direct part.
    staged: list[np.ndarray] = []
    staged_labels: list[str] = []
    factors = result.model.characterisation.factors
    B = system.B.tocsr()
    direct = direct.copy()
    for i, flow in enumerate(system.flows):
        fp = system.external.get(flow.id)
        if fp is not None and fp.stage.strip():
            part = np.outer(factors[:, i], np.asarray(B[i].todense()).ravel() * result.supply)
            direct -= part
            staged.append(part.sum(axis=1, keepdims=True))
            staged_labels.append(fp.stage.strip())
    values, labels = _inherited(result, direct)
    if staged:
        return np.hstack([values, *staged]), [*labels, *staged_labels]
    return values, labels


def _inherited(result: Footprint, direct: np.ndarray) -> tuple[np.ndarray, list[str]]:
    acts = result.model.system.activities
    labels = [a.stage.strip() for a in acts]
    unlabelled = np.array([not label for label in labels], dtype=bool)
    if not unlabelled.any() or unlabelled.all():
        return direct, [label or "unspecified" for label in labels]
    A = result.model.solver.A
    U = np.flatnonzero(unlabelled)
    stages = sorted({label for label in labels if label})
    rhs = np.zeros((U.size, len(stages) + 1))
    rhs[:, -1] = result.demand[U]  # drawn by the demand directly: "unspecified"
    A_U = A.tocsr()[U]
    for k, stage in enumerate(stages):
        members = np.array([label == stage for label in labels], dtype=bool)
        pulled = -(A_U[:, np.flatnonzero(members)] @ result.supply[members])
        rhs[:, k] = pulled
    if not rhs[:, :-1].any():
        return direct, [label or "unspecified" for label in labels]
    A_UU = A[U][:, U]
    parts = Solver(A_UU, [acts[j].name for j in U], result.model.solver.tolerance).forward(rhs)
    parts = parts.reshape(U.size, -1)
    supply = result.supply[U]
    # Per unlabelled activity and stage: the fraction of its supply that stage draws (0 where it is not supplied).
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(supply[:, None] != 0, parts / supply[:, None], 0.0)
    labelled = np.flatnonzero(~unlabelled)
    blocks = [direct[:, labelled]]
    out_labels = [labels[j] for j in labelled]
    unlabelled_direct = direct[:, U]  # indicators × U
    for k, stage in enumerate([*stages, "unspecified"]):
        blocks.append((unlabelled_direct * fraction[:, k]).sum(axis=1, keepdims=True))
        out_labels.append(stage)
    return np.hstack(blocks), out_labels


def _grouped(values: np.ndarray, labels: list[str], indicators: tuple[str, ...], by: str) -> pd.DataFrame:
    frame = pd.DataFrame(values.T, columns=list(indicators))
    frame[by] = labels
    grouped = frame.groupby(by, sort=False).sum()
    grouped = grouped[(grouped != 0).any(axis=1)]
    total = grouped[indicators[0]].sum()
    grouped["share"] = grouped[indicators[0]] / total if total else 0.0
    grouped["unit"] = "kg CO2e"
    return grouped.sort_values(indicators[0], key=np.abs, ascending=False)

