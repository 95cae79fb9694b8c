"""CBAM data of a tenant: installation models per reporting period, their computed results, and default-value
tables users load (each value with its source)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from carbontrail.store.models.base import Base, OrganisationOwned, Timestamped, utcnow


class CbamInstallation(OrganisationOwned, Timestamped, Base):
    """One installation's model (the validated YAML/JSON, kept as JSON) for one reporting period.

    Uploading the same installation code and period again replaces the model; its stored results go with it."""

    __tablename__ = "cbam_installation"
    __table_args__ = (UniqueConstraint("organisation_id", "code", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id", ondelete="SET NULL"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    operator: Mapped[str] = mapped_column(String(300), default="")
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    model: Mapped[str] = mapped_column(Text)  # JSON of carbontrail.cbam.Installation
    sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CbamResult(Base):
    """The SEE of an installation's processes for one mark-up year and default-value table (JSON), valid while the
    model it was computed from (`model_sha256`) is the stored one."""

    __tablename__ = "cbam_result"
    __table_args__ = (UniqueConstraint("installation_id", "markup_year", "defaults_name", "defaults_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("cbam_installation.id", ondelete="CASCADE"), index=True)
    markup_year: Mapped[int] = mapped_column(Integer)
    defaults_name: Mapped[str] = mapped_column(String(200))
    defaults_version: Mapped[str] = mapped_column(String(64))
    model_sha256: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CbamDefaultDataset(OrganisationOwned, Timestamped, Base):
    """A named, versioned default-value table an organisation loaded; a version once stored never changes."""

    __tablename__ = "cbam_default_dataset"
    __table_args__ = (UniqueConstraint("organisation_id", "name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str] = mapped_column(String(300), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")


class CbamDefaultValue(Base):
    """One default value (t CO2e per t of good, before mark-up) of a CN code and country of production."""

    __tablename__ = "cbam_default_value"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("cbam_default_dataset.id", ondelete="CASCADE"), index=True)
    cn_code: Mapped[str] = mapped_column(String(8))
    country: Mapped[str] = mapped_column(String(2))
    see_direct: Mapped[float] = mapped_column(Float)
    see_indirect: Mapped[float | None] = mapped_column(Float)
    route: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(Text)
    confidence: Mapped[str] = mapped_column(String(64), default="")
