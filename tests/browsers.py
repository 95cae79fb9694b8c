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


#: For each drawn ECharts chart of the page: how many texts it draws and which pairs overlap. Each text (title,
#: legend item, axis label and name) is taken as its corner polygon with its rotation, cut to its clip rectangle
#: where clipped (a scrolling legend), and two overlap when a separating-axis test finds more than a pixel in common.
CHART_TEXT_OVERLAPS = """() => {
  // Every drawn text of each chart as its corner polygon (rotation kept), cut to its clip rectangle when clipped;
  // pairs whose polygons overlap by more than a pixel are reported (separating-axis test).
  function poly(t) {
    const r = t.getBoundingRect(), m = t.getComputedTransform();
    let pts = [[r.x, r.y], [r.x + r.width, r.y], [r.x + r.width, r.y + r.height], [r.x, r.y + r.height]];
    if (m) { pts = pts.map(([x, y]) => [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]]); }
    return pts;
  }
  function clipped(t, pts) {
    for (const c of (t.__clipPaths || [])) {
      const s = c.shape; if (!s || s.width === undefined) { continue; }
      const cm = c.getComputedTransform(); const x0 = s.x + (cm ? cm[4] : 0), y0 = s.y + (cm ? cm[5] : 0);
      const xs = pts.map(p => p[0]), ys = pts.map(p => p[1]);
      const a = Math.max(Math.min(...xs), x0), b = Math.min(Math.max(...xs), x0 + s.width);
      const c2 = Math.max(Math.min(...ys), y0), d = Math.min(Math.max(...ys), y0 + s.height);
      if (a >= b || c2 >= d) { return null; }
      if (a > Math.min(...xs) || b < Math.max(...xs) || c2 > Math.min(...ys) || d < Math.max(...ys)) {
        pts = [[a, c2], [b, c2], [b, d], [a, d]];
      }
    }
    return pts;
  }
  function overlap(p, q) {
    for (const poly2 of [p, q]) {
      for (let i = 0; i < 4; i++) {
        const [x1, y1] = poly2[i], [x2, y2] = poly2[(i + 1) % 4];
        const nx = y2 - y1, ny = x1 - x2, len = Math.hypot(nx, ny) || 1;
        const pr = p.map(([x, y]) => (x * nx + y * ny) / len), qr = q.map(([x, y]) => (x * nx + y * ny) / len);
        const common = Math.min(Math.max(...pr), Math.max(...qr)) - Math.max(Math.min(...pr), Math.min(...qr));
        if (common <= 1) { return false; }
      }
    }
    return true;
  }
  const out = {};
  for (const el of document.querySelectorAll('.chart')) {
    const chart = window.echarts && echarts.getInstanceByDom(el);
    if (!chart) { continue; }
    const texts = chart.getZr().storage.getDisplayList(true)
      .filter(e => (e.type === 'tspan' || e.type === 'text') && !e.ignore && !e.invisible && e.style && e.style.text);
    const shapes = texts.map(t => [t.style.text, clipped(t, poly(t))]).filter(x => x[1]);
    const bad = [];
    for (let i = 0; i < shapes.length; i++) {
      for (let j = i + 1; j < shapes.length; j++) {
        if (overlap(shapes[i][1], shapes[j][1])) { bad.push(shapes[i][0] + ' / ' + shapes[j][0]); }
      }
    }
    out[el.id] = {texts: shapes.length, overlapping: bad};
  }
  return out;
}"""


def chart_text_overlaps(page: object) -> dict[str, dict[str, object]]:
    """Chart id → {"texts": how many, "overlapping": ["a / b", …]} for the page's drawn charts."""
    return page.evaluate(CHART_TEXT_OVERLAPS)  # type: ignore[attr-defined, no-any-return]
