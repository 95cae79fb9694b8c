"""Queries of the audit trail: one page of a tenant's (or the platform's) events, newest first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from carbontrail.store.models import AuditEvent


def page(session: Session, organisation_id: int | None, *, before_id: int | None, limit: int) -> list[AuditEvent]:
    """Up to `limit` events older than `before_id` (all when None), newest first."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    stmt = stmt.where(AuditEvent.organisation_id.is_(None) if organisation_id is None
                      else AuditEvent.organisation_id == organisation_id)
    if before_id is not None:
        stmt = stmt.where(AuditEvent.id < before_id)
    return list(session.scalars(stmt))
