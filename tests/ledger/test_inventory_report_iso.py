"""The inventory report carries what ISO 14064-1:2018 clause 9 asks beside the results: activity data by source,
the base year with a comparison, the recalculation policy, exclusions, uncertainty, and the verification statement
of the period (issue 17, item 6).

By hand (ledger world): ORG-A's 2025 period holds 812,000 + 790,500 = 1,602,500 kWh of grid electricity at A-CELL.
A 2024 period is added with 1,000,000 kWh: it is the earliest period, so the base year. Both years take the library's
Sichuan 2022 factor, 0.1404 kg/kWh: 140.4 t in 2024 and 224.991 t in 2025, a change of 224.991 / 140.4 − 1 = 60.25 %.
"""

from __future__ import annotations

import subprocess
from datetime import date

from ledger_world import KEY, build
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.reports.pdf import Verified, inventory_pdf
from carbontrail.services import inventory_report
from carbontrail.services.ledger import engagements
from carbontrail.store.db import transaction
from carbontrail.store.models import ActivityRecord, Facility, Organisation, ReportingPeriod

STATEMENT = engagements.StatementIn(assurance="limited", materiality="5 %", procedures="recalculation from bills",
                                    opinion="fairly stated")


def _text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return " ".join(out.decode().split())


def test_base_year_activity_data_exclusions_uncertainty_and_the_statement(sessions: sessionmaker[Session]) -> None:
    people = build(sessions)
    with transaction(sessions) as s:
        org = s.scalars(select(Organisation).where(Organisation.code == "ORG-A")).one()
        fac = s.scalars(select(Facility).where(Facility.organisation_id == org.id)).one()
        s.add(ReportingPeriod(organisation_id=org.id, name="2024", start=date(2024, 1, 1), end=date(2024, 12, 31)))
        s.add(ActivityRecord(record_key="A-CELL-elec-2024", organisation_id=org.id, facility_id=fac.id,
                             kind="electricity", item="grid electricity", period_start=date(2024, 1, 1),
                             period_end=date(2024, 12, 31), quantity=1_000_000, unit="kWh", source="test"))
    engagements.accredit(sessions, people.operator, "VB-1", "CNAS (test fixture)", "CNAS")
    made = engagements.engage(sessions, people.a_admin, "ORG-A", "VB-1", subject_type="inventory",
                              subject_key="2025", grants=["activity"])
    statement = engagements.issue_statement(sessions, people.verifier, KEY, made.id, STATEMENT)

    got = inventory_report.report(sessions, people.a_admin, "ORG-A", period="2025")
    assert got.base_period == "2024" and got.base is not None
    assert got.statement is not None and (got.statement.credential_id, got.statement.body, got.statement.assurance,
                                          got.statement.withdrawn) == (statement.credential_id, "VB-1", "limited", "")
    st = got.statement
    pdf = inventory_pdf(got.view.result, organisation_name="A", locale="en",  # type: ignore[arg-type]
                        base=got.base, base_period=got.base_period,
                        verified=Verified(st.credential_id, st.body, st.assurance, st.issued_at.date()))
    words = _text(pdf)
    assert "6 Activity data by source" in words
    assert "A-CELL 2 grid electricity 1,602,500.0 kWh 224.99" in words
    assert "7 Base year and recalculation" in words and "earliest reporting period, 2024" in words
    assert "140.40 224.99 60.2 %" in words  # scope 2 (location-based): base year, this period, change
    assert "8 Exclusions and their justification" in words and "9 Uncertainty" in words
    assert "No quantitative uncertainty assessment was made" in words
    assert (f"verified by VB-1 with limited assurance; the statement was issued on" in words
            and statement.credential_id in words)

    # the base year itself, not verified, in Chinese
    base = inventory_report.report(sessions, people.a_admin, "ORG-A", period="2024")
    assert base.base is None and base.statement is None
    zh = _text(inventory_pdf(base.view.result, organisation_name="甲", locale="zh_CN"))  # type: ignore[arg-type]
    assert "即基准年" in zh and "本报告期的清单未经第三方核查" in zh
