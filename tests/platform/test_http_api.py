"""The HTTP API: sign-in and tokens, the one error body, uploads with row-level errors, exports, the audit trail."""

from __future__ import annotations

import io
import os
import stat
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from carbontrail.config import Settings
from carbontrail.services import accounts
from carbontrail.services.accounts import AuthenticationFailed, read_token, secret_key, sign_token
from platform_world import PASSWORD, World

HEADER = ("organisation,facility,period_start,period_end,kind,item,quantity,unit,category,gas,meter,supplier,"
          "instrument,instrument_ref,contract_factor,source\n")


def test_password_grant_and_client_credentials(world: World) -> None:
    r = world.client.post("/api/token", data={"grant_type": "password", "username": "verifier@a.example",
                                              "password": PASSWORD})
    assert r.status_code == 200 and r.json()["token_type"] == "bearer" and r.json()["expires_in"] == 3600
    me = world.client.get("/api/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).json()
    assert me["grants"] == [{"role": "verifier", "organisation": "ORG-A", "jurisdiction": None}]

    client_id, client_secret = accounts.create_client(world.sessions, "carbon_manager@a.example", name="ERP")
    r = world.client.post("/api/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                              "client_secret": client_secret})
    assert r.status_code == 200
    token = r.json()["access_token"]
    me = world.client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["client_id"] == client_id and me["email"] == "carbon_manager@a.example"

    bad = world.client.post("/api/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                "client_secret": client_secret + "x"})
    assert bad.status_code == 401 and bad.json()["code"] == "unauthenticated"
    assert bad.headers["www-authenticate"] == "Bearer"
    wrong = world.client.post("/api/token", data={"grant_type": "password", "username": "verifier@a.example",
                                                  "password": "not the password"})
    unknown = world.client.post("/api/token", data={"grant_type": "password", "username": "nobody@a.example",
                                                    "password": "not the password"})
    # the same answer whether or not the account exists
    assert wrong.status_code == unknown.status_code == 401 and wrong.json() == unknown.json()


def test_tokens_expire_and_cannot_be_forged(world: World) -> None:
    key = world.app.state.context.key
    expired = sign_token(key, {"kind": "access", "sub": 1}, ttl=60, now=time.time() - 120)
    r = world.client.get("/api/me", headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and "expired" in r.json()["message"]
    forged = sign_token(b"another key", {"kind": "access", "sub": 1})
    assert world.client.get("/api/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    payload, sig = world.tokens["supplier"].split(".")
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + sig
    assert world.client.get("/api/me", headers={"Authorization": f"Bearer {tampered}"}).status_code == 401
    with pytest.raises(AuthenticationFailed):
        read_token(key, sign_token(key, {"kind": "session", "sub": 1}), "access")  # a session is no access token
    assert world.client.get("/api/organisations").status_code == 401


def test_password_hash_is_argon2id() -> None:
    digest = accounts.hash_password("a long enough password")
    assert digest.startswith("$argon2id$")
    with pytest.raises(Exception, match="too short"):
        accounts.hash_password("short")


def test_secret_key_is_generated_once_and_private(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url="", secret_key="")
    first, second = secret_key(settings), secret_key(settings)
    assert first == second and len(first) >= 48
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600
    assert secret_key(Settings(home=tmp_path, secret_key="from-env")) == b"from-env"


def test_a_revoked_role_stops_working_at_once(world: World) -> None:
    h = world.auth("verifier")
    assert world.client.get("/api/organisations/ORG-A/inventory?period=2023", headers=h).status_code == 200
    r = world.client.delete("/api/organisations/ORG-A/members/verifier@a.example/verifier",
                            headers=world.auth("org_admin"))
    assert r.status_code == 204
    assert world.client.get("/api/organisations/ORG-A/inventory?period=2023", headers=h).status_code == 404


def test_error_bodies(world: World) -> None:
    h = world.auth("org_admin")
    r = world.client.post("/api/organisations/ORG-A/periods", json={"name": "x", "start": "2024-13-01",
                                                                      "end": "2024-12-31"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_input" and r.json()["field"] == "start"
    r = world.client.post("/api/organisations/ORG-A/periods", json={"name": "x", "start": "2024-12-01",
                                                                      "end": "2024-01-31"}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "end"
    r = world.client.get("/api/organisations/ORG-A/inventory?period=1999", headers=h)
    assert r.status_code == 404 and r.json() == {"code": "not_found",
                                                 "message": "organisation 'ORG-A' has no reporting period '1999'"}
    r = world.client.post("/api/organisations/ORG-A/facilities", json={"code": "A-PLANT", "name": "again",
                                                                         "province": "Sichuan"}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    r = world.client.get("/api/nowhere", headers=h)
    assert r.status_code == 404 and set(r.json()) == {"code", "message"}


def test_inventory_numbers(world: World) -> None:
    """12 × 1,000,000 kWh × 0.1404 kg CO2/kWh (Sichuan 2022 provincial average) = 1,684.8 t; 12,000,000 kWh ×
    0.1229 kgce/kWh (GB/T 2589-2020) = 1,474.8 tce; January alone 140.4 t."""
    data = world.client.get("/api/organisations/ORG-A/inventory?period=2023", headers=world.auth("org_admin")).json()
    assert data["scope2_location_t_co2e"] == pytest.approx(1684.8)
    assert data["energy_tce"] == pytest.approx(1474.8)
    assert data["monthly"]["2023-01"]["scope2_location"] == pytest.approx(140.4)
    assert {(f["geography"], f["year"], f["value"]) for f in data["factors"]
            if f["activity"] == "electricity" and f["series"] == "average"} == {("CN-SC", 2022, 0.1404)}


def test_upload_rejects_a_bad_row_and_writes_nothing(world: World) -> None:
    h = world.auth("data_entry")
    before = world.client.get("/api/organisations/ORG-A/activity?limit=1000", headers=h).json()
    good = "ORG-A,A-PLANT,2024-01-01,2024-01-31,electricity,grid electricity,1000,kWh,,,,,,,,upload\n"
    bad = "ORG-A,A-PLANT,2024-02-01,2024-02-29,electricity,grid electricity,abc,kWh,,,,,,,,upload\n"
    files = {"file": ("meters.csv", (HEADER + good + bad).encode(), "text/csv")}
    r = world.client.post("/api/organisations/ORG-A/imports", files=files, headers=h)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "import_rejected"
    assert [(p["row"], p["field"]) for p in body["problems"]] == [(3, "quantity")]
    assert world.client.get("/api/organisations/ORG-A/activity?limit=1000", headers=h).json() == before

    files = {"file": ("meters.csv", (HEADER + good).encode(), "text/csv")}
    r = world.client.post("/api/organisations/ORG-A/imports", files=files, headers=h)
    assert r.status_code == 200 and r.json()["inserted"] == 1, r.text
    # a row for another tenant is refused even by a member of tenant A
    other = "ORG-B,B-SMELTER,2024-01-01,2024-01-31,electricity,grid electricity,1,kWh,,,,,,,,x\n"
    r = world.client.post("/api/organisations/ORG-A/imports", headers=h,
                          files={"file": ("x.csv", (HEADER + other).encode(), "text/csv")})
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "organisation"
    assert "乙" not in r.text


def test_exports(world: World) -> None:
    h = world.auth("carbon_manager")
    r = world.client.get("/api/organisations/ORG-A/inventory.xlsx?period=2023", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(r.content), read_only=True)
    lines = [row for row in book[book.sheetnames[1]].iter_rows(values_only=True)][1:]
    assert sum(row[11] for row in lines if row[3] == "location") == pytest.approx(1684.8)
    pdf = world.client.get("/api/organisations/ORG-A/inventory.pdf?period=2023&lang=en", headers=h)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_audit_trail_says_who_changed_what(world: World) -> None:
    world.client.post("/api/organisations/ORG-A/facilities", json={"code": "A-NEW", "name": "新车间",
                                                                     "province": "Sichuan"},
                      headers=world.auth("carbon_manager"))
    world.client.post("/api/organisations/ORG-A/members", json={"email": "admin@b.example", "role": "verifier"},
                      headers=world.auth("org_admin"))
    trail = world.client.get("/api/organisations/ORG-A/audit", headers=world.auth("verifier")).json()
    seen = [(e["actor"], e["action"], e["object_type"], e["object_key"]) for e in trail[:2]]
    assert seen == [("org_admin@a.example", "grant", "role", "admin@b.example:verifier"),
                    ("carbon_manager@a.example", "create", "facility", "ORG-A/A-NEW")]
    assert trail[1]["detail"]["name"] == "新车间"
    # tenant B's trail shows none of it
    trail_b = world.client.get("/api/organisations/ORG-B/audit", headers=world.auth("admin_b")).json()
    assert all("ORG-A" not in e["object_key"] for e in trail_b)
