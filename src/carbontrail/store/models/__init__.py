"""Database models, one module per area; importing this package registers them all on `Base.metadata`."""

from carbontrail.store.models.base import Base
from carbontrail.store.models.organisations import Facility, Jurisdiction, Meter, Organisation, ReportingPeriod
from carbontrail.store.models.activity import ActivityRecord, ImportBatch
from carbontrail.store.models.factors import FactorDatasetRow, FactorRow
from carbontrail.store.models.battery import BatteryDeposit, BatteryEvent, BatteryUnit
from carbontrail.store.models.accounts import ApiClient, RoleGrant, User
from carbontrail.store.models.audit import AuditEvent

__all__ = [
    "ActivityRecord",
    "ApiClient",
    "AuditEvent",
    "Base",
    "BatteryDeposit",
    "BatteryEvent",
    "BatteryUnit",
    "Facility",
    "FactorDatasetRow",
    "FactorRow",
    "ImportBatch",
    "Jurisdiction",
    "Meter",
    "Organisation",
    "ReportingPeriod",
    "RoleGrant",
    "User",
]
