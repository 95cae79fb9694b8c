"""Database models, one module per area; importing this package registers them all on `Base.metadata`."""

from carbontrail.store.models.base import Base
from carbontrail.store.models.organisations import Facility, Jurisdiction, Meter, Organisation, ReportingPeriod
from carbontrail.store.models.activity import ActivityRecord, ImportBatch
from carbontrail.store.models.factors import FactorDatasetRow, FactorRow

__all__ = [
    "ActivityRecord",
    "Base",
    "Facility",
    "FactorDatasetRow",
    "FactorRow",
    "ImportBatch",
    "Jurisdiction",
    "Meter",
    "Organisation",
    "ReportingPeriod",
]
