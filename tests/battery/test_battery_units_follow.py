"""States that follow events, on SQLite and PostgreSQL: what sits in a pack moves with it (through retirement and
re-coding), events dated in the future or before production are refused with the reason, the residual value is
assessed from the stored tests, and a history follows any number of re-codings back to the first code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.battery.traceability import Event
from carbontrail.errors import InputError
from carbontrail.services import battery_residual as residual
from carbontrail.services import battery_units as svc
from carbontrail.services.work import SystemActor
from carbontrail.store.models import Organisation
from carbontrail.store.db import transaction

PY = SystemActor("test")
T0 = datetime(2025, 1, 1, 8, tzinfo=UTC)
PACK = "01APBAASC00001R3F0000042"  # produced 2024-03-15 (R = 2024, 3 = March, F = 15)
PACK2 = "01APBAASC00001R3F0000043"
MODULES = ["01AMBAASC00001R3F0000001", "01AMBAASC00001R3F0000002"]
CELL = "01ACBAASC00001R3F0000001"
CASCADE = "02BPB01ST00001S110000001"  # produced 2025-01-01
CASCADE2 = "03BPB01ST00001S110000001"


def at(day: int) -> datetime:
    return T0 + timedelta(days=day)


def test_modules_and_cells_move_with_their_pack(sessions: sessionmaker[Session]) -> None:
    """A pack with two modules, one holding a cell: sold, retired, handed to a second-life operator, re-coded, and
    the cascade product handed to a recycler. Each step moves what is inside; after the re-coding the modules follow
    the new code (not "produced, held by MAKER")."""
    svc.register_units(sessions, PY, [PACK], "MAKER", at(0))
    svc.register_units(sessions, PY, MODULES, "MAKER", at(0), parent=PACK)
    svc.register_units(sessions, PY, [CELL], "MAKER", at(0), parent=MODULES[0])

    def state(code: str) -> tuple[str, str, str]:
        s = svc.history(sessions, PY, code).state
        return s.status, s.holder, s.responsible_producer

    svc.record_event(sessions, PY, PACK, Event("sold", "MAKER", at(1), to_actor="CARCO"))
    assert state(MODULES[1]) == state(CELL) == ("sold", "CARCO", "MAKER")
    svc.record_event(sessions, PY, PACK, Event("retired", "CARCO", at(2)))
    svc.record_event(sessions, PY, PACK, Event("handed_over", "CARCO", at(3), to_actor="SECONDLIFE"))
    assert state(MODULES[0]) == state(CELL) == ("retired", "SECONDLIFE", "MAKER")
    # the holder of the pack holds its modules: it may test one of them
    svc.record_event(sessions, PY, MODULES[1], Event("tested", "SECONDLIFE", at(4), note="module 2 only"))
    svc.record_event(sessions, PY, PACK, Event("repacked", "SECONDLIFE", at(5), new_code=CASCADE))
    # the cascade product's operator bears EPR for it and for what is inside
    assert state(MODULES[0]) == state(MODULES[1]) == state(CELL) == ("produced", "SECONDLIFE", "SECONDLIFE")
    svc.record_event(sessions, PY, CASCADE, Event("retired", "SECONDLIFE", at(6)))
    svc.record_event(sessions, PY, CASCADE, Event("handed_over", "SECONDLIFE", at(7), to_actor="RECYCLER"))
    assert state(MODULES[0]) == state(CELL) == ("retired", "RECYCLER", "SECONDLIFE")
    assert state(PACK) == ("repacked", "SECONDLIFE", "MAKER")

    h = svc.history(sessions, PY, CELL)
    assert h.parent == MODULES[0]
    assert [(e.code, e.kind) for e in h.events] == [
        (PACK, "produced"), (MODULES[0], "produced"), (CELL, "produced"), (PACK, "sold"), (PACK, "retired"),
        (PACK, "handed_over"), (PACK, "repacked"), (CASCADE, "produced"), (CASCADE, "retired"),
        (CASCADE, "handed_over")]
    # the other module's own test is in its history, not in its sibling's
    assert ("tested" in [e.kind for e in svc.history(sessions, PY, MODULES[1]).events])
    assert "tested" not in [e.kind for e in svc.history(sessions, PY, MODULES[0]).events]


def test_future_and_pre_production_events_are_refused(sessions: sessionmaker[Session]) -> None:
    svc.register_units(sessions, PY, [PACK], "MAKER", at(0))
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    with pytest.raises(InputError, match="after the time it is recorded") as refused:
        svc.record_event(sessions, PY, PACK, Event("sold", "MAKER", tomorrow, to_actor="CARCO"))
    assert refused.value.location.field == "at"
    with pytest.raises(InputError, match="after the time it is recorded"):
        svc.register_units(sessions, PY, [PACK2], "MAKER", datetime(2032, 6, 1, tzinfo=UTC))
    # PACK's 'produced' event is at(0) = 2025-01-01 08:00: a sale the day before it is refused
    with pytest.raises(InputError, match=f"before unit {PACK} was produced"):
        svc.record_event(sessions, PY, PACK, Event("sold", "MAKER", at(-1), to_actor="CARCO"))
    # PACK2's code says it was produced on 2024-03-15: registering it as produced on 2024-03-14 is refused
    with pytest.raises(InputError, match=r"before unit .* was produced \(2024-03-15"):
        svc.register_units(sessions, PY, [PACK2], "MAKER", datetime(2024, 3, 14, 12, tzinfo=UTC))
    # nothing of the refused events was stored
    assert [e.kind for e in svc.history(sessions, PY, PACK).events] == ["produced"]
    svc.record_event(sessions, PY, PACK, Event("sold", "MAKER", at(1), to_actor="CARCO"))


def test_residual_value_reads_the_stored_tests(sessions: sessionmaker[Session]) -> None:
    """Illustrative prices: cascade net 400 − 150 = 250 CNY/kWh; recycling 0.012 × 0.85 × 500 + 0.08 × 0.95 × 60
    + 0.15 × 0.90 × 16 − 4 = 5.1 + 4.56 + 2.16 − 4 = 7.82 CNY/kg.
    PACK tested at 80 % capacity, +20 % resistance, 1,000 cycles, 60 kWh: cascade, 60 × 0.8 × 250 = 12,000 CNY.
    PACK2 tested twice, the later test at 60 % capacity: recycling, 380 kg × 7.82 = 2,971.6 CNY."""
    with transaction(sessions) as s:
        s.add(Organisation(code="SECONDLIFE", name="二次利用", name_en="Second life"))
    svc.register_units(sessions, PY, [PACK, PACK2], "MAKER", at(0))
    for code in (PACK, PACK2):
        svc.record_event(sessions, PY, code, Event("retired", "MAKER", at(1)))
        svc.record_event(sessions, PY, code, Event("handed_over", "MAKER", at(2), to_actor="SECONDLIFE"))
    soh = {"capacity": 0.8, "resistance_increase": 0.2, "cycles": 1000, "rated_energy_kwh": 60, "mass_kg": 380}
    svc.record_event(sessions, PY, PACK, Event("tested", "SECONDLIFE", at(3), measured=soh))
    svc.record_event(sessions, PY, PACK2, Event("tested", "SECONDLIFE", at(3), measured={**soh, "capacity": 0.9}))
    svc.record_event(sessions, PY, PACK2, Event("tested", "SECONDLIFE", at(4), measured={**soh, "capacity": 0.6}))
    with pytest.raises(InputError, match="missing mass_kg"):
        svc.record_event(sessions, PY, PACK2, Event("tested", "SECONDLIFE", at(5), measured={
            k: v for k, v in soh.items() if k != "mass_kg"}))

    batch = residual.assess_tested(sessions, PY, "SECONDLIFE", residual.Settings())
    by_code = {u["code"]: u for u in batch["units"]}  # type: ignore[union-attr]
    assert by_code[PACK]["route"] == "cascade" and by_code[PACK]["value_cny"] == pytest.approx(12_000)
    assert by_code[PACK2]["route"] == "recycling" and by_code[PACK2]["value_cny"] == pytest.approx(2_971.6)
    assert by_code[PACK2]["capacity"] == pytest.approx(0.6)
    assert batch["summary"]["total_value_cny"] == pytest.approx(14_971.6)  # type: ignore[index]
    assert residual.latest(sessions, PY, "SECONDLIFE")["summary"]["units"] == 2  # type: ignore[index]


def test_a_history_follows_every_recoding(sessions: sessionmaker[Session]) -> None:
    """PACK re-coded into CASCADE, CASCADE re-coded again into CASCADE2: CASCADE2's history starts at PACK."""
    svc.register_units(sessions, PY, [PACK], "MAKER", at(0))
    svc.record_event(sessions, PY, PACK, Event("retired", "MAKER", at(1)))
    svc.record_event(sessions, PY, PACK, Event("repacked", "MAKER", at(2), new_code=CASCADE))
    svc.record_event(sessions, PY, CASCADE, Event("retired", "MAKER", at(3)))
    svc.record_event(sessions, PY, CASCADE, Event("handed_over", "MAKER", at(4), to_actor="OPERATOR2"))
    svc.record_event(sessions, PY, CASCADE, Event("repacked", "OPERATOR2", at(5), new_code=CASCADE2))
    h = svc.history(sessions, PY, CASCADE2)
    assert h.original_code == PACK
    assert [(e.code, e.kind) for e in h.events] == [
        (PACK, "produced"), (PACK, "retired"), (PACK, "repacked"), (CASCADE, "produced"), (CASCADE, "retired"),
        (CASCADE, "handed_over"), (CASCADE, "repacked"), (CASCADE2, "produced")]
    assert h.state.responsible_producer == "OPERATOR2"
