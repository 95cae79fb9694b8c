"""The audit trail through the API: every event, page by page along `Link: rel=next`, each stamped with its time
zone; edits keep their old and new values. Contract details: 405 carries `Allow`, the token form's field pairs
are in the OpenAPI document."""

from __future__ import annotations

import json
import re
from datetime import datetime

from sqlalchemy import func, select

from carbontrail.store.models import AuditEvent, Organisation
from platform_world import PASSWORD, World


def test_the_api_pages_through_the_whole_trail(world: World) -> None:
    h = world.auth("org_admin")
    for n in range(7):
        r = world.client.post("/api/organisations/ORG-A/facilities", json={"code": f"P{n}", "name": "p",
                                                                          "province": "Sichuan"}, headers=h)
        assert r.status_code == 201
    with world.sessions() as s:
        org = s.scalar(select(Organisation.id).where(Organisation.code == "ORG-A"))
        total = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.organisation_id == org))
    assert total and total >= 8  # the seeded grants and the seven facilities
    seen: list[int] = []
    url: str | None = "/api/organisations/ORG-A/audit?limit=3"
    pages = 0
    while url:
        r = world.client.get(url, headers=world.auth("verifier"))
        assert r.status_code == 200, r.text
        body = r.json()
        assert 1 <= len(body) <= 3
        seen += [e["id"] for e in body]
        link = r.headers.get("link")
        url = re.fullmatch(r'<([^>]+)>; rel="next"', link).group(1) if link else None  # type: ignore[union-attr]
        pages += 1
    assert len(seen) == total and len(set(seen)) == total  # every event once
    assert seen == sorted(seen, reverse=True)  # newest first
    assert pages == -(-total // 3)
    first = world.client.get("/api/organisations/ORG-A/audit?limit=3", headers=world.auth("verifier")).json()
    assert [e["object_key"] for e in first] == ["ORG-A/P6", "ORG-A/P5", "ORG-A/P4"]


def test_every_timestamp_carries_its_time_zone(world: World) -> None:
    world.client.post("/api/organisations/ORG-A/periods", json={"name": "2024", "start": "2024-01-01",
                                                               "end": "2024-12-31"}, headers=world.auth("org_admin"))
    for entry in world.client.get("/api/organisations/ORG-A/audit", headers=world.auth("verifier")).json():
        at = datetime.fromisoformat(entry["at"].replace("Z", "+00:00"))
        assert at.utcoffset() is not None, entry["at"]


def test_limits_outside_the_page_size_are_refused(world: World) -> None:
    for bad in ("limit=0", "limit=501", "before=0", "before=99999999999999999999999"):
        r = world.client.get(f"/api/organisations/ORG-A/audit?{bad}", headers=world.auth("verifier"))
        assert r.status_code == 422, (bad, r.text)


def test_sign_out_records_the_old_and_new_session_version(world: World) -> None:
    token = world.client.post("/api/token", data={"grant_type": "password", "username": "verifier@a.example",
                                                  "password": PASSWORD}).json()["access_token"]
    assert world.client.post("/api/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    with world.sessions() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "sign_out")).one()
    assert json.loads(event.detail) == {"before": {"session_version": 0}, "after": {"session_version": 1}}
    assert event.actor == "verifier@a.example"


def test_a_wrong_method_answers_405_with_allow(world: World) -> None:
    r = world.client.delete("/api/organisations", headers=world.auth("org_admin"))
    assert r.status_code == 405
    assert set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
    r = world.client.put("/api/organisations/ORG-A/members", headers=world.auth("org_admin"))
    assert r.status_code == 405 and set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}


def test_the_token_form_says_which_fields_go_together(world: World) -> None:
    op = world.app.openapi()["paths"]["/api/token"]["post"]
    schema = op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    required = {s["properties"]["grant_type"]["enum"][0]: set(s["required"]) for s in schema["oneOf"]}
    assert required == {"client_credentials": {"grant_type", "client_id", "client_secret"},
                        "password": {"grant_type", "username", "password"}}
    audit = world.app.openapi()["paths"]["/api/organisations/{code}/audit"]["get"]
    assert "Link" in audit["responses"]["200"]["headers"]
