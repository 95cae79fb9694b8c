"""Tenancy: every endpoint × every role × an object of another tenant answers 403 or 404 and shows none of its data.

The matrix is generated from the application's route table (API and pages), so a new endpoint is covered the
moment it is added; a path parameter the matrix does not know makes the test fail until it is taught.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import iter_route_contexts

from carbontrail.services.accounts import principal_of, sign_token
from carbontrail.api.pact import PREFIXES as PACT_PREFIXES
from platform_world import B_SECRETS, ROLE_SCOPES, World

#: the other tenant's objects, by path parameter (pages name a jurisdiction `code` too)
TENANT_B = {"code": "ORG-B", "facility": "B-SMELTER", "email": "admin@b.example", "jurisdiction": "PARK-B",
            "role": "org_admin"}
TENANT_B.update({"installation": "B-CBAM", "defaults": "b-defaults"})  # CBAM: tenant B's installation and table
TENANT_B.update({"unit": "B0BPBAA6000001R3F0000009", "declaration": "1"})  # battery: tenant B's unit, declaration
TENANT_B.update({"supplier": "B-SUPPLIER", "request_id": "1"})  # supply chain: B's connection, inbox item
TENANT_B.update({"model": "b-model", "product": "b-only-product"})  # footprints: B's product model
TENANT_B.update({"pf_id": "b0b0b0b0-0000-4000-8000-0000000000f1"})  # PACT: a footprint id, which only B could republish
TENANT_B.update({"claim_id": "1"})  # certificates: a claim number (tenant B's, were it to exist)
TENANT_B.update({"warning_id": "1"})  # monitoring: a warning number (tenant B's, were it to exist)
NOT_TENANT = {"locale": "en", "action": "acknowledge", "fmt": "xlsx"}
# activity records and periods: tenant B's second stored record (the seed stores A's, then B's two, month by month)
# and B's 2023 period
TENANT_B.update({"record": "2", "period": "2023"})
TENANT_B.update({"engagement_id": "1", "finding_id": "1"})  # trust: B's engagement and finding
NOT_TENANT["entry_id"] = "1"  # registry entries are public by number
NOT_TENANT["passport"] = "urn:bpack:b0001"  # passports are public by identifier; only B's public tier may show
NOT_TENANT["name"] = "renewable-electricity"  # the PACT extension schemas are public
#: bodies that would be accepted if the caller had the right, so only tenancy can refuse them
JSON_BODIES = {
    "/api/organisations/{code}/supplier-footprints": {"product_key": "x", "supplier": "s", "fossil_kg_per_unit": 1,
                                                      "unit": "kg", "reference": "r"},
    "/api/organisations/{code}/product-models/{model}": {"name": "m", "flows": [{"id": "p", "unit": "kg"}],
                                                         "processes": [{"id": "P", "outputs": [{"flow": "p", "amount": 1}]}]},
    "/api/organisations/{code}/product-models": {"key": "new-model", "model": {
        "name": "m", "flows": [{"id": "p", "unit": "kg"}], "processes": [{"id": "P", "outputs": [{"flow": "p", "amount": 1}]}]}},
    "/api/organisations": {"code": "NEW-ORG", "name": "新企业"},
    "/api/organisations/{code}/facilities": {"code": "NEW-FAC", "name": "new", "province": "Sichuan"},
    "/api/organisations/{code}/facilities/{facility}/meters": {"code": "M-NEW", "medium": "electricity",
                                                               "unit": "kWh"},
    "/api/organisations/{code}/periods": {"name": "2024", "start": "2024-01-01", "end": "2024-12-31"},
    "/api/organisations/{code}/members": {"email": "carbon_manager@a.example", "role": "verifier"},
    "/api/jurisdictions": {"code": "NEW-PARK", "kind": "park", "name": "新园区", "parent": "CQ-CQ"},
    "/api/organisations/{code}/cbam/importer": {"year": 2026, "lines": [
        {"supplier": "s", "cn_code": "76011000", "country": "CN", "mass_t": 1, "installation": "B-CBAM",
         "process": "pots"}]},
    "/api/organisations/{code}/battery/units": {"codes": ["B0BPBAA6000001R3F0000010"], "at": "2025-01-01T00:00:00Z"},
    "/api/organisations/{code}/battery/units/{unit}/events": {"kind": "retired", "at": "2025-01-01T00:00:00Z"},
    "/api/organisations/{code}/battery/passports/{passport}/grants": {"organisation": "ORG-A"},
    "/api/organisations/{code}/suppliers": {"supplier": "NEW-SUP", "host_url": "https://new.example",
                                            "client_id": "c", "client_secret": "s"},
    "/api/organisations/{code}/suppliers/{supplier}/requests": {"product_id": "urn:x:1"},
    "/api/organisations/{code}/suppliers/{supplier}/pull": {},
    "/api/organisations/{code}/pact/inbox/{request_id}/accept": {},
    "/api/organisations/{code}/pact/inbox/{request_id}/reject": {"reason": "no"},
    "/api/organisations/{code}/battery/residual": {"units": [{"code": "U1", "capacity": 0.8, "resistance_increase": 0.1,
                                                             "cycles": 100, "rated_energy_kwh": 60, "mass_kg": 400}]},
}
SIGN_OUT = {"/logout", "/api/logout"}
JSON_BODIES.update({  # trust: credentials, engagements, the registry
    "/api/organisations/{code}/credentials": {"kind": "inventory_report", "reference": "2023", "subject": {"t": 1}},
    "/api/ledger/credentials/revoke": {"reason": "matrix"},
    "/api/organisations/{code}/engagements": {"body": "VB-1", "subject_type": "inventory", "subject_key": "2023",
                                              "grants": ["activity"]},
    "/api/engagements/{engagement_id}/findings": {"text": "matrix"},
    "/api/findings/{finding_id}/answer": {"answer": "matrix"},
    "/api/engagements/{engagement_id}/statement": {"assurance": "limited", "materiality": "5 %", "procedures": "p",
                                                   "opinion": "o"},
    "/api/engagements/{engagement_id}/withdraw": {"reason": "matrix"},
    "/api/organisations/{code}/registry": {"credential_id": "urn:x", "statement_id": "urn:y", "product": "p",
                                           "category": "c", "declared_unit": "kg", "value": 1},
})
JSON_BODIES.update({  # monitoring: bodies valid in shape, so only tenancy can refuse them
    "/api/monitor/organisations/{code}/readings": {"readings": []},
    "/api/monitor/warnings/{warning_id}/{action}": {"note": "matrix"},
    "/api/monitor/jurisdictions/{jurisdiction}/price-indices": {"year": 2023, "index": 104.0, "source": "matrix"},
})
CSV = ("organisation,facility,period_start,period_end,kind,item,quantity,unit,category,gas,meter,supplier,"
       "instrument,instrument_ref,contract_factor,source\n"
       "ORG-B,B-SMELTER,2024-01-01,2024-01-31,electricity,grid electricity,1000,kWh,,,,,,,,matrix\n")
FORM_FIELDS = {
    "/login": {"email": "x@example.com", "password": "wrong-password", "csrf_token": "t"},
    "/organisations": {"code": "NEW-ORG", "name": "新企业"},
    "/org/{code}/facilities": {"facility": "NEW-FAC", "name": "new", "province": "Sichuan"},
    "/api/factors/datasets": {"name": "b-factors", "version": "1", "organisation": "ORG-B"},
    "/api/organisations/{code}/cbam/installations": {"installation": "NEW-CBAM"},
    "/api/organisations/{code}/cbam/default-values": {"name": "new-defaults", "version": "1"},
    "/org/{code}/cbam": {"installation": "NEW-CBAM"},
    "/org/{code}/suppliers": {"supplier": "NEW-SUP", "host_url": "https://new.example", "client_id": "c",
                              "client_secret": "s"},
    "/org/{code}/suppliers/{supplier}/requests": {"product_id": "urn:x:1"},
    "/org/{code}/pact/inbox/{request_id}": {"decision": "reject", "reason": "no"},
    "/monitor/warnings/{warning_id}": {"action": "acknowledge", "note": "matrix"},
    "/monitor/org/{code}/filings": {"month": "2023-01"},
}
FORM_FIELDS.update({  # the record, meter and period forms, valid but for tenancy
    "/org/{code}/activity/{record}": {"facility": "B-SMELTER", "period_start": "2023-01-01", "period_end": "2023-01-31",
                                      "kind": "electricity", "item": "x", "quantity": "1", "unit": "kWh"},
    "/org/{code}/cbam/{installation}": {"model": "name: matrix"},
    "/org/{code}/products/{model}/{product}/publish": {"product_id": "urn:x", "reference_year": "2024"},
    "/org/{code}/meters": {"facility": "B-SMELTER", "code": "M-NEW", "medium": "electricity", "unit": "kWh"},
    "/org/{code}/periods": {"name": "2030", "start": "2030-01-01", "end": "2030-12-31"},
})
# PACT publishing and sharing: a customer code, and bodies valid in shape
NOT_TENANT["customer"] = "ORG-A"
FORM_FIELDS.update({"/org/{code}/pact/footprints/{pf_id}/grants": {"customer": "ORG-A"},
                    "/org/{code}/pact/footprints/{pf_id}/revoke": {"customer": "ORG-A"}})
JSON_BODIES.update({"/api/organisations/{code}/pact/footprints": {"footprint": {"product_ids": ["urn:x"]}},
                    "/api/organisations/{code}/pact/footprints/{pf_id}/grants": {"customer": "ORG-A"}})
JSON_BODIES["/api/organisations/{code}/products/{model}/{product}/publish"] = {"product_id": "urn:x",
                                                                               "reference_year": "2024"}
JSON_BODIES["/api/organisations/{code}/activity/{record}"] = {
    "facility": "B-SMELTER", "period_start": "2023-01-01", "period_end": "2023-01-31", "kind": "electricity",
    "item": "x", "quantity": "1", "unit": "kWh"}
FILES = {"/api/organisations/{code}/imports", "/org/{code}/upload", "/api/factors/datasets"}
FILES |= {"/api/organisations/{code}/cbam/installations", "/api/organisations/{code}/cbam/default-values",
          "/org/{code}/cbam"}
FILES |= {"/org/{code}/products", "/org/{code}/pact/footprints"}  # a product model, a PACT footprint
FILES |= {"/org/{code}/battery/declarations", "/org/{code}/battery/passports"}  # battery inputs
FILES |= {"/api/organisations/{code}/import-jobs"}  # imports: an upload run as a job
FILES |= {"/api/monitor/organisations/{code}/reading-files"}  # monitoring: a readings file
NOT_TENANT["job"] = "no-such-job"  # import jobs: ids are unguessable, a stranger's answer is 404
FORM_FIELDS["/org/{code}/supplier-footprints"] = {"product_key": "x", "supplier": "s", "fossil": "1", "unit": "kg",
                                                  "reference": "r"}


def _routes(world: World) -> list[tuple[str, str, bool]]:
    """(method, path template, is a page) for every route of the app, static files excepted."""
    out = []
    for ctx in iter_route_contexts(world.app.routes):
        if not ctx.methods or ctx.path in ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"):
            continue
        if ctx.path.startswith(PACT_PREFIXES):  # the PACT API has its own grant tests (tests/pact/test_pact_grants.py)
            continue
        for method in sorted(ctx.methods - {"HEAD"}):
            out.append((method, ctx.path, not ctx.path.startswith(("/api", "/health"))))
    # signing out ends the role's tokens and sessions, so each role tries it after every other route
    return sorted(out, key=lambda route: route[1] in SIGN_OUT)


def _required_query(world: World, method: str, template: str) -> dict[str, str]:
    """Example values for the required query parameters the OpenAPI document lists (so validation passes)."""
    op = world.app.openapi()["paths"].get(template, {}).get(method.lower(), {})
    out = {}
    for p in op.get("parameters", []):
        if p["in"] == "query" and p.get("required"):
            out[p["name"]] = "2023-01" if p["name"] == "month" else "2023"
    return out


def _session_cookie(world: World, role: str) -> dict[str, str]:
    with world.sessions() as s:
        from sqlalchemy import select

        from carbontrail.store.models import User

        uid = s.scalar(select(User.id).where(User.email == f"{role}@a.example"))
        principal_of(s, uid)  # the user exists and is active
    token = sign_token(world.app.state.context.key, {"kind": "session", "sub": uid, "csrf": "csrf-t"})
    return {"ct_session": token}


def _call(world: World, role: str, method: str, template: str, page: bool):
    params = re.findall(r"{(\w+)}", template)
    values = {}
    for name in params:
        if name in TENANT_B:
            values[name] = "PARK-B" if (name == "code" and template.startswith("/jurisdiction")) else TENANT_B[name]
        elif name in NOT_TENANT:
            values[name] = NOT_TENANT[name]
        else:
            pytest.fail(f"route {method} {template}: teach the tenancy matrix the path parameter '{name}'")
    path = template.format(**values)
    kwargs: dict[str, object] = {"params": _required_query(world, method, template), "follow_redirects": False}
    if page:
        world.client.cookies.clear()
        for k, v in _session_cookie(world, role).items():
            world.client.cookies.set(k, v)
    else:
        world.client.cookies.clear()
        kwargs["headers"] = world.auth(role)
    if method in ("POST", "PUT", "PATCH"):
        if template in JSON_BODIES:
            kwargs["json"] = JSON_BODIES[template]
        else:
            data = dict(FORM_FIELDS.get(template, {}))
            if page:
                data.setdefault("csrf_token", "csrf-t")
            kwargs["data"] = data
            if template in FILES:
                kwargs["files"] = {"file": ("b.csv", CSV.encode(), "text/csv")}
    response = world.client.request(method, path, **kwargs)  # type: ignore[arg-type]
    sent = path + repr(kwargs.get("json", "")) + repr(kwargs.get("data", ""))
    names_b = bool(set(params) & set(TENANT_B)) or "ORG-B" in sent
    return sent, names_b, response


def test_no_role_of_tenant_a_reaches_tenant_b(world: World) -> None:
    routes = _routes(world)
    assert len(routes) >= 30, "the route table looks incomplete"
    checked = 0
    for role, (method, template, page) in ((r, route) for r in sorted(ROLE_SCOPES) for route in routes):
        sent, targets_b, response = _call(world, role, method, template, page)
        path = f"{template} ({sent})"
        secrets = [s for s in B_SECRETS if s not in sent]  # the caller's own words may be echoed back
        leaked = [s for s in secrets if s in response.text]
        assert not leaked, f"{role} {method} {path}: body shows tenant B's {leaked}"
        assert response.status_code < 500, f"{role} {method} {path}: {response.status_code} {response.text[:300]}"
        if targets_b:
            assert response.status_code in (403, 404), \
                f"{role} {method} {path}: expected 403 or 404, got {response.status_code} {response.text[:300]}"
            checked += 1
    assert checked >= 20 * len(ROLE_SCOPES)


def test_the_other_side_is_refused_too(world: World) -> None:
    """Tenant B's administrator gets 404 for tenant A's raw data, and A's administrator for B's."""
    for who, code in (("admin_b", "ORG-A"), ("org_admin", "ORG-B")):
        for tail in ("", "/facilities", "/activity", "/inventory?period=2023", "/audit", "/members"):
            r = world.client.get(f"/api/organisations/{code}{tail}", headers=world.auth(who))
            assert r.status_code == 404, (who, tail, r.text)
            assert r.json()["code"] == "not_found"


def test_roles_inside_the_tenant(world: World) -> None:
    """What each role may do on its own organisation (GET = read, POST = write, inventory, members)."""
    expect = {  # role → (facilities list, facility create, inventory, add member)
        "org_admin": (200, 201, 200, 201),
        "carbon_manager": (200, 201, 200, 403),
        "data_entry": (200, 201, 403, 403),
        "verifier": (200, 403, 200, 403),
        "supplier": (403, 403, 403, 403),
        "park_admin": (403, 403, 403, 403),
        "government_viewer": (403, 403, 403, 403),
    }
    for n, (role, (read, write, inventory, member)) in enumerate(sorted(expect.items())):
        h = world.auth(role)
        assert world.client.get("/api/organisations/ORG-A/facilities", headers=h).status_code == read, role
        body = {"code": f"F{n}", "name": "f", "province": "Sichuan"}
        assert world.client.post("/api/organisations/ORG-A/facilities", json=body, headers=h).status_code == write, role
        assert world.client.get("/api/organisations/ORG-A/inventory?period=2023",
                                headers=h).status_code == inventory, role
        r = world.client.post("/api/organisations/ORG-A/members", json={"email": "admin@b.example", "role": "verifier"},
                              headers=h)
        assert r.status_code == member, (role, r.text)


def test_park_and_government_see_aggregates_never_records(world: World) -> None:
    """Tenant A: 12 × 1,000,000 kWh of Sichuan grid electricity in 2023 and 10,000 × 10⁴ yuan value added.
    Location-based scope 2 = 12,000,000 kWh × 0.1404 kg/kWh (Sichuan provincial average 2022, the latest year
    before 2023 in the library) = 1,684.8 t CO2; energy = 12,000,000 kWh × 0.1229 kgce/kWh (GB/T 2589-2020
    calorific equivalent) = 1,474.8 tce; intensities 0.14748 tce and 0.16848 t CO2 per 10⁴ yuan."""
    for role, code in (("park_admin", "PARK-A"), ("government_viewer", "SC"), ("government_viewer", "PARK-A")):
        r = world.client.get(f"/api/jurisdictions/{code}/aggregates?year=2023", headers=world.auth(role))
        assert r.status_code == 200, r.text
        data = r.json()
        assert data["scope2_location_t_co2e"] == pytest.approx(1684.8)
        assert data["energy_tce"] == pytest.approx(1474.8)
        assert data["energy_intensity_tce_per_10k_yuan"] == pytest.approx(0.14748)
        assert data["co2_intensity_t_per_10k_yuan"] == pytest.approx(0.16848)
        assert [e["organisation"] for e in data["enterprises"]] == ["ORG-A"]
        assert "grid electricity" not in r.text  # totals only, no records
    for role in ("park_admin", "government_viewer"):
        assert world.client.get("/api/organisations/ORG-A/activity", headers=world.auth(role)).status_code == 403
        r = world.client.get("/api/jurisdictions/PARK-B/aggregates?year=2023", headers=world.auth(role))
        assert r.status_code == 404 and "乙" not in r.text
    # a tenant role holds no jurisdiction
    r = world.client.get("/api/jurisdictions/PARK-A/aggregates?year=2023", headers=world.auth("org_admin"))
    assert r.status_code == 404
    tree = world.client.get("/api/jurisdictions", headers=world.auth("government_viewer")).json()
    assert [t["code"] for t in tree] == ["SC"] and tree[0]["children"][0]["children"][0]["code"] == "PARK-A"


def test_a_tenants_own_factor_dataset_stays_its_own(world: World) -> None:
    csv = ("activity,value,unit,gas,geography,year,source\n"
           "electricity,0.0123,kg/kWh,CO2,CN-CQ,2023,SECRET-B supplier contract\n")
    r = world.client.post("/api/factors/datasets", headers=world.auth("admin_b"),
                          data={"name": "b-contract", "version": "1", "organisation": "ORG-B"},
                          files={"file": ("b.csv", csv.encode(), "text/csv")})
    assert r.status_code == 201 and r.json()["factors"] == 1, r.text
    names_b = [d["name"] for d in world.client.get("/api/factors/datasets", headers=world.auth("admin_b")).json()]
    assert "b-contract" in names_b
    for role in ROLE_SCOPES:
        r = world.client.get("/api/factors/datasets", headers=world.auth(role))
        assert r.status_code == 200 and "b-contract" not in r.text
        r = world.client.get("/api/factors?q=SECRET-B", headers=world.auth(role))
        assert r.status_code == 200 and r.json() == []
    # tenant A may not add a dataset in tenant B's name
    r = world.client.post("/api/factors/datasets", headers=world.auth("org_admin"),
                          data={"name": "fake", "version": "1", "organisation": "ORG-B"},
                          files={"file": ("a.csv", csv.encode(), "text/csv")})
    assert r.status_code == 404


def test_another_tenants_declaration_is_not_found_under_ones_own_code(world: World) -> None:
    """Tenant B's declaration 1 named under tenant A's code: reading it, its page, re-declaring it through the API
    and the page's button all answer 404 with none of its figures, for every role of A (re-declaring is the write
    a carbon manager may do on A's own declarations)."""
    for role in sorted(ROLE_SCOPES):
        h = world.auth(role)
        for method, path in (("GET", "/api/organisations/ORG-A/battery/declarations/1"),
                             ("POST", "/api/organisations/ORG-A/battery/declarations/1/redeclare")):
            r = world.client.request(method, path, headers=h)
            assert r.status_code in (403, 404), (role, method, r.status_code, r.text)
            assert "CD-LFP-60" not in r.text and "per_kwh" not in r.text
        world.client.cookies.clear()
        for k, v in _session_cookie(world, role).items():
            world.client.cookies.set(k, v)
        for method, path, data in (("GET", "/org/ORG-A/battery/declarations/1", None),
                                   ("POST", "/org/ORG-A/battery/declarations/1/redeclare", {"csrf_token": "csrf-t"})):
            r = world.client.request(method, path, data=data, follow_redirects=False)
            assert r.status_code in (403, 404), (role, method, path, r.status_code)
            assert "CD-LFP-60" not in r.text
        world.client.cookies.clear()
    r = world.client.post("/api/organisations/ORG-A/battery/declarations/1/redeclare",
                          headers=world.auth("carbon_manager"))
    assert r.status_code == 404 and r.json()["code"] == "not_found"
