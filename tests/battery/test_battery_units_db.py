"""The unit registry on SQLite and PostgreSQL: registration, links, rule-checked events, one-query history after
handovers between three actors, cascade re-coding, and outstanding deposits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.battery.codes import InvalidCode
from carbontrail.battery.traceability import Event
from carbontrail.errors import Conflict, InputError, NotFound, PermissionDenied
from carbontrail.services import battery_units as svc
from carbontrail.services.work import SystemActor
from carbontrail.units import magnitude, quantity

T0 = datetime(2025, 1, 1, 8, tzinfo=UTC)
PACK = "01APBAASC00001R3F0000042"
PACK2 = "01APBAASC00001R3F0000043"
MODULES = ["01AMBAASC00001R3F0000001", "01AMBAASC00001R3F0000002"]
CASCADE = "02BPB01ST00001S110000001"
VIN = "LSVAU2180N2183294"
PY = SystemActor("test")


def at(day: int) -> datetime:
    return T0 + timedelta(days=day)


def test_life_of_a_pack(sessions: sessionmaker[Session]) -> None:
    assert svc.register_units(sessions, PY, [PACK, PACK2], "MAKER", at(0)) == 2
    assert svc.register_units(sessions, PY, MODULES, "MAKER", at(0), parent=PACK) == 2
    assert list(svc.history(sessions, PY, PACK).children) == MODULES

    svc.record_event(sessions, PY, PACK, Event("sold", "MAKER", at(1), to_actor="CARCO", deposit=quantity(300, "yuan")))
    svc.record_event(sessions, PY, PACK2, Event("sold", "MAKER", at(1), to_actor="CARCO", deposit=quantity(250, "yuan")))
    svc.record_event(sessions, PY, PACK, Event("installed", "CARCO", at(2), vin=VIN))
    with pytest.raises(PermissionDenied):
        svc.record_event(sessions, PY, PACK, Event("retired", "MAKER", at(3)))
    svc.record_event(sessions, PY, PACK, Event("retired", "CARCO", at(3)))
    svc.record_event(sessions, PY, PACK, Event("handed_over", "CARCO", at(4), to_actor="RECYCLER"))
    svc.record_event(sessions, PY, PACK, Event("recycled", "RECYCLER", at(5), recovered={"lithium": quantity(3.1, "kg")}))
    with pytest.raises(Conflict):
        svc.record_event(sessions, PY, PACK, Event("sold", "RECYCLER", at(6), to_actor="X"))

    h = svc.history(sessions, PY, PACK)
    assert [(e.seq, e.kind, e.actor, e.holder_after) for e in h.events] == [
        (1, "produced", "MAKER", "MAKER"), (2, "sold", "MAKER", "CARCO"), (3, "installed", "CARCO", "CARCO"),
        (4, "retired", "CARCO", "CARCO"), (5, "handed_over", "CARCO", "RECYCLER"),
        (6, "recycled", "RECYCLER", "RECYCLER")]
    assert all(e.responsible_producer == "MAKER" for e in h.events)
    assert h.state.status == "recycled" and h.state.vin == VIN
    assert magnitude(h.events[-1].recovered["lithium"], "kg") == pytest.approx(3.1)
    # PACK's 300 CNY was refunded on recycling; PACK2's 250 CNY is still held by MAKER
    assert {k: magnitude(v, "yuan") for k, v in svc.outstanding_deposits(sessions, PY).items()} == {"MAKER": 250.0}


def test_cascade_repack_keeps_the_original(sessions: sessionmaker[Session]) -> None:
    svc.register_units(sessions, PY, [PACK], "MAKER", at(0))
    svc.record_event(sessions, PY, PACK, Event("retired", "MAKER", at(1)))
    svc.record_event(sessions, PY, PACK, Event("handed_over", "MAKER", at(2), to_actor="SECONDLIFE"))
    svc.record_event(sessions, PY, PACK, Event("tested", "SECONDLIFE", at(3), note="SoH 78 %"))
    svc.record_event(sessions, PY, PACK, Event("repacked", "SECONDLIFE", at(4), new_code=CASCADE))
    h = svc.history(sessions, PY, CASCADE)
    assert h.original_code == PACK
    assert [(e.code, e.kind) for e in h.events] == [
        (PACK, "produced"), (PACK, "retired"), (PACK, "handed_over"), (PACK, "tested"), (PACK, "repacked"),
        (CASCADE, "produced")]
    assert h.state.responsible_producer == "SECONDLIFE" and h.state.holder == "SECONDLIFE"
    assert svc.history(sessions, PY, PACK).state.status == "repacked"


def test_registration_is_all_or_nothing(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(InvalidCode):
        svc.register_units(sessions, PY, [PACK, PACK2[:-1]], "MAKER", at(0))
    with pytest.raises(InputError, match="twice"):
        svc.register_units(sessions, PY, [PACK, PACK], "MAKER", at(0))
    svc.register_units(sessions, PY, [PACK], "MAKER", at(0))
    with pytest.raises(Conflict, match="already registered"):
        svc.register_units(sessions, PY, [PACK2, PACK], "MAKER", at(0))
    with pytest.raises(InputError, match="cannot contain"):
        svc.register_units(sessions, PY, [PACK2], "MAKER", at(0), parent=PACK)  # a pack inside a pack
    assert [e.kind for e in svc.history(sessions, PY, PACK).events] == ["produced"]
    with pytest.raises(NotFound, match="no battery unit"):
        svc.history(sessions, PY, PACK2)
