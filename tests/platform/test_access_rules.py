"""Rules as tight as the tenancy model: tenant roles are granted by the tenant's own administrator (a platform
operator only appoints that administrator, never itself, and reads no raw records), data-entry users neither
share nor delete, and signing out ends the session on the server (in another process within a second)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from carbontrail.app import create_app
from carbontrail.services import accounts, tenancy
from carbontrail.store.db import session_factory
from carbontrail.store.models import RoleGrant, User
from platform_world import PASSWORD, World

ROOT = "root@platform.example"


def _grants_of(world: World, email: str) -> list[str]:
    with world.sessions() as s:
        uid = s.scalar(select(User.id).where(User.email == email))
        return list(s.scalars(select(RoleGrant.role).where(RoleGrant.user_id == uid)))


def test_the_platform_administrator_cannot_grant_itself_a_tenant_role(world: World) -> None:
    for role in ("org_admin", "carbon_manager", "verifier"):
        r = world.client.post("/api/organisations/ORG-A/members", json={"email": ROOT, "role": role},
                              headers=world.auth("platform_admin"))
        assert r.status_code == 403, (role, r.text)
    r = world.client.post("/api/jurisdictions", json={"code": "X", "kind": "province", "name": "x"},
                          headers=world.auth("platform_admin"))
    assert r.status_code == 201
    assert world.client.post("/api/organisations/ORG-A/members", json={"email": ROOT, "role": "park_admin"},
                             headers=world.auth("platform_admin")).status_code in (403, 422)
    with pytest.raises(accounts.PermissionDenied):
        accounts.grant(world.sessions, _principal(world, ROOT), ROOT, "government_viewer", jurisdiction="SC")
    assert _grants_of(world, ROOT) == []


def test_the_platform_administrator_appoints_only_the_tenant_administrator(world: World) -> None:
    h = world.auth("platform_admin")
    r = world.client.post("/api/organisations/ORG-A/members", json={"email": "admin@b.example", "role": "carbon_manager"},
                          headers=h)
    assert r.status_code == 403, r.text
    r = world.client.post("/api/organisations/ORG-A/members", json={"email": "admin@b.example", "role": "org_admin"},
                          headers=h)
    assert r.status_code == 201, r.text
    # the tenant's own administrator grants every other role
    r = world.client.post("/api/organisations/ORG-A/members", json={"email": "admin@b.example", "role": "verifier"},
                          headers=world.auth("org_admin"))
    assert r.status_code == 201, r.text


def test_the_platform_administrator_reads_no_raw_records(world: World) -> None:
    h = world.auth("platform_admin")
    assert world.client.get("/api/organisations/ORG-A", headers=h).status_code == 200  # the profile only
    for tail in ("/facilities", "/facilities/A-PLANT/meters", "/periods", "/members", "/audit", "/activity",
                 "/inventory?period=2023"):
        r = world.client.get(f"/api/organisations/ORG-A{tail}", headers=h)
        assert r.status_code == 403, (tail, r.status_code, r.text)
    permissions = set(world.client.get("/api/organisations/ORG-A", headers=h).json()["permissions"])
    assert permissions == {tenancy.PROFILE, tenancy.APPOINT}


def test_data_entry_holds_no_right_to_share_or_delete() -> None:
    assert tenancy.GRANT_ACCESS not in tenancy.ROLE_PERMISSIONS["data_entry"]
    assert tenancy.DELETE not in tenancy.ROLE_PERMISSIONS["data_entry"]
    assert {tenancy.GRANT_ACCESS, tenancy.DELETE} <= tenancy.ROLE_PERMISSIONS["carbon_manager"]


def test_data_entry_cannot_grant_a_passport_tier_or_delete_a_model(world: World) -> None:
    h = world.auth("data_entry")
    r = world.client.post("/api/organisations/ORG-A/battery/passports/urn:bpack:none/grants",
                          json={"organisation": "ORG-B"}, headers=h)
    assert r.status_code == 403, r.text
    r = world.client.delete("/api/organisations/ORG-A/product-models/none", headers=h)
    assert r.status_code == 403, r.text


def _principal(world: World, email: str) -> accounts.Principal:
    with world.sessions() as s:
        uid = s.scalar(select(User.id).where(User.email == email))
        return accounts.principal_of(s, uid)


def test_signing_out_on_the_api_refuses_the_token_at_once(world: World) -> None:
    token = world.client.post("/api/token", data={"grant_type": "password", "username": "carbon_manager@a.example",
                                                  "password": PASSWORD}).json()["access_token"]
    h = {"Authorization": f"Bearer {token}"}
    assert world.client.get("/api/me", headers=h).status_code == 200
    assert world.client.post("/api/logout", headers=h).status_code == 204
    r = world.client.get("/api/me", headers=h)
    assert r.status_code == 401 and "ended" in r.json()["message"]
    # a new sign-in works
    again = world.client.post("/api/token", data={"grant_type": "password", "username": "carbon_manager@a.example",
                                                  "password": PASSWORD}).json()["access_token"]
    assert world.client.get("/api/me", headers={"Authorization": f"Bearer {again}"}).status_code == 200


def test_signing_out_of_the_pages_ends_the_session_cookie(world: World) -> None:
    world.client.cookies.clear()
    form = world.client.get("/login")
    login_csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    world.client.post("/login", data={"email": "org_admin@a.example", "password": PASSWORD,
                                      "csrf_token": login_csrf}, follow_redirects=False)
    cookie = world.client.cookies["ct_session"]
    home = world.client.get("/")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', home.text).group(1)  # type: ignore[union-attr]
    assert world.client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    world.client.cookies.clear()
    world.client.cookies.set("ct_session", cookie)  # the old cookie, replayed
    r = world.client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert world.client.get("/api/me").status_code == 401


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_another_process_refuses_a_signed_out_token_within_a_second(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A second app on the same database (its own sessions and memory, as another worker process has) keeps the
    principal it resolved until its recheck, at most `RECHECK_SECONDS` (0.5 s) later."""
    engine = world.sessions.kw["bind"]
    other_sessions = session_factory(engine)
    other = TestClient(create_app(world.app.state.context.settings, sessions=other_sessions))
    clock = Clock()
    accounts._cache_of(other_sessions).clock = clock
    h = world.auth("carbon_manager")
    assert other.get("/api/me", headers=h).status_code == 200
    assert world.client.post("/api/logout", headers=h).status_code == 204
    clock.now += 0.1
    assert other.get("/api/me", headers=h).status_code == 200  # still in this process's memory
    clock.now += accounts.RECHECK_SECONDS
    assert other.get("/api/me", headers=h).status_code == 401
    # a revoked role, likewise
    h = world.auth("verifier")
    assert other.get("/api/organisations/ORG-A/facilities", headers=h).status_code == 200
    accounts.revoke_role(world.sessions, "verifier@a.example", "verifier", organisation="ORG-A")
    clock.now += accounts.RECHECK_SECONDS
    assert other.get("/api/organisations/ORG-A/facilities", headers=h).status_code == 404
