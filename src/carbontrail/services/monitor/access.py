"""Who may see what in the monitoring area: an enterprise's raw readings stay with its own members (and those it
grants); parks, cities and the province see aggregates of the enterprises in their subtree, never readings; a
group smaller than the minimum count is suppressed so no enterprise can be inferred from it."""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.config import Settings
from carbontrail.errors import NotFound
from carbontrail.services import jurisdictions, tenancy
from carbontrail.services.work import Actor, SystemActor
from carbontrail.store.readings import ReadingStore, reading_store_of
from carbontrail.store.repositories import monitor as repo

#: Groups of fewer enterprises than this show no totals (CARBONTRAIL_MONITOR_MIN_COUNT, default 3).
DEFAULT_MIN_COUNT = 3
#: Annual energy use from which an enterprise is a key energy-using unit (CARBONTRAIL_KEY_UNIT_TCE).
DEFAULT_KEY_UNIT_TCE = 10_000.0

ALL = frozenset(tenancy.ROLE_PERMISSIONS["org_admin"])


def min_count() -> int:
    return int(os.environ.get("CARBONTRAIL_MONITOR_MIN_COUNT", DEFAULT_MIN_COUNT))


def key_unit_tce() -> float:
    return float(os.environ.get("CARBONTRAIL_KEY_UNIT_TCE", DEFAULT_KEY_UNIT_TCE))


def reading_store(sessions: sessionmaker[Session], settings: Settings | None = None) -> ReadingStore:
    """The readings of the database `sessions` opens (see `store.readings.reading_store_of`)."""
    return reading_store_of(sessions.kw.get("bind"), settings)


def organisation(session: Session, actor: Actor, code: str, permission: str) -> tenancy.Access:
    """The organisation if `actor` may do `permission` on it (a command on this machine may do anything)."""
    if isinstance(actor, SystemActor):
        org_id = repo.organisation_id(session, code)
        if org_id is None:
            raise NotFound(f"no organisation with code '{code}'")
        return tenancy.Access(org_id, code, ALL)
    return tenancy.require(session, actor, code, permission)


@dataclass(frozen=True)
class Scope:
    """A jurisdiction an actor oversees: its id, code, kind, and every jurisdiction id of its subtree."""

    id: int
    code: str
    kind: str
    name: str
    name_en: str
    subtree: frozenset[int]


def jurisdiction(session: Session, actor: Actor, code: str) -> Scope:
    """The jurisdiction `code` if the actor oversees it; `NotFound` otherwise (its existence is not revealed)."""
    if isinstance(actor, SystemActor):
        row = repo.jurisdiction_by_code(session, code)
        if row is None:
            raise NotFound(f"no jurisdiction with code '{code}'")
        jid = row.id
    else:
        jid = jurisdictions.require_overseen(session, actor.grants, code)
        row = repo.jurisdiction_by_code(session, code)
        assert row is not None
    return Scope(jid, row.code, row.kind, row.name, row.name_en, frozenset(jurisdictions.subtree_ids(session, jid)))
