"""GET /health: is the service up and can it reach its database."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from carbontrail import __version__
from carbontrail.http.deps import AppContext
from carbontrail.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health(ctx: AppContext) -> Health:
    with ctx.sessions() as s:
        s.execute(text("SELECT 1"))
        dialect = s.get_bind().dialect.name
    return Health(status="ok", version=__version__, database=dialect)
