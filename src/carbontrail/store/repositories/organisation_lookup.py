"""Organisations by code: the look-ups the battery and CBAM services share."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from carbontrail.store.models import Organisation


def id_of(session: Session, code: str) -> int | None:
    """The id of the organisation with this code, or None."""
    return session.scalar(select(Organisation.id).where(Organisation.code == code))


def codes(session: Session) -> set[str]:
    """Every organisation's code."""
    return set(session.scalars(select(Organisation.code)))
