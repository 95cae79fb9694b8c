"""Certificate cost: hand-worked estimates, the free-allocation share from a benchmark, carbon price paid abroad."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from carbontrail.cbam import (
    CBAM_FACTOR,
    cbam_factor,
    carbon_price_per_tonne,
    compute_see,
    estimate_cost,
    free_allocation_share,
    parse_installation,
)
from carbontrail.errors import InputError
from carbontrail.units import magnitude, quantity

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cbam"


def test_cbam_factor_schedule() -> None:
    """Directive 2003/87/EC Art. 10a(1a) (as amended by 2023/959): 97.5 % 2026 … 14 % 2033, 0 from 2034."""
    assert [CBAM_FACTOR[y] for y in range(2026, 2035)] == [0.975, 0.95, 0.90, 0.775, 0.515, 0.39, 0.265, 0.14, 0.0]
    assert cbam_factor(2040) == 0.0
    with pytest.raises(InputError, match="definitive period starts in 2026"):
        cbam_factor(2025)


def test_cost_hand_worked() -> None:
    """2,000 t obligation × (1 − 0.6) = 800 certificates × 75.36 EUR/t = 60,288 EUR; minus 5,000 EUR carbon price
    paid in China = 55,288 EUR."""
    est = estimate_cost(quantity(2000, "t"), year=2026, certificate_price=quantity(75.36, "EUR/t"),
                        free_allocation_share=0.6, carbon_price_paid=quantity(5000, "EUR"))
    assert magnitude(est.certificates, "t") == pytest.approx(800)
    assert magnitude(est.gross_cost, "EUR") == pytest.approx(60_288)
    assert magnitude(est.net_cost, "EUR") == pytest.approx(55_288)


def test_carbon_price_cannot_make_cost_negative() -> None:
    est = estimate_cost(quantity(100, "t"), year=2030, certificate_price=quantity(80, "EUR/t"),
                        free_allocation_share=0.5, carbon_price_paid=quantity(10_000, "EUR"))
    assert magnitude(est.gross_cost, "EUR") == pytest.approx(4_000)
    assert magnitude(est.net_cost, "EUR") == 0.0


@pytest.mark.parametrize(("year", "share"), [(2026, 1.37 * 0.975 / 2.0), (2030, 1.37 * 0.515 / 2.0), (2034, 0.0)])
def test_free_allocation_share_from_benchmark(year: int, share: float) -> None:
    """Share = benchmark × CBAM factor / SEE: 2026 1.37 × 0.975 / 2.0 = 0.667875; 2030 0.352775; 2034 0."""
    assert free_allocation_share(quantity(2.0, "t/t"), quantity(1.37, "t/t"), year) == pytest.approx(share)


def test_free_allocation_share_capped_at_one() -> None:
    assert free_allocation_share(quantity(1.0, "t/t"), quantity(1.423, "t/t"), 2026) == 1.0


def test_bad_share_and_wrong_currency() -> None:
    with pytest.raises(InputError, match="outside 0–1"):
        estimate_cost(quantity(1, "t"), year=2026, certificate_price=quantity(75, "EUR/t"), free_allocation_share=1.2)
    with pytest.raises(InputError, match="cannot be converted"):
        estimate_cost(quantity(1, "t"), year=2026, certificate_price=quantity(75, "CNY/t"), free_allocation_share=0)


def test_carbon_price_paid_per_tonne_from_the_installation() -> None:
    """Panzhihua example: 85 CNY/t × 20,000 t covered = 1,700,000 CNY × 0.128 EUR/CNY = 217,600 EUR over 1,000,000 t
    of crude steel = 0.2176 EUR per t."""
    inst = parse_installation(yaml.safe_load((EXAMPLES / "panzhihua-vti-steel.yaml").read_text(encoding="utf-8")))
    result = compute_see(inst).process("converter")
    per_t = carbon_price_per_tonne(inst, result, {"CNY": quantity(0.128, "EUR/CNY")})
    assert magnitude(per_t, "EUR/t") == pytest.approx(0.2176)
    with pytest.raises(InputError, match="no exchange rate"):
        carbon_price_per_tonne(inst, result, {})
