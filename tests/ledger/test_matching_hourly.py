"""Hourly, monthly and annual matching worked by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from carbontrail.ledger.matching import hour_months, match, spread_evenly

# One day: 4 MWh/h at night (0-5 h, 18-23 h), 6 MWh/h in the day (6-17 h): 6*4 + 12*6 + 6*4 = 120 MWh.
DAY_USE = np.array([4.0] * 6 + [6.0] * 12 + [4.0] * 6)
# A solar-shaped generator, 6-17 h: 1 3 5 7 8 9 9 8 7 5 3 1 = 66 MWh, nothing at night (partial production).
DAY_SUN = np.array([0.0] * 6 + [1, 3, 5, 7, 8, 9, 9, 8, 7, 5, 3, 1] + [0.0] * 6)


def test_one_day_by_hand() -> None:
    """Hour by hour: min(6, p) for 6-17 h = 1+3+5+6+6+6+6+6+6+5+3+1 = 54 MWh; night hours match nothing.
    Excess 66 - 54 = 12 MWh (1+2+3+3+2+1 above 6 MWh/h) does not carry over. Monthly = annual = min(120, 66) = 66."""
    r = match(DAY_USE[None, :], DAY_SUN[None, :], start=date(2025, 7, 1))
    assert r.consumption[0] == 120.0 and r.supply[0] == 66.0
    assert r.hourly[0] == 54.0
    assert r.monthly[0] == 66.0 and r.annual[0] == 66.0
    assert r.residual[0] == 66.0
    share = r.share_by_day_hour()
    assert share.shape == (1, 24)
    assert share[0, 5] == 0.0 and share[0, 6] == pytest.approx(1 / 6) and share[0, 9] == 1.0
    assert share[0, 15] == pytest.approx(5 / 6)
    assert np.nansum(r.matched_by_hour) == 54.0


def test_monthly_and_annual_are_sums() -> None:
    """Two days across a month boundary: 31 January as above, 1 February the same use and a flat 10 MWh/h.
    Hourly: 54 + min(use, 10) summed = 54 + 120 = 174; per month [54, 120].
    Monthly: min(120, 66) + min(120, 240) = 66 + 120 = 186.  Annual: min(240, 66 + 240) = 240."""
    use = np.concatenate([DAY_USE, DAY_USE])[None, :]
    sun = np.concatenate([DAY_SUN, np.zeros(24)])
    flat = np.concatenate([np.zeros(24), np.full(24, 10.0)])
    r = match(use, np.stack([sun, flat]), np.array([0, 0]), start=date(2025, 1, 31))
    assert list(r.hourly_by_month[0]) == [54.0, 120.0]
    assert list(r.consumption_by_month[0]) == [120.0, 120.0]
    assert r.hourly[0] == 174.0 == r.hourly_by_month[0].sum()
    assert r.monthly[0] == 186.0
    assert r.annual[0] == 240.0
    assert r.hourly[0] <= r.monthly[0] <= r.annual[0]


def test_consumers_own_their_generators_and_chunks_agree() -> None:
    """Consumer 0 owns the solar generator, consumer 1 the flat one, consumer 2 none."""
    use = np.stack([DAY_USE, DAY_USE, DAY_USE])
    gens = np.stack([np.full(24, 10.0), DAY_SUN])
    owner = np.array([1, 0])
    whole = match(use, gens, owner, start=date(2025, 7, 1))
    assert list(whole.hourly) == [54.0, 120.0, 0.0]
    assert list(whole.annual) == [66.0, 120.0, 0.0]
    one_by_one = match(use, gens, owner, start=date(2025, 7, 1), chunk=1)
    assert np.array_equal(whole.hourly, one_by_one.hourly)
    assert np.array_equal(whole.matched_by_hour, one_by_one.matched_by_hour)
    assert whole.matched_by_hour.sum() == 174.0


def test_hour_months_and_even_spread() -> None:
    months = hour_months(date(2024, 2, 28), 3 * 24)  # 28, 29 February (leap year), 1 March
    assert list(months[::24]) == [0, 0, 1]
    spread = spread_evenly(48.0, date(2025, 3, 2), date(2025, 3, 3), date(2025, 3, 1), date(2025, 3, 2))
    assert spread.sum() == 24.0 and spread[23] == 0.0 and spread[24] == 1.0


def test_shape_mismatch_refused() -> None:
    with pytest.raises(ValueError, match="production has 23 hours"):
        match(np.ones((1, 24)), np.ones((1, 23)))
    with pytest.raises(ValueError, match="consumer index in range"):
        match(np.ones((2, 24)), np.ones((1, 24)), np.array([2]))
