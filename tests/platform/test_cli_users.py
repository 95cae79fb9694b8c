"""`carbontrail users`: create a user and an API client, grant a role, then use the client's credentials."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from carbontrail.cli.users import app
from platform_world import World


def test_users_client_grant_and_token(world: World, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARBONTRAIL_DATABASE_URL", db_url)
    monkeypatch.setenv("CARBONTRAIL_PASSWORD", "a password long enough")
    runner = CliRunner()
    r = runner.invoke(app, ["create", "ops@a.example", "--name", "运维", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["email"] == "ops@a.example"
    again = runner.invoke(app, ["create", "ops@a.example", "--json"])
    assert again.exit_code == 1 and json.loads(again.output)["error"]["code"] == "conflict"
    r = runner.invoke(app, ["grant", "ops@a.example", "carbon_manager", "--organisation", "ORG-A", "--json"])
    assert r.exit_code == 0, r.output
    bad = runner.invoke(app, ["grant", "ops@a.example", "overlord", "--organisation", "ORG-A", "--json"])
    assert bad.exit_code == 1 and "not a role" in json.loads(bad.output)["error"]["message"]
    missing = runner.invoke(app, ["grant", "ops@a.example", "park_admin", "--jurisdiction", "NOWHERE", "--json"])
    assert missing.exit_code == 3
    r = runner.invoke(app, ["client", "ops@a.example", "--name", "ERP export", "--json"])
    assert r.exit_code == 0, r.output
    creds = json.loads(r.output)
    token = world.client.post("/api/token", data={"grant_type": "client_credentials", **creds}).json()["access_token"]
    inv = world.client.get("/api/organisations/ORG-A/inventory?period=2023",
                           headers={"Authorization": f"Bearer {token}"})
    assert inv.status_code == 200 and inv.json()["scope2_location_t_co2e"] == pytest.approx(1684.8)
    assert world.client.get("/api/organisations/ORG-B", headers={"Authorization": f"Bearer {token}"}).status_code == 404
    listing = json.loads(runner.invoke(app, ["list", "--json"]).output)
    ops = next(u for u in listing if u["email"] == "ops@a.example")
    assert [(g["role"], g["organisation"]) for g in ops["grants"]] == [("carbon_manager", "ORG-A")]
