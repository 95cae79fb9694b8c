"""Residual value: threshold classification and the price model, by hand on a small batch and at scale."""

from __future__ import annotations

import numpy as np
import pytest

from carbontrail.battery.residual import PriceModel, SoHBatch, Thresholds, expected_recovery, sort_batch
from carbontrail.errors import InputError
from carbontrail.units import magnitude, quantity, ureg

PRICES = PriceModel(
    cascade_price=quantity(500, "yuan/kWh"), repurposing_cost=quantity(200, "yuan/kWh"),
    material_content={"lithium": 0.01, "copper": 0.10}, recovery_rate={"lithium": 0.9, "copper": 0.95},
    material_price={"lithium": quantity(600, "yuan/kg"), "copper": quantity(70, "yuan/kg")},
    recycling_cost=quantity(3, "yuan/kg"), source="illustrative prices for the test",
)


def batch(capacity: list[float], resistance: list[float], cycles: list[float]) -> SoHBatch:
    n = len(capacity)
    return SoHBatch(codes=tuple(f"U{i}" for i in range(n)), capacity=np.array(capacity),
                    resistance_increase=np.array(resistance), cycles=np.array(cycles),
                    rated_energy=np.full(n, 50.0) * ureg.kWh, mass=np.full(n, 300.0) * ureg.kg)


def test_small_batch_by_hand() -> None:
    """Thresholds 0.70 / 0.50 / 3000. U0 (0.80, 0.20, 1500) → cascade: 50 kWh × 0.80 × (500 − 200) = 12,000 CNY.
    U1 (0.65 …) → recycling; U2 (0.90, 0.60 …) → recycling; U3 (0.75, 0.1, 3500) → recycling.
    Recycling per kg: 0.01×0.9×600 + 0.10×0.95×70 − 3 = 5.4 + 6.65 − 3 = 9.05 → 300 kg × 9.05 = 2,715 CNY.
    U4 (0.70, 0.50, 3000): exactly at every limit → cascade: 50 × 0.70 × 300 = 10,500 CNY."""
    result = sort_batch(batch([0.80, 0.65, 0.90, 0.75, 0.70], [0.2, 0.1, 0.6, 0.1, 0.5],
                              [1500, 800, 900, 3500, 3000]), Thresholds(), PRICES)
    assert result.cascade.tolist() == [True, False, False, False, True]
    assert result.value.to("yuan").magnitude.tolist() == pytest.approx([12_000, 2_715, 2_715, 2_715, 10_500])
    assert result.order.tolist()[:2] == [0, 4]
    assert magnitude(result.total_value, "yuan") == pytest.approx(12_000 + 10_500 + 3 * 2_715)
    units = batch([0.80, 0.65, 0.90, 0.75, 0.70], [0.2, 0.1, 0.6, 0.1, 0.5], [1500, 800, 900, 3500, 3000])
    recovered = expected_recovery(units, result, PRICES)
    # three recycled units × 300 kg × 0.01 × 0.9 = 8.1 kg lithium; × 0.10 × 0.95 = 85.5 kg copper
    assert magnitude(recovered["lithium"], "kg") == pytest.approx(8.1)
    assert magnitude(recovered["copper"], "kg") == pytest.approx(85.5)


def test_thresholds_are_configurable() -> None:
    strict = Thresholds(min_capacity=0.85, max_resistance_increase=0.3, max_cycles=2000, source="test")
    result = sort_batch(batch([0.80, 0.90], [0.2, 0.2], [100, 100]), strict, PRICES)
    assert result.cascade.tolist() == [False, True]


def test_ten_thousand_units_match_a_plain_loop() -> None:
    """The vectorised sort agrees with a unit-by-unit Python evaluation of the same rules."""
    rng = np.random.default_rng(7)
    n = 10_000
    cap, res, cyc = rng.uniform(0.5, 1.0, n), rng.uniform(0, 1, n), rng.uniform(0, 5000, n)
    result = sort_batch(batch(cap.tolist(), res.tolist(), cyc.tolist()), Thresholds(), PRICES)
    loop = [50 * c * 300 if (c >= 0.7 and r <= 0.5 and y <= 3000) else 300 * 9.05 for c, r, y in zip(cap, res, cyc)]
    assert np.allclose(result.value.to("yuan").magnitude, loop)
    assert result.n_cascade == sum(1 for c, r, y in zip(cap, res, cyc) if c >= 0.7 and r <= 0.5 and y <= 3000)


def test_bad_records_are_named() -> None:
    with pytest.raises(InputError, match="U1") as err:
        batch([0.8, float("nan")], [0.1, 0.1], [1, 1])
    assert err.value.location.row == 2
    with pytest.raises(InputError, match="one value per unit"):
        SoHBatch(("a", "b"), np.array([0.8]), np.array([0.1, 0.1]), np.array([1.0, 1.0]),
                 np.array([50.0, 50.0]) * ureg.kWh, np.array([300.0, 300.0]) * ureg.kg)
