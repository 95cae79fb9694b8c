"""Battery unit registry: register coded units, link them, record life events under the core rules, read a unit's
whole history in one query, and report deposits still outstanding per producer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pint
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.battery.codes import BatteryCode, parse_code
from carbontrail.battery.traceability import Event, UnitState, apply, cascade_state, check_link
from carbontrail.errors import Conflict, InputError, Location, NotFound
from carbontrail.store.db import transaction
from carbontrail.store.models import BatteryDeposit, BatteryEvent, BatteryUnit
from carbontrail.units import magnitude, quantity


@dataclass(frozen=True)
class HistoryEntry:
    """One event as the history shows it: which code it happened under, in order."""

    code: str
    seq: int
    kind: str
    actor: str
    at: datetime
    holder_after: str
    responsible_producer: str
    to_actor: str | None
    vin: str | None
    new_code: str | None
    deposit: pint.Quantity | None
    recovered: dict[str, pint.Quantity]
    note: str


@dataclass(frozen=True)
class UnitHistory:
    """A unit's current state and every event of it and of the unit it was re-coded from (oldest first)."""

    state: UnitState
    original_code: str | None
    events: tuple[HistoryEntry, ...]


def _get(session: Session, code: str) -> BatteryUnit:
    row = session.scalars(select(BatteryUnit).where(BatteryUnit.code == code)).one_or_none()
    if row is None:
        raise NotFound(f"no battery unit with code '{code}'")
    return row


def _state(row: BatteryUnit) -> UnitState:
    return UnitState(code=row.code, status=row.status, holder=row.holder,  # type: ignore[arg-type]
                     responsible_producer=row.responsible_producer, vin=row.vin,
                     deposit=quantity(row.deposit_cny, "yuan") if row.deposit_cny is not None else None,
                     deposit_refunded=row.deposit_refunded)


def _unit_values(code: BatteryCode, state: UnitState, parent_id: int | None = None,
                 original_id: int | None = None) -> dict[str, object]:
    return {"code": code.text, "product_type": code.product_type, "battery_type": code.battery_type,
            "manufacturer_code": code.manufacturer, "production_date": code.production_date,
            "status": state.status, "holder": state.holder, "responsible_producer": state.responsible_producer,
            "vin": None, "deposit_cny": None, "deposit_refunded": False, "parent_id": parent_id,
            "original_id": original_id, "event_count": 1}


def _event_values(unit_id: int, seq: int, event: Event, after: UnitState) -> dict[str, object]:
    return {"unit_id": unit_id, "seq": seq, "kind": event.kind, "actor": event.actor, "at": event.at,
            "to_actor": event.to_actor, "vin": event.vin, "new_code": event.new_code,
            "holder_after": after.holder, "responsible_producer": after.responsible_producer,
            "deposit_cny": magnitude(event.deposit, "yuan") if event.deposit is not None else None,
            "recovered_kg": {m: magnitude(q, "kg") for m, q in event.recovered.items()} or None,
            "note": event.note}


def register_units(sessions: sessionmaker[Session], codes: Sequence[str], producer: str, at: datetime,
                   parent: str | None = None) -> int:
    """Register units produced by `producer` (optionally all inside `parent`); every code is checked first and
    nothing is stored if any is malformed, repeated or already registered."""
    parsed = []
    problems: list[InputError] = []
    for row, text in enumerate(codes, start=1):
        try:
            parsed.append(parse_code(text, location=Location(row=row, field="code")))
        except InputError as err:
            problems.append(err)
    if problems:
        raise problems[0] if len(problems) == 1 else InputError(
            f"{len(problems)} codes are malformed, none was registered: "
            + "; ".join(p.message for p in problems[:3]), location=Location(field="code"))
    if len({c.text for c in parsed}) != len(parsed):
        raise InputError("the same code appears twice in the list", location=Location(field="code"))
    produced = Event("produced", producer, at)
    with transaction(sessions) as session:
        parent_id = None
        if parent is not None:
            parent_row = _get(session, parent)
            parent_code = parse_code(parent_row.code)
            for c in parsed:
                check_link(parent_code, c)
            parent_id = parent_row.id
        texts = [c.text for c in parsed]
        clash = []
        for i in range(0, len(texts), 5000):
            clash += session.scalars(select(BatteryUnit.code).where(BatteryUnit.code.in_(texts[i:i + 5000]))).all()
        if clash:
            raise Conflict(f"{len(clash)} code(s) are already registered, e.g. {clash[0]}")
        state = {c.text: apply(None, c.text, produced) for c in parsed}
        session.execute(insert(BatteryUnit), [_unit_values(c, state[c.text], parent_id) for c in parsed])
        ids = {}
        for i in range(0, len(texts), 5000):
            ids.update(dict(session.execute(select(BatteryUnit.code, BatteryUnit.id)
                                            .where(BatteryUnit.code.in_(texts[i:i + 5000]))).all()))
        session.execute(insert(BatteryEvent), [_event_values(ids[t], 1, produced, state[t]) for t in texts])
    return len(parsed)


def link(sessions: sessionmaker[Session], parent: str, child: str) -> None:
    """Put `child` inside `parent` (pack → module → cell)."""
    with transaction(sessions) as session:
        p, c = _get(session, parent), _get(session, child)
        check_link(parse_code(p.code), parse_code(c.code))
        c.parent_id = p.id


def record_event(sessions: sessionmaker[Session], code: str, event: Event) -> UnitState:
    """Record one event if the core rules allow it (order, holder, data); a repack also registers the new code."""
    with transaction(sessions) as session:
        row = session.scalars(select(BatteryUnit).where(BatteryUnit.code == code).with_for_update()).one_or_none()
        if row is None:
            raise NotFound(f"no battery unit with code '{code}'")
        before = _state(row)
        after = apply(before, code, event)
        row.event_count += 1
        session.add(BatteryEvent(**_event_values(row.id, row.event_count, event, after)))
        if before.deposit is None and after.deposit is not None:
            session.add(BatteryDeposit(unit_id=row.id, producer=after.responsible_producer,
                                       amount_cny=magnitude(after.deposit, "yuan"), kind="deposit", at=event.at))
        if event.kind == "recycled" and after.deposit is not None and after.deposit_refunded:
            session.add(BatteryDeposit(unit_id=row.id, producer=after.responsible_producer,
                                       amount_cny=-magnitude(after.deposit, "yuan"), kind="refund", at=event.at))
        row.status, row.holder, row.vin = after.status, after.holder, after.vin
        row.responsible_producer = after.responsible_producer
        row.deposit_cny = magnitude(after.deposit, "yuan") if after.deposit is not None else None
        row.deposit_refunded = after.deposit_refunded
        if event.kind == "repacked" and event.new_code:
            new_code = parse_code(event.new_code, location=Location(field="new_code"))
            if session.scalars(select(BatteryUnit.id).where(BatteryUnit.code == new_code.text)).first():
                raise Conflict(f"the new code {new_code} is already registered")
            new_state = cascade_state(after, new_code.text, event.actor)
            new_row = BatteryUnit(**_unit_values(new_code, new_state, original_id=row.id))
            session.add(new_row)
            session.flush()
            session.add(BatteryEvent(**_event_values(
                new_row.id, 1, Event("produced", event.actor, event.at, note=f"repacked from {code}"), new_state)))
        return after


def history(sessions: sessionmaker[Session], code: str) -> UnitHistory:
    """The unit's state and its whole history (including the unit it was re-coded from) in one query."""
    with sessions() as session:
        # the unit and the unit it was re-coded from, as one id list (an OR of two IN lists defeats the index)
        ids = select(BatteryUnit.id).where(BatteryUnit.code == code).union_all(
            select(BatteryUnit.original_id).where(BatteryUnit.code == code, BatteryUnit.original_id.is_not(None)))
        stmt = (select(BatteryEvent, BatteryUnit)
                .join(BatteryUnit, BatteryEvent.unit_id == BatteryUnit.id)
                .where(BatteryEvent.unit_id.in_(ids))
                .order_by(BatteryEvent.unit_id, BatteryEvent.seq))
        rows = session.execute(stmt).all()
        if not rows:
            raise NotFound(f"no battery unit with code '{code}'")
        units = {u.id: u for _, u in rows}
        current = next(u for u in units.values() if u.code == code)
        original = units.get(current.original_id) if current.original_id else None
        entries = tuple(HistoryEntry(
            code=u.code, seq=e.seq, kind=e.kind, actor=e.actor, at=e.at, holder_after=e.holder_after,
            responsible_producer=e.responsible_producer, to_actor=e.to_actor, vin=e.vin, new_code=e.new_code,
            deposit=quantity(e.deposit_cny, "yuan") if e.deposit_cny is not None else None,
            recovered={m: quantity(v, "kg") for m, v in (e.recovered_kg or {}).items()}, note=e.note)
            for e, u in rows)
        if original is not None:  # the original's events first, then the cascade product's
            entries = tuple(sorted(entries, key=lambda h: (h.code != original.code, h.seq)))
        else:
            entries = tuple(sorted(entries, key=lambda h: h.seq))
        return UnitHistory(state=_state(current), original_code=original.code if original else None, events=entries)


def children(sessions: sessionmaker[Session], code: str) -> list[str]:
    """Codes of the units directly inside `code`."""
    with sessions() as session:
        parent = _get(session, code)
        return list(session.scalars(select(BatteryUnit.code).where(BatteryUnit.parent_id == parent.id)
                                    .order_by(BatteryUnit.code)))


def outstanding_deposits(sessions: sessionmaker[Session]) -> dict[str, pint.Quantity]:
    """Deposits still held per responsible producer (sales minus refunds), in CNY."""
    with sessions() as session:
        rows: Iterable[tuple[str, float]] = session.execute(
            select(BatteryDeposit.producer, func.sum(BatteryDeposit.amount_cny))
            .group_by(BatteryDeposit.producer).order_by(BatteryDeposit.producer)).all()
        return {producer: quantity(float(total), "yuan") for producer, total in rows}
