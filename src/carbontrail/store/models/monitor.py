"""Monitoring: reading imports, monthly figures, targets, warning rules, warnings and their trail.

Readings themselves are Parquet files under the data directory (`store/readings.py`), not rows here.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint,
                        false)
from sqlalchemy.orm import Mapped, mapped_column

from carbontrail.store.models.base import Base, Timestamped, utcnow


class ReadingBatch(Timestamped, Base):
    """One upload of readings (file or API batch): its checksum makes a repeated upload add nothing."""

    __tablename__ = "monitor_reading_batch"
    __table_args__ = (UniqueConstraint("organisation_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(500))  # file name, or "api"
    actor: Mapped[str] = mapped_column(String(300))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    corrected: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")  # why, for a batch of corrections


class MonthlyFigure(Base):
    """An enterprise's month: energy (tce), CO2 (t) and value added (10⁴ yuan, constant prices), kept for roll-ups."""

    __tablename__ = "monitor_monthly_figure"
    __table_args__ = (UniqueConstraint("organisation_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    month: Mapped[date] = mapped_column(Date, index=True)  # first day of the month
    energy_tce: Mapped[float] = mapped_column(Float, default=0.0)
    co2_t: Mapped[float] = mapped_column(Float, default=0.0)
    value_added: Mapped[float] = mapped_column(Float, default=0.0)
    source: Mapped[str] = mapped_column(String(200), default="")  # how it was computed (inventory, readings)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MonitorTarget(Timestamped, Base):
    """A target the level above sets for a jurisdiction or an enterprise."""

    __tablename__ = "monitor_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction.id", ondelete="CASCADE"),
                                                        index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"),
                                                        index=True)
    kpi: Mapped[str] = mapped_column(String(32))
    base_year: Mapped[int] = mapped_column(Integer)
    target_year: Mapped[int] = mapped_column(Integer)
    change: Mapped[float | None] = mapped_column(Float)
    cap: Mapped[float | None] = mapped_column(Float)
    peak: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # must not rise after target_year
    source: Mapped[str] = mapped_column(String(500), default="")  # the plan or decision that sets it
    set_by: Mapped[str] = mapped_column(String(300), default="")


class PriceIndex(Timestamped, Base):
    """The industrial value-added deflator of a jurisdiction and year (base year = 100), entered or imported by the
    level that publishes it; value added given at current prices is divided by it."""

    __tablename__ = "monitor_price_index"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdiction.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    base_year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(500), default="")  # the statistical release, or "demo value"
    set_by: Mapped[str] = mapped_column(String(300), default="")


class ReportFiling(Base):
    """A key energy-using unit's monthly report as filed: when, by whom, and the report itself."""

    __tablename__ = "monitor_report_filing"
    __table_args__ = (UniqueConstraint("organisation_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    month: Mapped[date] = mapped_column(Date, index=True)  # first day of the month reported
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    filed_by: Mapped[str] = mapped_column(String(300))
    report: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class WarningRule(Timestamped, Base):
    """A warning rule configured for a jurisdiction's subtree or one enterprise, with where its warnings go."""

    __tablename__ = "monitor_warning_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction.id", ondelete="CASCADE"),
                                                        index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"),
                                                        index=True)
    rule: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    email_to: Mapped[str] = mapped_column(String(1000), default="")  # comma-separated
    webhook_url: Mapped[str] = mapped_column(String(1000), default="")
    webhook_secret: Mapped[str] = mapped_column(String(200), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(300), default="")


class MonitorWarning(Timestamped, Base):
    """A warning a rule raised: open, acknowledged or resolved; `key` identifies the breach it is about."""

    __tablename__ = "monitor_warning"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("monitor_warning_rule.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"),
                                                        index=True)
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction.id", ondelete="CASCADE"),
                                                        index=True)
    entity: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    figures: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    readings: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | acknowledged | resolved


class WarningEvent(Base):
    """The trail of a warning: raised, delivered (e-mail, webhook), acknowledged, resolved — who, when, note."""

    __tablename__ = "monitor_warning_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("monitor_warning.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(300))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
