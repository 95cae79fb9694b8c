"""Users' own emission-factor datasets (e.g. a supplier's), versioned like the shipped library."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from carbontrail.store.models.base import Base, Timestamped


class FactorDatasetRow(Timestamped, Base):
    """A named, versioned set of factors added by a user; a version once stored is never changed."""

    __tablename__ = "factor_dataset"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    publisher: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    licence: Mapped[str] = mapped_column(String(200), default="")


class FactorRow(Base):
    """One factor of a user dataset; the columns mirror `carbontrail.factors.Factor`."""

    __tablename__ = "factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("factor_dataset.id", ondelete="CASCADE"), index=True)
    activity: Mapped[str] = mapped_column(String(200), index=True)
    geography: Mapped[str] = mapped_column(String(64), default="")
    year: Mapped[int | None] = mapped_column(Integer)
    series: Mapped[str] = mapped_column(String(64), default="")
    gas: Mapped[str] = mapped_column(String(32), default="CO2e")
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[str] = mapped_column(String(64), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
