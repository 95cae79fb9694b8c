"""Certificates over HTTP and on the pages: holdings, claims (and the 409 with its reason), matching, release,
and the cross-tenant matrix (tenant B and roles without data access see nothing of tenant A's certificates)."""

from __future__ import annotations

import re
from datetime import date

from platform_world import PASSWORD, World

from carbontrail.ledger.certificates import check_instrument, gec_serial
from carbontrail.services import certificates as certs
from carbontrail.services.work import SystemActor

PROJECT = "1352015513200001" "7"
URL = "/api/organisations/ORG-A/certificates"


def _issue(world: World, month: date = date(2023, 1, 1)) -> list[str]:
    end = date(month.year + (month.month == 12), month.month % 12 + 1, 1).toordinal() - 1
    serials = [gec_serial(PROJECT, month, n) for n in range(1, 11)]
    rows = [(i + 2, check_instrument("GEC", s, "Aba hydro", "hydro", "四川", month, date.fromordinal(end), 1.0),
             "ORG-A") for i, s in enumerate(serials)]
    certs.issue(world.sessions, SystemActor("test"), "ORG-B", rows, source="test export")
    return serials


def test_certificates_api_and_tenancy(world: World) -> None:
    old = _issue(world)
    serials = _issue(world, date(2026, 11, 1))  # valid until October 2028
    own = world.client.get(URL, headers=world.auth("org_admin"))
    assert own.status_code == 200, own.text
    assert {h["reference"] for h in own.json()["holdings"]} == set(serials) | set(old)
    # tenant B issued them but does not hold them; roles without data access are refused
    assert world.client.get(URL, headers=world.auth("admin_b")).status_code == 404
    for role in ("supplier", "park_admin", "government_viewer"):
        assert world.client.get(URL, headers=world.auth(role)).status_code == 403, role
    held_by_b = world.client.get("/api/organisations/ORG-B/certificates", headers=world.auth("admin_b")).json()
    assert held_by_b["holdings"] == []
    body = {"references": serials, "period_start": "2023-01-01", "period_end": "2023-01-31"}
    expired = world.client.post(URL + "/claims", json={**body, "references": old[:1]},
                                headers=world.auth("carbon_manager"))
    assert expired.status_code == 409 and f"GEC {old[0]} expired on 2024-12-31" in expired.text
    assert world.client.post(URL + "/claims", json=body, headers=world.auth("verifier")).status_code == 403
    done = world.client.post(URL + "/claims", json=body, headers=world.auth("carbon_manager"))
    assert done.status_code == 201, done.text
    assert done.json()["mwh"] == 10.0 and len(done.json()["log_sha256"]) == 10
    again = world.client.post(URL + "/claims", json={**body, "references": serials[:1]},
                              headers=world.auth("carbon_manager"))
    assert again.status_code == 409 and "already fully claimed" in again.text
    # tenant A uses 1,000,000 kWh of grid electricity each month of 2023: 1,000 MWh against 10 MWh claimed
    m = world.client.get(URL + "/matching", params={"period": "2023-01"}, headers=world.auth("org_admin")).json()
    assert m["consumption_mwh"] == 1000.0 and m["annual_mwh"] == 10.0 and m["residual_mwh"]["annual"] == 990.0
    assert m["hourly_mwh"] == 0.0 and m["not_hourly_mwh"] == 10.0  # no hourly production stored
    claim_id = done.json()["claim_ids"][0]
    assert world.client.delete(f"{URL}/claims/{claim_id}", headers=world.auth("admin_b")).status_code == 404
    released = world.client.delete(f"{URL}/claims/{claim_id}", headers=world.auth("org_admin"))
    assert released.status_code == 200 and released.json()["mwh"] == 1.0


def _sign_in(world: World, email: str) -> None:
    world.client.cookies.clear()
    form = world.client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    world.client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/"},
                      follow_redirects=False)


def test_certificate_pages(world: World) -> None:
    serials = _issue(world)
    certs.claim(world.sessions, SystemActor("test"), "ORG-A", serials[:4], (date(2023, 1, 1), date(2023, 1, 31)),
                on=date(2023, 3, 1))
    _sign_in(world, "org_admin@a.example")
    world.client.cookies.set("ct_lang", "en")
    page = world.client.get("/org/ORG-A/certificates")
    assert page.status_code == 200, page.text
    assert serials[0] in page.text and "battery-note" in page.text
    matching = world.client.get("/org/ORG-A/certificates/matching")
    assert matching.status_code == 200, matching.text
    assert 'id="matching-data"' in matching.text and "/static/charts-matching.js" in matching.text
    assert "<script>" not in matching.text  # no inline script (CSP)
    world.client.cookies.set("ct_lang", "zh_CN")
    assert "逐时匹配" in world.client.get("/org/ORG-A/certificates/matching?period=2023-01").text
    _sign_in(world, "admin@b.example")
    assert world.client.get("/org/ORG-A/certificates").status_code == 404
