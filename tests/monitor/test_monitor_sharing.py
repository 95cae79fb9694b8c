"""Three-level sharing: every monitoring endpoint × every role × another tenant's or jurisdiction's object answers
403 or 404 and no data; raw readings never leave their tenant (not even to the park or province that oversees it);
a park aggregate of fewer enterprises than the minimum count is suppressed. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from carbontrail.app import create_app
from carbontrail.config import Settings
from carbontrail.services import accounts
from carbontrail.services.accounts import access_token
from carbontrail.services.monitor import readings, warnings
from carbontrail.services.work import SystemActor
from carbontrail.store.db import transaction
from carbontrail.store.models import MonthlyFigure, Organisation, User

ACTOR = SystemActor("test")
#: role → (organisation, jurisdiction) on PROV's side
ROLES = {
    "org_admin": ("E1", None), "carbon_manager": ("E1", None), "data_entry": ("E1", None),
    "verifier": ("E1", None), "supplier": ("E1", None), "park_admin": (None, "P1"),
    "government_viewer": (None, "PROV"),
}
SECRET = "SECRET-X"


@pytest.fixture
def api(mworld, monkeypatch):
    monkeypatch.setenv("CARBONTRAIL_MONITOR_MIN_COUNT", "2")
    settings = Settings(home=mworld.home, database_url="", secret_key="monitor-test-key")
    app = create_app(settings, sessions=mworld.sessions, pages=False)
    key = app.state.context.key
    tokens = {}
    for role, (org, jur) in ROLES.items():
        email = f"{role}@prov.example"
        accounts.create_user(mworld.sessions, email, "correct horse battery", name=role)
        accounts.grant_role(mworld.sessions, email, role, organisation=org, jurisdiction=jur)
        with mworld.sessions() as s:
            tokens[role] = access_token(key, accounts.principal_of(
                s, s.scalar(select(User.id).where(User.email == email))))
    # E4's data: readings, a monthly figure, a warning
    for code in ("E4", "E1", "E3"):
        readings.import_batch(mworld.sessions, ACTOR, code, [
            {"meter": "EL", "timestamp": "2023-03-01T00:00", "value": 4.25}], store=mworld.store)
    with transaction(mworld.sessions) as s:
        ids = dict(s.execute(select(Organisation.code, Organisation.id)).all())
        for code, e in (("E1", 100.0), ("E2", 300.0), ("E3", 700.0), ("E4", 999.0)):
            for year, va in ((2020, 100.0), (2023, 90.0)):
                s.add(MonthlyFigure(organisation_id=ids[code], month=date(year, 1, 1), energy_tce=e, co2_t=2 * e,
                                    value_added=va))
    warnings.add_rule(mworld.sessions, ACTOR, "above_cap", organisation_code="E4",
                      params={"kpi": "energy_intensity", "cap": 1.0})
    [w4] = warnings.evaluate(mworld.sessions, ACTOR, year=2023, today=date(2024, 1, 5), store=mworld.store)
    client = TestClient(app)
    return client, tokens, w4.id


def _endpoints(warning_id: int) -> list[tuple[str, str, dict]]:
    """(method, path, json) of every monitoring endpoint, aimed at E4 / OX / OTHER (another tenant and
    jurisdiction)."""
    o = "/api/monitor/organisations/E4"
    j = "/api/monitor/jurisdictions"
    return [
        ("POST", f"{o}/readings", {"readings": [{"meter": "EL", "timestamp": "2023-03-01T00:15", "value": 1}]}),
        ("GET", f"{o}/readings?meter=EL&start=2023-03-01T00:00:00&end=2023-03-02T00:00:00", {}),
        ("GET", f"{o}/readings/versions?meter=EL&start=2023-03-01T00:00:00", {}),
        ("GET", f"{o}/quality?meter=EL&month=2023-03", {}),
        ("POST", f"{o}/derive?year=2023", {}),
        ("POST", f"{o}/figures?year=2023", {}),
        ("GET", f"{o}/kpis?year=2023", {}),
        ("GET", f"{o}/monthly-report?month=2023-03", {}),
        ("POST", f"{o}/monthly-report/filings?month=2023-03", {}),
        ("GET", f"{o}/monthly-report/filings", {}),
        ("GET", f"{j}/OX/oversight?year=2023", {}),
        ("GET", f"{j}/OTHER/oversight?year=2023", {}),
        ("GET", f"{j}/OX/key-units?year=2023", {}),
        ("GET", f"{j}/OX/targets", {}),
        ("GET", f"{j}/OX/price-indices", {}),
        ("GET", f"{j}/OTHER/price-indices", {}),
        ("POST", f"{j}/OX/price-indices", {"year": 2023, "index": 104.0, "source": "not mine"}),
        ("POST", "/api/monitor/targets", {"kpi": "energy_intensity", "base_year": 2020, "target_year": 2025,
                                          "change": -0.1, "organisation": "E4"}),
        ("POST", "/api/monitor/targets", {"kpi": "energy_intensity", "base_year": 2020, "target_year": 2025,
                                          "change": -0.1, "jurisdiction": "OX"}),
        ("POST", "/api/monitor/rules", {"rule": "off_trajectory", "organisation": "E4"}),
        ("POST", "/api/monitor/rules", {"rule": "off_trajectory", "jurisdiction": "OX"}),
        ("GET", f"/api/monitor/warnings?organisation=E4", {}),
        ("GET", f"/api/monitor/warnings?jurisdiction=OTHER", {}),
        ("GET", f"/api/monitor/warnings/{warning_id}", {}),
        ("POST", f"/api/monitor/warnings/{warning_id}/acknowledge", {"note": "not mine"}),
    ]


def test_another_tenant_and_jurisdiction_is_closed_to_every_role(api) -> None:
    client, tokens, warning_id = api
    for role, token in tokens.items():
        for method, path, body in _endpoints(warning_id):
            r = client.request(method, path, json=body or None, headers={"Authorization": f"Bearer {token}"})
            assert r.status_code in (403, 404), f"{role} {method} {path}: {r.status_code} {r.text[:200]}"
            assert SECRET not in r.text and "999" not in r.text and "4.25" not in r.text, (role, path, r.text)
    # a CSV of price indices naming another jurisdiction is refused as a whole
    for role, token in tokens.items():
        r = client.post("/api/monitor/price-indices.csv", content=b"jurisdiction,year,index,source\nOX,2023,104,x\n",
                        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"})
        assert r.status_code in (403, 404) and SECRET not in r.text, (role, r.status_code, r.text[:200])
    # the list of all warnings shows none of E4's
    for role, token in tokens.items():
        r = client.get("/api/monitor/warnings", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json() == [], role


def test_raw_readings_never_leave_the_tenant(api) -> None:
    """The park and the province oversee E1 but get 403 on its readings; its own manager reads 4.25 kWh."""
    client, tokens, _ = api
    path = "/api/monitor/organisations/E1/readings?meter=EL&start=2023-03-01T00:00:00&end=2023-03-02T00:00:00"
    for role in ("park_admin", "government_viewer", "supplier"):
        r = client.get(path, headers={"Authorization": f"Bearer {tokens[role]}"})
        assert r.status_code == 403 and "4.25" not in r.text, role
    r = client.get(path, headers={"Authorization": f"Bearer {tokens['carbon_manager']}"})
    assert r.status_code == 200 and [x["value"] for x in r.json()] == [4.25]
    # park P1 oversees E1 and E2 only: E3 (park P2) is not found for it, but visible to the province
    kpis = "/api/monitor/organisations/E3/kpis?year=2023"
    assert client.get(kpis, headers={"Authorization": f"Bearer {tokens['park_admin']}"}).status_code == 404
    assert client.get(kpis, headers={"Authorization": f"Bearer {tokens['government_viewer']}"}).status_code == 200


def test_aggregates_below_the_minimum_count_are_suppressed(api) -> None:
    """Minimum count 2: P1 (E1, E2) shows (100+300)/(90+90) = 2.222222 tce/10⁴ yuan in 2023; P2 (E3 alone) shows
    no figures, so E3's 700 tce cannot be read off the park's total."""
    client, tokens, _ = api
    r = client.get("/api/monitor/jurisdictions/CITY/oversight?year=2023",
                   headers={"Authorization": f"Bearer {tokens['government_viewer']}"})
    assert r.status_code == 200
    kids = {c["code"]: c for c in r.json()["children"]}
    assert kids["P1"]["figures"]["energy_tce"] == 400.0
    assert kids["P1"]["figures"]["value_added"] == 180.0
    assert kids["P2"]["figures"] is None and kids["P2"]["kpis"] == [] and kids["P2"]["members"] == 1
    park = client.get("/api/monitor/jurisdictions/P1/oversight?year=2023",
                      headers={"Authorization": f"Bearer {tokens['park_admin']}"})
    assert park.status_code == 200 and {e["code"] for e in park.json()["enterprises"]} == {"E1", "E2"}
    assert client.get("/api/monitor/jurisdictions/P2/oversight?year=2023",
                      headers={"Authorization": f"Bearer {tokens['park_admin']}"}).status_code == 404
