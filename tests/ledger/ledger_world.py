"""The trust tests' world (a unique module name: test folders are not packages): two enterprises, an accredited
verification body, and one user each, on the fixture database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.services import accounts
from carbontrail.services.accounts import Principal
from carbontrail.store.db import transaction
from datetime import date

from carbontrail.store.models import ActivityRecord, Facility, ImportBatch, Organisation, ReportingPeriod

KEY = b"ledger test platform secret key"


@dataclass
class People:
    sessions: sessionmaker[Session]
    a_admin: Principal  # org_admin of ORG-A (the enterprise)
    a_entry: Principal  # data_entry of ORG-A
    c_admin: Principal  # org_admin of ORG-C (another enterprise)
    verifier: Principal  # verifier at VB-1 (the accredited body)
    operator: Principal  # platform administrator

    def refresh(self, who: Principal) -> Principal:
        with self.sessions() as s:
            return accounts.principal_of(s, who.user_id)


def build(sessions: sessionmaker[Session]) -> People:
    with transaction(sessions) as s:
        s.add_all([Organisation(code="ORG-A", name="甲锂电", name_en="A Lithium", industry="battery"),
                   Organisation(code="ORG-C", name="丙光伏 SECRET-C", name_en="C Solar", industry="pv"),
                   Organisation(code="VB-1", name="四川核查中心", name_en="Sichuan Verification Centre",
                                industry="verification")])
        s.flush()
        a = s.query(Organisation).filter_by(code="ORG-A").one()
        fac = Facility(organisation_id=a.id, code="A-CELL", name="电芯车间", province="Sichuan")
        s.add_all([fac, ReportingPeriod(organisation_id=a.id, name="2025", start=date(2025, 1, 1),
                                        end=date(2025, 12, 31))])
        s.flush()
        batch = ImportBatch(organisation_id=a.id, file_name="electricity-2025.xlsx", sha256="ab" * 32,
                            template="activity", rows=2)
        s.add(batch)
        s.flush()
        for month, kwh in ((1, 812_000.0), (2, 790_500.0)):
            s.add(ActivityRecord(record_key=f"A-CELL-elec-2025-{month:02d}", organisation_id=a.id, facility_id=fac.id,
                                 kind="electricity", item="grid electricity", period_start=date(2025, month, 1),
                                 period_end=date(2025, month, 28), quantity=kwh, unit="kWh",
                                 source="meter readings (test fixture)", import_id=batch.id))
    users = {}
    for email, role, org, admin in (("a@a.test", "org_admin", "ORG-A", False),
                                    ("e@a.test", "data_entry", "ORG-A", False),
                                    ("c@c.test", "org_admin", "ORG-C", False),
                                    ("v@vb.test", "verifier", "VB-1", False),
                                    ("op@platform.test", None, None, True)):
        uid = accounts.create_user(sessions, email, "correct horse battery", platform_admin=admin)
        if role:
            accounts.grant_role(sessions, email, role, organisation=org)
        with sessions() as s:
            users[email] = accounts.principal_of(s, uid)
    return People(sessions, users["a@a.test"], users["e@a.test"], users["c@c.test"], users["v@vb.test"],
                  users["op@platform.test"])
