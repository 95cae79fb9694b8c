"""The CBAM pages on SQLite and PostgreSQL: upload a model with the form, the installation page's SEE table, chart
data, communication download, cost form and grid comparison; catalogues complete; tenancy on pages."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from carbontrail.cbam import communication_from_xlsx
from carbontrail.services import cbam
from carbontrail.services.work import SystemActor
from carbontrail.web import i18n
from cbam_world import EXAMPLES, CbamWorld

WEB = Path(i18n.__file__).parent


def _msgids() -> set[str]:
    found: set[str] = set()
    for path in [*WEB.glob("templates/cbam_*.html"), WEB / "cbam.py"]:
        found |= set(re.findall(r'_\("((?:[^"\\]|\\.)+)"', path.read_text(encoding="utf-8")))
    return found


def test_every_cbam_message_is_in_both_catalogues() -> None:
    ids = _msgids()
    assert len(ids) > 40
    for locale in i18n.LOCALES:
        missing = sorted(ids - set(i18n.catalogue(locale)))
        assert not missing, f"{locale} lacks {missing}"
    zh = i18n.translator("zh_CN")
    assert zh("Specific embedded emissions") == "单位隐含排放"
    for message in ids:
        assert set(re.findall(r"%\(\w+\)s", zh(message))) == set(re.findall(r"%\(\w+\)s", message)), message


def _upload_with_form(w: CbamWorld, example: str, code: str, facility: str = "GY-SMELTER") -> object:
    """Upload through the page's form; the smelter sits at GY-SMELTER, whose records its linked amounts come from
    (the steel works has no facility in this world: its file's stated amounts are used as they are)."""
    csrf = w.sign_in_page("entry@alu.example")
    return w.client.post("/org/ALU/cbam", data={"installation": code, "facility": facility, "csrf_token": csrf},
                         files={"file": (example, (EXAMPLES / example).read_bytes(), "application/yaml")},
                         follow_redirects=False)


def test_upload_form_then_installation_page(cbam_world: CbamWorld) -> None:
    """The smelter's page in English shows SEE direct 1.5887 and indirect 7.1631 t/t for smelting (hand calculation
    in test_cbam_api.test_upload_list_and_see_of_the_smelter), the chart data, and the XLSX link reopens."""
    w = cbam_world
    r = _upload_with_form(w, "sichuan-aluminium-smelter.yaml", "GY")
    assert r.status_code == 303 and r.headers["location"] == "/org/ALU/cbam/GY?period=2025"
    w.sign_in_page("manager@alu.example")
    w.client.cookies.set("ct_lang", "en")
    page = w.client.get("/org/ALU/cbam/GY?period=2025")
    assert page.status_code == 200, page.text
    html = page.text
    row = re.search(r'<tr data-process="smelting">(.*?)</tr>', html, re.S).group(1)
    assert "1.5887" in row and "7.1631" in row and "0.0 %" in row
    data = json.loads(re.search(r'<script type="application/json" id="cbam-data">(.*?)</script>', html, re.S).group(1))
    assert data["processes"] == ["smelting", "wire_rod"]
    assert data["direct"][0] == pytest.approx(1.588714778) and data["indirect"][0] == pytest.approx(7.1631)
    link = re.search(r'id="download-communication-xlsx" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    xlsx = w.client.get(link)
    assert xlsx.status_code == 200
    goods = {g.cn_code: g for g in communication_from_xlsx(xlsx.content).goods}
    assert goods["76011000"].see_direct_t_per_t == pytest.approx(1.588714778)
    # the same numbers in the Commission template's layout, from the page's own link
    link = re.search(r'id="download-communication-template" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    template = w.client.get(link)
    assert template.status_code == 200 and "template.xlsx" in template.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(template.content))["Summary_Products"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[1])
    smelter = next(r for r in rows[2:] if r[header.index("CN Code")] == "76011000")
    assert smelter[header.index("SEE (direct)")] == goods["76011000"].see_direct_t_per_t
    # the grid comparison: Sichuan 0.1404 t/MWh → 2,700,000 × 0.1404 / 200,000 = 1.8954 t/t
    grid = re.search(r'<table class="data" id="grid-comparison">(.*?)</table>', html, re.S).group(1)
    assert "1.8954" in grid
    # the list page shows the model
    listing = w.client.get("/org/ALU/cbam").text
    assert "Sichuan hydro aluminium smelter (illustrative)" in listing and "GY-SMELTER" in listing


def test_cost_form(cbam_world: CbamWorld) -> None:
    """1,000 t of unwrought aluminium, 2026, 75.36 EUR/t, share 0.5, 0.128 EUR/CNY: net 59,590.77 EUR (by hand in
    test_cbam_api.test_cost_estimate)."""
    w = cbam_world
    _upload_with_form(w, "sichuan-aluminium-smelter.yaml", "GY")
    w.sign_in_page("manager@alu.example")
    w.client.cookies.set("ct_lang", "en")
    html = w.client.get("/org/ALU/cbam/GY", params={
        "period": 2025, "process": "smelting", "mass_t": 1000, "price_eur_per_t": 75.36, "import_year": 2026,
        "free_allocation_share": 0.5, "cny_per_eur": 7.8125}).text
    assert re.search(r'id="net-cost">59,590.77<', html)
    # without the exchange rate the form says what is missing, and the rest of the page stays
    html = w.client.get("/org/ALU/cbam/GY", params={
        "period": 2025, "process": "smelting", "mass_t": 1000, "price_eur_per_t": 75.36, "import_year": 2026}).text
    assert 'id="cost-error"' in html and "exchange rate" in html and 'id="see"' in html
    html = w.client.get("/org/ALU/cbam/GY", params={
        "period": 2025, "process": "smelting", "mass_t": "nan", "price_eur_per_t": 75.36, "cny_per_eur": 7.8125}).text
    assert 'id="cost-error"' in html and 'id="cost-result"' not in html


def test_chinese_page_and_bad_upload(cbam_world: CbamWorld) -> None:
    w = cbam_world
    _upload_with_form(w, "panzhihua-vti-steel.yaml", "PZH", facility="")
    w.sign_in_page("manager@alu.example")
    w.client.cookies.set("ct_lang", "zh_CN")
    html = w.client.get("/org/ALU/cbam/PZH?markup_year=2026").text
    assert "单位隐含排放" in html and "证书成本估算" in html
    # the strip mill's bought ingots rest on default values: its share is shown and above zero
    row = re.search(r'<tr data-process="hot_strip_mill">(.*?)</tr>', html, re.S).group(1)
    share = float(re.search(r'class="num default-share">([\d.]+) %', row).group(1))
    assert 0 < share < 100
    broken = (EXAMPLES / "panzhihua-vti-steel.yaml").read_text().replace("category: Pig iron", "category: Pig irn")
    csrf = w.sign_in_page("entry@alu.example")
    r = w.client.post("/org/ALU/cbam", data={"installation": "BAD", "csrf_token": csrf},
                      files={"file": ("bad.yaml", broken.encode(), "application/yaml")})
    assert r.status_code == 422 and "Pig irn" in r.text
    r = w.client.post("/org/ALU/cbam", data={"installation": "BAD", "csrf_token": "wrong"},
                      files={"file": ("bad.yaml", broken.encode(), "application/yaml")})
    assert r.status_code == 403


def test_pages_respect_tenancy(cbam_world: CbamWorld) -> None:
    w = cbam_world
    _upload_with_form(w, "sichuan-aluminium-smelter.yaml", "GY")
    w.sign_in_page("admin@steel.example")
    for path in ("/org/ALU/cbam", "/org/ALU/cbam/GY"):
        r = w.client.get(path)
        assert r.status_code == 404 and "smelter" not in r.text.lower(), path
    overview = w.client.get("/cbam").text
    assert "STEEL" in overview and "/org/ALU/cbam" not in overview
    w.sign_in_page("manager@alu.example")
    overview = w.client.get("/cbam").text
    assert re.search(r'href="/org/ALU/cbam">ALU</a>.*?<td class="num">1</td>', overview, re.S)
    w.sign_in_page("supplier@alu.example")
    assert w.client.get("/org/ALU/cbam").status_code == 403
    assert "/org/ALU/cbam" not in w.client.get("/cbam").text  # a supplier sees the profile, not the data
    w.client.cookies.clear()
    r = w.client.get("/org/ALU/cbam/GY", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


@pytest.mark.parametrize("query", [
    {"grid_year": 1}, {"grid_year": 99999}, {"mass_t": -5, "price_eur_per_t": 1, "process": "smelting"},
    {"mass_t": "nan", "price_eur_per_t": 1, "process": "smelting"}, {"markup_year": 1},
    {"mass_t": 1, "price_eur_per_t": 1, "process": "smelting", "import_year": 1900},
    {"mass_t": 1, "price_eur_per_t": 1, "process": "nope", "free_allocation_share": 5},
    {"period": 0}, {"defaults": "no-such-table"}])
def test_odd_page_queries_never_fail(cbam_world: CbamWorld, query: dict) -> None:
    w = cbam_world
    _upload_with_form(w, "sichuan-aluminium-smelter.yaml", "GY")
    w.sign_in_page("manager@alu.example")
    r = w.client.get("/org/ALU/cbam/GY", params=query)
    assert r.status_code < 500, r.text[:300]
    assert r.status_code in (200, 404, 422)


def test_the_inventory_page_shows_the_installation_beside_it(cbam_world: CbamWorld) -> None:
    """The facility's inventory for the installation's period lists the installation with the same CBAM direct
    emissions, scope 1 and causes as the installation's own page (one computation, two places)."""
    w = cbam_world
    _upload_with_form(w, "sichuan-aluminium-smelter.yaml", "GY")
    w.sign_in_page("manager@alu.example")
    html = w.client.get("/org/ALU/inventory", params={"start": "2025-01-01", "end": "2025-12-31"}).text
    row = re.search(r'<tr data-installation="GY">(.*?)</tr>', html, re.S)
    assert row is not None, html[-2000:]
    rec = cbam.reconcile(w.sessions, SystemActor("test"), "ALU", "GY")
    assert rec is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', row.group(1))
    assert [float(c.replace(",", "")) for c in cells] == pytest.approx(
        [rec.cbam_direct_t, rec.inventory_scope1_t, rec.difference_t], abs=0.05)
    assert "CF4 GWP" in row.group(1) and "boundary" in row.group(1)
