"""Organisations (tenants), their facilities, meters and reporting periods, and the jurisdiction tree."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from carbontrail.store.models.base import Base, OrganisationOwned, Timestamped


class Jurisdiction(Base):
    """A node of the province → city → park tree that parks and government departments oversee."""

    __tablename__ = "jurisdiction"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # province | city | park
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction.id"), index=True)


class Organisation(Timestamped, Base):
    """An enterprise: the tenant that owns its facilities and data."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    industry: Mapped[str] = mapped_column(String(200), default="")
    province: Mapped[str] = mapped_column(String(64), default="")
    city: Mapped[str] = mapped_column(String(64), default="")
    park: Mapped[str] = mapped_column(String(200), default="")
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction.id"), index=True)

    facilities: Mapped[list[Facility]] = relationship(back_populates="organisation", order_by="Facility.code")


class Facility(OrganisationOwned, Timestamped, Base):
    """A site of an organisation, located by province / city / park (the grid factor follows the province)."""

    __tablename__ = "facility"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(64))
    city: Mapped[str] = mapped_column(String(64), default="")
    park: Mapped[str] = mapped_column(String(200), default="")
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction.id"), index=True)

    organisation: Mapped[Organisation] = relationship(back_populates="facilities")


class Meter(Base):
    """A meter at a facility (electricity, gas, heat, steam …) that activity records can name."""

    __tablename__ = "meter"
    __table_args__ = (UniqueConstraint("facility_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    medium: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(32))
    supplier: Mapped[str] = mapped_column(String(200), default="")
    # what the monitoring area needs to check readings: the reading interval and whether the meter counts up
    interval_s: Mapped[int] = mapped_column(Integer, default=900, server_default="900")
    cumulative: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ReportingPeriod(OrganisationOwned, Base):
    """A named period an organisation reports on (a year, or the base year targets are measured against).

    Once `locked_at` is set the period is locked for verification: no activity record inside it may be imported,
    changed or deleted, and its dates stay as they are."""

    __tablename__ = "reporting_period"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    is_base_year: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_by: Mapped[str] = mapped_column(String(254), default="", server_default="")
