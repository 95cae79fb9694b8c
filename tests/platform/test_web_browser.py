"""In a real browser (Playwright driving Debian's chromium): sign in, upload a file with a bad row and see the
error, view the inventory with its charts drawn, switch language, download the PDF. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from platform_world import PASSWORD, World
from browsers import ARTIFACTS, needs_chromium

pytestmark = needs_chromium

BAD_CSV = ("organisation,facility,period_start,period_end,kind,item,quantity,unit,category,gas,meter,supplier,"
           "instrument,instrument_ref,contract_factor,source\n"
           "ORG-A,A-PLANT,2024-01-01,2024-01-31,electricity,grid electricity,1000,kWh,,,,,,,,browser\n"
           "ORG-A,A-PLANT,2024-02-01,2024-02-29,electricity,grid electricity,lots,kWh,,,,,,,,browser\n")




def _canvas_ink(page, selector: str) -> int:  # type: ignore[no-untyped-def]
    """How many pixels of the chart's canvas are painted (0 for an empty chart)."""
    return int(page.eval_on_selector(selector + " canvas", """c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n; }"""))


def test_sign_in_upload_inventory_language_pdf(browser, server: str, world: World,  # type: ignore[no-untyped-def]
                                               tmp_path: Path, request: pytest.FixtureRequest) -> None:
    backend = request.node.callspec.params.get("db_url", "db")
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(accept_downloads=True, locale="en-GB")
    page = context.new_page()
    blocked: list[str] = []  # what the pages' Content-Security-Policy refused (an inline script, a foreign source)
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    try:
        page.goto(f"{server}/org/ORG-A")
        assert "/login" in page.url
        page.fill("input[name=email]", "carbon_manager@a.example")
        page.fill("input[name=password]", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_url(f"{server}/org/ORG-A")
        assert page.locator("h1").inner_text().startswith("甲锂电")

        # upload a file whose third row has a quantity that is not a number
        bad = tmp_path / "activity-bad.csv"
        bad.write_text(BAD_CSV, encoding="utf-8")
        page.goto(f"{server}/org/ORG-A/upload")
        page.set_input_files("input[type=file]", str(bad))
        page.click("#upload-form button[type=submit]")
        page.wait_for_selector("#upload-errors")
        problem = page.locator("#upload-errors tr.problem").first
        assert problem.locator("td").nth(0).inner_text() == "3"
        assert problem.locator("td").nth(1).inner_text() == "quantity"
        assert "Nothing was imported" in page.locator("#upload-errors .error").inner_text()
        page.screenshot(path=str(ARTIFACTS / f"upload-errors-{backend}.png"), full_page=True)

        # the inventory, its three charts drawn
        page.goto(f"{server}/org/ORG-A/inventory?period=2023")
        for chart in ("#chart-scopes", "#chart-monthly", "#chart-energy"):
            page.wait_for_selector(f'{chart}[data-rendered="1"]', timeout=10_000)
            assert _canvas_ink(page, chart) > 1000, f"{chart} is empty"
        assert "1,684.8" in page.locator("#totals").inner_text()
        # the period selector submits through static/forms.js (no inline handler): choosing a period reloads
        page.select_option("select[name=period]", index=0)
        page.wait_for_selector('#chart-scopes[data-rendered="1"]', timeout=10_000)
        assert blocked == []
        page.screenshot(path=str(ARTIFACTS / f"inventory-en-{backend}.png"), full_page=True)

        # switch to Chinese
        page.click("#switch-zh")
        page.wait_for_selector("#switch-en")
        assert "范围二（基于位置）" in page.locator("#totals").inner_text()
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        page.wait_for_selector('#chart-monthly[data-rendered="1"]', timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / f"inventory-zh-{backend}.png"), full_page=True)

        # download the PDF (Chinese, as the page is)
        with page.expect_download() as info:
            page.click("#download-pdf")
        pdf = tmp_path / "report.pdf"
        info.value.save_as(pdf)
        assert pdf.read_bytes().startswith(b"%PDF-")
        shutil.copy(pdf, ARTIFACTS / f"inventory-browser-{backend}.pdf")
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], check=True,
                                  capture_output=True, text=True).stdout
            assert "温室气体排放清单报告" in text
    finally:
        context.close()
