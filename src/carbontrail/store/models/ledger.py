"""The trust area's tables: the transparency log (entries, stored tree nodes, signed checkpoints), signing keys,
issued credentials and their status lists, verification engagements and statements, and the public registry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from carbontrail.store.models.base import Base, OrganisationOwned, Timestamped, utcnow


class LedgerEntry(Base):
    """One leaf of the append-only log: its position, the canonical entry bytes, and what it is searchable by."""

    __tablename__ = "ledger_entry"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    organisation: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(64), index=True)
    credential: Mapped[str] = mapped_column(String(300), index=True)
    leaf: Mapped[bytes] = mapped_column(LargeBinary)  # RFC 8785 bytes of the entry (carbontrail.ledger.entries)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LedgerNode(Base):
    """A perfect subtree's hash, (level, index) covering leaves [index·2^level, (index+1)·2^level): stored once,
    so every proof is read from O(log n) rows."""

    __tablename__ = "ledger_node"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerCheckpoint(Base):
    """A signed tree head (C2SP tlog-checkpoint as a signed note), one per appended batch."""

    __tablename__ = "ledger_checkpoint"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LedgerLogKey(Timestamped, Base):
    """The log's own Ed25519 key, its seed encrypted (Fernet, derived from the platform secret key)."""

    __tablename__ = "ledger_log_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    origin: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    verifier_key: Mapped[str] = mapped_column(String(300))
    seed_encrypted: Mapped[str] = mapped_column(Text)


class OrganisationKey(OrganisationOwned, Timestamped, Base):
    """An organisation's credential signing key; a rotation retires it, and it keeps verifying what it signed."""

    __tablename__ = "organisation_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    multikey: Mapped[str] = mapped_column(String(64), unique=True)
    seed_encrypted: Mapped[str] = mapped_column(Text)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    log_seq: Mapped[int] = mapped_column(BigInteger)


class StatusList(Timestamped, Base):
    """An organisation's revocation list (Bitstring Status List), and the signed list credential last issued."""

    __tablename__ = "ledger_status_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), unique=True)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    next_index: Mapped[int] = mapped_column(Integer, default=0)
    document: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class IssuedCredential(OrganisationOwned, Timestamped, Base):
    """A credential an organisation issued, as signed, with its status bit and its log entry."""

    __tablename__ = "issued_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # footprint | statement | battery | cbam | inventory
    subject_ref: Mapped[str] = mapped_column(String(300), default="")
    subject_hash: Mapped[str] = mapped_column(String(64), index=True)
    document: Mapped[str] = mapped_column(Text)
    status_index: Mapped[int] = mapped_column(Integer)
    log_seq: Mapped[int] = mapped_column(BigInteger)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str] = mapped_column(String(500), default="")


class AccreditedBody(Timestamped, Base):
    """An organisation accredited to verify (ISO 14065 body), and by whom."""

    __tablename__ = "accredited_body"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"),
                                                 primary_key=True, autoincrement=False)
    accreditation: Mapped[str] = mapped_column(String(300))
    accredited_by: Mapped[str] = mapped_column(String(200))


class VerificationEngagement(OrganisationOwned, Timestamped, Base):
    """An enterprise engaging a verification body on one subject, frozen as a snapshot when engaged."""

    __tablename__ = "verification_engagement"

    id: Mapped[int] = mapped_column(primary_key=True)
    verifier_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"),
                                                          index=True)
    subject_type: Mapped[str] = mapped_column(String(32))  # pact_footprint | product_model | reporting_period
    subject_key: Mapped[str] = mapped_column(String(300))
    snapshot: Mapped[dict[str, object]] = mapped_column(JSON)
    snapshot_digest: Mapped[str] = mapped_column(String(64))
    grants: Mapped[list[str]] = mapped_column(JSON)  # what the verifier may see
    criteria: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | issued | withdrawn


class EngagementFinding(Timestamped, Base):
    __tablename__ = "engagement_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("verification_engagement.id", ondelete="CASCADE"),
                                               index=True)
    text: Mapped[str] = mapped_column(Text)
    material: Mapped[bool] = mapped_column(Boolean, default=False)
    answer: Mapped[str] = mapped_column(Text, default="")
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)


class VerificationStatement(Timestamped, Base):
    """The statement a verifier issued on an engagement (also an issued credential of the body)."""

    __tablename__ = "verification_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("verification_engagement.id", ondelete="CASCADE"),
                                               unique=True)
    credential_id: Mapped[str] = mapped_column(String(100), unique=True)
    assurance: Mapped[str] = mapped_column(String(16))  # reasonable | limited
    opinion: Mapped[str] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_reason: Mapped[str] = mapped_column(String(500), default="")


class RegistryEntry(OrganisationOwned, Timestamped, Base):
    """A verified product footprint its owner published in the public registry."""

    __tablename__ = "registry_entry"
    __table_args__ = (UniqueConstraint("credential_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[str] = mapped_column(String(100))
    statement_credential_id: Mapped[str] = mapped_column(String(100), default="")
    product: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(200), index=True)
    cn_code: Mapped[str] = mapped_column(String(16), index=True, default="")
    region: Mapped[str] = mapped_column(String(64), index=True, default="")
    declared_unit: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Float)  # kg CO2e per declared unit
    standard: Mapped[str] = mapped_column(String(100))
    assurance: Mapped[str] = mapped_column(String(16), default="")
    verifier: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="published")  # published | withdrawn | superseded
    superseded_by: Mapped[int | None] = mapped_column(Integer)
    log_seq: Mapped[int] = mapped_column(BigInteger)
