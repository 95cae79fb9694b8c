"""In a real browser (Playwright driving Debian's chromium): the province's oversight page draws its tree of
entities with their barometer colours — a red and a yellow enterprise, each under its park — and its trajectory
chart. Screenshots go to test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from browsers import ARTIFACTS, chromium, needs_chromium
from carbontrail.app import create_app
from carbontrail.config import Settings
from carbontrail.services import accounts
from live_server import live_server
from monitor_world import seed_statuses

PASSWORD = "correct horse battery"
#: the stylesheet's colours of the tree's dots (app.css): red #dc2626, yellow #ca8a04, green #16a34a
RED, YELLOW, GREEN = "rgb(220, 38, 38)", "rgb(202, 138, 4)", "rgb(22, 163, 74)"
pytestmark = needs_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


@pytest.fixture
def server(mworld, monkeypatch) -> Iterator[str]:
    """Energy intensities (tce per 10⁴ yuan, value added 100 each year) against the province's −14 % by 2025:
    E1 1.00 → 0.95 in 2023, on track 1.00 × (1 − 0.14 × 3/5) = 0.916: fell, but behind → yellow;
    E2 3.00 → 3.10: rose → red; E3 0.50 → 0.40 (on track 0.458) → green. P1 (E1 + E2): 4.00 → 4.05, rose → red."""
    monkeypatch.setenv("CARBONTRAIL_MONITOR_MIN_COUNT", "2")
    app = create_app(Settings(home=mworld.home, database_url="", secret_key="browser-key"), sessions=mworld.sessions)
    accounts.create_user(mworld.sessions, "gov@prov.example", PASSWORD, name="gov")
    accounts.grant_role(mworld.sessions, "gov@prov.example", "government_viewer", jurisdiction="PROV")
    seed_statuses(mworld.sessions)
    with live_server(app) as url:
        yield url


def test_oversight_tree_shows_status_colours(browser, server: str,  # type: ignore[no-untyped-def]
                                             request: pytest.FixtureRequest) -> None:
    backend = request.node.callspec.params.get("db_url", "db")
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    try:
        page.goto(f"{server}/login?next=/monitor/j/PROV%3Fyear%3D2023")
        page.fill("input[name=email]", "gov@prov.example")
        page.fill("input[name=password]", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#monitor-tree")

        def dot(code: str) -> str:
            return page.eval_on_selector(f'#monitor-tree li[data-code="{code}"] > .dot',
                                         "e => getComputedStyle(e).backgroundColor")

        assert dot("E2") == RED and dot("E1") == YELLOW and dot("E3") == GREEN
        # each enterprise sits under its park, each park under the city, the city under the province
        assert page.locator('#monitor-tree li[data-code="PROV"] li[data-code="CITY"] '
                            'li[data-code="P1"] li[data-code="E2"]').count() == 1
        assert page.locator('#monitor-tree li[data-code="P2"] li[data-code="E3"]').count() == 1
        assert page.get_attribute('#monitor-tree li[data-code="P1"]', "data-status") == "red"
        assert page.get_attribute('#monitor-tree li[data-code="P2"]', "data-status") == "none"  # E3 alone
        box = page.locator('#monitor-tree li[data-code="E1"] > .dot').bounding_box()
        assert box is not None and box["width"] > 5 and box["height"] > 5  # drawn, not collapsed
        page.wait_for_selector('#chart-trajectory[data-rendered="1"]', timeout=10_000)
        ink = int(page.eval_on_selector("#chart-trajectory canvas", """c => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n; }"""))
        assert ink > 1000, "the trajectory chart is empty"
        page.screenshot(path=str(ARTIFACTS / f"monitor-oversight-tree-{backend}.png"), full_page=True)
    finally:
        context.close()
