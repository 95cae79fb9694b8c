"""The application: the composition root that wires the API routers, the web pages and the shared HTTP layer to
one database. It is the only module that knows both front doors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from carbontrail import __version__, api, web
from carbontrail.config import Settings
from carbontrail.api.routers.inventory import RememberedInventory
from carbontrail.http import docs, errors
from carbontrail.http.deps import Context, bounded_uploads
from carbontrail.http.headers import SecurityHeaders
from carbontrail.services.accounts import secret_key
from carbontrail.services.database import open_sessions


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    context: Context = app.state.context
    await run_in_threadpool(context.imports.close)  # queued imports cancelled, running ones given time to finish


def create_app(settings: Settings | None = None, *, sessions: sessionmaker[Session] | None = None,
               pages: bool = True) -> FastAPI:
    """The application on `sessions` (else the database `settings` name, else the environment's)."""
    settings = settings or Settings.from_env()
    sessions = sessions or open_sessions(settings)
    app = FastAPI(title="carbontrail", version=__version__, docs_url=None, redoc_url=None,
                  description="Industrial carbon data: organisations, activity data, factors, inventories, "
                              "jurisdiction aggregates. Errors answer {code, message, field}.",
                  dependencies=[Depends(bounded_uploads)], lifespan=_lifespan)
    app.state.context = Context(sessions=sessions, settings=settings, key=secret_key(settings))
    errors.install(app)
    docs.install(app)
    app.add_middleware(RememberedInventory)  # inside SecurityHeaders: its answers carry them too
    app.add_middleware(SecurityHeaders)
    for router in api.all_routers():
        app.include_router(router)
    if pages:
        web.mount(app)
    return app
