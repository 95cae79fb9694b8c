"""The PACT data-exchange API (v2.3 under /2, v3.0 under /3, token and discovery at the root), HTTPS only.

Its own OpenAPI documents are the PACT ones (formats/data/pact/), so these routes stay out of the platform's.
"""

from __future__ import annotations

from fastapi import APIRouter

from carbontrail.api.pact import auth, events, footprints

router = APIRouter(include_in_schema=False)
router.include_router(footprints.router)  # first: the footprint lists are the hot path, matched in route order
router.include_router(auth.router)
router.include_router(events.router)

#: path prefixes of the PACT routes (the platform's route matrices leave them to tests/pact)
PREFIXES = ("/2/", "/3/", "/auth/token", "/.well-known/openid-configuration")

__all__ = ["PREFIXES", "router"]
