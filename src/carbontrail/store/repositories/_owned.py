"""Rows an organisation owns, the two ways most repositories read them: the one row with given column values, and
all of them in an order. `model` is a mapped class with an `organisation_id` column."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from carbontrail.store.models.base import Base

Row = TypeVar("Row", bound=Base)


def one(session: Session, model: type[Row], organisation_id: int, **columns: object) -> Row | None:
    """The organisation's row of `model` whose columns hold these values, or None."""
    return session.scalars(select(model).filter_by(organisation_id=organisation_id, **columns)).one_or_none()


def every(session: Session, model: type[Row], organisation_id: int,
          *order_by: InstrumentedAttribute[Any]) -> list[Row]:
    """The organisation's rows of `model`, in `order_by` order."""
    return list(session.scalars(select(model).filter_by(organisation_id=organisation_id).order_by(*order_by)))
