"""A small world for the certificate tests (a unique module name: test folders are not packages): a Sichuan
hydropower plant, CD-CELL in Sichuan, SH-LFP in Shanghai, and helpers to issue GECs."""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.ledger.certificates import check_instrument, gec_serial
from carbontrail.services import certificates as certs
from carbontrail.services.accounts import Grant, Principal
from carbontrail.services.work import SystemActor
from carbontrail.store.db import transaction
from carbontrail.store.models import ActivityRecord, Facility, Organisation

CLI = SystemActor("test")
PROJECT = "1352015513200001" "7"  # hydro, conventional, approved 2015, address 513200, project 001
ORGS = ("SC-HYDRO", "CD-CELL", "SH-LFP", "CQ-AL")
PROVINCES = {"SC-HYDRO": "四川", "CD-CELL": "四川", "SH-LFP": "上海", "CQ-AL": "重庆"}


def seed(sessions: sessionmaker[Session]) -> dict[str, int]:
    with transaction(sessions) as s:
        rows = {code: Organisation(code=code, name=code, province=PROVINCES[code]) for code in ORGS}
        s.add_all(rows.values())
        s.flush()
        for code, org in rows.items():
            s.add(Facility(organisation_id=org.id, code=f"{code}-F1", name="site", province=PROVINCES[code]))
        return {code: org.id for code, org in rows.items()}


def electricity(sessions: sessionmaker[Session], org: str, start: date, end: date, kwh: float) -> None:
    with transaction(sessions) as s:
        o = s.query(Organisation).filter_by(code=org).one()
        f = s.query(Facility).filter_by(organisation_id=o.id).one()
        key = hashlib.sha1(f"{org}|{start}|{end}".encode()).hexdigest()
        s.add(ActivityRecord(record_key=key, organisation_id=o.id, facility_id=f.id, kind="electricity",
                             item="grid electricity", period_start=start, period_end=end, quantity=kwh, unit="kWh",
                             source="certificate test fixture"))


def issue_gecs(sessions: sessionmaker[Session], count: int, *, month: date = date(2025, 1, 1), first: int = 1,
               holder: str = "", ccer: bool = False, issuer: str = "SC-HYDRO") -> list[str]:
    """`count` GECs of the plant for one production month, registered by the plant (held by `holder`)."""
    end = date(month.year + (month.month == 12), month.month % 12 + 1, 1).toordinal() - 1
    serials = [gec_serial(PROJECT, month, first + i) for i in range(count)]
    rows = [(i + 2, check_instrument("GEC", s, "Aba hydro", "hydro", "四川", month, date.fromordinal(end), 1.0,
                                     ccer=ccer), holder) for i, s in enumerate(serials)]
    certs.issue(sessions, CLI, issuer, rows, source="test registry export")
    return serials


def member(org_ids: dict[str, int], code: str, role: str = "carbon_manager") -> Principal:
    return Principal(user_id=1000 + org_ids[code], email=f"{role}@{code.lower()}.test", name=code,
                     platform_admin=False, grants=(Grant(role, organisation_id=org_ids[code], organisation=code),))
