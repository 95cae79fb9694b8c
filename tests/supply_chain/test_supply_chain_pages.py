"""Coverage with primary data (hand-computed), the supply-chain API and pages (customer's suppliers, supplier's
outbox and inbox), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.app import create_app
from carbontrail.config import Settings
from carbontrail.services import accounts, footprints
from carbontrail.services.pact import inbox as pact_inbox
from carbontrail.services.pact import requests as pr
from carbontrail.services.accounts import access_token, principal_of, sign_token
from carbontrail.services.pact.supplier_data import record_supplier_footprint
from carbontrail.store.db import transaction
from carbontrail.store.models import ActivityRecord, Facility, Organisation
from carbontrail.store.models.pact import PactInboundRequest

SUPPLIER_NAME = "射洪磷酸铁锂"


def _purchase(s: Session, org: int, fac: int, item: str, supplier: str, quantity: float, unit: str) -> None:
    s.add(ActivityRecord(record_key=f"{item}|{supplier}|{unit}", organisation_id=org, facility_id=fac,
                         kind=pr.PURCHASED_GOODS, item=item, period_start=date(2025, 1, 1),
                         period_end=date(2025, 12, 31), quantity=quantity, unit=unit, supplier=supplier))


@pytest.fixture
def org(sessions: sessionmaker[Session]) -> int:
    with transaction(sessions) as s:
        o = Organisation(code="CELL", name="成都电芯", name_en="Chengdu Cell")
        s.add(o)
        s.flush()
        return o.id


def _hold_cathode_footprint(sessions: sessionmaker[Session], org: int) -> None:
    with transaction(sessions) as s:
        record_supplier_footprint(s, org, product_key="lfp-cathode", supplier=SUPPLIER_NAME, fossil_kg_per_unit=8.6,
                                  biogenic_kg_per_unit=None, unit="kg", source="pact:sh-lfp.example",
                                  reference="pf-1 v1")


def test_coverage_from_purchase_records(sessions: sessionmaker[Session], org: int) -> None:
    """Bought in 2025: 1,000 t cathode and 300 t graphite from SH-LFP (a footprint only for the cathode), 200,000 kg
    electrolyte from another supplier, and 5,000,000 CNY of services. By mass: 1,000 / (1,000 + 300 + 200) = 2/3;
    SH-LFP 1,000 / 1,300 = 0.769 2; the other supplier 0; by spend 0 of 5,000,000 CNY."""
    _hold_cathode_footprint(sessions, org)
    with transaction(sessions) as s:
        fac = Facility(organisation_id=org, code="F", name="plant", province="Sichuan")
        s.add(fac)
        s.flush()
        _purchase(s, org, fac.id, "lfp-cathode", SUPPLIER_NAME, 1000, "t")
        _purchase(s, org, fac.id, "graphite", SUPPLIER_NAME, 300, "t")
        _purchase(s, org, fac.id, "electrolyte", "other", 200_000, "kg")
        _purchase(s, org, fac.id, "services", "other", 5_000_000, "CNY")
    with sessions() as s:
        cov = pr.coverage(s, org)
    assert cov.source == "activity"
    totals = {c.basis: c for c in cov.totals}
    assert totals["t"].purchased == pytest.approx(1500) and totals["t"].share == pytest.approx(2 / 3)
    assert totals["CNY"].purchased == pytest.approx(5e6) and totals["CNY"].share == 0
    lines = {(c.supplier, c.basis): c.share for c in cov.lines}
    assert lines[(SUPPLIER_NAME, "t")] == pytest.approx(1000 / 1300)
    assert lines[("other", "t")] == 0


def test_coverage_from_the_product_model(sessions: sessionmaker[Session], org: int) -> None:
    """No purchase records: the model's bought-in inputs per kWh of cell are 2.0 kg cathode (0.002 t, with the
    supplier's footprint) and 50 kWh electricity (0.05 MWh, none): mass share 100 %, energy share 0 %."""
    model = {"format": "carbontrail.product-model/1", "name": "cell", "flows": [
        {"id": "lfp-cell", "unit": "kWh"}, {"id": "lfp-cathode", "unit": "kg"},
        {"id": "electricity-sc", "unit": "kWh"}],
        "processes": [{"id": "assembly", "outputs": [{"flow": "lfp-cell", "amount": 1}],
                       "inputs": [{"flow": "lfp-cathode", "amount": 2.0}, {"flow": "electricity-sc", "amount": 50}]}]}
    with transaction(sessions) as s:
        footprints.import_document(s, org, model, key="cell")
    _hold_cathode_footprint(sessions, org)
    with sessions() as s:
        cov = pr.coverage(s, org)
    assert cov.source == "model"
    totals = {c.basis: c for c in cov.totals}
    assert (totals["t"].purchased, totals["t"].share) == (pytest.approx(0.002), pytest.approx(1.0))
    assert (totals["MWh"].purchased, totals["MWh"].share) == (pytest.approx(0.05), 0)


@pytest.fixture
def app_client(sessions: sessionmaker[Session], org: int, tmp_path: Path) -> tuple[TestClient, dict[str, str], str]:
    """The app, a carbon manager of CELL with a bearer token, and the same user's page session cookie."""
    app = create_app(Settings(home=tmp_path / "home", database_url="", secret_key="pages-key"), sessions=sessions)
    accounts.create_user(sessions, "manager@cell.example", "pages-password", locale="en")
    accounts.grant_role(sessions, "manager@cell.example", "carbon_manager", organisation="CELL")
    key = app.state.context.key
    with sessions() as s:
        from sqlalchemy import select

        from carbontrail.store.models import User

        uid = s.scalar(select(User.id).where(User.email == "manager@cell.example"))
        principal = principal_of(s, uid)
    token = access_token(key, principal)
    cookie = sign_token(key, {"kind": "session", "sub": uid, "csrf": "csrf-t"})
    client = TestClient(app)
    return client, {"Authorization": f"Bearer {token}"}, cookie


def test_api_suppliers_and_coverage(app_client: tuple[TestClient, dict[str, str], str],
                                    sessions: sessionmaker[Session], org: int) -> None:
    client, auth, _cookie = app_client
    body = {"supplier": "SH-LFP", "name": SUPPLIER_NAME, "host_url": "https://sh-lfp.example:8443",
            "client_id": "ct_1", "client_secret": "very-secret", "pact_version": "2"}
    r = client.post("/api/organisations/CELL/suppliers", json=body, headers=auth)
    assert r.status_code == 201, r.text
    assert "very-secret" not in r.text
    assert client.post("/api/organisations/CELL/suppliers", json=body, headers=auth).status_code == 409
    bad = client.post("/api/organisations/CELL/suppliers", json={**body, "supplier": "X",
                                                                 "host_url": "http://plain.example"}, headers=auth)
    assert bad.status_code == 422 and bad.json()["field"] == "host_url"
    # the API request came over plain http (test client): our callback address must be https
    r = client.post("/api/organisations/CELL/suppliers/SH-LFP/requests", json={"product_id": "urn:x:1"}, headers=auth)
    assert r.status_code == 422 and r.json()["field"] == "callback_url"
    _hold_cathode_footprint(sessions, org)
    (row,) = client.get("/api/organisations/CELL/suppliers", headers=auth).json()
    assert (row["supplier"], row["pact_version"], row["footprints_received"]) == ("SH-LFP", "2", 0)
    cov = client.get("/api/organisations/CELL/supplier-coverage", headers=auth).json()
    assert cov == {"source": "model", "totals": [], "suppliers": []}
    assert client.delete("/api/organisations/CELL/suppliers/SH-LFP", headers=auth).status_code == 204
    assert client.get("/api/organisations/CELL/suppliers", headers=auth).json() == []


def test_pages_and_inbox_decision(app_client: tuple[TestClient, dict[str, str], str],
                                  sessions: sessionmaker[Session], org: int) -> None:
    """The suppliers page lists a connection added through its form; the inbox page rejects a customer's request
    with a reason (helper B's service decides; the answer has no events URL to go to, so delivery fails and says so)."""
    client, _auth, cookie = app_client
    client.cookies.set("ct_session", cookie)
    form = {"supplier": "SH-LFP", "name": SUPPLIER_NAME, "host_url": "https://sh-lfp.example", "client_id": "ct_1",
            "client_secret": "s3cret-value", "csrf_token": "csrf-t"}
    assert client.post("/org/CELL/suppliers", data={**form, "csrf_token": "wrong"}).status_code == 403
    r = client.post("/org/CELL/suppliers", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/org/CELL/suppliers", headers={"accept-language": "en"})
    assert page.status_code == 200 and SUPPLIER_NAME in page.text and "s3cret-value" not in page.text
    assert "https://sh-lfp.example" in page.text
    # with purchases on record the page charts them: 1,000 t with the supplier's footprint, 300 t without
    _hold_cathode_footprint(sessions, org)
    with transaction(sessions) as s:
        fac = Facility(organisation_id=org, code="F", name="plant", province="Sichuan")
        s.add(fac)
        s.flush()
        _purchase(s, org, fac.id, "lfp-cathode", SUPPLIER_NAME, 1000, "t")
        _purchase(s, org, fac.id, "graphite", SUPPLIER_NAME, 300, "t")
    page = client.get("/org/CELL/suppliers")
    found = re.search(r'id="coverage-data">(.*?)</script>', page.text, re.S)
    assert found is not None
    chart = json.loads(found.group(1))
    assert (chart["suppliers"], chart["primary"], chart["secondary"], chart["basis"]) == (
        [SUPPLIER_NAME], [1000.0], [300.0], "t")
    assert "76.9 %" in page.text  # 1,000 / 1,300
    again = client.post("/org/CELL/suppliers", data=form)
    assert again.status_code == 422 and 'id="failed"' in again.text
    client.cookies.set("ct_lang", "zh_CN")
    zh = client.get("/org/CELL/suppliers")
    assert "供应商连接" in zh.text and "一手数据覆盖率" in zh.text
    client.cookies.delete("ct_lang")
    with transaction(sessions) as s:
        s.add(PactInboundRequest(event_id="e-1", source="urn:not-https", spec="3", supplier_organisation_id=org,
                                 product_ids=json.dumps(["urn:pact:cell.example:product:cell"]), status="pending"))
    inbox = client.get("/org/CELL/pact")
    assert inbox.status_code == 200 and "urn:pact:cell.example:product:cell" in inbox.text
    (rid,) = re.findall(r'action="/org/CELL/pact/inbox/(\d+)"', inbox.text)[:1]
    r = client.post(f"/org/CELL/pact/inbox/{rid}", data={"decision": "reject", "reason": "", "csrf_token": "csrf-t"})
    assert r.status_code == 422 and "say why" in r.text
    r = client.post(f"/org/CELL/pact/inbox/{rid}", data={"decision": "reject", "reason": "not our product",
                                                         "csrf_token": "csrf-t"}, follow_redirects=False)
    assert r.status_code == 303
    (item,) = pact_inbox.inbox(sessions, None, "CELL")
    assert (item.status, item.reason, item.delivery) == ("rejected", "not our product", "failed")
    assert client.get("/suppliers").status_code == 200
