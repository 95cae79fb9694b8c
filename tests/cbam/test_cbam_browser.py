"""In a real browser (Playwright driving Debian's chromium): sign in, upload the smelter's model with the form, see
the SEE table and the direct/indirect chart drawn, estimate a cost, download the XLSX communication. Screenshots go
to test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from carbontrail.cbam import communication_from_xlsx
from cbam_world import EXAMPLES, PASSWORD, CbamWorld
from browsers import ARTIFACTS, chromium, needs_chromium
from live_server import live_server

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def cbam_browser() -> Iterator[object]:
    with chromium() as b:
        yield b


@pytest.fixture
def cbam_server(cbam_world: CbamWorld) -> Iterator[str]:
    with live_server(cbam_world.app) as url:
        yield url


def test_installation_page_in_a_browser(cbam_browser, cbam_server: str,  # type: ignore[no-untyped-def]
                                        cbam_world: CbamWorld, tmp_path: Path,
                                        request: pytest.FixtureRequest) -> None:
    """Smelting: SEE direct 1.5887, indirect 7.1631 t/t (hand calculation in test_cbam_api); 1,000 t in 2026 at
    75.36 EUR/t with share 0.5 and 0.128 EUR/CNY → net 59,590.77 EUR (test_cbam_api.test_cost_estimate)."""
    backend = request.node.callspec.params.get("db_url", "db")
    ARTIFACTS.mkdir(exist_ok=True)
    context = cbam_browser.new_context(accept_downloads=True, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(f"{cbam_server}/login?next=/org/ALU/cbam")
        page.fill("input[name=email]", "manager@alu.example")
        page.fill("input[name=password]", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_url(f"{cbam_server}/org/ALU/cbam")
        assert page.locator("#cbam-upload").count() == 1
        page.fill("#cbam-upload input[name=installation]", "GY")
        page.select_option("#cbam-upload select[name=facility]", "GY-SMELTER")
        page.set_input_files("#cbam-upload input[type=file]", str(EXAMPLES / "sichuan-aluminium-smelter.yaml"))
        page.click("#cbam-upload button[type=submit]")
        page.wait_for_url(f"{cbam_server}/org/ALU/cbam/GY?period=2025")
        row = page.locator('#see tr[data-process="smelting"]')
        assert row.locator(".see-direct").inner_text() == "1.5887"
        assert row.locator(".see-indirect").inner_text() == "7.1631"
        page.wait_for_selector('#chart-see[data-rendered="1"]', timeout=10_000)
        ink = int(page.eval_on_selector("#chart-see canvas", """c => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n; }"""))
        assert ink > 1000, "the SEE chart is empty"
        page.fill("#cost-form input[name=free_allocation_share]", "0.5")
        page.fill("#cost-form input[name=cny_per_eur]", "7.8125")
        page.click("#cost-form button[type=submit]")
        page.wait_for_selector("#cost-result")
        assert page.locator("#net-cost").inner_text() == "59,590.77"
        page.screenshot(path=str(ARTIFACTS / f"cbam-installation-en-{backend}.png"), full_page=True)
        with page.expect_download() as info:
            page.click("#download-communication-xlsx")
        path = tmp_path / "communication.xlsx"
        info.value.save_as(path)
        goods = {g.cn_code: g for g in communication_from_xlsx(path.read_bytes()).goods}
        assert goods["76011000"].see_direct_t_per_t == pytest.approx(1.588714778)
    finally:
        context.close()
