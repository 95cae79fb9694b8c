"""The monitoring tests' world: a province with one city and two parks; park P1 holds enterprises E1 and E2, park
P2 holds E3. Each enterprise has one facility with an electricity meter (15-minute interval values, kWh), a gas
meter (hourly, Nm3) and a cumulative electricity counter (hourly, kWh)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.services import accounts, jurisdictions
from carbontrail.services.accounts import Principal
from carbontrail.store.db import transaction
from carbontrail.store.models import Facility, Meter, MonthlyFigure, Organisation
from carbontrail.store.readings import ReadingStore

ENTERPRISES = {"E1": "P1", "E2": "P1", "E3": "P2"}


@dataclass
class MonitorWorld:
    sessions: sessionmaker[Session]
    store: ReadingStore
    home: Path


def seed(sessions: sessionmaker[Session]) -> None:
    jurisdictions.create(sessions, "PROV", "province", "省", name_en="Province")
    jurisdictions.create(sessions, "CITY", "city", "市", name_en="City", parent="PROV")
    jurisdictions.create(sessions, "P1", "park", "一园", name_en="Park 1", parent="CITY")
    jurisdictions.create(sessions, "P2", "park", "二园", name_en="Park 2", parent="CITY")
    with transaction(sessions) as s:
        for code in ENTERPRISES:
            org = Organisation(code=code, name=f"{code} 企业", name_en=f"Enterprise {code}", industry="C3841",
                               province="Sichuan")
            s.add(org)
            s.flush()
            fac = Facility(organisation_id=org.id, code="F1", name="plant", province="Sichuan")
            s.add(fac)
            s.flush()
            s.add_all([Meter(facility_id=fac.id, code="EL", medium="electricity", unit="kWh", interval_s=900),
                       Meter(facility_id=fac.id, code="GAS", medium="natural_gas", unit="Nm3", interval_s=3600),
                       Meter(facility_id=fac.id, code="CNT", medium="electricity", unit="kWh", interval_s=3600,
                             cumulative=True)])
    for code, park in ENTERPRISES.items():
        jurisdictions.place(sessions, park, organisation=code)
    # another province with one enterprise: the object no principal of PROV's side may reach
    jurisdictions.create(sessions, "OTHER", "province", "外省 SECRET-X", name_en="Other SECRET-X")
    jurisdictions.create(sessions, "OX-CITY", "city", "外市", name_en="Other city", parent="OTHER")
    jurisdictions.create(sessions, "OX", "park", "外园 SECRET-X", name_en="Other park SECRET-X", parent="OX-CITY")
    with transaction(sessions) as s:
        org = Organisation(code="E4", name="外企 SECRET-X", name_en="SECRET-X Ltd", industry="C3841",
                           province="Other")
        s.add(org)
        s.flush()
        fac = Facility(organisation_id=org.id, code="F1", name="SECRET-X plant", province="Other")
        s.add(fac)
        s.flush()
        s.add(Meter(facility_id=fac.id, code="EL", medium="electricity", unit="kWh", interval_s=900))
    jurisdictions.place(sessions, "OX", organisation="E4")


def seed_statuses(sessions: sessionmaker[Session]) -> None:
    """Energy use (tce) in 2020 and 2023 with value added 100 each year, and the province's −14 % by 2025: E1
    1.00 → 0.95 (on track 0.916) yellow, E2 3.00 → 3.10 red, E3 0.50 → 0.40 green."""
    from datetime import date

    from sqlalchemy import select

    from carbontrail.services.monitor import figures
    from carbontrail.services.work import SystemActor

    with transaction(sessions) as s:
        ids = dict(s.execute(select(Organisation.code, Organisation.id)).all())
        for code, e20, e23 in (("E1", 100.0, 95.0), ("E2", 300.0, 310.0), ("E3", 50.0, 40.0)):
            for year, e in ((2020, e20), (2023, e23)):
                s.add(MonthlyFigure(organisation_id=ids[code], month=date(year, 1, 1), energy_tce=e, co2_t=e,
                                    value_added=100.0))
    figures.set_target(sessions, SystemActor("test"), kpi_name="energy_intensity", base_year=2020,
                       target_year=2025, change=-0.14, jurisdiction_code="PROV")


def principal(sessions: sessionmaker[Session], email: str, role: str, *, organisation: str | None = None,
              jurisdiction: str | None = None) -> Principal:
    """A user holding one role, as the service boundary sees them."""
    from sqlalchemy import select

    from carbontrail.store.models import User

    accounts.create_user(sessions, email, "correct horse battery", name=email.split("@")[0])
    accounts.grant_role(sessions, email, role, organisation=organisation, jurisdiction=jurisdiction)
    with sessions() as s:
        return accounts.principal_of(s, s.scalar(select(User.id).where(User.email == email)))


@pytest.fixture
def mworld(sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MonitorWorld:
    home = tmp_path / "home"
    monkeypatch.setenv("CARBONTRAIL_HOME", str(home))
    seed(sessions)
    from carbontrail.services.monitor.access import reading_store

    return MonitorWorld(sessions, reading_store(sessions), home)
