"""In a real browser (Playwright driving Debian's chromium), on the demo data set: each role's home after sign-in, in
Chinese and English, 1366 px and 390 px (a phone) wide. The document never scrolls sideways, and the figures shown
are the ones the services and the store hold (computed here by their own functions, not typed in). Screenshots go
to var/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from browsers import SCREENSHOTS, chart_text_overlaps, horizontal_overflow, needs_chromium
from carbontrail.services.demo import demo_password
from carbontrail.services.inventory import inventory
from carbontrail.services.ledger import engagements
from carbontrail.services.monitor import figures
from carbontrail.services.pact import host as pact_host
from carbontrail.services.work import SystemActor
from carbontrail.store.models import Organisation
from carbontrail.store.models.products import ProductFootprintResult
from carbontrail.web import i18n
from demo_world import BACKENDS, demo_app
from live_server import live_server

pytestmark = needs_chromium
READER = SystemActor("browser-test")
WIDTHS = (1366, 390)
LOCALES = ("zh_CN", "en")


@pytest.fixture(scope="module", params=BACKENDS)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[str, sessionmaker[Session], str]]:
    """The demo data set loaded once per backend, served by uvicorn: (backend, sessions, base URL)."""
    with demo_app(request.param, tmp_path_factory.mktemp("dash-home"), "dashboard-browser-key") as (app, sessions):
        with live_server(app) as base:
            yield request.param, sessions, base


def _sign_in(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the login form as a demo user and wait for the home page."""
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", demo_password())
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/")


def _each_view(browser, base: str, email: str, backend: str, role: str,  # type: ignore[no-untyped-def]
               section: str) -> Iterator[tuple[object, str]]:
    """Sign in as `email`, then open the home page in each language at each width: yields (page, locale) once the
    role's part `section` is shown, after checking that nothing scrolls sideways and saving a screenshot."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        _sign_in(page, base, email)
        for locale in LOCALES:
            context.add_cookies([{"name": "ct_lang", "value": locale, "url": base}])
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(f"{base}/")
                page.wait_for_selector(section)
                assert page.locator("html").get_attribute("lang") == ("zh-CN" if locale == "zh_CN" else "en")
                scroll, inner = horizontal_overflow(page)
                assert scroll <= inner, f"{role} {locale} {width}px: the page is {scroll} px wide"
                page.screenshot(path=str(SCREENSHOTS / f"dashboard-{role}-{locale}-{width}-{backend}.png"),
                                full_page=True)
                yield page, locale
        assert blocked == []
    finally:
        context.close()


def _cell(page, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(page.locator(selector).inner_text()).strip()


def test_enterprise_dashboard(browser, demo) -> None:  # type: ignore[no-untyped-def]
    """CD-CELL opens on 2025 (its latest period with records), beside 2023 and the 2020 base year."""
    backend, sessions, base = demo
    latest = inventory(sessions, READER, "CD-CELL", period="2025")
    before = inventory(sessions, READER, "CD-CELL", period="2023")
    for page, locale in _each_view(browser, base, "manager@cd-cell.example", backend, "enterprise",
                                   "#dash-org-CD-CELL"):
        assert page.locator("#dash-org-CD-CELL select[name=period]").input_value() == "2025"
        rows = "#dash-figures-CD-CELL tr[data-figure={}] td.{}"
        assert _cell(page, rows.format("scope1_t", "current")) == i18n.number(latest.scope1_t, locale, 1)
        assert _cell(page, rows.format("scope2_location_t", "previous")) == \
            i18n.number(before.scope2_location_t, locale, 1)
        assert _cell(page, rows.format("co2_intensity", "current")) == i18n.number(latest.co2_intensity, locale, 3)
        assert _cell(page, rows.format("scope3_t", "current")) == i18n.translator(locale)("No data")


def test_park_and_province_dashboards(browser, demo) -> None:  # type: ignore[no-untyped-def]
    """The status counts are the barometer colours of the oversight service's enterprises; the energy its total."""
    backend, sessions, base = demo
    for email, code, role in (("park@cetdz.example", "SC-CD-CETDZ", "park"),
                              ("viewer@sc.gov.example", "SC", "province")):
        year = figures.years(sessions, READER, code)[-1]
        view = figures.oversight(sessions, READER, code, year)
        colours = [e.status() or "none" for e in view.enterprises if e.has_data]
        assert view.entity.figures is not None
        for page, locale in _each_view(browser, base, email, backend, role, f"#dash-j-{code}"):
            assert page.locator(f"#dash-j-{code} select[name=year]").input_value() == str(year)
            for colour in ("red", "yellow", "green"):
                shown = _cell(page, f'#dash-counts-{code} li[data-status="{colour}"] .count')
                assert int(shown) == colours.count(colour), (role, colour)
            assert _cell(page, f"#dash-j-figures-{code} tr[data-figure=energy_tce] td.current") == \
                i18n.number(view.entity.figures.energy_tce, locale, 1)
            ranked = page.locator(f"#dash-ranking-{code} li").evaluate_all("els => els.map(e => e.dataset.code)")
            by_intensity = sorted((e for e in view.enterprises if e.has_data and e.figures
                                   and e.figures.co2_intensity is not None),
                                  key=lambda e: e.figures.co2_intensity)  # type: ignore[union-attr, return-value]
            assert ranked == [e.code for e in by_intensity][:5]


def test_verifier_dashboard(browser, demo) -> None:  # type: ignore[no-untyped-def]
    backend, sessions, base = demo
    mine = [e for e in engagements.listing(sessions, READER) if e.body == "SC-VERIFY"]
    assert mine  # the demo's body verified SH-LFP's cathode footprint
    for page, _locale in _each_view(browser, base, "verifier@sc-verify.example", backend, "verifier",
                                    "#dash-body-SC-VERIFY"):
        shown = page.locator("#dash-engagements-SC-VERIFY tbody tr").evaluate_all(
            "rows => rows.map(r => [Number(r.dataset.engagement), r.cells[1].textContent])")
        assert sorted(shown) == sorted([e.id, e.organisation] for e in mine)


def test_supplier_dashboard(browser, demo) -> None:  # type: ignore[no-untyped-def]
    """SH-LFP supplies CD-CELL its cathode: its stored footprint results and published versions, its requests."""
    backend, sessions, base = demo
    with sessions() as s:
        org_id = s.scalar(select(Organisation.id).where(Organisation.code == "SH-LFP"))
        stored = s.scalars(select(ProductFootprintResult).where(ProductFootprintResult.organisation_id == org_id)
                           .order_by(ProductFootprintResult.id.desc())).all()
    newest = {}
    for r in stored:
        newest.setdefault(r.model_key, r)
    published = len(pact_host.outbox(sessions, READER, "SH-LFP"))
    for page, locale in _each_view(browser, base, "manager@sh-lfp.example", backend, "supplier",
                                   "#dash-org-SH-LFP"):
        for model, r in newest.items():
            cell = _cell(page, f'#dash-footprints-SH-LFP tr[data-model="{model}"] td.fossil')
            # the declared unit in the reader's words (kg → 千克 in Chinese)
            assert cell == f"{i18n.number(r.fossil_kg_per_unit, locale, 3)} / {i18n.translator(locale)(r.unit)}"
        assert int(_cell(page, '#dash-requests-SH-LFP [data-count="published"]')) == published > 0
        assert int(_cell(page, '#dash-requests-SH-LFP [data-count="to-answer"]')) == 0


def test_pages_behind_the_dashboards_fit(browser, demo) -> None:  # type: ignore[no-untyped-def]
    """The pages a dashboard links to, with their wide tables and charts, at both widths: nothing scrolls sideways,
    the charts are drawn, and no two texts of a chart (title, legend, axis labels and names) overlap."""
    backend, sessions, base = demo
    pages = {"manager@cd-cell.example": ["/org/CD-CELL/inventory", "/org/CD-CELL/products/lfp-cell/lfp-cell",
                                         "/org/CD-CELL/suppliers", "/monitor/org/CD-CELL"],
             "viewer@sc.gov.example": ["/monitor/j/SC", "/jurisdiction/SC", "/monitor/warnings"]}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for email, paths in pages.items():
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, locale="en-GB")
        page = context.new_page()
        try:
            _sign_in(page, base, email)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                for path in paths:
                    page.goto(f"{base}{path}")
                    charts = [c.get_attribute("id") for c in page.locator(".chart").all()]
                    for chart in charts:
                        page.wait_for_selector(f'#{chart}[data-rendered="1"]', timeout=10_000)
                    scroll, inner = horizontal_overflow(page)
                    assert scroll <= inner, f"{path} at {width}px is {scroll} px wide"
                    texts = chart_text_overlaps(page)
                    assert sorted(texts) == sorted(charts) and all(t["texts"] for t in texts.values()), path
                    assert {c: t["overlapping"] for c, t in texts.items() if t["overlapping"]} == {}, (path, width)
                    name = path.strip("/").replace("/", "-")
                    page.screenshot(path=str(SCREENSHOTS / f"page-{name}-{width}-{backend}.png"), full_page=True)
        finally:
            context.close()
