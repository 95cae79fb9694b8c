"""The audit trail: record who changed what (inside the change's own transaction) and read it back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.store.db import transaction
from carbontrail.store.models import AuditEvent, User

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


@dataclass(frozen=True)
class AuditEntry:
    """One change as the trail shows it."""

    at: datetime
    actor: str
    action: str
    object_type: str
    object_key: str
    detail: dict[str, JsonValue]


def record(session: Session, actor: str, action: str, object_type: str, object_key: str = "", *,
           organisation_id: int | None = None, detail: dict[str, JsonValue] | None = None) -> None:
    """Add an event to the session: it commits with the change it describes, or not at all."""
    email = actor.split(" ", 1)[0]
    user_id = session.scalars(select(User.id).where(User.email == email)).first()
    session.add(AuditEvent(actor=actor, user_id=user_id, organisation_id=organisation_id, action=action,
                           object_type=object_type, object_key=object_key[:300],
                           detail=json.dumps(detail or {}, ensure_ascii=False, default=str)))


def events(sessions: sessionmaker[Session], organisation_id: int | None, limit: int = 200) -> list[AuditEntry]:
    """The newest events of one organisation (or of the platform itself when `organisation_id` is None)."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    stmt = stmt.where(AuditEvent.organisation_id.is_(None) if organisation_id is None
                      else AuditEvent.organisation_id == organisation_id)
    with sessions() as s:
        return [AuditEntry(_utc(e.created_at), e.actor, e.action, e.object_type, e.object_key,
                           json.loads(e.detail)) for e in s.scalars(stmt)]


def _utc(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; they were written in UTC (store.models.base.utcnow)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def log(sessions: sessionmaker[Session], actor: str, action: str, object_type: str, object_key: str = "", *,
        organisation_id: int | None = None, detail: dict[str, JsonValue] | None = None) -> None:
    """`record` in a transaction of its own, for a change a service outside this layer already committed."""
    with transaction(sessions) as s:
        record(s, actor, action, object_type, object_key, organisation_id=organisation_id, detail=detail)
