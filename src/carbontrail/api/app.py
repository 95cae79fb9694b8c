"""The FastAPI application: wires the API routers, the web pages and the error handlers to one database."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from carbontrail import __version__
from carbontrail.api import errors
from carbontrail.api.deps import Context
from carbontrail.api.routers import activity, auth, factors, health, inventory, jurisdictions, organisations
from carbontrail.api.routers import cbam as cbam_routes
from carbontrail.api.routers import battery as battery_routes
from carbontrail.api import pact as pact_api
from carbontrail.api.routers import supply_chain as supply_chain_routes
from carbontrail.api.routers import footprints as footprint_routes
from carbontrail.config import Settings
from carbontrail.services.accounts import secret_key
from carbontrail.services.database import open_sessions

API_ROUTERS = (pact_api.router,  # first: its paths overlap no other's, and PACT reads are the hot path
               health.router, auth.router, organisations.router, activity.router, inventory.router,
               factors.router, jurisdictions.router,
               cbam_routes.router,
               battery_routes.router,
               supply_chain_routes.router,
               footprint_routes.router)


def create_app(settings: Settings | None = None, *, sessions: sessionmaker[Session] | None = None,
               pages: bool = True) -> FastAPI:
    """The application on `sessions` (else the database `settings` name, else the environment's)."""
    settings = settings or Settings.from_env()
    sessions = sessions or open_sessions(settings)
    app = FastAPI(title="carbontrail", version=__version__,
                  description="Industrial carbon data: organisations, activity data, factors, inventories, "
                              "jurisdiction aggregates. Errors answer {code, message, field}.")
    app.state.context = Context(sessions=sessions, settings=settings, key=secret_key(settings))
    errors.install(app)
    for router in API_ROUTERS:
        app.include_router(router)
    if pages:
        from carbontrail.web import mount

        mount(app)
    return app
