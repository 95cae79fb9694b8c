"""PACT queries: an organisation's published footprint versions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from carbontrail.store.models import PactFootprint


def active_footprints(session: Session, organisation_id: int) -> list[PactFootprint]:
    """The organisation's Active footprint versions (one per product), by product."""
    return list(session.scalars(select(PactFootprint).where(
        PactFootprint.organisation_id == organisation_id, PactFootprint.status == "Active")
        .order_by(PactFootprint.product_key)))
