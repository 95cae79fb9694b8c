"""Queries of the trust area: the log's entries, nodes and checkpoints; keys; credentials; engagements; registry."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from carbontrail.store.models import (
    AccreditedBody,
    ActivityRecord,
    EngagementFinding,
    ImportBatch,
    IssuedCredential,
    LedgerCheckpoint,
    LedgerEntry,
    LedgerLogKey,
    LedgerNode,
    Organisation,
    OrganisationKey,
    RegistryEntry,
    StatusList,
    VerificationEngagement,
    VerificationStatement,
)
from carbontrail.store.repositories import _owned as owned
from carbontrail.store.repositories import organisations

# -- the log --------------------------------------------------------------------------------------------------


def log_key(session: Session, *, lock: bool = False) -> LedgerLogKey | None:
    """The log key row; `lock` holds it for the transaction, so appends to the log are serialised."""
    query = select(LedgerLogKey).order_by(LedgerLogKey.id).limit(1)
    return session.scalars(query.with_for_update() if lock else query).first()


def newest_entry_credential(session: Session, kind: str, prefix: str) -> str | None:
    """The `credential` field of the newest log entry of `kind` whose credential starts with `prefix`."""
    return session.scalars(select(LedgerEntry.credential).where(LedgerEntry.kind == kind,
                                                                LedgerEntry.credential.startswith(prefix))
                           .order_by(LedgerEntry.seq.desc()).limit(1)).first()


def entry_seq(session: Session, kind: str, credential: str) -> int | None:
    """The position of the log entry of `kind` naming `credential`."""
    return entry_seqs(session, kind, [credential]).get(credential)


def entry_seqs(session: Session, kind: str, credentials: Sequence[str]) -> dict[str, int]:
    """The positions of the log entries of `kind` naming each of `credentials` (those logged)."""
    out: dict[str, int] = {}
    for at in range(0, len(credentials), 500):
        out.update((c, int(q)) for c, q in session.execute(select(LedgerEntry.credential, LedgerEntry.seq).where(
            LedgerEntry.kind == kind, LedgerEntry.credential.in_(credentials[at:at + 500]))))
    return out


def latest_checkpoint(session: Session) -> LedgerCheckpoint | None:
    return session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.size.desc()).limit(1)).first()


def checkpoint_of_size(session: Session, size: int) -> LedgerCheckpoint | None:
    return session.get(LedgerCheckpoint, size)


def entry_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


def nodes(session: Session, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The stored hashes of the perfect subtrees `wanted` ((level, index) pairs, O(log n) of them for a proof)."""
    keys = sorted(set(wanted))
    connection = session.connection()
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    out: dict[tuple[int, int], bytes] = {}
    for start in range(0, len(keys), 200):
        chunk = keys[start:start + 200]
        # driver-level SQL: each pair walks the primary key on both backends and the statement costs microseconds
        # to build (an ORM expression of this size costs milliseconds; a row-value IN makes SQLite scan)
        where = " OR ".join([f"(level = {mark} AND idx = {mark})"] * len(chunk))
        params = tuple(value for pair in chunk for value in pair)
        rows = connection.exec_driver_sql(f"SELECT level, idx, hash FROM ledger_node WHERE {where}", params)
        out.update({(level, idx): bytes(value) for level, idx, value in rows})
    return out


def head(session: Session, size: int | None = None) -> tuple[int, str] | None:
    """(size, signed note) of the latest checkpoint or of the one of `size` entries: the proof path's fast read."""
    connection = session.connection()
    if size is None:
        row = connection.exec_driver_sql("SELECT size, note FROM ledger_checkpoint ORDER BY size DESC LIMIT 1").first()
    else:
        mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        row = connection.exec_driver_sql(f"SELECT size, note FROM ledger_checkpoint WHERE size = {mark}",
                                         (size,)).first()
    return (int(row[0]), str(row[1])) if row else None


def leaf(session: Session, seq: int) -> bytes | None:
    connection = session.connection()
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    row = connection.exec_driver_sql(f"SELECT leaf FROM ledger_entry WHERE seq = {mark}", (seq,)).first()
    return bytes(row[0]) if row else None


def all_nodes(session: Session) -> dict[tuple[int, int], bytes]:
    rows = session.execute(select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash).execution_options(yield_per=20_000))
    return {(level, idx): bytes(value) for level, idx, value in rows}


def add_log_rows(session: Session, entries: Sequence[dict[str, Any]], new_nodes: Sequence[dict[str, Any]],
                 checkpoint: dict[str, Any]) -> None:
    """Insert a batch's entries, the nodes they complete and its checkpoint (executemany: one round trip each)."""
    session.execute(insert(LedgerEntry), list(entries))
    session.execute(insert(LedgerNode), list(new_nodes))
    session.execute(insert(LedgerCheckpoint), [checkpoint])


def entry(session: Session, seq: int) -> LedgerEntry | None:
    return session.get(LedgerEntry, seq)


def entry_by_credential(session: Session, credential_id: str, kind: str | None = None) -> LedgerEntry | None:
    query = select(LedgerEntry).where(LedgerEntry.credential == credential_id)
    if kind is not None:
        query = query.where(LedgerEntry.kind == kind)
    return session.scalars(query.order_by(LedgerEntry.seq).limit(1)).first()


def search_entries(session: Session, *, subject: str = "", organisation: str = "", credential: str = "",
                   kind: str = "", after: int = -1, limit: int = 100) -> list[LedgerEntry]:
    query = select(LedgerEntry).where(LedgerEntry.seq > after)
    if subject:
        query = query.where(LedgerEntry.subject == subject)
    if organisation:
        query = query.where(LedgerEntry.organisation == organisation)
    if credential:
        query = query.where(LedgerEntry.credential == credential)
    if kind:
        query = query.where(LedgerEntry.kind == kind)
    return list(session.scalars(query.order_by(LedgerEntry.seq).limit(limit)))


def revocations_of(session: Session, credential_id: str) -> list[LedgerEntry]:
    return list(session.scalars(select(LedgerEntry).where(
        LedgerEntry.credential == credential_id, LedgerEntry.kind.in_(("revocation", "withdrawal")))
        .order_by(LedgerEntry.seq)))


# -- keys, credentials and status lists -------------------------------------------------------------------------


def organisation_by_code(session: Session, code: str) -> Organisation | None:
    return session.scalars(select(Organisation).where(Organisation.code == code)).first()


def organisation_code(session: Session, organisation_id: int) -> str:
    return str(session.scalar(select(Organisation.code).where(Organisation.id == organisation_id)) or "")


def current_key(session: Session, organisation_id: int) -> OrganisationKey | None:
    return session.scalars(select(OrganisationKey).where(OrganisationKey.organisation_id == organisation_id,
                                                         OrganisationKey.retired_at.is_(None))
                           .order_by(OrganisationKey.id.desc()).limit(1)).first()


def keys_of(session: Session, organisation_id: int) -> list[OrganisationKey]:
    return owned.every(session, OrganisationKey, organisation_id, OrganisationKey.id)


def key_by_multikey(session: Session, multikey: str) -> OrganisationKey | None:
    return session.scalars(select(OrganisationKey).where(OrganisationKey.multikey == multikey)).first()


def retire_keys(session: Session, organisation_id: int, when: Any) -> None:
    session.execute(update(OrganisationKey).where(OrganisationKey.organisation_id == organisation_id,
                                                  OrganisationKey.retired_at.is_(None)).values(retired_at=when))


def status_list(session: Session, organisation_id: int, *, lock: bool = False) -> StatusList | None:
    query = select(StatusList).where(StatusList.organisation_id == organisation_id)
    return session.scalars(query.with_for_update() if lock else query).first()


def credential(session: Session, credential_id: str) -> IssuedCredential | None:
    return session.scalars(select(IssuedCredential).where(IssuedCredential.credential_id == credential_id)).first()


def credentials_of(session: Session, organisation_id: int, kind: str = "") -> list[IssuedCredential]:
    query = select(IssuedCredential).where(IssuedCredential.organisation_id == organisation_id)
    if kind:
        query = query.where(IssuedCredential.kind == kind)
    return list(session.scalars(query.order_by(IssuedCredential.id.desc())))


# -- engagements ------------------------------------------------------------------------------------------------


def accredited(session: Session, organisation_id: int) -> AccreditedBody | None:
    return session.get(AccreditedBody, organisation_id)


def engagement(session: Session, engagement_id: int) -> VerificationEngagement | None:
    return session.get(VerificationEngagement, engagement_id)


def engagements_for(session: Session, organisation_ids: Iterable[int] | None) -> list[VerificationEngagement]:
    """Engagements of these organisations, as enterprise or as body (None: every engagement)."""
    query = select(VerificationEngagement).order_by(VerificationEngagement.id)
    if organisation_ids is not None:
        ids = list(organisation_ids)
        query = query.where(or_(VerificationEngagement.organisation_id.in_(ids),
                                VerificationEngagement.verifier_organisation_id.in_(ids)))
    return list(session.scalars(query))


def findings(session: Session, engagement_id: int) -> list[EngagementFinding]:
    return list(session.scalars(select(EngagementFinding).where(EngagementFinding.engagement_id == engagement_id)
                                .order_by(EngagementFinding.id)))


def finding(session: Session, finding_id: int) -> EngagementFinding | None:
    return session.get(EngagementFinding, finding_id)


def statement_of(session: Session, engagement_id: int) -> VerificationStatement | None:
    return session.scalars(select(VerificationStatement)
                           .where(VerificationStatement.engagement_id == engagement_id)).first()


def statement_by_credential(session: Session, credential_id: str) -> VerificationStatement | None:
    return session.scalars(select(VerificationStatement)
                           .where(VerificationStatement.credential_id == credential_id)).first()


# -- registry ---------------------------------------------------------------------------------------------------


def registry(session: Session, *, category: str = "", cn_code: str = "", region: str = "", declared_unit: str = "",
             assurance: str = "", verifier: str = "", limit: int = 500) -> list[RegistryEntry]:
    query = select(RegistryEntry)
    for column, value in ((RegistryEntry.category, category), (RegistryEntry.region, region),
                          (RegistryEntry.declared_unit, declared_unit), (RegistryEntry.assurance, assurance)):
        if value:
            query = query.where(func.lower(column) == value.lower())
    if cn_code:
        query = query.where(RegistryEntry.cn_code.startswith(cn_code.replace(" ", "")))
    if verifier:
        query = query.where(func.lower(RegistryEntry.verifier).contains(verifier.lower()))
    return list(session.scalars(query.order_by(RegistryEntry.id).limit(limit)))


def registry_entry(session: Session, entry_id: int) -> RegistryEntry | None:
    return session.get(RegistryEntry, entry_id)


def registry_by_credential(session: Session, credential_id: str) -> RegistryEntry | None:
    return session.scalars(select(RegistryEntry).where(RegistryEntry.credential_id == credential_id)).first()


def registry_live_for_product(session: Session, organisation_id: int, product: str) -> list[RegistryEntry]:
    return list(session.scalars(select(RegistryEntry).where(
        RegistryEntry.organisation_id == organisation_id, RegistryEntry.product == product,
        RegistryEntry.status == "published")))


# -- what a verification engagement freezes ---------------------------------------------------------------------


def period_records(session: Session, organisation_id: int, period: str) -> list[ActivityRecord]:
    """The activity records inside the organisation's reporting period `period` (empty when no such period)."""
    found = organisations.period(session, organisation_id, period)
    if found is None:
        return []
    return list(session.scalars(select(ActivityRecord).where(
        ActivityRecord.organisation_id == organisation_id, ActivityRecord.period_start >= found.start,
        ActivityRecord.period_end <= found.end).order_by(ActivityRecord.record_key)))


def imports_of(session: Session, organisation_id: int, ids: Iterable[int]) -> list[ImportBatch]:
    return list(session.scalars(select(ImportBatch).where(ImportBatch.organisation_id == organisation_id,
                                                          ImportBatch.id.in_(list(ids))).order_by(ImportBatch.id)))
