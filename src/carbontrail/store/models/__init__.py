"""Database models, one module per area; importing this package registers them all on `Base.metadata`."""

from carbontrail.store.models.base import Base
from carbontrail.store import changes, limits  # noqa: F401  (register the text checks and the commit counter)
from carbontrail.store.models.organisations import Facility, Jurisdiction, Meter, Organisation, ReportingPeriod
from carbontrail.store.models.activity import ActivityRecord, ImportBatch
from carbontrail.store.models.factors import FactorDatasetRow, FactorRow
from carbontrail.store.models.accounts import ApiClient, AuthState, RoleGrant, SignInThrottle, User
from carbontrail.store.models.audit import AuditEvent
from carbontrail.store.models.products import ProductFootprintResult, ProductModel, SupplierFootprint
from carbontrail.store.models.supply_chain import OutboundRequest, ReceivedFootprint, SupplierConnection
from carbontrail.store.models.pact import (
    PactCallbackCredential,
    PactEvent,
    PactFootprint,
    PactFootprintKey,
    PactGrant,
    PactInboundRequest,
    PactRule,
    PactState,
)
from carbontrail.store.models.battery import (
    BatteryDeclarationRecord,
    BatteryDeposit,
    BatteryEvent,
    BatteryPassportGrant,
    BatteryPassportRecord,
    BatteryResidualBatch,
    BatteryUnit,
)
from carbontrail.store.models.cbam import CbamDefaultDataset, CbamDefaultValue, CbamInstallation, CbamResult
from carbontrail.store.models.monitor import (
    MonitorRollup,
    MonitorRollupRow,
    MonitorTarget,
    MonitorWarning,
    MonthlyFigure,
    PriceIndex,
    ReadingBatch,
    ReportFiling,
    WarningEvent,
    WarningRule,
)
from carbontrail.store.models.ledger import (
    AccreditedBody,
    EngagementFinding,
    IssuedCredential,
    LedgerCheckpoint,
    LedgerEntry,
    LedgerLogKey,
    LedgerNode,
    OrganisationKey,
    RegistryEntry,
    StatusList,
    VerificationEngagement,
    VerificationStatement,
)
from carbontrail.store.models.certificates import (
    CertificateClaim,
    CertificateEvent,
    CertificateTransfer,
    EnergyInstrument,
    GenerationProfile,
)

__all__ = [
    "ActivityRecord", "ApiClient", "AuditEvent", "Base",
    "BatteryDeclarationRecord", "BatteryDeposit", "BatteryEvent", "BatteryPassportGrant", "BatteryPassportRecord",
    "BatteryResidualBatch", "BatteryUnit",
    "CbamDefaultDataset", "CbamDefaultValue", "CbamInstallation", "CbamResult",
    "Facility", "FactorDatasetRow", "FactorRow", "ImportBatch", "Jurisdiction", "Meter", "Organisation",
    "OutboundRequest",
    "PactCallbackCredential", "PactEvent", "PactFootprint", "PactFootprintKey", "PactGrant", "PactInboundRequest",
    "PactRule", "PactState", "ProductFootprintResult",
    "ProductModel", "ReceivedFootprint", "ReportingPeriod", "RoleGrant", "SupplierConnection", "SupplierFootprint",
    "User",
    "AuthState", "SignInThrottle",
    "MonitorRollup", "MonitorRollupRow", "MonitorTarget", "MonitorWarning", "MonthlyFigure", "PriceIndex",
    "ReadingBatch", "ReportFiling", "WarningEvent", "WarningRule",
    "AccreditedBody", "EngagementFinding", "IssuedCredential", "LedgerCheckpoint", "LedgerEntry", "LedgerLogKey",
    "LedgerNode", "OrganisationKey", "RegistryEntry", "StatusList", "VerificationEngagement", "VerificationStatement",
    "CertificateClaim", "CertificateEvent", "CertificateTransfer", "EnergyInstrument", "GenerationProfile",
]
