"""The API documentation at /docs works offline: the page and every asset come from this server (vendored Swagger
UI), under the same Content-Security-Policy as the other pages, and in a browser that may not reach any other host
it still lists the API's operations."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from carbontrail.http.docs import SWAGGER_UI
from live_server import live_server
from platform_world import World

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_the_docs_page_names_only_local_assets(world: World) -> None:
    r = world.client.get("/docs")
    assert r.status_code == 200
    assert "script-src 'self'" in r.headers["content-security-policy"]
    html = r.text
    assert not re.search(r"""(src|href)=["']https?://""", html), "the page must load nothing from another host"
    assert re.search(r"<script>(?!</script>)", html) is None, "no inline script (the CSP would block it)"
    assets = re.findall(r"""(?:src|href)=["'](/docs/assets/[^"']+)["']""", html)
    assert {a.rsplit("/", 1)[-1] for a in assets} >= {"swagger-ui-bundle.js", "swagger-ui.css", "docs-init.js"}
    for asset in assets:
        got = world.client.get(asset)
        assert got.status_code == 200 and len(got.content) > 100, asset
    redirect = world.client.get("/docs/oauth2-redirect")
    assert redirect.status_code == 200 and "oauth2-redirect.js" in redirect.text


def test_the_vendored_bundle_is_the_version_its_folder_names() -> None:
    import carbontrail.http.docs as docs

    folder = Path(docs.__file__).parent / "static" / SWAGGER_UI
    version = SWAGGER_UI.removeprefix("swagger-ui-")
    assert "Apache License" in (folder / "LICENSE").read_text(encoding="utf-8")
    assert "SmartBear" in (folder / "NOTICE").read_text(encoding="utf-8")
    assert f'"{version}"' in (folder / "swagger-ui-bundle.js").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield b
        b.close()


def test_the_docs_render_in_a_browser_with_no_other_host(browser, world: World) -> None:  # type: ignore[no-untyped-def]
    with live_server(world.app) as url:
        own_host = urlparse(url).netloc
        page = browser.new_page()
        foreign: list[str] = []
        refused: list[str] = []
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)

        def offline(route) -> None:  # type: ignore[no-untyped-def]
            if urlparse(route.request.url).netloc == own_host:
                route.continue_()
            else:
                foreign.append(route.request.url)
                route.abort()

        page.route("**/*", offline)
        try:
            page.goto(f"{url}/docs")
            page.wait_for_selector(".opblock-tag", timeout=15000)
            tags = {t.strip().lower() for t in page.locator(".opblock-tag").all_inner_texts()}
            assert any(t.startswith("organisations") for t in tags), tags
            assert page.locator(".opblock").count() > 20
        finally:
            page.close()
        assert foreign == [] and refused == []
