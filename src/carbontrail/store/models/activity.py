"""Activity records (what, how much, where, when, from which source) and the imports that brought them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from carbontrail.store.models.base import Base, OrganisationOwned, Timestamped


class ImportBatch(OrganisationOwned, Timestamped, Base):
    """One imported file: its checksum makes a repeated import recognisable."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    template: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)


class ActivityRecord(OrganisationOwned, Timestamped, Base):
    """A quantity of fuel, electricity, heat, steam, process gas, production or value added in a period.

    `record_key` is a digest of the fields that identify the record (facility, kind, item, period,
    meter, supplier, instrument, gas, category): importing the same row again updates, never duplicates.
    """

    __tablename__ = "activity_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_key: Mapped[str] = mapped_column(String(40), unique=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id", ondelete="CASCADE"), index=True)
    meter_id: Mapped[int | None] = mapped_column(ForeignKey("meter.id"), index=True)
    # fuel_combustion | electricity | heat | steam | process | production | value_added
    kind: Mapped[str] = mapped_column(String(32), index=True)
    item: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64), default="")
    gas: Mapped[str] = mapped_column(String(32), default="")
    period_start: Mapped[date] = mapped_column(Date, index=True)
    period_end: Mapped[date] = mapped_column(Date)
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(32))
    supplier: Mapped[str] = mapped_column(String(200), default="")
    # contractual instrument for the market-based scope 2: GEC, I-REC, green_power_trade, PPA, direct_line
    instrument: Mapped[str] = mapped_column(String(64), default="")
    instrument_ref: Mapped[str] = mapped_column(String(200), default="")
    contract_factor: Mapped[float | None] = mapped_column(Float)  # kg CO2e per unit of `unit`, from the contract
    source: Mapped[str] = mapped_column(String(500), default="")
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)
