"""Expiring green-electricity instruments reach the monitoring warnings (issue 16, item 5): the rule
`certificate_expiring` raises one warning per held instrument with unclaimed MWh whose validity ends within `days`
(60 by default), yellow, red in the last week; a claimed one raises none, and a warning is not repeated.

By hand: three GECs of January 2025 held by CD-CELL; one is claimed. On a day 30 days before their validity ends,
the two unclaimed ones (1 MWh each) warn yellow with 30 days left; 5 days before, a fresh evaluation raises nothing
new (the open warnings stand); with the warnings resolved, it raises them again red."""

from __future__ import annotations

from datetime import date, timedelta

from certificates_world import CLI, electricity, issue_gecs, seed
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.services import certificates as certs
from carbontrail.services.monitor import warnings
from carbontrail.store.models import EnergyInstrument


def test_unclaimed_instruments_warn_before_they_expire(sessions: sessionmaker[Session]) -> None:
    seed(sessions)
    serials = issue_gecs(sessions, 3, holder="CD-CELL")
    electricity(sessions, "CD-CELL", date(2025, 1, 1), date(2025, 1, 31), 1_000_000)
    certs.claim(sessions, CLI, "CD-CELL", serials[:1], (date(2025, 1, 1), date(2025, 1, 31)), on=date(2025, 2, 1))
    with sessions() as s:
        until = s.scalar(select(EnergyInstrument.valid_until).where(EnergyInstrument.reference == serials[1]))
    assert until is not None
    warnings.add_rule(sessions, CLI, "certificate_expiring", organisation_code="CD-CELL")
    raised = warnings.evaluate(sessions, CLI, year=2025, today=until - timedelta(days=30))
    assert sorted((w.key, w.severity, w.figures["days_left"], w.figures["unclaimed_mwh"]) for w in raised) == [
        (f"GEC:{serials[1]}", "yellow", 30, 1.0), (f"GEC:{serials[2]}", "yellow", 30, 1.0)]
    assert warnings.evaluate(sessions, CLI, year=2025, today=until - timedelta(days=5)) == []
    for w in raised:
        warnings.handle(sessions, CLI, w.id, "resolve", note="noted")
    again = warnings.evaluate(sessions, CLI, year=2025, today=until - timedelta(days=5))
    assert sorted((w.severity, w.figures["days_left"]) for w in again) == [("red", 5), ("red", 5)]
    assert warnings.evaluate(sessions, CLI, year=2025, today=until + timedelta(days=1)) == []  # expired: too late
