"""What browser tests share: Debian's chromium driven by Playwright with the flags it runs headless with, a skip
mark for machines without it, the folders screenshots go to, and the check that a page fits its window."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
#: the screenshots of pages at each width and language (git ignores var/)
SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"
LAUNCH_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="Debian's chromium is not installed (make test installs it)")


@contextmanager
def chromium() -> Iterator[object]:
    """A headless chromium for the duration of the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def horizontal_overflow(page: object) -> tuple[int, int]:
    """(the document's scroll width, the window's inner width) of a Playwright page: the page scrolls sideways
    when the first is larger. Evaluated as a function (the pages' CSP refuses string eval)."""
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")  # type: ignore
    return int(width), int(inner)
