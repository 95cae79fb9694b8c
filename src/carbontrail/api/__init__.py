"""The HTTP API front door: one router per area, and `pact/`, the PACT data-exchange API."""

from __future__ import annotations

from fastapi import APIRouter


def all_routers() -> tuple[APIRouter, ...]:
    """Every API router, in the order the application includes them."""
    # imported on call, not at the top: the routers import `carbontrail.api` submodules, so the package must
    # finish initialising first
    from carbontrail.api import pact
    from carbontrail.api.routers import (
        activity,
        auth,
        battery,
        cbam,
        certificates,
        engagements,
        factors,
        footprints,
        health,
        inventory,
        jurisdictions,
        ledger,
        monitor,
        organisations,
        registry,
        supply_chain,
    )

    # PACT first: its paths overlap no other's, and PACT reads are the hot path
    return (pact.router, health.router, auth.router, organisations.router, activity.router, inventory.router,
            factors.router, jurisdictions.router, cbam.router, battery.router, supply_chain.router,
            footprints.router, monitor.router, ledger.router, engagements.router, registry.router,
            certificates.router)
