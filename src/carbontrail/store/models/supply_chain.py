"""A customer's side of the supply chain: connections to its suppliers' PACT hosts, the footprint requests it
sent them, and the PACT footprints it received."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from carbontrail.store.models.base import Base, OrganisationOwned, Timestamped, utcnow


class SupplierConnection(OrganisationOwned, Timestamped, Base):
    """How an organisation reaches one supplier's PACT host: its URL, PACT version and the client credentials
    the supplier issued to it. The secret is stored encrypted (Fernet, key derived from the secret key)."""

    __tablename__ = "supplier_connection"
    __table_args__ = (UniqueConstraint("organisation_id", "supplier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier: Mapped[str] = mapped_column(String(64))  # short code, used in URLs
    name: Mapped[str] = mapped_column(String(200))
    host_url: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(200))
    secret_encrypted: Mapped[str] = mapped_column(Text)
    pact_version: Mapped[str] = mapped_column(String(4), default="3")  # "2" (v2.3) | "3" (v3.0)
    ca_pem: Mapped[str] = mapped_column(Text, default="")  # the host's CA / self-signed certificate; "" = system
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class OutboundRequest(OrganisationOwned, Timestamped, Base):
    """A footprint request (PACT RequestCreated) sent to a supplier, and what became of it."""

    __tablename__ = "outbound_request"
    __table_args__ = (UniqueConstraint("event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("supplier_connection.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[str] = mapped_column(String(500))  # as the supplier names it (a URN in PACT)
    product_key: Mapped[str] = mapped_column(String(200))  # as our product models name the input
    event_id: Mapped[str] = mapped_column(String(64))  # the RequestCreated id, echoed as `requestEventId`
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | fulfilled | rejected | error
    reason: Mapped[str] = mapped_column(Text, default="")
    footprints: Mapped[int] = mapped_column(Integer, default=0)  # how many the answer carried
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReceivedFootprint(OrganisationOwned, Timestamped, Base):
    """One PACT ProductFootprint received from a supplier (by callback or pull), kept as sent, with the
    supplier-data row it became."""

    __tablename__ = "received_footprint"
    __table_args__ = (UniqueConstraint("organisation_id", "connection_id", "pf_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("supplier_connection.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_request.id", ondelete="SET NULL"), index=True)
    pf_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(16), default="")
    spec_version: Mapped[str] = mapped_column(String(16), default="")
    status: Mapped[str] = mapped_column(String(16), default="Active")
    product_key: Mapped[str] = mapped_column(String(200))
    product_name: Mapped[str] = mapped_column(String(500), default="")
    declared_unit: Mapped[str] = mapped_column(String(32))  # our unit spelling (kg, kWh …)
    pcf_excluding_biogenic: Mapped[float] = mapped_column(Float)  # kg CO2e per declared unit
    pcf_including_biogenic: Mapped[float | None] = mapped_column(Float)
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    supplier_footprint_id: Mapped[int | None] = mapped_column(Integer)  # the supplier_footprint row it became
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
