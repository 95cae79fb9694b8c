"""The CBAM demo on SQLite and PostgreSQL: two exporters in their parks with their installations, loaded twice."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.services.work import SystemActor
from carbontrail.services import cbam, jurisdictions, tenancy
from carbontrail.services.demo.cbam import load_cbam_demo
from carbontrail.store.models import CbamInstallation, Facility, Jurisdiction, Organisation
from cbam_world import EXAMPLES


def test_demo_exporters_in_their_parks_with_installations(sessions: sessionmaker[Session]) -> None:
    """The V-Ti works' hot strip mill in 2026 (mark-up +10 % on the bought ingots): its precursors are the own slabs
    (800,000 t at the converter's SEE) and 50,000 t of CN 7206 10 00 from China at 1.74 × 1.10 = 1.914 t/t, i.e.
    95,700 t CO2 resting on default values (cbamdefaults.com transcription of Implementing Reg. (EU) 2025/2621)."""
    first = load_cbam_demo(sessions, EXAMPLES, "demo password")
    assert first["jurisdictions_created"] == ["SC", "SC-GY", "SC-GY-GETDZ", "SC-PZH", "SC-PZH-VTHIDZ"]
    assert sorted(first["users_created"]) == ["manager@gy-alu.example", "manager@pzh-vti.example"]
    with sessions() as s:
        orgs = {o.code: o for o in s.scalars(select(Organisation))}
        assert set(orgs) == {"GY-ALU", "PZH-VTI"}
        parks = dict(s.execute(select(Jurisdiction.id, Jurisdiction.code)).all())
        assert parks[orgs["GY-ALU"].jurisdiction_id] == "SC-GY-GETDZ"
        assert parks[orgs["PZH-VTI"].jurisdiction_id] == "SC-PZH-VTHIDZ"
        tree = jurisdictions.tree(s, {s.scalar(select(Jurisdiction.id).where(Jurisdiction.code == "SC"))})
        assert [c.code for c in tree[0].children] == ["SC-GY", "SC-PZH"]
        rows = s.execute(select(CbamInstallation.code, Facility.code).join(
            Facility, CbamInstallation.facility_id == Facility.id).order_by(CbamInstallation.code)).all()
        assert [tuple(r) for r in rows] == [("GY-SMELTER", "GY-SMELTER"), ("PZH-VTI-WORKS", "PZH-WORKS")]
    again = load_cbam_demo(sessions, EXAMPLES, "demo password")
    assert again["jurisdictions_created"] == [] and again["users_created"] == []
    assert all(f["inserted"] == 0 for f in again["files"])
    with sessions() as s:
        assert len(s.scalars(select(CbamInstallation.id)).all()) == 2
    mill = cbam.compute(sessions, SystemActor("test"), "PZH-VTI", "PZH-VTI-WORKS", markup_year=2026).result.process("hot_strip_mill")
    bought = mill.precursors[1]
    assert bought.origin == "default" and bought.markup == pytest.approx(0.10)
    assert bought.from_defaults.to("t").magnitude == pytest.approx(50_000 * 1.914)
    assert mill.default_share == pytest.approx(95_700 / (mill.embedded_direct + mill.embedded_indirect).to("t")
                                               .magnitude)
