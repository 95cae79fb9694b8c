"""Queries and guarded writes of energy instruments, transfers, claims, generation profiles and their log entries.

The guarantees against double counting live here, in the database: `lock_for_write` takes the write lock
(`BEGIN IMMEDIATE` on SQLite) or row locks (`SELECT … FOR UPDATE` on PostgreSQL) before the rules are checked, and
every claim and transfer is a conditional UPDATE that changes nothing unless the instrument is still held by the
claimant, still claimable and has enough left — so a change decided on a stale read touches no row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import ColumnElement, and_, case, func, insert, select, update
from sqlalchemy.orm import Session

from carbontrail.store.models import (
    ActivityRecord,
    CertificateClaim,
    CertificateEvent,
    CertificateTransfer,
    EnergyInstrument,
    Facility,
    GenerationProfile,
    Organisation,
)


def begin_write(session: Session) -> None:
    """Make the transaction a writer from its first statement: SQLite's `BEGIN IMMEDIATE` takes the database's
    write lock now, so two claims cannot both read "unclaimed" and then both write; other backends lock rows."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def lock_instruments(session: Session, kind: str, references: Sequence[str]) -> list[EnergyInstrument]:
    """The instruments with these references, locked for this transaction (in id order, so two transactions
    locking overlapping sets cannot deadlock). Missing references are simply absent."""
    begin_write(session)
    found: list[EnergyInstrument] = []
    for start in range(0, len(references), 500):
        part = list(references[start:start + 500])
        found += session.scalars(select(EnergyInstrument)
                                 .where(EnergyInstrument.kind == kind, EnergyInstrument.reference.in_(part))
                                 .order_by(EnergyInstrument.id).with_for_update().execution_options(
                                     populate_existing=True))
    return sorted(found, key=lambda i: i.id)


def existing_references(session: Session, kind: str, references: Iterable[str]) -> set[str]:
    refs = list(references)
    out: set[str] = set()
    for start in range(0, len(refs), 500):
        out |= set(session.scalars(select(EnergyInstrument.reference).where(
            EnergyInstrument.kind == kind, EnergyInstrument.reference.in_(refs[start:start + 500]))))
    return out


def claim_kwh(session: Session, instrument_id: int, claimant_id: int, kwh: int) -> bool:
    """Add `kwh` to the instrument's claimed amount if the claimant holds it and it is still active with enough
    left; True if the row changed. Reaching the face value marks it claimed."""
    result = session.execute(
        update(EnergyInstrument)
        .where(EnergyInstrument.id == instrument_id, EnergyInstrument.owner_id == claimant_id,
               EnergyInstrument.status == "active", EnergyInstrument.ccer.is_(False),
               EnergyInstrument.claimed_kwh + kwh <= EnergyInstrument.face_kwh)
        .values(claimed_kwh=EnergyInstrument.claimed_kwh + kwh,
                status=case((EnergyInstrument.claimed_kwh + kwh >= EnergyInstrument.face_kwh, "claimed"),
                            else_="active"))
        .execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined]


def release_kwh(session: Session, instrument_id: int, owner_id: int, kwh: int) -> bool:
    """Give back `kwh` of a claim: the instrument becomes claimable again for that amount."""
    result = session.execute(
        update(EnergyInstrument)
        .where(EnergyInstrument.id == instrument_id, EnergyInstrument.owner_id == owner_id,
               EnergyInstrument.claimed_kwh >= kwh, EnergyInstrument.status.in_(("active", "claimed")))
        .values(claimed_kwh=EnergyInstrument.claimed_kwh - kwh, status="active")
        .execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined]


def claim_rest(session: Session, instrument_ids: Sequence[int], claimant_id: int) -> int:
    """Claim what is left of each instrument for the claimant, where it still holds it active and unfrozen;
    the number of instruments changed (fewer than asked means one was not claimable)."""
    return _update_active(session, instrument_ids, claimant_id,
                          (EnergyInstrument.ccer.is_(False), EnergyInstrument.claimed_kwh < EnergyInstrument.face_kwh),
                          {"claimed_kwh": EnergyInstrument.face_kwh, "status": "claimed"})


def move_owners(session: Session, instrument_ids: Sequence[int], from_id: int, to_id: int) -> int:
    """Hand the instruments to `to_id` where `from_id` still holds them unclaimed, active and tradable; the number
    of instruments changed."""
    return _update_active(session, instrument_ids, from_id,
                          (EnergyInstrument.claimed_kwh == 0, EnergyInstrument.tradable.is_(True)), {"owner_id": to_id})


def _update_active(session: Session, instrument_ids: Sequence[int], owner_id: int,
                   conditions: tuple[ColumnElement[bool], ...], values: dict[str, object]) -> int:
    """Set `values` on each instrument `owner_id` holds active where `conditions` hold, 500 ids a statement; the
    number of instruments changed."""
    changed = 0
    for start in range(0, len(instrument_ids), 500):
        result = session.execute(
            update(EnergyInstrument)
            .where(EnergyInstrument.id.in_(list(instrument_ids[start:start + 500])),
                   EnergyInstrument.owner_id == owner_id, EnergyInstrument.status == "active", *conditions)
            .values(values)
            .execution_options(synchronize_session=False))
        changed += result.rowcount  # type: ignore[attr-defined]
    return changed


def add_claims(session: Session, rows: list[dict[str, object]]) -> list[int]:
    """Insert claim rows in one statement batch; their ids in the order given."""
    if not rows:
        return []
    return list(session.scalars(insert(CertificateClaim).returning(CertificateClaim.id, sort_by_parameter_order=True),
                                rows))


def add_rows(session: Session, model: type[CertificateTransfer] | type[CertificateEvent],
             rows: list[dict[str, object]]) -> None:
    """Insert transfer or log-entry rows in one statement batch."""
    if rows:
        session.execute(insert(model), rows)


def active_claim(session: Session, claim_id: int, organisation_id: int) -> CertificateClaim | None:
    return session.scalars(select(CertificateClaim).where(
        CertificateClaim.id == claim_id, CertificateClaim.organisation_id == organisation_id,
        CertificateClaim.status == "active").with_for_update()).one_or_none()


def holdings(session: Session, organisation_id: int, *, limit: int = 1000, offset: int = 0
             ) -> list[EnergyInstrument]:
    """The instruments the organisation holds now, by kind and reference."""
    return list(session.scalars(select(EnergyInstrument).where(EnergyInstrument.owner_id == organisation_id)
                                .order_by(EnergyInstrument.kind, EnergyInstrument.reference)
                                .limit(limit).offset(offset)))


def holding_totals(session: Session, organisation_id: int) -> list[tuple[str, str, int, int, int]]:
    """(kind, status, count, face kWh, claimed kWh) of what the organisation holds."""
    rows = session.execute(select(EnergyInstrument.kind, EnergyInstrument.status, func.count(),
                                  func.sum(EnergyInstrument.face_kwh), func.sum(EnergyInstrument.claimed_kwh))
                           .where(EnergyInstrument.owner_id == organisation_id)
                           .group_by(EnergyInstrument.kind, EnergyInstrument.status)
                           .order_by(EnergyInstrument.kind, EnergyInstrument.status)).all()
    return [(k, s, int(n), int(f or 0), int(c or 0)) for k, s, n, f, c in rows]


def expiring(session: Session, organisation_id: int, before: date) -> list[EnergyInstrument]:
    """Active instruments of the organisation with claimable kWh whose validity ends before `before`."""
    return list(session.scalars(select(EnergyInstrument).where(
        EnergyInstrument.owner_id == organisation_id, EnergyInstrument.status == "active",
        EnergyInstrument.valid_until.is_not(None), EnergyInstrument.valid_until < before)
        .order_by(EnergyInstrument.valid_until, EnergyInstrument.reference)))


def claims(session: Session, organisation_id: int, start: date | None = None, end: date | None = None,
           *, active_only: bool = True) -> list[tuple[CertificateClaim, EnergyInstrument]]:
    """The organisation's claims whose period overlaps [start, end], with their instruments."""
    stmt = (select(CertificateClaim, EnergyInstrument)
            .join(EnergyInstrument, CertificateClaim.instrument_id == EnergyInstrument.id)
            .where(CertificateClaim.organisation_id == organisation_id)
            .order_by(CertificateClaim.period_start, CertificateClaim.id))
    if active_only:
        stmt = stmt.where(CertificateClaim.status == "active")
    if start is not None and end is not None:
        stmt = stmt.where(and_(CertificateClaim.period_start <= end, CertificateClaim.period_end >= start))
    return [(c, i) for c, i in session.execute(stmt)]


def transfers(session: Session, organisation_id: int, *, limit: int = 200) -> list[tuple[CertificateTransfer, str,
                                                                                            str, str]]:
    """Transfers to or from the organisation: (transfer, instrument reference, from code, to code), newest first."""
    src = Organisation.__table__.alias("src")
    dst = Organisation.__table__.alias("dst")
    stmt = (select(CertificateTransfer, EnergyInstrument.reference, src.c.code, dst.c.code)
            .join(EnergyInstrument, CertificateTransfer.instrument_id == EnergyInstrument.id)
            .join(src, src.c.id == CertificateTransfer.from_id).join(dst, dst.c.id == CertificateTransfer.to_id)
            .where((CertificateTransfer.from_id == organisation_id) | (CertificateTransfer.to_id == organisation_id))
            .order_by(CertificateTransfer.id.desc()).limit(limit))
    return [(t, r, a, b) for t, r, a, b in session.execute(stmt)]


def events(session: Session, organisation_id: int | None = None, *, instrument_id: int | None = None,
           limit: int = 1000) -> list[CertificateEvent]:
    """Log entry bodies, oldest first: those an organisation produced, or those of one instrument."""
    stmt = select(CertificateEvent).order_by(CertificateEvent.id).limit(limit)
    if organisation_id is not None:
        stmt = stmt.where(CertificateEvent.organisation_id == organisation_id)
    if instrument_id is not None:
        stmt = stmt.where(CertificateEvent.instrument_id == instrument_id)
    return list(session.scalars(stmt))


def events_after(session: Session, event_id: int, *, limit: int = 100_000) -> list[CertificateEvent]:
    """Log entry bodies written after event `event_id`, oldest first (those not yet in the transparency log)."""
    return list(session.scalars(select(CertificateEvent).where(CertificateEvent.id > event_id)
                                .order_by(CertificateEvent.id).limit(limit)))


def newest_event(session: Session, kind: str, reference: str, event: str | None = None, *,
                 organisation_id: int) -> CertificateEvent | None:
    """The newest log entry body an organisation produced on an instrument (of one event kind, if given)."""
    stmt = (select(CertificateEvent).join(EnergyInstrument, EnergyInstrument.id == CertificateEvent.instrument_id)
            .where(EnergyInstrument.kind == kind, EnergyInstrument.reference == reference,
                   CertificateEvent.organisation_id == organisation_id))
    if event is not None:
        stmt = stmt.where(CertificateEvent.kind == event)
    return session.scalars(stmt.order_by(CertificateEvent.id.desc()).limit(1)).first()


def claim_event_ids(session: Session, organisation_id: int, claim_ids: Iterable[int]) -> dict[int, int]:
    """The claim event written with each of the organisation's claims: claim id → event id."""
    wanted = set(claim_ids)
    if not wanted:
        return {}
    rows = session.execute(select(CertificateEvent.id, CertificateEvent.body).where(
        CertificateEvent.organisation_id == organisation_id, CertificateEvent.kind == "claim")).all()
    out = {}
    for event_id, body in rows:
        claim = json.loads(body).get("claim")
        if claim in wanted:
            out[int(claim)] = int(event_id)
    return out


def claimed_by_instrument(session: Session) -> list[tuple[int, int, int, int]]:
    """(instrument id, face kWh, claimed kWh on the instrument, kWh of its active claims) for every instrument."""
    sums = (select(CertificateClaim.instrument_id, func.sum(CertificateClaim.kwh).label("kwh"))
            .where(CertificateClaim.status == "active").group_by(CertificateClaim.instrument_id).subquery())
    rows = session.execute(select(EnergyInstrument.id, EnergyInstrument.face_kwh, EnergyInstrument.claimed_kwh,
                                  func.coalesce(sums.c.kwh, 0))
                           .outerjoin(sums, sums.c.instrument_id == EnergyInstrument.id)
                           .order_by(EnergyInstrument.id)).all()
    return [(int(a), int(b), int(c), int(d)) for a, b, c, d in rows]


def profiles(session: Session, generators: Iterable[str], start: date, end: date) -> list[GenerationProfile]:
    """Hourly production of the generators in the months that overlap [start, end]."""
    names = sorted(set(generators))
    if not names:
        return []
    return list(session.scalars(select(GenerationProfile).where(
        GenerationProfile.generator.in_(names), GenerationProfile.month <= end,
        GenerationProfile.month >= date(start.year, start.month, 1)).order_by(GenerationProfile.month)))


def profile(session: Session, generator: str, month: date) -> GenerationProfile | None:
    return session.scalars(select(GenerationProfile).where(
        GenerationProfile.generator == generator, GenerationProfile.month == month)).one_or_none()


def electricity_records(session: Session, organisation_id: int, start: date, end: date
                        ) -> list[tuple[date, date, float, str, str, int | None]]:
    """(period start, period end, quantity, unit, facility province, meter id) of the organisation's electricity
    records without an instrument of their own inside [start, end]: the consumption claims are matched to."""
    rows = session.execute(select(ActivityRecord.period_start, ActivityRecord.period_end, ActivityRecord.quantity,
                                  ActivityRecord.unit, Facility.province, ActivityRecord.meter_id)
                           .join(Facility, ActivityRecord.facility_id == Facility.id)
                           .where(ActivityRecord.organisation_id == organisation_id,
                                  ActivityRecord.kind == "electricity", ActivityRecord.instrument == "",
                                  ActivityRecord.period_start >= start, ActivityRecord.period_end <= end)
                           .order_by(ActivityRecord.period_start, ActivityRecord.id)).all()
    return [(a, b, float(q), u, p, m) for a, b, q, u, p, m in rows]


def organisation_by_code(session: Session, code: str) -> Organisation | None:
    return session.scalars(select(Organisation).where(Organisation.code == code)).one_or_none()


def organisation_codes(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return dict(session.execute(select(Organisation.id, Organisation.code).where(Organisation.id.in_(wanted))).all())


def facility_provinces(session: Session, organisation_id: int) -> list[str]:
    return sorted(set(session.scalars(select(Facility.province).where(Facility.organisation_id == organisation_id))))
