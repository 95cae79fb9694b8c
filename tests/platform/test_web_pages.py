"""The web pages without a browser: catalogues complete, numbers and dates per locale, sign-in with CSRF,
tenancy on pages, row errors shown on upload."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from carbontrail.web import i18n
from platform_world import PASSWORD, World

WEB = Path(i18n.__file__).parent


def _msgids() -> set[str]:
    """Every literal message the templates and pages ask to translate."""
    found: set[str] = set()
    for path in [*WEB.glob("templates/*.html"), WEB / "pages.py"]:
        found |= set(re.findall(r'_\("((?:[^"\\]|\\.)+)"', path.read_text(encoding="utf-8")))
    return found


def test_every_message_is_in_both_catalogues() -> None:
    ids = _msgids()
    assert len(ids) > 50
    for locale in i18n.LOCALES:
        table = i18n.catalogue(locale)
        missing = sorted(ids - set(table))
        assert not missing, f"{locale} catalogue lacks {missing}"
    zh = i18n.translator("zh_CN")
    assert zh("Sign in") == "登录" and zh("Scope 1") == "范围一"
    assert zh("Nothing was imported: the file has %(count)s bad row(s).", count="3") == "未导入任何数据：文件中有 3 行错误。"
    # the %(name)s fields survive translation in every message
    for message in ids:
        assert set(re.findall(r"%\(\w+\)s", zh(message))) == set(re.findall(r"%\(\w+\)s", message)), message


def test_numbers_and_dates_per_locale() -> None:
    """CLDR: both zh-CN and en group by thousands with ',' and use '.' for decimals; long dates differ."""
    assert i18n.number(1234567.891, "zh_CN") == "1,234,567.9"
    assert i18n.number(1234567.891, "en", 2) == "1,234,567.89"
    assert i18n.number(None, "en") == "—"
    assert i18n.day(date(2023, 1, 1), "zh_CN") == "2023年1月1日"
    assert i18n.day(date(2023, 1, 1), "en") == "January 1, 2023"
    assert i18n.pick_locale(None, "en-GB,en;q=0.8") == "en"
    assert i18n.pick_locale("zh_CN", "en-GB") == "zh_CN"
    assert i18n.pick_locale(None, None) == "zh_CN"


def _sign_in(world: World, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    world.client.cookies.clear()
    form = world.client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    return world.client.post("/login", data={"email": email, "password": password, "csrf_token": token,
                                             "next": "/"}, follow_redirects=False)


def test_sign_in_needs_the_form_token_and_the_right_password(world: World) -> None:
    world.client.cookies.clear()
    r = world.client.post("/login", data={"email": "org_admin@a.example", "password": PASSWORD,
                                          "csrf_token": "guessed"}, follow_redirects=False)
    assert r.status_code == 403 and "ct_session" not in r.cookies
    assert _sign_in(world, "org_admin@a.example", "wrong password!").status_code == 401
    r = _sign_in(world, "org_admin@a.example")
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert "ct_session" in world.client.cookies


def test_forms_need_the_session_csrf_token(world: World) -> None:
    _sign_in(world, "org_admin@a.example")
    r = world.client.post("/org/ORG-A/facilities", data={"facility": "X1", "name": "x", "province": "Sichuan",
                                                         "csrf_token": "wrong"}, follow_redirects=False)
    assert r.status_code == 403
    # the JSON API refuses a cookie-authenticated change without the CSRF header, too
    r = world.client.post("/api/organisations/ORG-A/facilities", json={"code": "X2", "name": "x",
                                                                         "province": "Sichuan"})
    assert r.status_code == 403 and "CSRF" in r.json()["message"]
    page = world.client.get("/org/ORG-A")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = world.client.post("/org/ORG-A/facilities", data={"facility": "X3", "name": "新车间", "province": "Sichuan",
                                                         "csrf_token": token}, follow_redirects=True)
    assert r.status_code == 200 and "新车间" in r.text


def test_language_switch_and_formatting_on_the_page(world: World) -> None:
    _sign_in(world, "carbon_manager@a.example")
    world.client.cookies.set("ct_lang", "zh_CN")
    zh = world.client.get("/org/ORG-A/inventory?period=2023").text
    assert "范围二（基于位置）" in zh and "1,684.8" in zh and "2023年1月1日" in zh
    r = world.client.get("/lang/en?next=/org/ORG-A/inventory", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/org/ORG-A/inventory"
    world.client.cookies.set("ct_lang", "en")
    en = world.client.get("/org/ORG-A/inventory?period=2023").text
    assert "Scope 2 (location-based)" in en and "January 1, 2023" in en and "范围二" not in en
    # an open redirect is refused
    r = world.client.get("/lang/en?next=//evil.example/", follow_redirects=False)
    assert r.headers["location"] == "/"


def test_upload_page_lists_row_errors(world: World) -> None:
    _sign_in(world, "data_entry@a.example")
    world.client.cookies.set("ct_lang", "en")
    page = world.client.get("/org/ORG-A/upload")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    csv = ("organisation,facility,period_start,period_end,kind,item,quantity,unit,category,gas,meter,supplier,"
           "instrument,instrument_ref,contract_factor,source\n"
           "ORG-A,A-PLANT,2024-01-01,2024-01-31,electricity,grid electricity,12,kWh,,,,,,,,u\n"
           "ORG-A,A-PLANT,2024-02-01,2024-02-29,electricity,grid electricity,12,parsec,,,,,,,,u\n")
    r = world.client.post("/org/ORG-A/upload", data={"csrf_token": token},
                          files={"file": ("bad.csv", csv.encode(), "text/csv")})
    assert r.status_code == 422
    rows = re.findall(r'<tr class="problem"><td>(\d+)</td><td>(\w+)</td>', r.text)
    assert rows == [("3", "unit")]


def test_pages_respect_tenancy(world: World) -> None:
    _sign_in(world, "park_admin@a.example")
    assert world.client.get("/org/ORG-A/inventory").status_code == 403
    assert world.client.get("/org/ORG-B").status_code == 404
    r = world.client.get("/jurisdiction/PARK-A?year=2023")
    assert r.status_code == 200 and "1,474.8" in r.text and "甲锂电" in r.text
    assert world.client.get("/jurisdiction/PARK-B?year=2023").status_code == 404
    world.client.cookies.clear()
    r = world.client.get("/org/ORG-A", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


@pytest.mark.parametrize("asset", ["vendor/echarts-5.6.0.min.js", "charts.js", "app.css"])
def test_assets_are_vendored(world: World, asset: str) -> None:
    r = world.client.get(f"/static/{asset}")
    assert r.status_code == 200 and len(r.content) > 500
    for template in WEB.glob("templates/*.html"):
        assert not re.search(r'(src|href)="(https?:)?//', template.read_text()), f"{template.name} loads from afar"


def test_platform_admin_sets_up_an_organisation_and_a_facility(world: World) -> None:
    _sign_in(world, "root@platform.example")
    home = world.client.get("/")
    assert 'id="new-organisation"' in home.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', home.text).group(1)  # type: ignore[union-attr]
    r = world.client.post("/organisations", data={"code": "ORG-C", "name": "丙硅业", "province": "Sichuan",
                                                  "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/org/ORG-C"
    # the operator sees the profile, never raw data: facilities are for the tenant's own members
    page = world.client.get("/org/ORG-C")
    assert page.status_code == 200 and "丙硅业" in page.text and 'id="new-facility"' not in page.text
    trail = world.client.get("/api/organisations/ORG-C/audit", headers={"X-CSRF-Token": token})
    assert trail.status_code == 403  # no data.read for an operator
    # ... who appoints the tenant's first administrator
    r = world.client.post("/api/organisations/ORG-C/members", json={"email": "admin@b.example", "role": "org_admin"},
                          headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    # a non-operator cannot create tenants
    _sign_in(world, "org_admin@a.example")
    token = re.search(r'name="csrf_token" value="([^"]+)"',  # type: ignore[union-attr]
                      world.client.get("/").text).group(1)
    r = world.client.post("/organisations", data={"code": "ORG-D", "name": "丁", "csrf_token": token})
    assert r.status_code == 403
