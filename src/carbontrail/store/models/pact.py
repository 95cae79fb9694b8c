"""The PACT host's records: published footprints and their versions, grants to customers, inbound footprint
requests, per-organisation answering rules, credentials for callbacks, and a log of PACT events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from carbontrail.store.models.base import Base, OrganisationOwned, Timestamped


class PactFootprint(OrganisationOwned, Timestamped, Base):
    """One version of a published ProductFootprint; a new version is a new row with a new pf id."""

    __tablename__ = "pact_footprint"

    id: Mapped[int] = mapped_column(primary_key=True)
    pf_id: Mapped[str] = mapped_column(String(36), unique=True)
    product_key: Mapped[str] = mapped_column(String(300), index=True)  # the first product id, lower case
    version: Mapped[int] = mapped_column(Integer, default=1)
    preceding_pf_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    status: Mapped[str] = mapped_column(String(16), default="Active", index=True)
    status_comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    validity_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    validity_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    values_json: Mapped[str] = mapped_column(Text)  # formats.pact.values_to_json
    payload_v2: Mapped[str] = mapped_column(Text)  # the rendered documents, so listing is string joining
    payload_v3: Mapped[str] = mapped_column(Text)
    # the computed product-footprint result this version was made from; None: its numbers were entered by hand
    result_id: Mapped[int | None] = mapped_column(ForeignKey("product_footprint_result.id", ondelete="SET NULL"),
                                                  index=True)


class PactFootprintKey(Base):
    """A lower-cased value a v3 list filter matches on: productId, companyId, geography, classification."""

    __tablename__ = "pact_footprint_key"
    __table_args__ = (Index("ix_pact_footprint_key_kind_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    footprint_id: Mapped[int] = mapped_column(ForeignKey("pact_footprint.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(300))


class PactGrant(Timestamped, Base):
    """A footprint shared with a customer organisation: only then can the customer's clients list or fetch it."""

    __tablename__ = "pact_grant"
    __table_args__ = (UniqueConstraint("footprint_id", "organisation_id"),
                      Index("ix_pact_grant_org_footprint", "organisation_id", "footprint_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    footprint_id: Mapped[int] = mapped_column(ForeignKey("pact_footprint.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))


class PactRule(Base):
    """How an organisation answers footprint requests: by hand ("manual") or by rule ("auto": fulfil when a
    matching Active footprint exists, granting it to the requester, else reject as not found)."""

    __tablename__ = "pact_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), unique=True)
    mode: Mapped[str] = mapped_column(String(16), default="manual")
    grant_on_request: Mapped[bool] = mapped_column(Boolean, default=True)


class PactInboundRequest(Timestamped, Base):
    """A RequestCreated event a customer sent to one of this host's suppliers, and how it was answered."""

    __tablename__ = "pact_inbound_request"
    __table_args__ = (UniqueConstraint("source", "event_id", "supplier_organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(500))
    spec: Mapped[str] = mapped_column(String(2))  # "2" or "3": the API version the answer must use
    supplier_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    requester_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    requester_client: Mapped[str] = mapped_column(String(64), default="")
    product_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    criteria: Mapped[str] = mapped_column(Text, default="{}")  # the event's data, JSON
    comment: Mapped[str] = mapped_column(Text, default="")
    events_url: Mapped[str] = mapped_column(String(500), default="")
    host_origin: Mapped[str] = mapped_column(String(300), default="")  # how the requester reached us: our source
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    answered_pf_ids: Mapped[str] = mapped_column(Text, default="[]")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivery: Mapped[str] = mapped_column(String(16), default="")  # "", sent, failed
    delivery_note: Mapped[str] = mapped_column(Text, default="")


class PactCallbackCredential(Timestamped, Base):
    """Client credentials a supplier holds on a customer's PACT host, to post answers to its events endpoint.
    The secret is encrypted with a key derived from the platform's secret key."""

    __tablename__ = "pact_callback_credential"
    __table_args__ = (UniqueConstraint("organisation_id", "host"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: the host's own credentials there, used for answers no supplier gives (a request matching nothing)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"),
                                                        index=True)
    host: Mapped[str] = mapped_column(String(300))  # origin, e.g. https://customer.example:8443
    client_id: Mapped[str] = mapped_column(String(200))
    secret: Mapped[str] = mapped_column(Text)
    ca_pem: Mapped[str] = mapped_column(Text, default="")  # the host's CA / self-signed certificate; "" = system


class PactEvent(Timestamped, Base):
    """Every PACT event received or sent, as it travelled (for the supplier's and customer's records)."""

    __tablename__ = "pact_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"),
                                                        index=True)
    direction: Mapped[str] = mapped_column(String(8))  # in, out
    event_type: Mapped[str] = mapped_column(String(120))
    event_id: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(200), default="")


class PactState(Base):
    """One row: a number every change to what the PACT API serves increments (publish, grant, revoke, status), so
    a server may keep rendered pages and know at once when they are stale."""

    __tablename__ = "pact_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
