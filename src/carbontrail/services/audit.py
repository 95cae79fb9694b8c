"""The audit trail: record who changed what (inside the change's own transaction) and read it back, page by page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import InputError, Location
from carbontrail.store.db import transaction
from carbontrail.store.models import AuditEvent
from carbontrail.store.repositories import accounts as accounts_repo
from carbontrail.store.repositories import audit as repo

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]

#: The most events one page of the trail holds.
MAX_PAGE = 500


@dataclass(frozen=True)
class AuditEntry:
    """One change as the trail shows it; an edit's `detail` holds its old and new values (`before`, `after`)."""

    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_key: str
    detail: dict[str, object]  # JSON: what the change carried, an edit's `before` and `after`


@dataclass(frozen=True)
class AuditPage:
    """Events newest first; `next_before` is the cursor of the next (older) page, None on the last page."""

    entries: list[AuditEntry]
    next_before: int | None


def record(session: Session, actor: str, action: str, object_type: str, object_key: str = "", *,
           organisation_id: int | None = None, detail: dict[str, JsonValue] | None = None) -> None:
    """Add an event to the session: it commits with the change it describes, or not at all."""
    user_id = accounts_repo.user_id_by_email(session, actor.split(" ", 1)[0])
    session.add(AuditEvent(actor=actor, user_id=user_id, organisation_id=organisation_id, action=action,
                           object_type=object_type, object_key=object_key[:300],
                           detail=json.dumps(detail or {}, ensure_ascii=False, default=str)))


def page(session: Session, organisation_id: int | None, *, before: int | None = None,
         limit: int = 100) -> AuditPage:
    """One page of events (newest first) in the caller's session, once it has checked who may read them."""
    if not 1 <= limit <= MAX_PAGE:
        raise InputError(f"limit {limit} is out of range", location=Location(field="limit"),
                         expected=f"1 to {MAX_PAGE}")
    rows = repo.page(session, organisation_id, before_id=before, limit=limit + 1)
    entries = [_entry(e) for e in rows[:limit]]
    return AuditPage(entries, entries[-1].id if len(rows) > limit else None)


def events(sessions: sessionmaker[Session], organisation_id: int | None, limit: int = 200) -> list[AuditEntry]:
    """The newest events of one organisation (or of the platform itself when `organisation_id` is None)."""
    with sessions() as s:
        return [_entry(e) for e in repo.page(s, organisation_id, before_id=None, limit=limit)]


def _entry(e: AuditEvent) -> AuditEntry:
    return AuditEntry(e.id, _utc(e.created_at), e.actor, e.action, e.object_type, e.object_key, json.loads(e.detail))


def _utc(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; they were written in UTC (store.models.base.utcnow)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def log(sessions: sessionmaker[Session], actor: str, action: str, object_type: str, object_key: str = "", *,
        organisation_id: int | None = None, detail: dict[str, JsonValue] | None = None) -> None:
    """`record` in a transaction of its own, for a change a service outside this layer already committed."""
    with transaction(sessions) as s:
        record(s, actor, action, object_type, object_key, organisation_id=organisation_id, detail=detail)
