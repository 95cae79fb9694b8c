"""Life-event rules: order, who may record, handovers between three actors, EPR, deposits, cascade re-coding."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from carbontrail.battery.codes import parse_code
from carbontrail.battery.traceability import (
    Event,
    apply,
    cascade_state,
    check_link,
    deposit_entries,
    outstanding_deposits,
    recovered_materials,
    replay,
)
from carbontrail.errors import Conflict, InputError, PermissionDenied
from carbontrail.units import magnitude, quantity

T0 = datetime(2025, 1, 1, 8)
CODE = "01APBAASC00001R3F0000042"
VIN = "LSVAU2180N2183294"


def life() -> list[Event]:
    """Maker → car maker (sale with 300 CNY deposit) → recycler (handover after retirement)."""
    t = [T0 + timedelta(days=d) for d in range(8)]
    return [
        Event("produced", "MAKER", t[0]),
        Event("sold", "MAKER", t[1], to_actor="CARCO", deposit=quantity(300, "yuan")),
        Event("installed", "CARCO", t[2], vin=VIN),
        Event("maintained", "CARCO", t[3], note="module 3 replaced"),
        Event("retired", "CARCO", t[4]),
        Event("handed_over", "CARCO", t[5], to_actor="RECYCLER"),
        Event("tested", "RECYCLER", t[6], note="GB/T 34015 residual capacity 62 %"),
        Event("recycled", "RECYCLER", t[7], recovered={"lithium": quantity(3.1, "kg"), "cobalt": quantity(0, "kg")}),
    ]


def test_full_life_across_three_actors() -> None:
    state = replay(CODE, life())
    assert state.status == "recycled" and state.holder == "RECYCLER"
    assert state.responsible_producer == "MAKER"  # EPR stays with the maker through every handover
    assert state.vin == VIN and state.deposit_refunded


def test_only_the_holder_may_record() -> None:
    events = life()
    state = replay(CODE, events[:2])  # sold to CARCO
    with pytest.raises(PermissionDenied, match="held by CARCO"):
        apply(state, CODE, Event("installed", "MAKER", T0, vin=VIN))


@pytest.mark.parametrize("prefix, event", [
    (0, Event("sold", "MAKER", T0, to_actor="X")),            # nothing before it was produced
    (8, Event("sold", "RECYCLER", T0, to_actor="X")),         # after recycling the code's life is over
    (3, Event("recycled", "CARCO", T0)),                      # an installed pack must be retired first
    (1, Event("produced", "MAKER", T0)),                      # produced twice
])
def test_events_out_of_order_are_refused(prefix: int, event: Event) -> None:
    state = replay(CODE, life()[:prefix]) if prefix else None
    with pytest.raises(Conflict):
        apply(state, CODE, event)


def test_event_data_is_checked() -> None:
    state = replay(CODE, life()[:2])
    with pytest.raises(InputError, match="vehicle identification number"):
        apply(state, CODE, Event("installed", "CARCO", T0, vin="LSVAU2180N218329O"))
    with pytest.raises(InputError, match="receiving"):
        apply(state, CODE, Event("handed_over", "CARCO", T0))
    retired = replay(CODE, life()[:5])
    with pytest.raises(InputError, match="new code"):
        apply(retired, CODE, Event("repacked", "CARCO", T0))


def test_deposits_outstanding_per_producer() -> None:
    """MAKER sells A (300) and B (250); A is recycled (refund 300): 250 outstanding. OTHER sells C (100)."""
    b_events = life()[:5]
    b_events[1] = Event("sold", "MAKER", T0, to_actor="CARCO", deposit=quantity(250, "yuan"))
    c_events = [Event("produced", "OTHER", T0), Event("sold", "OTHER", T0, to_actor="Y", deposit=quantity(100, "CNY"))]
    entries = deposit_entries("A", life()) + deposit_entries("B", b_events) + deposit_entries("C", c_events)
    assert [(e.unit, e.kind, magnitude(e.amount, "yuan")) for e in entries] == [
        ("A", "deposit", 300), ("A", "refund", -300), ("B", "deposit", 250), ("C", "deposit", 100)]
    owed = outstanding_deposits(entries)
    assert {k: magnitude(v, "yuan") for k, v in owed.items()} == {"MAKER": 250, "OTHER": 100}


def test_cascade_repack_moves_epr_to_the_operator() -> None:
    events = life()[:7] + [Event("repacked", "RECYCLER", T0, new_code="02BMB01ST00001S110000001")]
    old = replay(CODE, events)
    new = cascade_state(old, "02BMB01ST00001S110000001", "RECYCLER")
    assert old.status == "repacked" and old.responsible_producer == "MAKER"
    assert new.status == "produced" and new.responsible_producer == "RECYCLER"
    with pytest.raises(Conflict):
        apply(old, CODE, Event("recycled", "RECYCLER", T0))


def test_links_and_recovered_materials() -> None:
    pack, module, cell = (parse_code(c) for c in (CODE, "01AMBAASC00001R3F0000007", "01ACBAASC00001R3F0000099"))
    check_link(pack, module)
    check_link(module, cell)
    check_link(pack, cell)  # cell-to-pack designs have no modules
    with pytest.raises(InputError, match="pack → module → cell"):
        check_link(cell, module)
    assert {k: magnitude(v, "kg") for k, v in recovered_materials(life()).items()} == {"cobalt": 0.0, "lithium": 3.1}
