"""The web pages: server-rendered, bilingual (zh-CN / en), every asset vendored under static/."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


#: One module of pages per area, each with a `router`; a new area adds its module here.
PAGE_MODULES = ("carbontrail.web.pages", "carbontrail.web.cbam", "carbontrail.web.supply_chain", "carbontrail.web.footprints",
               "carbontrail.web.battery", "carbontrail.web.monitor", "carbontrail.web.ledger",
               "carbontrail.web.certificates", "carbontrail.web.records",)


def mount(app: FastAPI) -> None:
    """Add the pages and the static files to `app`."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for name in PAGE_MODULES:
        app.include_router(import_module(name).router)
