"""Life-event rules of a traced battery unit: which event may follow which, who may record it, handovers, the
responsible producer (EPR) at each step, and the deposit ledger.

Rules follow the MIIT 新能源汽车动力蓄电池回收利用溯源管理暂行规定 (2018): each actor that holds a unit records what
it does to it and hands it on; the producer stays responsible (EPR) until a cascade-use operator re-codes the unit
(GB/T 34014 §4.2: a new code, the original kept), and then the operator is the producer of the cascade product.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

import pint

from carbontrail.battery.codes import BatteryCode
from carbontrail.errors import Conflict, InputError, Location, PermissionDenied
from carbontrail.units import magnitude, quantity

EventKind = Literal["produced", "sold", "installed", "maintained", "handed_over", "retired", "tested",
                    "repacked", "recycled"]
Status = Literal["produced", "sold", "in_service", "retired", "tested", "repacked", "recycled"]

# What may happen to a unit in each state. "repacked" and "recycled" end a code's life: a cascade product lives
# on under its new code.
ALLOWED: dict[Status | None, frozenset[EventKind]] = {
    None: frozenset({"produced"}),
    "produced": frozenset({"sold", "handed_over", "tested", "retired"}),
    "sold": frozenset({"installed", "handed_over", "sold", "tested", "retired"}),
    "in_service": frozenset({"maintained", "handed_over", "tested", "retired"}),
    "retired": frozenset({"handed_over", "tested", "repacked", "recycled"}),
    "tested": frozenset({"handed_over", "tested", "repacked", "recycled", "sold"}),
    "repacked": frozenset(),
    "recycled": frozenset(),
}
_NEXT_STATUS: dict[EventKind, Status | None] = {
    "produced": "produced", "sold": "sold", "installed": "in_service", "maintained": None, "handed_over": None,
    "retired": "retired", "tested": None, "repacked": "repacked", "recycled": "recycled",
}


@dataclass(frozen=True)
class Event:
    """One life event, recorded by `actor`. Kind-specific data: `to_actor` (sold, handed_over), `vin` (installed),
    `deposit` in CNY (sold), `new_code` (repacked), `recovered` material masses (recycled)."""

    kind: EventKind
    actor: str
    at: datetime
    to_actor: str | None = None
    vin: str | None = None
    deposit: pint.Quantity | None = None
    new_code: str | None = None
    recovered: Mapping[str, pint.Quantity] = field(default_factory=dict)
    note: str = ""
    measured: Mapping[str, float] = field(default_factory=dict)  # tested: state of health (SOH_FIELDS)


#: What a 'tested' event may measure (GB/T 34015 residual-capacity test): capacity and internal-resistance
#: increase as fractions of the rated values, full equivalent cycles, rated energy (kWh) and mass (kg).
SOH_FIELDS = ("capacity", "resistance_increase", "cycles", "rated_energy_kwh", "mass_kg")
_SOH_LIMITS = {"capacity": 2.0, "resistance_increase": 10.0, "cycles": 1e6, "rated_energy_kwh": 1e5,
               "mass_kg": 1e6}


@dataclass(frozen=True)
class UnitState:
    """Where a unit stands after its events: status, who holds it, who is responsible for it (EPR)."""

    code: str
    status: Status
    holder: str
    responsible_producer: str
    vin: str | None = None
    deposit: pint.Quantity | None = None  # paid at sale, outstanding until refunded on recycling
    deposit_refunded: bool = False


@dataclass(frozen=True)
class DepositEntry:
    """A movement of a producer's deposit account: + at sale, − (refund) on proper recycling."""

    producer: str
    unit: str
    amount: pint.Quantity
    at: datetime
    kind: Literal["deposit", "refund"]


_VIN_CHARS = set("ABCDEFGHJKLMNPRSTUVWXYZ0123456789")


def check_vin(vin: str | None) -> str:
    """A 17-character VIN (ISO 3779: no I, O or Q), or InputError."""
    if not vin or len(vin) != 17 or not set(vin) <= _VIN_CHARS:
        raise InputError(f"'{vin}' is not a vehicle identification number", location=Location(field="vin"),
                         expected="17 characters, digits and capital letters without I, O, Q")
    return vin


def check_link(parent: BatteryCode, child: BatteryCode) -> None:
    """A pack holds modules or cells, a module holds cells; anything else is refused."""
    allowed = {"pack": {"module", "cell"}, "module": {"cell"}, "cell": set()}
    if child.product_type not in allowed[parent.product_type]:
        raise InputError(f"a {parent.product_type} ({parent}) cannot contain a {child.product_type} ({child})",
                         location=Location(field="parent"), expected="pack → module → cell")


def check_date(code: BatteryCode, event: Event, *, recorded_at: datetime, produced_at: datetime | None) -> None:
    """Refuse an event dated after the moment it is recorded, or before the unit was produced (its 'produced'
    event, and the production date its code carries)."""
    if event.at.tzinfo is None:
        raise InputError("the event's time has no time zone", location=Location(field="at"),
                         expected="a time with its zone, e.g. 2025-03-01T09:00:00+08:00")
    if event.at > recorded_at:
        raise InputError(f"the event is dated {event.at.isoformat()}, after the time it is recorded "
                         f"({recorded_at.isoformat(timespec='seconds')}): events are recorded after they happen",
                         location=Location(field="at"), expected=f"a time up to {recorded_at.date().isoformat()}")
    if event.at.date() < code.production_date:
        raise InputError(f"the event is dated {event.at.date().isoformat()}, before unit {code} was produced "
                         f"({code.production_date.isoformat()}, the production date of its code)",
                         location=Location(field="at"), expected=f"a date from {code.production_date.isoformat()}")
    if produced_at is not None and event.at < produced_at:
        raise InputError(f"the event is dated {event.at.isoformat()}, before unit {code} was produced "
                         f"({produced_at.isoformat()})", location=Location(field="at"),
                         expected=f"a time from {produced_at.isoformat()}")


def check_measured(event: Event) -> None:
    """A 'tested' event's measurements: all of SOH_FIELDS, finite, within physical bounds; other events none."""
    if not event.measured:
        return
    if event.kind != "tested":
        raise InputError(f"a '{event.kind}' event carries no measurements", location=Location(field="measured"),
                         expected="measurements only on a 'tested' event")
    missing = [f for f in SOH_FIELDS if f not in event.measured]
    unknown = sorted(set(event.measured) - set(SOH_FIELDS))
    if missing or unknown:
        raise InputError("a test measures " + ", ".join(SOH_FIELDS)
                         + (f"; missing {', '.join(missing)}" if missing else "")
                         + (f"; unknown {', '.join(unknown)}" if unknown else ""),
                         location=Location(field="measured"), expected=", ".join(SOH_FIELDS))
    for name in SOH_FIELDS:
        value = event.measured[name]
        if not isinstance(value, (int, float)) or not 0 <= value <= _SOH_LIMITS[name] or (
                name in ("rated_energy_kwh", "mass_kg") and value == 0):
            raise InputError(f"{name} {value!r} is outside 0–{_SOH_LIMITS[name]:g}",
                             location=Location(field=f"measured.{name}"), expected="a number within the bounds")


def apply(state: UnitState | None, code: str, event: Event) -> UnitState:
    """The unit's state after `event`, or an error saying why the event may not be recorded now or by this actor."""
    status = state.status if state else None
    if event.kind not in ALLOWED[status]:
        allowed = ", ".join(sorted(ALLOWED[status])) or "nothing (its life under this code has ended)"
        raise Conflict(f"unit {code} is {status or 'not yet produced'}: a '{event.kind}' event cannot follow "
                       f"(allowed: {allowed})")
    check_measured(event)
    if not event.actor:
        raise InputError("the event has no actor", location=Location(field="actor"), expected="the actor's code")
    if state is not None and event.actor != state.holder:
        raise PermissionDenied(f"{event.actor} does not hold unit {code} (it is held by {state.holder}), "
                               "so it cannot record its events")
    if event.kind == "produced":
        return UnitState(code=code, status="produced", holder=event.actor, responsible_producer=event.actor)
    if state is None:  # unreachable: only "produced" is allowed before a unit exists
        raise Conflict(f"unit {code} does not exist yet")
    changes: dict[str, object] = {}
    if event.kind in ("sold", "handed_over"):
        if not event.to_actor or event.to_actor == event.actor:
            raise InputError(f"a '{event.kind}' event needs the actor receiving the unit",
                             location=Location(field="to_actor"), expected="another actor's code")
        changes["holder"] = event.to_actor
    if event.kind == "sold" and event.deposit is not None and state.deposit is None:
        amount = magnitude(event.deposit, "yuan", location=Location(field="deposit"))
        if amount < 0:
            raise InputError("a deposit cannot be negative", location=Location(field="deposit"),
                             expected="an amount ≥ 0 CNY")
        changes["deposit"] = quantity(amount, "yuan")
    if event.kind == "installed":
        changes["vin"] = check_vin(event.vin)
    if event.kind == "repacked" and not event.new_code:
        raise InputError("a repacked (cascade-use) unit needs its new code", location=Location(field="new_code"),
                         expected="the new GB/T 34014 code")
    if event.kind == "recycled":
        for material, mass in event.recovered.items():
            if magnitude(mass, "kg", location=Location(field=f"recovered.{material}")) < 0:
                raise InputError(f"recovered {material} is negative", location=Location(field="recovered"),
                                 expected="masses ≥ 0 kg")
        changes["deposit_refunded"] = state.deposit is not None
    nxt = _NEXT_STATUS[event.kind]
    if nxt is not None:
        changes["status"] = nxt
    return replace(state, **changes)  # type: ignore[arg-type]


def replay(code: str, events: Sequence[Event]) -> UnitState:
    """The state after all events in order (each checked as if recorded now)."""
    state: UnitState | None = None
    for event in events:
        state = apply(state, code, event)
    if state is None:
        raise InputError(f"unit {code} has no events", location=Location(field="events"),
                         expected="a 'produced' event first")
    return state


def cascade_state(original: UnitState, new_code: str, operator: str) -> UnitState:
    """The state a repacked unit starts in: a new code, produced by the cascade-use operator, who now bears EPR."""
    if original.status != "repacked":
        raise Conflict(f"unit {original.code} has not been repacked, so it has no cascade successor")
    return UnitState(code=new_code, status="produced", holder=operator, responsible_producer=operator)


def deposit_entries(code: str, events: Sequence[Event]) -> list[DepositEntry]:
    """The deposit movements one unit's history makes: the first sale's deposit, its refund on recycling."""
    out: list[DepositEntry] = []
    state: UnitState | None = None
    for event in events:
        before = state
        state = apply(state, code, event)
        if before is not None and before.deposit is None and state.deposit is not None:
            out.append(DepositEntry(state.responsible_producer, code, state.deposit, event.at, "deposit"))
        if event.kind == "recycled" and state.deposit_refunded and state.deposit is not None:
            out.append(DepositEntry(state.responsible_producer, code, -state.deposit, event.at, "refund"))
    return out


def outstanding_deposits(entries: Iterable[DepositEntry]) -> dict[str, pint.Quantity]:
    """Deposits still held per responsible producer (sales minus refunds), in CNY."""
    totals: dict[str, float] = defaultdict(float)
    for e in entries:
        totals[e.producer] += magnitude(e.amount, "yuan")
    return {producer: quantity(total, "yuan") for producer, total in sorted(totals.items())}


def recovered_materials(events: Iterable[Event]) -> dict[str, pint.Quantity]:
    """Material masses recovered by 'recycled' events, summed by material (feeds recycled-content figures)."""
    totals: dict[str, float] = defaultdict(float)
    for e in events:
        if e.kind == "recycled":
            for material, mass in e.recovered.items():
                totals[material] += magnitude(mass, "kg")
    return {m: quantity(v, "kg") for m, v in sorted(totals.items())}
