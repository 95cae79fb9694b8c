"""Traced battery units (GB/T 34014 codes), their pack → module → cell links, life events and deposits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from carbontrail.store.models.base import Base, OrganisationOwned, Timestamped


class BatteryUnit(Timestamped, Base):
    """A pack, module or cell under one code; `original_id` points to the unit a cascade product was re-coded from."""

    __tablename__ = "battery_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    product_type: Mapped[str] = mapped_column(String(8))  # pack | module | cell
    battery_type: Mapped[str] = mapped_column(String(1))
    manufacturer_code: Mapped[str] = mapped_column(String(3), index=True)
    production_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    holder: Mapped[str] = mapped_column(String(64), index=True)
    responsible_producer: Mapped[str] = mapped_column(String(64), index=True)
    vin: Mapped[str | None] = mapped_column(String(17))
    deposit_cny: Mapped[float | None] = mapped_column(Float)
    deposit_refunded: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("battery_unit.id"), index=True)
    original_id: Mapped[int | None] = mapped_column(ForeignKey("battery_unit.id"), index=True)
    event_count: Mapped[int] = mapped_column(Integer, default=0)


class BatteryEvent(Base):
    """One life event of a unit, numbered in order (`seq`), with the holder and the responsible producer after it."""

    __tablename__ = "battery_event"
    __table_args__ = (UniqueConstraint("unit_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("battery_unit.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    to_actor: Mapped[str | None] = mapped_column(String(64))
    vin: Mapped[str | None] = mapped_column(String(17))
    new_code: Mapped[str | None] = mapped_column(String(24))
    holder_after: Mapped[str] = mapped_column(String(64))
    responsible_producer: Mapped[str] = mapped_column(String(64))
    deposit_cny: Mapped[float | None] = mapped_column(Float)
    recovered_kg: Mapped[dict[str, float] | None] = mapped_column(JSON)
    measured: Mapped[dict[str, float] | None] = mapped_column(JSON)  # a test's state of health
    note: Mapped[str] = mapped_column(String(500), default="")


class BatteryDeposit(Base):
    """A movement of a producer's deposit account: + at sale, − when the unit is properly recycled."""

    __tablename__ = "battery_deposit"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("battery_unit.id", ondelete="CASCADE"), index=True)
    producer: Mapped[str] = mapped_column(String(64), index=True)
    amount_cny: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(8))  # deposit | refund
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BatteryDeclarationRecord(OrganisationOwned, Timestamped, Base):
    """One revision of an Art. 7 declaration of one battery model at one plant: the input document and the computed
    result (declaration beside ISO 14067), kept together so the numbers can always be traced to what they came
    from. A new input or a re-declaration adds the next revision (`previous_id` links it); old ones stay readable."""

    __tablename__ = "battery_declaration"
    __table_args__ = (UniqueConstraint("organisation_id", "model", "plant", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(200))
    plant: Mapped[str] = mapped_column(String(200))
    document: Mapped[dict[str, object]] = mapped_column(JSON)
    result: Mapped[dict[str, object]] = mapped_column(JSON)
    per_kwh: Mapped[float] = mapped_column(Float)  # kg CO2e per kWh of total energy delivered
    iso_per_kwh: Mapped[float] = mapped_column(Float)
    performance_class: Mapped[str] = mapped_column(String(8))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("battery_declaration.id", ondelete="SET NULL"),
                                                    index=True)


class BatteryPassportRecord(OrganisationOwned, Timestamped, Base):
    """A battery passport (Battery Pass v1.2 sub-models, validated) served by its identifier."""

    __tablename__ = "battery_passport"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(200), unique=True)
    declaration_id: Mapped[int | None] = mapped_column(ForeignKey("battery_declaration.id", ondelete="SET NULL"))
    model: Mapped[str] = mapped_column(String(200))
    plant: Mapped[str] = mapped_column(String(200))
    unit_code: Mapped[str | None] = mapped_column(String(24))
    submodels: Mapped[dict[str, object]] = mapped_column(JSON)


class BatteryPassportGrant(OrganisationOwned, Base):
    """An organisation the passport's owner recognises as having a legitimate interest (Annex XIII point 2, 4)."""

    __tablename__ = "battery_passport_grant"
    __table_args__ = (UniqueConstraint("passport_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    passport_id: Mapped[int] = mapped_column(ForeignKey("battery_passport.id", ondelete="CASCADE"), index=True)


class BatteryResidualBatch(OrganisationOwned, Timestamped, Base):
    """The latest residual-value sorting of an organisation's retired units: settings, summary and every unit."""

    __tablename__ = "battery_residual_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    settings: Mapped[dict[str, object]] = mapped_column(JSON)
    summary: Mapped[dict[str, object]] = mapped_column(JSON)
    units: Mapped[list[dict[str, object]]] = mapped_column(JSON)
