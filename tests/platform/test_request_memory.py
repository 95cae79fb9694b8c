"""Per request, who is asking (token, roles) and the tenant's data fingerprint come from the process's memory:
no SQL while nothing changed, and a change (here, in this process) is seen by the very next request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from carbontrail.services import accounts, tenancy
from platform_world import World

CSV = ("organisation,facility,period_start,period_end,kind,item,quantity,unit,category,gas,meter,supplier,"
       "instrument,instrument_ref,contract_factor,source\n"
       "ORG-A,A-PLANT,2023-06-01,2023-06-30,electricity,grid electricity,1000000,kWh,,,,,,,,memory test\n")


@contextmanager
def statements(world: World) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = world.sessions.kw["bind"]

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_warm_request_reads_nothing_from_the_database(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Within one recheck span (the clocks are stopped: a loaded machine must not make it pass or fail)."""
    stopped = 1000.0
    monkeypatch.setattr(tenancy, "clock", lambda: stopped)
    monkeypatch.setattr(accounts._cache_of(world.sessions), "clock", lambda: stopped)
    h = world.auth("carbon_manager")
    url = "/api/organisations/ORG-A/inventory?period=2023"
    first = world.client.get(url, headers=h)
    assert first.status_code == 200
    with statements(world) as seen:
        for _ in range(5):
            assert world.client.get(url, headers=h).json() == first.json()
            assert world.client.get("/api/me", headers=h).status_code == 200
    assert seen == []


def test_a_change_in_this_process_shows_in_the_next_answer(world: World) -> None:
    h = world.auth("carbon_manager")
    url = "/api/organisations/ORG-A/inventory?period=2023"
    before = world.client.get(url, headers=h).json()["scope2_location_t_co2e"]
    r = world.client.post("/api/organisations/ORG-A/imports", headers=world.auth("data_entry"),
                          files={"file": ("june.csv", CSV.encode(), "text/csv")})
    assert r.status_code < 300, r.text
    after = world.client.get(url, headers=h).json()["scope2_location_t_co2e"]
    # 1,000,000 kWh more in June at the factor the year's 12,000,000 kWh used: 1/12 more
    assert after == pytest.approx(before * 13 / 12, rel=1e-9)
    # and a revoked role is refused at once
    world.client.delete("/api/organisations/ORG-A/members/carbon_manager@a.example/carbon_manager",
                        headers=world.auth("org_admin"))
    assert world.client.get(url, headers=h).status_code == 404


def test_remembered_inventory_answers_keep_every_refusal(world: World) -> None:
    """The answer kept in memory is served only to those the route would serve: another tenant's administrator,
    a role without inventory access and an unsigned request are refused exactly as the route refuses them, and an
    odd query is read by the route itself."""
    url = "/api/organisations/ORG-A/inventory?period=2023"
    mine = world.client.get(url, headers=world.auth("carbon_manager"))
    assert mine.status_code == 200
    assert world.client.get(url, headers=world.auth("carbon_manager")).content == mine.content  # the kept one
    assert world.client.get(url, headers=world.auth("admin_b")).status_code == 404
    assert world.client.get(url, headers=world.auth("data_entry")).status_code == 403
    assert world.client.get(url).status_code == 401
    assert world.client.get(url, headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    odd = world.client.get(url + "&start=2023-13-01", headers=world.auth("carbon_manager"))
    assert odd.status_code == 422
    # the same answer, with the same headers, whichever way it was made
    again = world.client.get(url, headers=world.auth("carbon_manager"))
    assert again.headers["content-type"] == mine.headers["content-type"] == "application/json"
    assert again.headers["x-frame-options"] == "DENY"


def test_another_process_stops_serving_a_remembered_inventory_within_a_second(world: World) -> None:
    """A second app on the same database (its own memory, as another worker process has): a revoked role stops its
    remembered inventory answers at its next recheck, `RECHECK_SECONDS` (0.5 s) later at most."""
    from fastapi.testclient import TestClient

    from carbontrail.app import create_app
    from carbontrail.store.db import session_factory

    other_sessions = session_factory(world.sessions.kw["bind"])
    other = TestClient(create_app(world.app.state.context.settings, sessions=other_sessions))
    now = [100.0]
    accounts._cache_of(other_sessions).clock = lambda: now[0]
    h = world.auth("verifier")
    url = "/api/organisations/ORG-A/inventory?period=2023"
    assert other.get(url, headers=h).status_code == 200
    assert other.get(url, headers=h).status_code == 200  # from memory now
    accounts.revoke_role(world.sessions, "verifier@a.example", "verifier", organisation="ORG-A")
    now[0] += accounts.RECHECK_SECONDS
    assert other.get(url, headers=h).status_code == 404
