"""The interactive API documentation at `/docs`, served from the vendored Swagger UI so it works offline and under
the same Content-Security-Policy as every other page (no inline script, nothing from a CDN)."""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

SWAGGER_UI = "swagger-ui-5.32.0"
STATIC = Path(__file__).parent / "static"
ASSETS = "/docs/assets"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"


def _page(title: str, openapi_url: str) -> str:
    base = f"{ASSETS}/{SWAGGER_UI}"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} — API</title>
<link rel="stylesheet" href="{base}/swagger-ui.css">
<link rel="icon" type="image/png" href="{base}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}" data-oauth2-redirect-url="{OAUTH2_REDIRECT}"></div>
<script src="{base}/swagger-ui-bundle.js"></script>
<script src="{ASSETS}/docs-init.js"></script>
</body>
</html>
"""


_REDIRECT = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OAuth2 redirect</title></head>
<body><script src="{ASSETS}/{SWAGGER_UI}/oauth2-redirect.js"></script></body></html>
"""


def install(app: FastAPI) -> None:
    """Serve `/docs`, its OAuth2 redirect page and its assets on `app` (made with `docs_url=None`)."""
    page = _page(app.title, app.openapi_url or "/openapi.json")
    app.mount(ASSETS, StaticFiles(directory=STATIC), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get(OAUTH2_REDIRECT, include_in_schema=False)
    def oauth2_redirect() -> HTMLResponse:
        return HTMLResponse(_REDIRECT)
