"""A tenant's product models (its process database) and the supplier footprints it holds as primary data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from carbontrail.store.models.base import Base, OrganisationOwned, Timestamped, utcnow


class ProductModel(OrganisationOwned, Timestamped, Base):
    """One imported process database of an organisation, kept in our own model format (docs/product-models.md).

    Raw process models are tenant data: only the organisation's members see them.
    """

    __tablename__ = "product_model"
    __table_args__ = (UniqueConstraint("organisation_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(64), default="")
    source_format: Mapped[str] = mapped_column(String(16))  # carbontrail | olca-jsonld | ecospold1
    source: Mapped[str] = mapped_column(String(500), default="")  # file name or publisher
    process_count: Mapped[int] = mapped_column(Integer, default=0)
    product_count: Mapped[int] = mapped_column(Integer, default=0)
    document: Mapped[dict[str, object]] = mapped_column(JSON)  # the model in our own format
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the canonical document: computed results key on it
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class SupplierFootprint(OrganisationOwned, Timestamped, Base):
    """A supplier's own cradle-to-gate footprint of a product the organisation buys (primary data).

    One row per (organisation, product, supplier, reference): a PACT footprint id or a document number.
    """

    __tablename__ = "supplier_footprint"
    __table_args__ = (UniqueConstraint("organisation_id", "product_key", "supplier", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_key: Mapped[str] = mapped_column(String(200), index=True)
    supplier: Mapped[str] = mapped_column(String(200))
    fossil_kg_per_unit: Mapped[float] = mapped_column(Float)
    biogenic_kg_per_unit: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(200))  # pact | manual | epd …
    reference: Mapped[str] = mapped_column(String(200))
    dqr_technological: Mapped[int | None] = mapped_column(Integer)
    dqr_temporal: Mapped[int | None] = mapped_column(Integer)
    dqr_geographical: Mapped[int | None] = mapped_column(Integer)
    year: Mapped[int | None] = mapped_column(Integer)
    geography: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class ProductFootprintResult(OrganisationOwned, Timestamped, Base):
    """A computed footprint of one product of a stored model, kept so that what is published (a PACT footprint,
    a battery declaration's input, a registry entry) names the result it was made from.

    `model_digest` is the model's revision (the digest of its document) and `inputs_digest` fixes everything the
    number rests on (that revision, the supplier footprints in place, the options): a later computation with a
    different `inputs_digest` is a different result, and what was published from the old one is out of date."""

    __tablename__ = "product_footprint_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    model_key: Mapped[str] = mapped_column(String(64))
    model_version: Mapped[str] = mapped_column(String(64), default="")
    model_digest: Mapped[str] = mapped_column(String(64))
    inputs_digest: Mapped[str] = mapped_column(String(64), index=True)
    product: Mapped[str] = mapped_column(String(200))
    allocation: Mapped[str] = mapped_column(String(16))
    boundary: Mapped[str] = mapped_column(String(16))
    assessment: Mapped[str] = mapped_column(String(8))
    unit: Mapped[str] = mapped_column(String(32))
    fossil_kg_per_unit: Mapped[float] = mapped_column(Float)
    biogenic_kg_per_unit: Mapped[float] = mapped_column(Float)
    primary_data_share: Mapped[float] = mapped_column(Float)
    dqr_technological: Mapped[float | None] = mapped_column(Float)
    dqr_temporal: Mapped[float | None] = mapped_column(Float)
    dqr_geographical: Mapped[float | None] = mapped_column(Float)
    # the supplier footprints in place: [flow, supplier, reference] each
    supplier_inputs: Mapped[list[object]] = mapped_column(JSON)
