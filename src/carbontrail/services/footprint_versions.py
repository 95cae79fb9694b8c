"""A product's footprint beside the stored results of the same product from the organisation's other models (an
earlier version of the model, the plant before an upgrade): what changed, per declared unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.monitor.kpi import change
from carbontrail.services import tenancy
from carbontrail.services.work import Actor
from carbontrail.store.repositories import footprints as repo


@dataclass(frozen=True)
class OtherVersion:
    """A stored result of the product from another model, and how the footprint shown compares with it."""

    model: str
    model_version: str
    unit: str
    fossil_kg_per_unit: float
    allocation: str
    boundary: str
    computed_at: datetime
    change: float | None  # the footprint shown ÷ this one − 1 (None: another declared unit)


def other_versions(sessions: sessionmaker[Session], actor: Actor, code: str, model: str, product: str,
                   fossil_kg_per_unit: float, unit: str) -> list[OtherVersion]:
    """The product's stored results from the organisation's models other than `model`, oldest model version
    first, each with the change of `fossil_kg_per_unit` (per `unit`) against it."""
    with sessions() as s:
        access = tenancy.access(s, actor, code, tenancy.INVENTORY)
        rows = [r for r in repo.latest_results_of(s, access.organisation_id, product) if r.model_key != model]
    rows.sort(key=lambda r: (r.model_version, r.created_at))
    return [OtherVersion(r.model_key, r.model_version, r.unit, r.fossil_kg_per_unit, r.allocation, r.boundary,
                         r.created_at, change(fossil_kg_per_unit, r.fossil_kg_per_unit) if r.unit == unit else None)
            for r in rows]
