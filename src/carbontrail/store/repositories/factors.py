"""Queries of users' factor datasets (a stored version never changes)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from carbontrail.store.models import FactorDatasetRow, FactorRow


def dataset_exists(session: Session, name: str, version: str) -> bool:
    return session.scalars(select(FactorDatasetRow.id).where(FactorDatasetRow.name == name,
                                                             FactorDatasetRow.version == version)).first() is not None


def dataset_heads(session: Session) -> list[FactorDatasetRow]:
    """Every stored dataset version, oldest first."""
    return list(session.scalars(select(FactorDatasetRow).order_by(FactorDatasetRow.id)))


def factor_rows(session: Session) -> list[FactorRow]:
    """Every stored factor, by dataset and then in the order it was added."""
    return list(session.scalars(select(FactorRow).order_by(FactorRow.dataset_id, FactorRow.id)))
