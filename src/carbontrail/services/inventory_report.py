"""What the inventory report carries beside the inventory itself, as ISO 14064-1:2018 clause 9 asks of a GHG
report: the base year's inventory (the organisation's earliest reporting period) for comparison, and the
verification statement that covers the period, if any (standing or withdrawn, as the ledger records it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.inventory.ghg import InventoryResult
from carbontrail.services import inventory as inventories
from carbontrail.services import tenancy
from carbontrail.services.work import Actor
from carbontrail.store.repositories import ledger as ledger_repo


@dataclass(frozen=True)
class StatementRef:
    """The verification statement of the reported period, by its credential."""

    credential_id: str
    body: str
    assurance: str
    opinion: str
    issued_at: datetime
    withdrawn: str  # the reason, "" while it stands


@dataclass(frozen=True)
class InventoryReport:
    view: inventories.InventoryView
    base_period: str | None  # None: the reported period is the earliest, so it is the base year
    base: InventoryResult | None
    statement: StatementRef | None


def report(sessions: sessionmaker[Session], actor: Actor, code: str, *, period: str | None = None,
           start: date | None = None, end: date | None = None, facility: str | None = None,
           cache: inventories.InventoryCache | None = None) -> InventoryReport:
    """The inventory of a period with its base year and the statement that verified it."""
    view = inventories.inventory_view(sessions, actor, code, period=period, start=start, end=end,
                                      facility=facility, cache=cache)
    base_period = min(view.periods, key=lambda p: p[1])[0] if view.periods else None
    if base_period == view.period or view.result is None:
        base_period = None
    base = inventories.inventory(sessions, actor, code, period=base_period, facility=facility, cache=cache) \
        if base_period is not None else None
    with sessions() as s:
        statement = _statement(s, actor, code, view.period) if view.period else None
    return InventoryReport(view, base_period, base, statement)


def _statement(s: Session, actor: Actor, code: str, period: str) -> StatementRef | None:
    access = tenancy.access(s, actor, code, tenancy.INVENTORY)
    found = None
    for engagement in ledger_repo.engagements_for(s, [access.organisation_id]):
        if engagement.organisation_id != access.organisation_id or engagement.subject_type != "inventory" \
                or engagement.subject_key != period:
            continue
        row = ledger_repo.statement_of(s, engagement.id)
        if row is not None:
            found = StatementRef(row.credential_id,
                                 ledger_repo.organisation_code(s, engagement.verifier_organisation_id),
                                 row.assurance, row.opinion, row.created_at,
                                 (row.withdrawn_reason or "withdrawn") if row.withdrawn_at else "")
    return found  # the newest engagement's statement
