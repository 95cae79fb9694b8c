"""Monitoring pages: the enterprise dashboard (own members only), oversight with status colours and suppression,
XLSX export, the warnings inbox and its acknowledgement form; both languages."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from carbontrail.app import create_app
from carbontrail.config import Settings
from carbontrail.services import accounts
from carbontrail.services.monitor import figures, readings, warnings
from carbontrail.services.work import SystemActor
from carbontrail.web import i18n
from monitor_world import seed_statuses

ACTOR = SystemActor("test")
PASSWORD = "correct horse battery"


@pytest.fixture
def site(mworld, monkeypatch):
    monkeypatch.setenv("CARBONTRAIL_MONITOR_MIN_COUNT", "2")
    app = create_app(Settings(home=mworld.home, database_url="", secret_key="pages-key"), sessions=mworld.sessions)
    for email, role, org, jur in (("m@e1.example", "carbon_manager", "E1", None),
                                  ("gov@prov.example", "government_viewer", None, "PROV")):
        accounts.create_user(mworld.sessions, email, PASSWORD, name=role)
        accounts.grant_role(mworld.sessions, email, role, organisation=org, jurisdiction=jur)
    batch = [{"meter": "EL", "timestamp": f"{t:%Y-%m-%dT%H:%M}", "value": 1.0}
             for t in pd.date_range("2023-12-01", periods=96 * 31, freq="15min")]
    readings.import_batch(mworld.sessions, ACTOR, "E1", batch)
    seed_statuses(mworld.sessions)
    warnings.add_rule(mworld.sessions, ACTOR, "off_trajectory", jurisdiction_code="PROV")
    warnings.evaluate(mworld.sessions, ACTOR, year=2023, today=date(2024, 1, 10))
    return TestClient(app)


def _sign_in(client: TestClient, email: str) -> None:
    client.cookies.clear()
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    r = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303


def test_dashboard_for_the_enterprise_only(site) -> None:
    """December 2023: 31 × 96 quarter-hours of 1 kWh — complete (100 %)."""
    _sign_in(site, "m@e1.example")
    site.cookies.set("ct_lang", "en")
    r = site.get("/monitor/org/E1?month=2023-12")
    assert r.status_code == 200 and 'id="monitor-quality"' in r.text and "100.0 %" in r.text
    assert 'id="monitor-data"' in r.text and "<script>" not in r.text.replace('<script src=', '')
    assert site.get("/monitor/org/E4?month=2023-12").status_code == 404
    assert site.get("/monitor/j/PROV?year=2023").status_code == 404


def test_oversight_statuses_suppression_export_and_inbox(site) -> None:
    """E1 0.95 vs 1.00 (on track 0.916) → yellow; E2 3.10 vs 3.00 → red; E3 0.40 vs 0.50 → green. P2 holds E3
    alone: suppressed (minimum 2)."""
    _sign_in(site, "gov@prov.example")
    r = site.get("/monitor/j/CITY?year=2023")
    assert r.status_code == 200
    assert "badge status-red" in r.text and "badge status-yellow" in r.text
    assert "不公开：企业数少于 2 家" in r.text
    latest = site.get("/monitor/j/CITY")  # without a year: the latest year with figures, the others offered
    assert '<option value="2020">2020</option><option value="2023" selected>2023</option>' in latest.text
    assert 'data-code="E2" data-status="red"' in latest.text
    book = openpyxl.load_workbook(io.BytesIO(site.get("/monitor/j/CITY/export.xlsx?year=2023").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:2] == ("排名（单位增加值碳排放）", "主体")
    # the status in the reader's words: the zh-CN workbook says red as the catalogue does (issue 17, item 4)
    assert any(str(row[1]).startswith("E2") and row[11] == i18n.translator("zh_CN")("red") for row in rows)
    inbox = site.get("/monitor/warnings")
    assert inbox.status_code == 200 and "E2" in inbox.text and "E1" in inbox.text
    wid = int(re.search(r'/monitor/warnings/(\d+)">\d+</a></td><td>E2', inbox.text).group(1))
    page = site.get(f"/monitor/warnings/{wid}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = site.post(f"/monitor/warnings/{wid}", data={"action": "acknowledge", "note": "on the agenda",
                                                       "csrf_token": token}, follow_redirects=True)
    assert done.status_code == 200 and "on the agenda" in done.text and "已确认" in done.text


def test_dashboard_files_the_monthly_report(site) -> None:
    """December 2023's report filed from the dashboard: due 2024-01-10, filed today, so late; a second filing of
    the month is refused with the first one's time."""
    _sign_in(site, "m@e1.example")
    site.cookies.set("ct_lang", "en")
    page = site.get("/monitor/org/E1?month=2023-12")
    assert 'id="monitor-filings"' in page.text and "No report filed yet." in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = site.post("/monitor/org/E1/filings", data={"month": "2023-12", "csrf_token": token},
                     follow_redirects=True)
    row = re.search(r'<tr class="error"><td>2023-12</td>.*?</tr>', done.text)
    assert done.status_code == 200 and row is not None and "2024-01-10" in row.group(0) and ">no<" in row.group(0)
    again = site.post("/monitor/org/E1/filings", data={"month": "2023-12", "csrf_token": token})
    assert again.status_code == 409 and "was filed on" in again.text
    site.cookies.set("ct_lang", "zh_CN")
    assert "报送 2023-12 月报" in site.get("/monitor/org/E1?month=2023-12").text


def test_oversight_shows_the_peak_outlook(site, mworld) -> None:
    """Province CO2 (the seed's CO2 equals its energy): 2020 100 + 300 + 50 = 450 t, 2023 95 + 310 + 40 = 445 t;
    two values, a straight line: slope (445 − 450)/3 = −1.67 t a year ≤ 0 → peaks by 2030, green."""
    figures.set_target(mworld.sessions, ACTOR, kpi_name="co2_total", base_year=2020, target_year=2030, peak=True,
                       jurisdiction_code="PROV", source="plan: peak by 2030")
    _sign_in(site, "gov@prov.example")
    page = site.get("/monitor/j/PROV?year=2023").text
    card = re.search(r'<section class="card" id="monitor-peak">.*?</section>', page, re.S).group(0)
    assert "2030 年前达峰" in card and "badge status-green" in card and "445" in card
    assert "趋势在达峰年的斜率 -2 /年" in card


def test_dashboard_opens_on_the_latest_month_with_readings(site) -> None:
    """Without a month asked for: December 2023, the only month E1's meter has readings in (not today's month,
    which has none), and the KPIs of 2023, its latest year with figures."""
    _sign_in(site, "m@e1.example")
    site.cookies.set("ct_lang", "en")
    r = site.get("/monitor/org/E1")
    assert r.status_code == 200 and "E1 · 2023-12" in r.text and "100.0 %" in r.text
    assert 'name="month" value="2023-12"' in r.text and "Against targets (2023)" in r.text
