"""Monitoring: reading imports, monthly figures, targets, warning rules, warnings and their trail.

Readings themselves are Parquet files under the data directory (`store/readings.py`), not rows here.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, false)
from sqlalchemy.orm import Mapped, mapped_column

from carbontrail.store.models.base import Base, OrganisationOwned, Timestamped, utcnow


class JurisdictionOrEnterprise:
    """What a target, a warning rule or a warning is about: a jurisdiction (its subtree) or one enterprise, and
    deleted with it."""

    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction.id", ondelete="CASCADE"),
                                                        index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"),
                                                        index=True)


class ReadingBatch(OrganisationOwned, Timestamped, Base):
    """One upload of readings (file or API batch): its checksum makes a repeated upload add nothing."""

    __tablename__ = "monitor_reading_batch"
    __table_args__ = (UniqueConstraint("organisation_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(500))  # file name, or "api"
    actor: Mapped[str] = mapped_column(String(300))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    corrected: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")  # why, for a batch of corrections


class MonthlyFigure(OrganisationOwned, Base):
    """An enterprise's month: energy (tce), CO2 (t) and value added (10⁴ yuan, constant prices), kept for roll-ups."""

    __tablename__ = "monitor_monthly_figure"
    __table_args__ = (UniqueConstraint("organisation_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, index=True)  # first day of the month
    energy_tce: Mapped[float] = mapped_column(Float, default=0.0)
    co2_t: Mapped[float] = mapped_column(Float, default=0.0)
    value_added: Mapped[float] = mapped_column(Float, default=0.0)
    source: Mapped[str] = mapped_column(String(200), default="")  # how it was computed (inventory, readings)
    # set on every insert and update: the oversight roll-ups' fingerprint reads its maximum
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow,
                                                  index=True)


class MonitorRollup(Base):
    """A jurisdiction's oversight view of a year, computed once per fingerprint of its inputs (monthly figures,
    targets, placement of enterprises, the jurisdiction tree, the minimum count) and kept so that the page reads it
    instead of recomputing 10⁴ enterprises' KPIs; a request whose fingerprint differs recomputes and replaces it."""

    __tablename__ = "monitor_rollup"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "year", "first_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdiction.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    first_year: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    minimum_count: Mapped[int] = mapped_column(Integer)
    enterprises: Mapped[int] = mapped_column(Integer)
    entity: Mapped[str] = mapped_column(Text)  # the jurisdiction's own row (JSON)
    trajectory: Mapped[str] = mapped_column(Text)  # JSON [[year, actual, line], ...]
    years: Mapped[str] = mapped_column(Text)  # JSON: the years with figures of its enterprises


class MonitorRollupRow(Base):
    """One entity of a kept roll-up: a jurisdiction below the one overseen or an enterprise, its KPIs as JSON and the
    columns the page sorts, pages and counts by (names are read from their own tables when shown)."""

    __tablename__ = "monitor_rollup_row"
    __table_args__ = (Index("ix_monitor_rollup_row_rank", "rollup_id", "co2_intensity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rollup_id: Mapped[int] = mapped_column(ForeignKey("monitor_rollup.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(Integer)  # an enterprise's
    jurisdiction_id: Mapped[int | None] = mapped_column(Integer)  # a jurisdiction's own, or an enterprise's place
    position: Mapped[int] = mapped_column(Integer)  # order of the view (enterprises by code)
    status: Mapped[str | None] = mapped_column(String(8))
    co2_intensity: Mapped[float | None] = mapped_column(Float)
    data: Mapped[str] = mapped_column(Text)  # the entity's KPIs (JSON)


class MonitorTarget(JurisdictionOrEnterprise, Timestamped, Base):
    """A target the level above sets for a jurisdiction or an enterprise."""

    __tablename__ = "monitor_target"

    id: Mapped[int] = mapped_column(primary_key=True)
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


class ReportFiling(OrganisationOwned, Base):
    """A key energy-using unit's monthly report as filed: when, by whom, and the report itself."""

    __tablename__ = "monitor_report_filing"
    __table_args__ = (UniqueConstraint("organisation_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, index=True)  # first day of the month reported
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    filed_by: Mapped[str] = mapped_column(String(300))
    report: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class WarningRule(JurisdictionOrEnterprise, Timestamped, Base):
    """A warning rule configured for a jurisdiction's subtree or one enterprise, with where its warnings go."""

    __tablename__ = "monitor_warning_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    email_to: Mapped[str] = mapped_column(String(1000), default="")  # comma-separated
    webhook_url: Mapped[str] = mapped_column(String(1000), default="")
    webhook_secret: Mapped[str] = mapped_column(String(200), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(300), default="")


class MonitorWarning(JurisdictionOrEnterprise, Timestamped, Base):
    """A warning a rule raised: open, acknowledged or resolved; `key` identifies the breach it is about."""

    __tablename__ = "monitor_warning"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("monitor_warning_rule.id", ondelete="CASCADE"), index=True)
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
