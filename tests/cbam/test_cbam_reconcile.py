"""Each demo CBAM installation's direct emissions reconcile with its facility's inventory for the same period, or
the recorded differences (boundary, method, factor) explain the gap — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.services import cbam
from carbontrail.services.demo.cbam import CBAM_EXPORTERS, load_cbam_demo
from carbontrail.services.inventory import organisation_inventory
from carbontrail.services.work import SystemActor
from cbam_world import EXAMPLES

DEMO = SystemActor("test")


def test_every_demo_installation_reconciles_with_its_inventory(sessions: sessionmaker[Session]) -> None:
    """Smelter by hand: CBAM direct = anodes 293,237.248 + casting gas 13,104.1746 + PFC 11,401.533 + holding gas
    3,276.0437 = 321,018.9993 t CO2e. Its inventory records the same anode CO2 and PFC masses, so the gap is the
    fuel factors, CH4/N2O of combustion and the PFC GWPs (AR6 in the inventory, AR5 in CBAM) — nothing else."""
    load_cbam_demo(sessions, EXAMPLES, "demo password")
    seen = {}
    for org, (_park, installation, _model, facility) in CBAM_EXPORTERS.items():
        rec = cbam.reconcile(sessions, DEMO, org, installation)
        assert rec is not None and rec.facility == facility
        inventory = organisation_inventory(sessions, org, start=rec_start(rec), end=rec_end(rec), facility=facility)
        assert rec.inventory_scope1_t == pytest.approx(inventory.scope1_t) and rec.inventory_scope1_t > 0
        assert abs(rec.unexplained_t) < 1e-6 * rec.cbam_direct_t, rec
        seen[org] = rec
    alu = seen["GY-ALU"]
    assert alu.cbam_direct_t == pytest.approx(321_018.9993, abs=1e-3)
    causes = {d.item: d for d in alu.differences}
    assert "process CO2" not in causes and "PFC masses" not in causes  # the same figures on both sides
    assert causes["CF4 GWP"].cause == "method" and causes["CH4 and N2O of fuel combustion"].cause == "boundary"
    # the installation's gas NCV and factor are the library's (GB/T 2589-2020, IPCC 2006): no factor difference
    assert "fuel combustion CO2" not in causes
    # PFC GWPs: CF4 1.43 t × (7,380 − 6,630) = 1,072.5; C2F6 0.17303 t × (12,400 − 11,100) = 224.939 t CO2e
    assert causes["CF4 GWP"].t == pytest.approx(1_072.5) and causes["C2F6 GWP"].t == pytest.approx(224.939)
    # 7,500,000 Nm3 × 0.038931 GJ/Nm3 = 291.9825 TJ × (CH4 1 kg/TJ × 29.8 + N2O 0.1 kg/TJ × 273) = 16.6722 t
    assert causes["CH4 and N2O of fuel combustion"].t == pytest.approx(16.6722, abs=1e-4)
    assert alu.difference_t == pytest.approx(1_072.5 + 224.939 + 16.6722, abs=1e-3)
    steel = seen["PZH-VTI"]
    # blast furnace 906,107.2 + converter 134,248.96 + lime 3,925 + reheating gas 87,361.164 = 1,131,642.324 t
    assert steel.cbam_direct_t == pytest.approx(1_131_642.324, abs=1e-3)


def rec_start(rec: cbam.Reconciliation):  # type: ignore[no-untyped-def]
    from datetime import date

    return date.fromisoformat(rec.period.split("/")[0])


def rec_end(rec: cbam.Reconciliation):  # type: ignore[no-untyped-def]
    from datetime import date

    return date.fromisoformat(rec.period.split("/")[1])
