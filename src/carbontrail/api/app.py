"""The FastAPI application: health, organisations and inventories over the services layer."""

from __future__ import annotations

from datetime import date

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import func, select

from carbontrail import __version__
from carbontrail.config import Settings
from carbontrail.errors import CarbontrailError, InputError, NotFound
from carbontrail.services.database import open_sessions
from carbontrail.store.models import ActivityRecord, Facility, Organisation


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    sessions = open_sessions(settings)
    app = FastAPI(title="carbontrail", version=__version__)

    @app.exception_handler(CarbontrailError)
    async def _error(_request: Request, exc: CarbontrailError) -> JSONResponse:
        status = 404 if isinstance(exc, NotFound) else 422 if isinstance(exc, InputError) else 400
        field = exc.location.field if isinstance(exc, InputError) else None
        return JSONResponse({"code": exc.code, "message": str(exc), "field": field}, status_code=status)

    @app.get("/health")
    def health() -> dict[str, object]:
        with sessions() as s:
            s.execute(select(1))
        return {"status": "ok", "version": __version__, "database": sessions.kw["bind"].dialect.name}

    @app.get("/api/organisations")
    def organisations() -> list[dict[str, object]]:
        with sessions() as s:
            rows = s.execute(select(Organisation.code, Organisation.name, Organisation.name_en,
                                    Organisation.city, Organisation.park).order_by(Organisation.code)).all()
        return [dict(r._mapping) for r in rows]

    @app.get("/api/organisations/{code}/inventory")
    def inventory(code: str, period: str | None = None, start: date | None = None,
                  end: date | None = None) -> dict[str, object]:
        from carbontrail.services.inventory import organisation_inventory

        result = organisation_inventory(sessions, code, period=period, start=start, end=end)
        data = result.summary()
        data["factors"] = [f.__dict__ for f in result.factors_used()]
        return data

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        with sessions() as s:
            n_org = s.scalar(select(func.count()).select_from(Organisation)) or 0
            n_fac = s.scalar(select(func.count()).select_from(Facility)) or 0
            n_act = s.scalar(select(func.count()).select_from(ActivityRecord)) or 0
            orgs = s.execute(select(Organisation.code, Organisation.name).order_by(Organisation.code)).all()
        items = "".join(f'<li><a href="/api/organisations/{c}/inventory?period=2023">{n}</a> ({c})</li>'
                        for c, n in orgs)
        return (f"<!doctype html><html lang='en'><meta charset='utf-8'><title>carbontrail</title>"
                f"<h1>carbontrail {__version__}</h1><p>{n_org} organisations, {n_fac} facilities, "
                f"{n_act} activity records.</p><ul>{items}</ul>"
                f"<p><a href='/docs'>API documentation</a> · <a href='/health'>health</a></p></html>")

    return app
