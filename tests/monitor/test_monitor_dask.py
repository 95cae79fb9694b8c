"""The same roll-ups from DuckDB and from a Dask LocalCluster with two workers are identical."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from distributed import LocalCluster

from carbontrail.store.readings import ReadingStore

pytestmark = pytest.mark.slow


def test_duckdb_and_dask_roll_ups_are_identical(tmp_path) -> None:
    """Two meters, 15-minute values over January–February 2023 (multiples of 0.25, so every sum is exact),
    one correction; day and month totals and interval counts agree row for row."""
    store = ReadingStore(tmp_path / "readings")
    rng = np.random.default_rng(7)
    starts = pd.date_range("2023-01-01", "2023-02-28 23:45", freq="15min")
    kept = {}
    for meter in (1, 2):
        values = kept[meter] = rng.integers(0, 40, len(starts)) * 0.25
        rows = pd.DataFrame({"meter": meter, "start": starts, "at": starts, "value": values, "counter": np.nan,
                             "reset": False})
        staged = store.stage(5, rows, batch=meter)
        store.publish(staged)
    fix = pd.DataFrame({"meter": [1], "start": [starts[10]], "at": [starts[10]], "value": [99.0],
                        "counter": [np.nan], "reset": [False], "version": [2]})
    store.publish(store.stage(5, fix, batch=9, correction=True))
    duck_day = store.totals([5], period="day")
    duck_month = store.totals([5], period="month")
    assert len(duck_day) == 2 * 59 and len(duck_month) == 4
    assert duck_month["intervals"].tolist() == [2976, 2688, 2976, 2688]
    with LocalCluster(n_workers=2, processes=False, threads_per_worker=1, dashboard_address=None) as cluster:
        dask_store = ReadingStore(tmp_path / "readings", cluster.scheduler_address)
        pd.testing.assert_frame_equal(dask_store.totals([5], period="day"), duck_day)
        pd.testing.assert_frame_equal(dask_store.totals([5], period="month"), duck_month)
        window = dict(start=datetime(2023, 1, 15), end=datetime(2023, 2, 10))
        pd.testing.assert_frame_equal(dask_store.totals([5], period="day", **window),
                                      store.totals([5], period="day", **window))
    # the correction counts: day 1 of meter 1 = Σ of its first 96 values − the corrected one + 99
    assert duck_day["total"].iat[0] == kept[1][:96].sum() - kept[1][10] + 99
    assert duck_day["total"].iat[59] == kept[2][:96].sum()
