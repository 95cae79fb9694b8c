"""Data quality of a footprint: primary data share and PACT data-quality ratings (1 best … 5 worst).

Ratings are contribution-weighted averages, as PACT asks: each process's ratings come from its exchanges'
pedigree scores (technological ← further technological, temporal ← temporal, geographical ← geographical),
each external footprint brings its own.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from carbontrail.lca.footprint import Footprint


@dataclass(frozen=True)
class DataQuality:
    """Primary data share (0–1), PACT ratings (None when no contribution is rated) and rated coverage."""

    primary_data_share: float
    technological: float | None
    temporal: float | None
    geographical: float | None
    coverage: float  # share of the footprint whose sources carry ratings

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"primary_data_share": self.primary_data_share, "technological_dqr": self.technological,
                              "temporal_dqr": self.temporal, "geographical_dqr": self.geographical,
                              "coverage": self.coverage}])


def data_quality(result: Footprint, primary_processes: Collection[str] = ()) -> DataQuality:
    """Quality of `result` on GWP100 (fossil and biogenic together, absolute contributions as weights).

    `primary_processes` are process ids modelled with company-specific (primary) data; an external
    footprint counts as primary when it is a supplier's own.
    """
    model = result.model
    system = model.system
    factors = model.characterisation.factors.sum(axis=0)  # both indicators
    B = system.B.tocsr()
    external_rows = [i for i, f in enumerate(system.flows) if f.id in system.external]
    weights: list[float] = []
    ratings: list[tuple[float, float, float] | None] = []
    primary: list[bool] = []
    internal = factors.copy()
    internal[external_rows] = 0.0
    direct = np.abs((B.T @ internal) * result.supply)
    chosen = set(primary_processes)
    for j, activity in enumerate(system.activities):
        if direct[j]:
            weights.append(direct[j])
            ratings.append(activity.dqr)
            primary.append(activity.process in chosen)
    for i in external_rows:
        amount = float((B[i] @ result.supply).item())
        fp = system.external[system.flows[i].id]
        if amount and factors[i]:
            weights.append(abs(amount * factors[i]))
            ratings.append(fp.dqr)
            primary.append(fp.primary)
    w = np.array(weights)
    total = w.sum()
    if total == 0:
        return DataQuality(0.0, None, None, None, 0.0)
    share = float(w[np.array(primary, dtype=bool)].sum() / total)
    rated = np.array([r is not None for r in ratings], dtype=bool)
    if not rated.any():
        return DataQuality(share, None, None, None, 0.0)
    table = np.array([r for r in ratings if r is not None], dtype=float)
    mean = (w[rated][:, None] * table).sum(axis=0) / w[rated].sum()
    return DataQuality(share, round(float(mean[0]), 2), round(float(mean[1]), 2), round(float(mean[2]), 2),
                       float(w[rated].sum() / total))
