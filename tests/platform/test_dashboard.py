"""Each role's home (issue 17, item 1): services/dashboard.py for an enterprise, a park, a verification body and a
supplier, on the latest period with data or the one asked for; "no data" is None, never 0; and the home page shows
the same figures in both languages.

The enterprise DE (Sichuan) buys grid electricity: 500,000 kWh a month through 2022 (its base year) and 1,000,000 kWh
a month in January–October 2023; 2024 is a period without any record. The Sichuan provincial grid factor is
0.1404 kg CO2/kWh (MEE/NBS 2022, the factor library's latest year, used for 2023 too), so scope 2 (location-based)
is 12 × 500,000 × 0.1404 / 1000 = 842.4 t in 2022 and 10 × 1,000,000 × 0.1404 / 1000 = 1,404.0 t in 2023:
+66.7 % (1,404.0 / 842.4 − 1 = 2/3). Value added: 5,000 × 10⁴ yuan (2022), 10,000 × 10⁴ yuan (2023), so the CO2
intensity is 0.16848 and 0.1404 t per 10⁴ yuan (−16.7 %)."""

from __future__ import annotations

import calendar
import json
import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.app import create_app
from carbontrail.config import Settings
from carbontrail.services import accounts, dashboard, jurisdictions
from carbontrail.services.inventory import inventory
from carbontrail.services.monitor import figures
from carbontrail.services.principals import Principal
from carbontrail.services.work import SystemActor
from carbontrail.store.db import transaction
from carbontrail.store.models import ActivityRecord, Facility, Organisation, ReportingPeriod, User
from carbontrail.store.models.pact import PactInboundRequest
from carbontrail.web import i18n

SEED = SystemActor("test")
PASSWORD = "correct horse battery"


def _month(org: Organisation, fac: Facility, kind: str, year: int, month: int | None, quantity: float,
           unit: str) -> ActivityRecord:
    start = date(year, month or 1, 1)
    end = date(year, month, calendar.monthrange(year, month)[1]) if month else date(year, 12, 31)
    return ActivityRecord(record_key=f"{fac.code}|{kind}|{start}", organisation_id=org.id, facility_id=fac.id,
                          kind=kind, item="grid electricity" if kind == "electricity" else "industrial value added",
                          period_start=start, period_end=end, quantity=quantity, unit=unit, source="dashboard test")


def _seed(sessions: sessionmaker[Session]) -> None:
    jurisdictions.create(sessions, "PROV", "province", "四川省", name_en="Sichuan")
    jurisdictions.create(sessions, "CITY", "city", "成都市", name_en="Chengdu", parent="PROV")
    jurisdictions.create(sessions, "PARK", "park", "示范园区", name_en="Model park", parent="CITY")
    with transaction(sessions) as s:
        de = Organisation(code="DE", name="示范电池厂", name_en="Model battery plant", industry="battery",
                          province="Sichuan")
        body = Organisation(code="VB", name="示范核查机构", name_en="Model verification body", industry="testing")
        s.add_all([de, body])
        s.flush()
        plant = Facility(organisation_id=de.id, code="DE-1", name="一号厂", province="Sichuan")
        idle = Facility(organisation_id=de.id, code="DE-2", name="二号厂", province="Sichuan")
        s.add_all([plant, idle])
        s.flush()
        for name, base in (("2022", True), ("2023", False), ("2024", False)):
            y = int(name)
            s.add(ReportingPeriod(organisation_id=de.id, name=name, start=date(y, 1, 1), end=date(y, 12, 31),
                                  is_base_year=base))
        for m in range(1, 13):
            s.add(_month(de, plant, "electricity", 2022, m, 500_000, "kWh"))
        for m in range(1, 11):
            s.add(_month(de, plant, "electricity", 2023, m, 1_000_000, "kWh"))
        s.add(_month(de, plant, "value_added", 2022, None, 5_000, "10^4 yuan"))
        s.add(_month(de, plant, "value_added", 2023, None, 10_000, "10^4 yuan"))
        for event, status in (("r-1", "pending"), ("r-2", "pending"), ("r-3", "rejected")):
            s.add(PactInboundRequest(event_id=event, source="urn:test", spec="3", supplier_organisation_id=de.id,
                                     product_ids=json.dumps([f"urn:pact:de.example:product:{event}"]),
                                     status=status))
    jurisdictions.place(sessions, "PARK", organisation="DE")
    for year in (2022, 2023):
        figures.refresh(sessions, SEED, "DE", year)


def _principal(sessions: sessionmaker[Session], email: str, role: str, *, organisation: str | None = None,
               jurisdiction: str | None = None) -> Principal:
    accounts.create_user(sessions, email, PASSWORD, name=email.split("@")[0])
    accounts.grant_role(sessions, email, role, organisation=organisation, jurisdiction=jurisdiction)
    with sessions() as s:
        return accounts.principal_of(s, s.scalar(select(User.id).where(User.email == email)))


@pytest.fixture
def dworld(sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> sessionmaker[Session]:
    monkeypatch.setenv("CARBONTRAIL_MONITOR_MIN_COUNT", "1")
    _seed(sessions)
    return sessions


def test_enterprise_opens_on_its_latest_period_with_data(dworld: sessionmaker[Session]) -> None:
    manager = _principal(dworld, "m@de.example", "carbon_manager", organisation="DE")
    home = dashboard.home(dworld, manager)
    (e,) = home.enterprises
    assert (home.oversight, home.verification, home.supplier) == ((), (), ())
    assert e.period == "2023"  # 2024 is later, but no record falls in it
    assert [(p.name, p.has_data, p.is_base_year) for p in e.periods] == [
        ("2022", True, True), ("2023", True, False), ("2024", False, False)]
    c = e.comparison
    assert c is not None and c.previous is not None and c.base is not None
    assert (c.current.period, c.previous.period, c.base.period) == ("2023", "2022", "2022")
    assert c.current.scope2_location_t == pytest.approx(1404.0)
    assert c.previous.scope2_location_t == pytest.approx(842.4)
    assert c.change("scope2_location_t", "previous") == pytest.approx(2 / 3)
    assert c.current.co2_intensity == pytest.approx(0.1404)
    assert c.change("co2_intensity", "base") == pytest.approx(0.1404 / 0.16848 - 1)
    assert c.current.scope3_t is None  # nothing purchased is recorded: no data, not 0 t
    missing = {m.what: m.items for m in e.missing}
    assert missing == {"no_scope3": (), "months": ("2023-11", "2023-12"), "facilities": ("DE-2",),
                       "no_production": ()}
    assert [r.status for r in e.requests_to_answer] == ["pending", "pending"]
    assert e.footprints == () and e.published == 0


def test_a_period_without_records_is_no_data_not_zero(dworld: sessionmaker[Session]) -> None:
    manager = _principal(dworld, "m@de.example", "carbon_manager", organisation="DE")
    (e,) = dashboard.home(dworld, manager, period="2024").enterprises
    assert e.period == "2024" and e.comparison is not None
    now = e.comparison.current
    assert not now.has_data and now.scope1_t is None and now.energy_tce is None and now.co2_intensity is None
    assert e.comparison.change("scope2_location_t", "previous") is None
    assert e.comparison.previous is not None and e.comparison.previous.period == "2023"
    assert [m.what for m in e.missing] == ["no_records"]
    (unknown,) = dashboard.home(dworld, manager, period="1999").enterprises
    assert unknown.asked_period_unknown and unknown.period == "2023"


def test_park_sees_its_status_overview_on_the_latest_year(dworld: sessionmaker[Session]) -> None:
    """DE's monthly figures: 2023 runs to October; 2022 is a past, whole year. CO2 1,404.0 t against 842.4 t."""
    park = _principal(dworld, "p@park.example", "park_admin", jurisdiction="PARK")
    (o,) = dashboard.home(dworld, park).oversight
    assert (o.code, o.years, o.year, o.has_data) == ("PARK", (2022, 2023), 2023, True)
    assert o.view is not None
    top = o.view.entity
    assert top.figures is not None and top.figures.co2_t == pytest.approx(1404.0)
    assert top.earlier is not None and top.earlier[0] == 2022
    assert top.earlier[1].co2_t == pytest.approx(842.4)
    assert top.change_since_earlier("co2_t") == pytest.approx(2 / 3)
    assert o.counts == {"red": 0, "yellow": 0, "green": 0, "none": 1, "no_data": 0}  # no target is set
    empty = dashboard.jurisdiction(dworld, park, "PARK", year=2021)
    assert not empty.has_data and empty.counts["no_data"] == 1
    (de,) = empty.view.enterprises  # type: ignore[union-attr]
    assert not de.has_data and de.change_since_earlier("co2_t") is None


def test_verifier_sees_its_engagements_and_supplier_its_customers(dworld: sessionmaker[Session]) -> None:
    from carbontrail.services.ledger import engagements

    engagements.accredit(dworld, SEED, "VB", "CNAS (test)", "CNAS")
    made = engagements.engage(dworld, SEED, "DE", "VB", subject_type="inventory", subject_key="2023",
                              grants=["activity"])
    verifier = _principal(dworld, "v@vb.example", "verifier", organisation="VB")
    (b,) = dashboard.home(dworld, verifier).verification
    assert b.body.code == "VB" and [(g.id, g.organisation, g.status) for g in b.engagements] == [
        (made.id, "DE", "open")]
    assert b.counts == {"open": 1}
    supplier = _principal(dworld, "s@sup.example", "supplier", organisation="DE")
    home = dashboard.home(dworld, supplier)
    assert [s.customer.code for s in home.supplier] == ["DE"] and home.enterprises == ()


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_home_page_shows_the_service_figures(dworld: sessionmaker[Session], tmp_path: Path, locale: str) -> None:
    """The page prints what the inventory service computes, in the reader's number format; 2024 says "no data"
    (scope 1 is a true 0.0 in 2022 and 2023: records exist and none burns fuel)."""
    app = create_app(Settings(home=tmp_path / "home", database_url="", secret_key="dash-key"), sessions=dworld)
    manager = _principal(dworld, "m@de.example", "carbon_manager", organisation="DE")
    _principal(dworld, "p@park.example", "park_admin", jurisdiction="PARK")
    client = TestClient(app)
    try:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore
        client.post("/login", data={"email": "m@de.example", "password": PASSWORD, "csrf_token": token})
        client.cookies.set("ct_lang", locale)
        page = client.get("/").text
        expected = inventory(dworld, manager, "DE", period="2023")
        row = re.search(r'<tr data-figure="scope2_location_t">.*?</tr>', page, re.S).group(0)  # type: ignore
        cells = re.findall(r'<td class="num[^"]*">(.*?)</td>', row, re.S)
        assert cells[0] == i18n.number(expected.scope2_location_t, locale, 1) == "1,404.0"
        assert cells[1] == i18n.number(842.4, locale, 1) and cells[2].strip() == "+66.7 %"
        nothing = client.get("/?period=2024").text
        row = re.search(r'<tr data-figure="scope2_location_t">.*?</tr>', nothing, re.S).group(0)  # type: ignore
        current = re.search(r'<td class="num current">(.*?)</td>', row, re.S).group(1)  # type: ignore
        assert i18n.translator(locale)("No data") in current and not re.search(r"\d", current)
        # 2023 beside it, and no change computed against a period without data
        assert i18n.number(expected.scope2_location_t, locale, 1) in row and "%" not in row
    finally:
        app.state.context.imports.close()


def test_park_pages_rank_compare_and_export(dworld: sessionmaker[Session], tmp_path: Path) -> None:
    """The park's totals page: 2023 against 2022 (scope 2 +66.7 %), DE ranked first; its XLSX export of a year
    without figures says "no data" for DE and ranks nobody."""
    import io

    import openpyxl

    app = create_app(Settings(home=tmp_path / "home", database_url="", secret_key="dash-key"), sessions=dworld)
    _principal(dworld, "p@park.example", "park_admin", jurisdiction="PARK")
    client = TestClient(app)
    try:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore
        client.post("/login", data={"email": "p@park.example", "password": PASSWORD, "csrf_token": token})
        client.cookies.set("ct_lang", "en")
        page = client.get("/jurisdiction/PARK").text  # the latest year with records: 2023
        row = re.search(r'<tr data-figure="scope2_location_t_co2e">.*?</tr>', page, re.S).group(0)  # type: ignore
        assert re.findall(r'<td class="num">\s*(.*?)\s*</td>', row, re.S) == ["1,404.0", "842.4", "+66.7 %"]
        assert re.search(r'<tr data-code="DE"><td class="num rank">1</td>', page)
        oversight = client.get("/monitor/j/PARK?year=2021").text  # a year without figures: "no data", not 0.0
        de_row = re.search(r'<tr class="status-none"><td>DE .*?</tr>', oversight, re.S).group(0)  # type: ignore
        assert 'class="muted no-data">No data</td>' in de_row and "0.0" not in de_row and 'id="no-data"' in oversight
        yoy = re.search(r'<td class="num yoy">(.*?)</td>', client.get("/monitor/j/PARK?year=2023").text, re.S)
        # energy intensity: (10 / 6 GWh) ÷ (10,000 / 5,000) − 1
        assert yoy is not None and yoy.group(1).startswith("-16.7 %")
        book = openpyxl.load_workbook(io.BytesIO(client.get("/monitor/j/PARK/export.xlsx?year=2021").content))
        rows = list(book.active.iter_rows(values_only=True))
        (de,) = [r for r in rows if str(r[1]).startswith("DE ")]
        assert de[0] in (None, "") and de[3] == "no data"
        latest = list(openpyxl.load_workbook(io.BytesIO(client.get("/monitor/j/PARK/export.xlsx").content))
                      .active.iter_rows(values_only=True))  # without a year: 2023, the latest with figures
        (de,) = [r for r in latest if str(r[1]).startswith("DE ")]
        assert de[0] == 1 and de[4] == pytest.approx(1404.0)
    finally:
        app.state.context.imports.close()


def test_every_role_gets_its_home_and_nothing_of_another_tenant(world) -> None:  # type: ignore[no-untyped-def]
    """Each role of the platform world (tenant A's side) signs in to a dashboard of its own; tenant B's names and
    raw data appear on none."""
    from platform_world import B_SECRETS, PASSWORD as WORLD_PASSWORD, ROLE_SCOPES

    parts = {"org_admin": 'id="dash-org-ORG-A"', "carbon_manager": 'id="dash-org-ORG-A"',
             "data_entry": 'id="dash-org-ORG-A"', "supplier": 'id="dash-supplier"', "verifier": 'id="dash-body-ORG-A"',
             "park_admin": 'id="dash-j-PARK-A"', "government_viewer": 'id="dash-j-SC"'}
    assert set(parts) == set(ROLE_SCOPES)
    for role, part in parts.items():
        world.client.cookies.clear()
        form = world.client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        world.client.post("/login", data={"email": f"{role}@a.example", "password": WORLD_PASSWORD,
                                          "csrf_token": token})
        home = world.client.get("/")
        assert home.status_code == 200 and part in home.text, role
        assert [s for s in B_SECRETS if s in home.text] == [], role
        # a data-entry member sees the periods and what is missing, not the inventory's figures
        assert ('id="dash-figures-ORG-A"' in home.text) == (role in ("org_admin", "carbon_manager")), role
