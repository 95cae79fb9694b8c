"""Scope 3 on the inventory page, in the PDF report and the XLSX download (platform test world, both databases)."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.app import create_app
from carbontrail.config import Settings
from carbontrail.store.db import transaction
from carbontrail.store.models import ActivityRecord, Facility, Organisation

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))
from platform_world import PASSWORD, World, make_users, seed  # noqa: E402


@pytest.fixture
def world(sessions: sessionmaker[Session], tmp_path: Path) -> World:
    """The platform tests' world (tenant A in Sichuan with a 2023 period and sign-ins per role)."""
    app = create_app(Settings(home=tmp_path / "home", database_url="", secret_key="scope3-test-key"),
                     sessions=sessions)
    seed(sessions)
    return World(sessions, app, TestClient(app), make_users(sessions, app.state.context.key))


def _add_transport(world: World) -> None:
    """ORG-A ships 1,000 t 200 km by articulated HGV > 33 t in 2023: 200,000 t-km × 0.10273 kg = 20.546 t CO2e."""
    with transaction(world.sessions) as s:
        org = s.scalars(select(Organisation).where(Organisation.code == "ORG-A")).one()
        fac = s.scalars(select(Facility).where(Facility.organisation_id == org.id)).first()
        s.add(ActivityRecord(record_key=hashlib.sha1(b"scope3-page-test").hexdigest(), organisation_id=org.id,
                             facility_id=fac.id, kind="upstream_transport", item="lithium carbonate",
                             category="road_articulated_over_33t", supplier="甲物流", period_start=date(2023, 1, 1),
                             period_end=date(2023, 12, 31), quantity=200_000, unit="tkm", source="page test"))


def _sign_in(world: World, email: str) -> None:
    world.client.cookies.clear()
    form = world.client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    r = world.client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/"},
                          follow_redirects=False)
    assert r.status_code == 303


def test_inventory_page_and_xlsx_show_scope3(world: World) -> None:
    _add_transport(world)
    _sign_in(world, "carbon_manager@a.example")
    world.client.cookies.set("ct_lang", "zh_CN")
    page = world.client.get("/org/ORG-A/inventory?period=2023").text
    assert "范围三（类别1和类别4）" in page and "4 上游运输和配送" in page and "甲物流" in page
    assert re.search(r'id="scope3-total".*?20\.5', page, re.S)
    world.client.cookies.set("ct_lang", "en")
    page = world.client.get("/org/ORG-A/inventory?period=2023").text
    assert "Scope 3 (categories 1 and 4)" in page and "secondary" in page
    r = world.client.get("/api/organisations/ORG-A/inventory.xlsx?period=2023", headers=world.auth("org_admin"))
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.content))["scope3"].iter_rows(values_only=True))
    assert rows[1][3] == "lithium carbonate" and rows[1][17] == pytest.approx(20.546, rel=1e-12)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_pdf_report_shows_scope3(world: World, tmp_path: Path) -> None:
    _add_transport(world)
    r = world.client.get("/api/organisations/ORG-A/inventory.pdf?period=2023&lang=en",
                         headers=world.auth("org_admin"))
    assert r.status_code == 200
    pdf = tmp_path / "inventory.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "Scope 3 category 4" in text and "20.55" in text


def test_api_inventory_follows_a_newly_received_supplier_footprint(world: World) -> None:
    """The API keeps computed inventories while the tenant's inputs are unchanged; a supplier footprint arriving
    (e.g. over PACT) is such an input. ORG-A buys 10 t of 'lfp-cathode' from SUP with no fallback factor:
    the inventory is refused until SUP's 12 kg CO2e/kg is on file, then scope 3 = 10,000 kg × 12 = 120 t; a revised
    11 kg/kg gives 110 t on the very next request."""
    from carbontrail.services.pact.supplier_data import record_supplier_footprint

    with transaction(world.sessions) as s:
        org = s.scalars(select(Organisation).where(Organisation.code == "ORG-A")).one()
        fac = s.scalars(select(Facility).where(Facility.organisation_id == org.id)).first()
        s.add(ActivityRecord(record_key=hashlib.sha1(b"scope3-cache-test").hexdigest(), organisation_id=org.id,
                             facility_id=fac.id, kind="purchased_goods", item="lfp-cathode", category="",
                             supplier="SUP", period_start=date(2023, 1, 1), period_end=date(2023, 12, 31),
                             quantity=10, unit="t", source="cache test"))
        org_id = org.id
    url = "/api/organisations/ORG-A/inventory?period=2023"
    refused = world.client.get(url, headers=world.auth("org_admin"))
    assert refused.status_code == 422 and "lfp-cathode" in refused.text
    for value, expected in ((12.0, 120.0), (11.0, 110.0)):
        with transaction(world.sessions) as s:
            record_supplier_footprint(s, org_id, product_key="lfp-cathode", supplier="SUP", fossil_kg_per_unit=value,
                                      biogenic_kg_per_unit=None, unit="kg", source="pact:test", reference="pf-1")
        body = world.client.get(url, headers=world.auth("org_admin")).json()
        assert body["scope3_t_co2e"] == pytest.approx(expected, rel=1e-12)
        assert body["scope3_primary_share"] == 1.0
        assert [(line["item"], line["data"]) for line in body["scope3_lines"]] == [("lfp-cathode", "primary")]


def test_inventory_page_lists_the_claims_with_their_log_entries(world: World) -> None:
    """ORG-A registers and claims two GECs of January 2023 against its January use (1,000 MWh): the page lists
    both claims, each linked to its transparency-log entry (the two issuances are entries 0 and 1, the claims 2
    and 3), and the 2 MWh matched over the year."""
    from carbontrail.ledger.certificates import check_instrument, gec_serial
    from carbontrail.services import certificates as certs
    from carbontrail.services.work import SystemActor

    actor = SystemActor("test")
    serials = [gec_serial("13520155132000017", date(2023, 1, 1), n) for n in (1, 2)]
    certs.issue(world.sessions, actor, "ORG-A", [
        (n, check_instrument("GEC", s, "Aba hydro", "hydro", "四川", date(2023, 1, 1), date(2023, 1, 31), 1.0), "")
        for n, s in enumerate(serials, 2)])
    certs.claim(world.sessions, actor, "ORG-A", serials, (date(2023, 1, 1), date(2023, 1, 31)),
                on=date(2023, 2, 1), key=world.app.state.context.key)
    _sign_in(world, "carbon_manager@a.example")
    world.client.cookies.set("ct_lang", "en")
    page = world.client.get("/org/ORG-A/inventory?period=2023").text
    section = page[page.index('id="claims-used"'):page.index("</section>", page.index('id="claims-used"'))]
    assert "annual · matched 2.000 MWh" in section
    assert all(s in section for s in serials)
    assert '<a href="/api/ledger/proof/inclusion?seq=2">2</a>' in section
    assert '<a href="/api/ledger/proof/inclusion?seq=3">3</a>' in section
    world.client.cookies.set("ct_lang", "zh_CN")
    assert "计入基于市场的范围二的绿电核销" in world.client.get("/org/ORG-A/inventory?period=2023").text
