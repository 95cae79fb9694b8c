"""An installation's amounts drawn from its facility's activity records (`from_inventory`): the figure is entered
once, in the inventory, and the CBAM result follows it; a stated amount the records contradict is refused with
both numbers; a link without a facility needs a stated amount. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from carbontrail.errors import InputError
from carbontrail.services import cbam
from carbontrail.services.work import SystemActor
from carbontrail.store.db import transaction
from carbontrail.store.models import ActivityRecord, Meter
from cbam_world import EXAMPLES, CbamWorld

ACTOR = SystemActor("test")
SMELTER = (EXAMPLES / "sichuan-aluminium-smelter.yaml").read_bytes()


def _casting_gas(w: CbamWorld) -> float:
    done = cbam.compute(w.sessions, ACTOR, "ALU", "GY", markup_year=2026)
    smelting = next(p for p in done.result.processes if p.process_id == "smelting")
    return next(co2 for name, _method, co2 in smelting.streams if name == "natural gas, casting furnaces").to("t").m


def test_the_result_follows_the_facility_records(cbam_world: CbamWorld) -> None:
    """6,000,000 Nm3 × 0.038931 GJ/Nm3 × 56.1 t/TJ = 13,104.1746 t CO2; with the meter's record raised to
    6,600,000 Nm3 the same stored installation computes 14,414.59206 t, without being uploaded again."""
    w = cbam_world
    stored, _ = cbam.save_installation(w.sessions, ACTOR, "ALU", "GY", SMELTER, facility="GY-SMELTER")
    stream = stored.installation.processes[0].source_streams[1]
    assert stream.from_inventory is not None and stream.from_inventory.meter == "GY-GAS-CAST"
    assert stream.amount.value == pytest.approx(6_000_000)
    assert _casting_gas(w) == pytest.approx(13_104.1746)
    with transaction(w.sessions) as s:
        meter_id = s.scalar(select(Meter.id).where(Meter.code == "GY-GAS-CAST"))
        s.execute(update(ActivityRecord).where(ActivityRecord.meter_id == meter_id).values(quantity=6_600_000))
    assert _casting_gas(w) == pytest.approx(14_414.59206)


def test_a_stated_amount_the_records_contradict_is_refused(cbam_world: CbamWorld) -> None:
    w = cbam_world
    text = SMELTER.decode().replace("amount: 6000000 Nm3", "amount: 6100000 Nm3", 1).encode()
    with pytest.raises(InputError) as exc:
        cbam.save_installation(w.sessions, ACTOR, "ALU", "GY", text, facility="GY-SMELTER")
    assert exc.value.location.field == "processes[0].source_streams[1].from_inventory"
    assert "6100000 Nm3" in str(exc.value) and "6e+06 Nm3" in str(exc.value)


def test_a_link_needs_the_facility_or_a_stated_amount(cbam_world: CbamWorld) -> None:
    w = cbam_world
    # without a facility the stated amounts are used as they are
    stored, _ = cbam.save_installation(w.sessions, ACTOR, "ALU", "ALONE", SMELTER)
    assert stored.installation.processes[0].source_streams[1].amount.value == pytest.approx(6_000_000)
    bare = SMELTER.decode().replace("        amount: 6000000 Nm3                      # illustrative\n", "", 1)
    with pytest.raises(InputError) as exc:
        cbam.save_installation(w.sessions, ACTOR, "ALU", "BARE", bare.encode())
    assert "needs the facility" in str(exc.value)
    # with the facility, the amount comes from its records alone
    stored, _ = cbam.save_installation(w.sessions, ACTOR, "ALU", "BARE", bare.encode(), facility="GY-SMELTER")
    assert stored.installation.processes[0].source_streams[1].amount.value == pytest.approx(6_000_000)


def test_a_link_to_records_that_do_not_exist_is_refused(cbam_world: CbamWorld) -> None:
    text = SMELTER.decode().replace("{meter: GY-GAS-CAST}", "{meter: NO-SUCH-METER}", 1).encode()
    with pytest.raises(InputError) as exc:
        cbam.save_installation(cbam_world.sessions, ACTOR, "ALU", "GY", text, facility="GY-SMELTER")
    assert "no activity records of meter NO-SUCH-METER from 2025-01-01 to 2025-12-31" in str(exc.value)


def test_the_production_follows_the_facility_records(cbam_world: CbamWorld) -> None:
    """The smelting process's activity level is the facility's production record (200,000 t of unwrought
    aluminium): SEE direct 317,742.9556 t / 200,000 t = 1.588714778 t/t. With the record at 250,000 t the streams
    stay, the slope-method PFC scales with production (11,401.533 t × 1.25 = 14,251.91625 t CO2e), so direct =
    317,742.9556 − 11,401.533 + 14,251.91625 = 320,593.33885 t and SEE = 1.2823733554 t/t."""
    w = cbam_world
    cbam.save_installation(w.sessions, ACTOR, "ALU", "GY", SMELTER, facility="GY-SMELTER")

    def see() -> float:
        done = cbam.compute(w.sessions, ACTOR, "ALU", "GY", markup_year=2026)
        return next(p for p in done.result.processes if p.process_id == "smelting").see_direct.to("t/t").m

    assert see() == pytest.approx(1.588714778)
    with transaction(w.sessions) as s:
        s.execute(update(ActivityRecord).where(ActivityRecord.kind == "production",
                                               ActivityRecord.item == "unwrought aluminium")
                  .values(quantity=250_000))
    assert see() == pytest.approx((317_742.9556 - 11_401.533 + 14_251.91625) / 250_000)
