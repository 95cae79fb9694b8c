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
from carbontrail.errors import Conflict, InputError, Location, NotFound, PermissionDenied
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
    e, u = BatteryEvent, BatteryUnit
    with sessions() as session:
        # the unit and the unit it was re-coded from, as one id list (an OR of two IN lists defeats the index)
        ids = select(u.id).where(u.code == code).union_all(
            select(u.original_id).where(u.code == code, u.original_id.is_not(None)))
        # plain columns, not ORM objects: a history is read far more often than written, and building mapped
        # objects (identity map, one unit object per event row) costs more than the query itself
        stmt = (select(e.seq, e.kind, e.actor, e.at, e.holder_after, e.responsible_producer, e.to_actor, e.vin,
                       e.new_code, e.deposit_cny, e.recovered_kg, e.note, u.code.label("unit_code"),
                       u.original_id, u.status, u.holder, u.responsible_producer.label("unit_producer"),
                       u.vin.label("unit_vin"), u.deposit_cny.label("unit_deposit"), u.deposit_refunded, u.id)
                .join(u, e.unit_id == u.id)
                .where(e.unit_id.in_(ids))
                .order_by(e.unit_id, e.seq))
        rows = session.execute(stmt).all()
    current = next((r for r in rows if r.unit_code == code), None)
    if current is None:
        raise NotFound(f"no battery unit with code '{code}'")
    original = next((r.unit_code for r in rows if current.original_id is not None and r.id == current.original_id),
                    None)
    entries = [HistoryEntry(
        code=r.unit_code, seq=r.seq, kind=r.kind, actor=r.actor, at=r.at, holder_after=r.holder_after,
        responsible_producer=r.responsible_producer, to_actor=r.to_actor, vin=r.vin, new_code=r.new_code,
        deposit=quantity(r.deposit_cny, "yuan") if r.deposit_cny is not None else None,
        recovered={m: quantity(v, "kg") for m, v in (r.recovered_kg or {}).items()}, note=r.note) for r in rows]
    # the original's events first, then the cascade product's
    entries.sort(key=lambda h: (h.code != original, h.seq))
    state = UnitState(code=code, status=current.status, holder=current.holder,
                      responsible_producer=current.unit_producer, vin=current.unit_vin,
                      deposit=quantity(current.unit_deposit, "yuan") if current.unit_deposit is not None else None,
                      deposit_refunded=current.deposit_refunded)
    return UnitHistory(state=state, original_code=original, events=tuple(entries))


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


# -- as seen by one organisation (API, pages): a unit is visible to those in its chain of custody ---------------


def _participants(session: Session, code: str) -> set[str] | None:
    """Every actor in the custody chain of `code` (and of the unit it was re-coded from); None if no such unit."""
    unit = session.execute(select(BatteryUnit.id, BatteryUnit.original_id, BatteryUnit.holder,
                                  BatteryUnit.responsible_producer).where(BatteryUnit.code == code)).one_or_none()
    if unit is None:
        return None
    ids = [unit.id] + ([unit.original_id] if unit.original_id else [])
    people = {unit.holder, unit.responsible_producer}
    for actor, to_actor, holder in session.execute(
            select(BatteryEvent.actor, BatteryEvent.to_actor, BatteryEvent.holder_after)
            .where(BatteryEvent.unit_id.in_(ids))):
        people |= {actor, holder} | ({to_actor} if to_actor else set())
    return people


def require_visible(sessions: sessionmaker[Session], organisation: str, code: str) -> None:
    """NotFound unless `organisation` holds, produced, or once held or handled the unit."""
    with sessions() as session:
        people = _participants(session, code)
    if people is None or organisation not in people:
        raise NotFound(f"no battery unit with code '{code}' in the custody of '{organisation}'")


def history_for(sessions: sessionmaker[Session], organisation: str, code: str) -> UnitHistory:
    """The unit's whole history, if `organisation` is in its chain of custody."""
    require_visible(sessions, organisation, code)
    return history(sessions, code)


def record_event_as(sessions: sessionmaker[Session], organisation: str, code: str, event: Event,
                    known_actors: Iterable[str] | None = None) -> UnitState:
    """Record `event` as `organisation` (it must be the event's actor); `known_actors` lists the organisations a
    unit may be handed to (a handover to an unknown one is refused)."""
    require_visible(sessions, organisation, code)
    if event.actor != organisation:
        raise InputError(f"an event recorded by '{organisation}' must name it as the actor",
                         location=Location(field="actor"), expected=organisation)
    if event.to_actor is not None and event.kind not in ("sold", "handed_over"):
        raise InputError(f"a '{event.kind}' event hands the unit to no one", location=Location(field="to_actor"),
                         expected="no receiving actor (only 'sold' and 'handed_over' have one)")
    if known_actors is not None and event.to_actor is not None and event.to_actor not in set(known_actors):
        raise InputError(f"'{event.to_actor}' is not an organisation on this platform",
                         location=Location(field="to_actor"), expected="an organisation code")
    return record_event(sessions, code, event)


def units_held(sessions: sessionmaker[Session], organisation: str, *, limit: int = 200,
               offset: int = 0) -> list[UnitState]:
    """Units the organisation holds now, by code."""
    with sessions() as session:
        rows = session.scalars(select(BatteryUnit).where(BatteryUnit.holder == organisation)
                               .order_by(BatteryUnit.code).limit(limit).offset(offset)).all()
        return [_state(r) for r in rows]


def status_counts(sessions: sessionmaker[Session], organisation: str) -> dict[str, int]:
    """How many of the units the organisation holds are in each status."""
    with sessions() as session:
        rows = session.execute(select(BatteryUnit.status, func.count()).where(BatteryUnit.holder == organisation)
                               .group_by(BatteryUnit.status).order_by(BatteryUnit.status)).all()
        return {status: int(n) for status, n in rows}


def deposit_of(sessions: sessionmaker[Session], producer: str) -> tuple[pint.Quantity, int]:
    """The producer's outstanding deposits (CNY) and on how many units they are held."""
    with sessions() as session:
        total, units = session.execute(
            select(func.coalesce(func.sum(BatteryDeposit.amount_cny), 0.0), func.count(func.distinct(
                BatteryDeposit.unit_id))).where(BatteryDeposit.producer == producer)).one()
        refunded = session.scalar(select(func.count()).where(BatteryDeposit.producer == producer,
                                                             BatteryDeposit.kind == "refund")) or 0
        return quantity(float(total), "yuan"), int(units) - int(refunded)


def parent_of(sessions: sessionmaker[Session], code: str) -> str | None:
    with sessions() as session:
        unit = _get(session, code)
        if unit.parent_id is None:
            return None
        return session.scalar(select(BatteryUnit.code).where(BatteryUnit.id == unit.parent_id))


def require_holder(sessions: sessionmaker[Session], organisation: str, code: str) -> None:
    """NotFound unless the unit is visible to `organisation`; PermissionDenied unless it also holds it now."""
    require_visible(sessions, organisation, code)
    with sessions() as session:
        holder = session.scalar(select(BatteryUnit.holder).where(BatteryUnit.code == code))
    if holder != organisation:
        raise PermissionDenied(f"{organisation} does not hold unit {code}, so it cannot put units inside it")
