"""Queries of the jurisdiction tree (province → city → park) and of who sits in which jurisdiction."""

from __future__ import annotations

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from carbontrail.store.models import Facility, Jurisdiction, Organisation


def by_code(session: Session, code: str) -> Jurisdiction | None:
    return session.scalars(select(Jurisdiction).where(Jurisdiction.code == code)).one_or_none()


def parent_links(session: Session) -> list[Row[tuple[int, int | None]]]:
    """(id, parent id) of every jurisdiction."""
    return list(session.execute(select(Jurisdiction.id, Jurisdiction.parent_id)))


def every(session: Session) -> list[Jurisdiction]:
    return list(session.scalars(select(Jurisdiction).order_by(Jurisdiction.code)))


def organisation_places(session: Session) -> list[Row[tuple[int, str, str, int | None]]]:
    """(id, code, name, jurisdiction id) of every organisation, by code."""
    return list(session.execute(select(Organisation.id, Organisation.code, Organisation.name,
                                       Organisation.jurisdiction_id).order_by(Organisation.code)))


def facility_places(session: Session) -> list[Row[tuple[int, str, int | None]]]:
    """(organisation id, code, jurisdiction id) of every facility, by code."""
    return list(session.execute(select(Facility.organisation_id, Facility.code, Facility.jurisdiction_id)
                                .order_by(Facility.code)))


def codes(session: Session) -> set[str]:
    """Every jurisdiction's code."""
    return set(session.scalars(select(Jurisdiction.code)))
