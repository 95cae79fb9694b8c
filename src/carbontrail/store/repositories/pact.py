"""PACT queries: an organisation's published footprint versions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from carbontrail.store.models import ActivityRecord, PactFootprint, ProductModel


def active_footprints(session: Session, organisation_id: int) -> list[PactFootprint]:
    """The organisation's Active footprint versions (one per product), by product."""
    return list(session.scalars(select(PactFootprint).where(
        PactFootprint.organisation_id == organisation_id, PactFootprint.status == "Active")
        .order_by(PactFootprint.product_key)))


def purchases(session: Session, organisation_id: int, kind: str) -> list[tuple[str, str, float, str]]:
    """(item, supplier, quantity, unit) of the organisation's activity records of `kind` (purchased goods)."""
    rows = session.execute(select(ActivityRecord.item, ActivityRecord.supplier, ActivityRecord.quantity,
                                  ActivityRecord.unit)
                           .where(ActivityRecord.organisation_id == organisation_id, ActivityRecord.kind == kind)
                           .order_by(ActivityRecord.id))
    return [(item, supplier, quantity, unit) for item, supplier, quantity, unit in rows]


def model_documents(session: Session, organisation_id: int) -> list[tuple[str, dict[str, object]]]:
    """(key, document) of each of the organisation's product models, by key."""
    return [(key, document) for key, document in session.execute(
        select(ProductModel.key, ProductModel.document).where(ProductModel.organisation_id == organisation_id)
        .order_by(ProductModel.key))]
