"""Park and province pages open on the latest year that has data, let the user pick another, and show "no data"
as such, never 0.0; a province's totals are the sum of its enterprises' inventories."""

from __future__ import annotations

import re

import pytest
from platform_world import PASSWORD, World

from carbontrail.services.aggregates import aggregate
from carbontrail.services.inventory import organisation_inventory
from carbontrail.services.work import SystemActor


def _sign_in(world: World, email: str) -> None:
    world.client.cookies.clear()
    form = world.client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    world.client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/"},
                      follow_redirects=False)


def test_the_park_page_opens_on_the_latest_year_with_data(world: World) -> None:
    """The fixture's only data is of 2023 (tenant A: 12 × 1,000,000 kWh, i.e. 12,000,000 kWh × 0.1229 kgce/kWh =
    1,474.8 tce). Without a year the page shows 2023 and that figure, and offers 2023 in its year list."""
    _sign_in(world, "park_admin@a.example")
    page = world.client.get("/jurisdiction/PARK-A")
    assert page.status_code == 200
    assert "2023)" in page.text and "1,474.8" in page.text
    assert re.search(r'<option value="2023"\s+selected>', page.text)
    assert 'id="no-data"' not in page.text


def test_a_year_without_data_says_so_instead_of_zero(world: World) -> None:
    _sign_in(world, "park_admin@a.example")
    page = world.client.get("/jurisdiction/PARK-A?year=2025")
    assert page.status_code == 200
    assert 'id="no-data"' in page.text and ("No data" in page.text or "无数据" in page.text)
    totals = page.text[page.text.index('id="aggregate-totals"'):page.text.index('id="enterprises"')]
    assert "0.0" not in totals
    enterprises = page.text[page.text.index('id="enterprises"'):]
    assert "no-data" in enterprises and "0.0" not in enterprises.split("</table>")[0]


def test_the_api_defaults_to_the_latest_year_and_flags_a_year_without_data(world: World) -> None:
    headers = world.auth("park_admin")
    latest = world.client.get("/api/jurisdictions/PARK-A/aggregates", headers=headers).json()
    assert (latest["year"], latest["has_data"], latest["years"]) == (2023, True, [2023])
    assert latest["energy_tce"] == pytest.approx(1474.8)
    empty = world.client.get("/api/jurisdictions/PARK-A/aggregates?year=2025", headers=headers).json()
    assert (empty["year"], empty["has_data"]) == (2025, False)
    assert [e["has_data"] for e in empty["enterprises"]] == [False]


def test_province_totals_are_the_sum_of_every_enterprise_inventory(world: World) -> None:
    """Sichuan 2023: the aggregate's energy, scope 1, scope 2 and value added equal the sum over its enterprises of
    each one's own inventory (not a mean of their ratios); its CO2 intensity is Σ emissions / Σ value added.
    By hand for tenant A: 12,000,000 kWh × 0.1404 kg/kWh = 1,684.8 t scope 2, over 10,000 × 10⁴ yuan."""
    totals = aggregate(world.sessions, SystemActor("test"), "SC", 2023)
    members = [e.organisation for e in totals.enterprises]
    assert members == ["ORG-A"]
    results = [organisation_inventory(world.sessions, code, period="2023") for code in members]
    assert totals.energy_tce == pytest.approx(sum(r.energy_tce for r in results))
    assert totals.scope1_t_co2e == pytest.approx(sum(r.scope1_t for r in results))
    assert totals.scope2_location_t_co2e == pytest.approx(sum(r.scope2_location_t for r in results))
    assert totals.value_added_10k_yuan == pytest.approx(sum(r.value_added_10k_yuan for r in results))
    assert totals.scope2_location_t_co2e == pytest.approx(1684.8)
    assert totals.co2_intensity == pytest.approx((totals.scope1_t_co2e + 1684.8) / 10_000)
