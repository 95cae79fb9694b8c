"""Energy attribute instruments (GEC, I-REC, green-power trades, PPAs, direct lines), their owners, transfers and
claims, the generators' hourly production, and the log entries each change produced.

Amounts are whole kWh (integers), so "claimed never exceeds the face value" is exact arithmetic in the database:
a CHECK constraint holds it on every row, whatever the code above does.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from carbontrail.store.models.base import Base, Timestamped, utcnow


class EnergyInstrument(Timestamped, Base):
    """One certificate or contract; `owner_id` is its single holder, `claimed_kwh` what has been claimed of it."""

    __tablename__ = "energy_instrument"
    __table_args__ = (
        UniqueConstraint("kind", "reference"),
        CheckConstraint("face_kwh > 0", name="face_positive"),
        CheckConstraint("claimed_kwh >= 0 AND claimed_kwh <= face_kwh", name="claimed_within_face"),
        CheckConstraint("status IN ('active', 'claimed', 'frozen', 'cancelled')", name="status_known"),
        CheckConstraint("status <> 'claimed' OR claimed_kwh = face_kwh", name="claimed_is_full"),
        CheckConstraint("status IN ('active', 'claimed') OR claimed_kwh = 0", name="frozen_unclaimed"),
        CheckConstraint("NOT ccer OR status = 'frozen'", name="ccer_frozen"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    reference: Mapped[str] = mapped_column(String(100))
    generator: Mapped[str] = mapped_column(String(200), index=True)
    technology: Mapped[str] = mapped_column(String(64), default="")
    province: Mapped[str] = mapped_column(String(16))
    production_start: Mapped[date] = mapped_column(Date)
    production_end: Mapped[date] = mapped_column(Date)
    face_kwh: Mapped[int] = mapped_column(BigInteger)
    claimed_kwh: Mapped[int] = mapped_column(BigInteger, default=0)
    valid_until: Mapped[date | None] = mapped_column(Date)
    ccer: Mapped[bool] = mapped_column(Boolean, default=False)
    tradable: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    source: Mapped[str] = mapped_column(String(500), default="")


class GenerationProfile(Base):
    """A generator's production per hour over one month (kWh, hour 0 = the 1st at 00:00 China Standard Time)."""

    __tablename__ = "generation_profile"
    __table_args__ = (UniqueConstraint("generator", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    generator: Mapped[str] = mapped_column(String(200))
    month: Mapped[date] = mapped_column(Date)
    hourly_kwh: Mapped[list[float]] = mapped_column(JSON)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    source: Mapped[str] = mapped_column(String(500), default="")


class CertificateTransfer(Base):
    """An instrument handed from one organisation to another."""

    __tablename__ = "certificate_transfer"
    __table_args__ = (CheckConstraint("from_id <> to_id", name="to_another"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("energy_instrument.id", ondelete="CASCADE"), index=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    to_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CertificateClaim(Base):
    """kWh of an instrument claimed (cancelled) against an organisation's consumption in a period.

    The instrument's market and the consumption's market, and the instrument's last valid day, are kept on the row
    so the database itself refuses a claim across markets or after expiry.
    """

    __tablename__ = "certificate_claim"
    __table_args__ = (
        CheckConstraint("kwh > 0", name="kwh_positive"),
        CheckConstraint("instrument_market = consumption_market", name="same_market"),
        CheckConstraint("valid_until IS NULL OR claimed_on <= valid_until", name="not_expired"),
        CheckConstraint("status IN ('active', 'released')", name="status_known"),
        CheckConstraint("period_start <= period_end", name="period_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("energy_instrument.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kwh: Mapped[int] = mapped_column(BigInteger)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    boundary: Mapped[str] = mapped_column(String(16))
    instrument_market: Mapped[str] = mapped_column(String(16))
    consumption_market: Mapped[str] = mapped_column(String(16))
    claimed_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CertificateEvent(Base):
    """The transparency-log entry body of an issuance, transfer, claim or release, in canonical JSON with its hash.

    `log_index` stays empty until the entry is appended to the transparency log.
    """

    __tablename__ = "certificate_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    instrument_id: Mapped[int] = mapped_column(ForeignKey("energy_instrument.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    canonical: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    log_index: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
