"""GET /health: is the service up and can it reach its database."""

from __future__ import annotations

from fastapi import APIRouter

from carbontrail.http.deps import AppContext
from carbontrail.services.health import Health, health as check

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health(ctx: AppContext) -> Health:
    return check(ctx.sessions)
