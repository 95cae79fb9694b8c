"""The web pages: server-rendered, bilingual (zh-CN / en), every asset vendored under static/."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def mount(app: FastAPI) -> None:
    """Add the pages and the static files to `app`."""
    from carbontrail.web.pages import router

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(router)
