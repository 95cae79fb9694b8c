"""The battery queries: units by code, their events and custody chain, deposits, declarations, passports and
residual-value batches."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, delete, exists, func, insert, select
from sqlalchemy.orm import Session, aliased

from carbontrail.store.models import (
    BatteryDeclarationRecord,
    BatteryDeposit,
    BatteryEvent,
    BatteryPassportGrant,
    BatteryPassportRecord,
    BatteryResidualBatch,
    BatteryUnit,
    Organisation,
)
from carbontrail.store.repositories import _owned as owned

CHUNK = 5000  # codes per IN list (SQLite's and PostgreSQL's bound-parameter limits stay far away)


# -- units ------------------------------------------------------------------------------------------------------


def unit(session: Session, code: str, *, for_update: bool = False) -> BatteryUnit | None:
    stmt = select(BatteryUnit).where(BatteryUnit.code == code)
    return session.scalars(stmt.with_for_update() if for_update else stmt).one_or_none()


def registered(session: Session, codes: Sequence[str]) -> list[str]:
    """The codes of `codes` that are already registered."""
    found: list[str] = []
    for i in range(0, len(codes), CHUNK):
        found += session.scalars(select(BatteryUnit.code).where(BatteryUnit.code.in_(codes[i:i + CHUNK]))).all()
    return found


def add_units(session: Session, units: Sequence[dict[str, object]]) -> dict[str, int]:
    """Insert unit rows; their ids by code."""
    session.execute(insert(BatteryUnit), list(units))
    codes = [str(u["code"]) for u in units]
    ids: dict[str, int] = {}
    for i in range(0, len(codes), CHUNK):
        ids.update(dict(session.execute(select(BatteryUnit.code, BatteryUnit.id)  # type: ignore[arg-type]
                                        .where(BatteryUnit.code.in_(codes[i:i + CHUNK]))).all()))
    return ids


def add_events(session: Session, events: Sequence[dict[str, object]]) -> None:
    session.execute(insert(BatteryEvent), list(events))


def code_of(session: Session, unit_id: int | None) -> str | None:
    return None if unit_id is None else session.scalar(select(BatteryUnit.code).where(BatteryUnit.id == unit_id))


def child_codes(session: Session, unit_id: int) -> list[str]:
    return list(session.scalars(select(BatteryUnit.code).where(BatteryUnit.parent_id == unit_id)
                                .order_by(BatteryUnit.code)))


def lineage(session: Session, code: str) -> list[int]:
    """The unit's id, then the unit it was re-coded from, and so on back to the first code (any number of steps)."""
    chain = select(BatteryUnit.id, BatteryUnit.original_id).where(BatteryUnit.code == code).cte(
        "chain", recursive=True)
    earlier = select(BatteryUnit.id, BatteryUnit.original_id).join(chain, BatteryUnit.id == chain.c.original_id)
    chain = chain.union_all(earlier)
    ids = [row.id for row in session.execute(select(chain.c.id))]
    return ids


def successor(session: Session, unit_id: int) -> int | None:
    """The unit a cascade-use operator re-coded this one into, if any."""
    return session.scalar(select(BatteryUnit.id).where(BatteryUnit.original_id == unit_id).order_by(BatteryUnit.id))


def contents(session: Session, unit_ids: Iterable[int]) -> list[int]:
    """Every unit inside these units (modules, and the cells inside those), at any depth."""
    inside = select(BatteryUnit.id).where(BatteryUnit.parent_id.in_(list(unit_ids))).cte("inside", recursive=True)
    inside = inside.union_all(select(BatteryUnit.id).join(inside, BatteryUnit.parent_id == inside.c.id))
    return [row.id for row in session.execute(select(inside.c.id))]


def units_by_id(session: Session, ids: Sequence[int]) -> list[BatteryUnit]:
    rows: list[BatteryUnit] = []
    for i in range(0, len(ids), CHUNK):
        rows += session.scalars(select(BatteryUnit).where(BatteryUnit.id.in_(ids[i:i + CHUNK]))).all()
    return rows


def history_rows(session: Session, unit_ids: Sequence[int]) -> Sequence[Row[Any]]:
    """Every event of these units as plain columns with its unit's code (building mapped objects for a history,
    read far more often than written, costs more than the query itself)."""
    e, u = BatteryEvent, BatteryUnit
    return session.execute(
        select(e.seq, e.kind, e.actor, e.at, e.holder_after, e.responsible_producer, e.to_actor, e.vin, e.new_code,
               e.deposit_cny, e.recovered_kg, e.note, u.code.label("unit_code"), u.id)
        .join(u, e.unit_id == u.id).where(e.unit_id.in_(list(unit_ids))).order_by(e.at, e.unit_id, e.seq)).all()


def last_event_at(session: Session, unit_id: int) -> Any:
    return session.scalar(select(func.max(BatteryEvent.at)).where(BatteryEvent.unit_id == unit_id))


def first_event_at(session: Session, unit_id: int) -> Any:
    return session.scalar(select(func.min(BatteryEvent.at)).where(BatteryEvent.unit_id == unit_id))


def custody(session: Session, unit_ids: Sequence[int]) -> set[str]:
    """Every actor that recorded, received or held one of these units."""
    people: set[str] = set()
    for actor, to_actor, holder in session.execute(
            select(BatteryEvent.actor, BatteryEvent.to_actor, BatteryEvent.holder_after)
            .where(BatteryEvent.unit_id.in_(list(unit_ids)))):
        people |= {actor, holder} | ({to_actor} if to_actor else set())
    return people


def held_by(session: Session, holder: str, *, limit: int, offset: int) -> list[BatteryUnit]:
    return list(session.scalars(select(BatteryUnit).where(BatteryUnit.holder == holder)
                                .order_by(BatteryUnit.code).limit(limit).offset(offset)))


def status_counts(session: Session, holder: str) -> dict[str, int]:
    rows = session.execute(select(BatteryUnit.status, func.count()).where(BatteryUnit.holder == holder)
                           .group_by(BatteryUnit.status).order_by(BatteryUnit.status)).all()
    return {status: int(n) for status, n in rows}


def tested_events(session: Session, holder: str) -> Sequence[Row[Any]]:
    """The latest 'tested' event carrying measurements of each unit `holder` holds now."""
    e, u = BatteryEvent, BatteryUnit
    latest = (select(e.unit_id, func.max(e.seq).label("seq"))
              .where(e.kind == "tested", e.measured.is_not(None)).group_by(e.unit_id).subquery())
    return session.execute(select(u.code, e.measured, e.at)
                           .join(latest, (latest.c.unit_id == e.unit_id) & (latest.c.seq == e.seq))
                           .join(u, u.id == e.unit_id).where(u.holder == holder).order_by(u.code)).all()


# -- deposits ---------------------------------------------------------------------------------------------------


def deposits_by_producer(session: Session) -> list[tuple[str, float]]:
    rows = session.execute(select(BatteryDeposit.producer, func.sum(BatteryDeposit.amount_cny))
                           .group_by(BatteryDeposit.producer).order_by(BatteryDeposit.producer)).all()
    return [(producer, float(total)) for producer, total in rows]


def deposit_of(session: Session, producer: str) -> tuple[float, int]:
    """The producer's outstanding deposit (CNY) and on how many units it is held."""
    total, units = session.execute(
        select(func.coalesce(func.sum(BatteryDeposit.amount_cny), 0.0),
               func.count(func.distinct(BatteryDeposit.unit_id))).where(BatteryDeposit.producer == producer)).one()
    refunded = session.scalar(select(func.count()).where(BatteryDeposit.producer == producer,
                                                         BatteryDeposit.kind == "refund")) or 0
    return float(total), int(units) - int(refunded)


# -- declarations -----------------------------------------------------------------------------------------------


def declaration(session: Session, organisation_id: int, model: str, plant: str, *,
                for_update: bool = False) -> BatteryDeclarationRecord | None:
    """The newest revision of the organisation's declaration of `model` at `plant`."""
    stmt = select(BatteryDeclarationRecord).where(
        BatteryDeclarationRecord.organisation_id == organisation_id, BatteryDeclarationRecord.model == model,
        BatteryDeclarationRecord.plant == plant).order_by(BatteryDeclarationRecord.revision.desc()).limit(1)
    return session.scalars(stmt.with_for_update() if for_update else stmt).first()


def declarations_of(session: Session, organisation_id: int) -> list[BatteryDeclarationRecord]:
    """The newest revision of each of the organisation's declarations (one per model and plant)."""
    later = aliased(BatteryDeclarationRecord)
    return list(session.scalars(select(BatteryDeclarationRecord)
                                .where(BatteryDeclarationRecord.organisation_id == organisation_id,
                                       ~exists().where(later.previous_id == BatteryDeclarationRecord.id))
                                .order_by(BatteryDeclarationRecord.model, BatteryDeclarationRecord.plant)))


def declaration_revisions(session: Session, organisation_id: int, model: str,
                          plant: str) -> list[BatteryDeclarationRecord]:
    """Every revision of the organisation's declaration of `model` at `plant`, oldest first."""
    return list(session.scalars(select(BatteryDeclarationRecord).where(
        BatteryDeclarationRecord.organisation_id == organisation_id, BatteryDeclarationRecord.model == model,
        BatteryDeclarationRecord.plant == plant).order_by(BatteryDeclarationRecord.revision)))


def passports_of_declarations(session: Session, declaration_ids: Sequence[int]) -> list[tuple[str, int]]:
    """(identifier, declaration id) of every passport whose carbon footprint was made from one of these
    declaration revisions."""
    return [(r.identifier, r.declaration_id) for r in session.execute(
        select(BatteryPassportRecord.identifier, BatteryPassportRecord.declaration_id)
        .where(BatteryPassportRecord.declaration_id.in_(list(declaration_ids)))
        .order_by(BatteryPassportRecord.identifier))]


# -- passports --------------------------------------------------------------------------------------------------


def passport(session: Session, identifier: str) -> BatteryPassportRecord | None:
    return session.scalars(select(BatteryPassportRecord).where(
        BatteryPassportRecord.identifier == identifier)).one_or_none()


def passports_of(session: Session, organisation_id: int) -> list[BatteryPassportRecord]:
    return owned.every(session, BatteryPassportRecord, organisation_id, BatteryPassportRecord.identifier)


def grantee_codes(session: Session, passport_id: int) -> list[str]:
    return list(session.scalars(select(Organisation.code).join(
        BatteryPassportGrant, BatteryPassportGrant.organisation_id == Organisation.id)
        .where(BatteryPassportGrant.passport_id == passport_id).order_by(Organisation.code)))


def grantee_ids(session: Session, passport_id: int) -> set[int]:
    return set(session.scalars(select(BatteryPassportGrant.organisation_id).where(
        BatteryPassportGrant.passport_id == passport_id)))


def recovered_by(session: Session, recycler: str) -> list[dict[str, float]]:
    """The recovered masses of every 'recycled' event `recycler` recorded."""
    return [rec or {} for rec in session.scalars(select(BatteryEvent.recovered_kg).where(
        BatteryEvent.kind == "recycled", BatteryEvent.actor == recycler))]


# -- residual-value batches -------------------------------------------------------------------------------------


def replace_residual_batch(session: Session, batch: BatteryResidualBatch) -> None:
    """Keep `batch` as the organisation's only one."""
    session.execute(delete(BatteryResidualBatch).where(
        BatteryResidualBatch.organisation_id == batch.organisation_id))
    session.add(batch)


def latest_residual_batch(session: Session, organisation_id: int) -> BatteryResidualBatch | None:
    return session.scalars(select(BatteryResidualBatch).where(BatteryResidualBatch.organisation_id == organisation_id)
                           .order_by(BatteryResidualBatch.id.desc())).first()
