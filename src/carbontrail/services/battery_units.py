"""Battery unit registry: register coded units, link them, record life events under the core rules, read a unit's
whole history, and report deposits still outstanding per producer.

A unit's state and holder follow its own events and those of the unit it sits in: an event on a pack moves its
modules and cells with it, and when a cascade-use operator re-codes the pack, what is inside follows the new code.
Every use case takes who acts: a signed-in principal acts for the organisation its roles allow (and sees a unit only
if that organisation is in its chain of custody); a system actor (the command line, the demo) acts for any actor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pint
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.battery.codes import BatteryCode, parse_code
from carbontrail.battery.traceability import Event, UnitState, apply, cascade_state, check_date, check_link
from carbontrail.errors import Conflict, InputError, Location, NotFound, PermissionDenied
from carbontrail.services import tenancy
from carbontrail.services.work import Actor, SystemActor, Work, unit_of_work
from carbontrail.store.models import BatteryDeposit, BatteryEvent, BatteryUnit
from carbontrail.store.repositories import battery as repo
from carbontrail.units import magnitude, quantity

MAX_DEPTH = 16  # pack → module → cell is three; a deeper chain of containers is a data error


@dataclass(frozen=True)
class EventHead:
    """What every showing of an event says besides its quantities: which code it happened under (the unit's own,
    one it was re-coded from, or the pack it sits in), in order, by whom, and where the unit went."""

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


@dataclass(frozen=True)
class HistoryEntry(EventHead):
    """One event as the history shows it, its deposit and recovered materials as quantities."""

    deposit: pint.Quantity | None
    recovered: dict[str, pint.Quantity]
    note: str


@dataclass(frozen=True)
class UnitHistory:
    """A unit's current state, its place in the pack → module → cell tree, and every event of it, of the units it
    was re-coded from (back to the first code) and of the units it sits in (oldest first)."""

    state: UnitState
    original_code: str | None
    events: tuple[HistoryEntry, ...]
    parent: str | None = None
    children: tuple[str, ...] = ()


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
            "measured": dict(event.measured) or None, "note": event.note}


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; they were written in UTC
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _get(session: Session, code: str, *, for_update: bool = False) -> BatteryUnit:
    row = repo.unit(session, code, for_update=for_update)
    if row is None:
        raise NotFound(f"no battery unit with code '{code}'")
    return row


def _organisation_id(work: Work, organisation: str, permission: str) -> int | None:
    """The organisation the actor acts for, if it may; a system actor may act for a code that is no organisation."""
    if isinstance(work.actor, SystemActor):
        return tenancy.organisation_id(work.session, organisation)
    return tenancy.access(work.session, work.actor, organisation, permission).organisation_id


def _containers(session: Session, row: BatteryUnit) -> list[int]:
    """The units `row` sits in, nearest first, each followed by what a cascade-use operator re-coded it into."""
    out: list[int] = []
    parent_id = row.parent_id
    while parent_id is not None and len(out) < MAX_DEPTH:
        out.append(parent_id)
        nxt = repo.successor(session, parent_id)
        while nxt is not None and len(out) < MAX_DEPTH:
            out.append(nxt)
            nxt = repo.successor(session, nxt)
        parent_id = session.get(BatteryUnit, parent_id).parent_id  # type: ignore[union-attr]
    return out


def _require_visible(session: Session, actor: Actor, organisation: str | None, row: BatteryUnit) -> None:
    """NotFound unless a principal's organisation holds, produced, or once held or handled the unit."""
    if isinstance(actor, SystemActor) and organisation is None:
        return
    ids = repo.lineage(session, row.code) + _containers(session, row)
    people = repo.custody(session, ids) | {row.holder, row.responsible_producer}
    if organisation not in people:
        raise NotFound(f"no battery unit with code '{row.code}' in the custody of '{organisation}'")


def _follow(session: Session, unit: BatteryUnit, state: UnitState) -> int:
    """Move what sits inside `unit` (and inside the units it was re-coded from) with it; how many units moved."""
    inside = repo.contents(session, repo.lineage(session, unit.code))
    for child in repo.units_by_id(session, inside):
        child.status, child.holder = state.status, state.holder
        child.responsible_producer = state.responsible_producer
    return len(inside)


def _parse_codes(codes: Sequence[str]) -> list[BatteryCode]:
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
    return parsed


def register_units(sessions: sessionmaker[Session], actor: Actor, codes: Sequence[str], producer: str,
                   at: datetime, parent: str | None = None) -> int:
    """Register units produced by `producer` (optionally all inside `parent`, which the producer must hold); every
    code is checked first and nothing is stored if any is malformed, repeated, already registered or dated after
    now or before its code's production date."""
    return register_tree(sessions, actor, [(code, parent) for code in codes], producer, at)[parent or ""]


def register_tree(sessions: sessionmaker[Session], actor: Actor, units: Sequence[tuple[str, str | None]],
                  producer: str, at: datetime) -> dict[str, int]:
    """Register (code, parent) pairs in one transaction with one audit row: a parent may be a unit registered
    earlier or one of `units` listed before its children (a pack, its modules, their cells). All or none, as
    `register_units`; returns how many units went inside each parent ("" for none)."""
    parsed = _parse_codes([code for code, _parent in units])
    parent_of = {c.text: parent or None for c, (_code, parent) in zip(parsed, units, strict=True)}
    groups: dict[str | None, list[BatteryCode]] = {}
    for c in parsed:
        groups.setdefault(parent_of[c.text], []).append(c)
    produced = Event("produced", producer, at)
    recorded_at = _now()
    for c in parsed:
        check_date(c, produced, recorded_at=recorded_at, produced_at=None)
    with unit_of_work(sessions, actor) as work:
        session = work.session
        org_id = _organisation_id(work, producer, tenancy.DATA_WRITE)
        clash = repo.registered(session, [c.text for c in parsed])
        if clash:
            raise Conflict(f"{len(clash)} code(s) are already registered, e.g. {clash[0]}")
        state = {c.text: apply(None, c.text, produced) for c in parsed}
        # parents first: units without one, then each parent's children once the parent itself is stored
        pending, counts, stored = dict(groups), dict[str, int](), set[str]()
        while pending:
            ready = [p for p in pending if p is None or p not in parent_of or p in stored]
            if not ready:
                raise InputError(f"unit {next(iter(pending))} is listed inside itself or in a loop of parents",
                                 location=Location(field="parent"))
            for parent in ready:
                children = pending.pop(parent)
                parent_id = _parent_id(session, actor, producer, parent, children)
                ids = repo.add_units(session, [_unit_values(c, state[c.text], parent_id) for c in children])
                repo.add_events(session, [_event_values(ids[c.text], 1, produced, state[c.text]) for c in children])
                counts[parent or ""] = len(children)
                stored.update(c.text for c in children)
        work.audit("create", "battery_units", f"{producer}/{len(parsed)} units", organisation_id=org_id,
                   detail={"count": len(parsed), "parents": {p: n for p, n in counts.items() if p},
                           "first": parsed[0].text})
    return counts


def _parent_id(session: Session, actor: Actor, producer: str, parent: str | None, children: Sequence[BatteryCode]
               ) -> int | None:
    """The stored id of `parent`, once checked: the producer holds it and each child fits inside it."""
    if parent is None:
        return None
    parent_row = _get(session, parent)
    if not isinstance(actor, SystemActor):
        _require_visible(session, actor, producer, parent_row)
        if parent_row.holder != producer:
            raise PermissionDenied(f"{producer} does not hold unit {parent}, so it cannot put units inside it")
    parent_code = parse_code(parent_row.code)
    for c in children:
        check_link(parent_code, c)
    return int(parent_row.id)


def link(sessions: sessionmaker[Session], actor: Actor, parent: str, child: str) -> None:
    """Put `child` inside `parent` (pack → module → cell); a principal's organisation must hold both."""
    with unit_of_work(sessions, actor) as work:
        p, c = _get(work.session, parent), _get(work.session, child)
        org_id = None
        if not isinstance(actor, SystemActor):
            org_id = _organisation_id(work, p.holder, tenancy.DATA_WRITE)
            if c.holder != p.holder:
                raise PermissionDenied(f"{p.holder} does not hold unit {child}")
        check_link(parse_code(p.code), parse_code(c.code))
        c.parent_id = p.id
        work.audit("link", "battery_unit", f"{parent}>{child}", organisation_id=org_id)


def _check_handover(session: Session, actor: Actor, event: Event) -> None:
    if event.to_actor is not None and event.kind not in ("sold", "handed_over"):
        raise InputError(f"a '{event.kind}' event hands the unit to no one", location=Location(field="to_actor"),
                         expected="no receiving actor (only 'sold' and 'handed_over' have one)")
    if (not isinstance(actor, SystemActor) and event.to_actor is not None
            and tenancy.organisation_id(session, event.to_actor) is None):
        raise InputError(f"'{event.to_actor}' is not an organisation on this platform",
                         location=Location(field="to_actor"), expected="an organisation code")


def record_event(sessions: sessionmaker[Session], actor: Actor, code: str, event: Event) -> UnitState:
    """Record one event if the core rules allow it (order, holder, data, date); what sits inside the unit moves with
    it, and a repack also registers the new code. A principal records as the event's actor, an organisation it
    may write for and that is in the unit's chain of custody."""
    recorded_at = _now()
    with unit_of_work(sessions, actor) as work:
        session = work.session
        org_id = _organisation_id(work, event.actor, tenancy.DATA_WRITE)
        row = _get(session, code, for_update=True)
        if not isinstance(actor, SystemActor):
            _require_visible(session, actor, event.actor, row)
        _check_handover(session, actor, event)
        first = repo.first_event_at(session, row.id)
        check_date(parse_code(row.code), event, recorded_at=recorded_at,
                   produced_at=_aware(first) if first is not None else None)
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
        session.flush()
        moved = _follow(session, row, after)
        detail: dict[str, object] = {"kind": event.kind, "at": event.at.isoformat(), "to_actor": event.to_actor,
                                     "moved_inside": moved}
        if event.kind == "repacked" and event.new_code:
            new_code = parse_code(event.new_code, location=Location(field="new_code"))
            if repo.unit(session, new_code.text) is not None:
                raise Conflict(f"the new code {new_code} is already registered")
            new_state = cascade_state(after, new_code.text, event.actor)
            new_row = BatteryUnit(**_unit_values(new_code, new_state, original_id=row.id))
            session.add(new_row)
            session.flush()
            session.add(BatteryEvent(**_event_values(
                new_row.id, 1, Event("produced", event.actor, event.at, note=f"repacked from {code}"), new_state)))
            session.flush()
            detail["moved_inside"] = _follow(session, new_row, new_state)
            detail["new_code"] = new_code.text
        if event.measured:
            detail["measured"] = dict(event.measured)
        work.audit("create", "battery_event", f"{code}/{event.kind}", organisation_id=org_id,
                   detail=detail)  # type: ignore[arg-type]
        return after


def history(sessions: sessionmaker[Session], actor: Actor, code: str, *,
            organisation: str | None = None) -> UnitHistory:
    """The unit's state and its whole history: its own events, those of every code it was re-coded from, and
    those of the units it sits in since it was produced. A principal reads as `organisation`, which must be in
    the unit's chain of custody."""
    with unit_of_work(sessions, actor) as work:
        session = work.session
        if not isinstance(actor, SystemActor) or organisation is not None:
            if organisation is None:
                raise InputError("name the organisation you read the unit for", location=Location(field="code"))
            _organisation_id(work, organisation, tenancy.DATA_READ)
        row = _get(session, code)
        _require_visible(session, actor, organisation, row)
        own = repo.lineage(session, code)
        containers = _containers(session, row)
        rows = repo.history_rows(session, own + containers)
        parent = repo.code_of(session, row.parent_id)
        inside = tuple(repo.child_codes(session, row.id))
        state = _state(row)
    mine = set(own)
    start = min((_aware(r.at) for r in rows if r.id == row.id), default=None)
    entries = tuple(HistoryEntry(
        code=r.unit_code, seq=r.seq, kind=r.kind, actor=r.actor, at=_aware(r.at), holder_after=r.holder_after,
        responsible_producer=r.responsible_producer, to_actor=r.to_actor, vin=r.vin, new_code=r.new_code,
        deposit=quantity(r.deposit_cny, "yuan") if r.deposit_cny is not None else None,
        recovered={m: quantity(v, "kg") for m, v in (r.recovered_kg or {}).items()}, note=r.note)
        for r in rows if r.id in mine or start is None or _aware(r.at) >= start)
    original = None
    if len(own) > 1:
        first_id = own[-1]
        original = next((r.unit_code for r in rows if r.id == first_id), None)
    return UnitHistory(state=state, original_code=original, events=entries, parent=parent, children=inside)


def outstanding_deposits(sessions: sessionmaker[Session], actor: Actor) -> dict[str, pint.Quantity]:
    """Deposits still held per responsible producer (sales minus refunds), in CNY: the whole platform's ledger,
    for the machine's operator or a platform administrator."""
    if not actor.platform_admin:
        raise PermissionDenied("only a platform administrator may read every producer's deposits")
    with unit_of_work(sessions, actor) as work:
        return {producer: quantity(total, "yuan") for producer, total in repo.deposits_by_producer(work.session)}


@dataclass(frozen=True)
class BatteryOverview:
    """What an organisation holds: units (the first page), how many in each status, its outstanding deposits."""

    held: tuple[UnitState, ...]
    counts: dict[str, int]
    deposit: pint.Quantity
    deposit_units: int


def units_held(sessions: sessionmaker[Session], actor: Actor, organisation: str, *, limit: int = 200,
               offset: int = 0) -> list[UnitState]:
    """Units the organisation holds now, by code."""
    with unit_of_work(sessions, actor) as work:
        _organisation_id(work, organisation, tenancy.DATA_READ)
        return [_state(r) for r in repo.held_by(work.session, organisation, limit=limit, offset=offset)]


def overview(sessions: sessionmaker[Session], actor: Actor, organisation: str, *, limit: int = 100) -> BatteryOverview:
    """The organisation's units, their status counts and its outstanding deposits, in one read."""
    with unit_of_work(sessions, actor) as work:
        _organisation_id(work, organisation, tenancy.DATA_READ)
        s = work.session
        held = tuple(_state(r) for r in repo.held_by(s, organisation, limit=limit, offset=0))
        total, n = repo.deposit_of(s, organisation)
        return BatteryOverview(held, repo.status_counts(s, organisation), quantity(total, "yuan"), n)
