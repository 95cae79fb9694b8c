"""The CBAM exchange rate is asked as CNY per EUR; a rate outside 4–16 CNY per EUR is refused with the reason (most
often the rate the other way round), on SQLite and PostgreSQL through the API."""

from __future__ import annotations

import pytest

from carbontrail.errors import InputError
from carbontrail.services.cbam import exchange_rate
from cbam_world import CbamWorld

BASE = "/api/organisations/ALU/cbam/installations"
COST = {"process": "smelting", "mass_t": 1000, "price_eur_per_t": 75.36, "import_year": 2026,
        "free_allocation_share": 0.5}


def test_either_direction_gives_yuan_per_euro() -> None:
    assert exchange_rate(cny_per_eur=7.8125) == 7.8125
    assert exchange_rate(eur_per_cny=0.128) == pytest.approx(7.8125)  # 1 / 0.128
    assert exchange_rate() is None
    with pytest.raises(InputError, match="looks like EUR per CNY — the same rate is 7.812 CNY per EUR") as refused:
        exchange_rate(cny_per_eur=0.128)
    assert refused.value.location.field == "cny_per_eur"
    with pytest.raises(InputError, match="outside the plausible 4–16 CNY per EUR"):
        exchange_rate(cny_per_eur=78.125)
    with pytest.raises(InputError, match="once"):
        exchange_rate(cny_per_eur=7.8, eur_per_cny=0.128)


def test_the_cost_api_takes_cny_per_eur(cbam_world: CbamWorld) -> None:
    """Same hand calculation as test_cbam_api.test_cost_estimate: 2.125 CNY/t × 1,000 t / 7.8125 CNY/EUR = 272 EUR."""
    w = cbam_world
    w.upload("entry@alu.example", "ALU", "sichuan-aluminium-smelter.yaml", "GY")
    r = w.client.get(f"{BASE}/GY/cost", headers=w.auth("manager@alu.example"), params={**COST, "cny_per_eur": 7.8125})
    assert r.status_code == 200, r.text
    assert r.json()["carbon_price_deduction_eur"] == pytest.approx(272.0)
    r = w.client.get(f"{BASE}/GY/cost", headers=w.auth("manager@alu.example"), params={**COST, "cny_per_eur": 0.128})
    assert r.status_code == 422 and r.json()["field"] == "cny_per_eur"
    assert "looks like EUR per CNY" in r.json()["message"]
