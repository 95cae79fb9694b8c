"""The durable transparency log: batched appends with a signed checkpoint per batch, and the proofs it serves.

A batch's entries, the tree nodes they complete and the batch's checkpoint commit in one transaction, so after any
crash the latest checkpoint covers exactly the stored entries and every entry has a proof.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.config import DEFAULT_LEDGER_ORIGIN, ledger_origin
from carbontrail.errors import ConfigurationError, InputError, NotFound, PermissionDenied
from carbontrail.ledger import merkle
from carbontrail.ledger.checkpoint import Checkpoint, Verifier, open_checkpoint, sign_checkpoint, verifier_key
from carbontrail.ledger.entries import Entry
from carbontrail.ledger.keys import KeyPair
from carbontrail.services.pact import secrets
from carbontrail.services.work import Actor, Work, unit_of_work
from carbontrail.store.models import LedgerLogKey
from carbontrail.store.repositories import ledger as repo

DEFAULT_ORIGIN = DEFAULT_LEDGER_ORIGIN
MAX_BATCH = 100_000


def origin() -> str:
    """The log's name in its checkpoints (`CARBONTRAIL_LEDGER_ORIGIN`, e.g. `ledger.example.cn/log`)."""
    return ledger_origin()


def seal(key: bytes, seed: bytes) -> str:
    """An Ed25519 seed encrypted with the platform's secret-key Fernet (as stored callback secrets are)."""
    return secrets.encrypt(key, "ledger-signing-keys", base64.b64encode(seed).decode())


def unseal(key: bytes, token: str) -> bytes:
    try:
        return base64.b64decode(secrets.decrypt(key, "ledger-signing-keys", token))
    except ConfigurationError:
        raise ConfigurationError("a stored signing key cannot be decrypted: the platform secret key changed") from None


def _key_name(log_origin: str) -> str:
    return log_origin.split("/", 1)[0] or log_origin


def _signer(session: Session, key: bytes) -> tuple[LedgerLogKey, KeyPair]:
    row = repo.log_key(session, lock=True)
    if row is None:
        pair = KeyPair.generate()
        name = _key_name(origin())
        row = LedgerLogKey(origin=origin(), name=name, verifier_key=verifier_key(name, pair.public),
                           seed_encrypted=seal(key, pair.seed))
        session.add(row)
        session.flush()
        return row, pair
    return row, KeyPair(unseal(key, row.seed_encrypted))


@dataclass(frozen=True)
class Appended:
    first: int
    size: int
    checkpoint: str


def append_in(work: Work, key: bytes, entries: Sequence[Entry]) -> Appended:
    """Append `entries` as one batch inside the caller's transaction, and sign the new checkpoint.

    The caller's use case records the one audit row of its change (naming the log entries it appended)."""
    if not entries:
        raise InputError("nothing to append", expected="at least one entry")
    if len(entries) > MAX_BATCH:
        raise InputError(f"a batch holds at most {MAX_BATCH} entries, not {len(entries)}")
    session = work.session
    row, pair = _signer(session, key)
    latest = repo.latest_checkpoint(session)
    size = latest.size if latest else 0
    frontier = merkle.Frontier.load(size, repo.nodes(session, merkle.root_nodes(size)))
    entry_rows: list[dict[str, Any]] = []
    node_rows: list[dict[str, Any]] = []
    for entry in entries:
        leaf = entry.leaf()
        for level, idx, value in frontier.append(merkle.leaf_hash(leaf)):
            node_rows.append({"level": level, "idx": idx, "hash": value})
        entry_rows.append({"seq": frontier.size - 1, "kind": entry.kind, "organisation": entry.organisation,
                           "subject": entry.subject, "credential": entry.credential, "leaf": leaf})
    head = Checkpoint(row.origin, frontier.size, frontier.root())
    note = sign_checkpoint(head, row.name, pair)
    repo.add_log_rows(session, entry_rows, node_rows, {"size": head.size, "root": head.root, "note": note})
    return Appended(size, frontier.size, note)


def append(sessions: sessionmaker[Session], actor: Actor, key: bytes, entries: Sequence[Entry]) -> Appended:
    """Append a batch of entries (platform operators and this machine only: use cases append their own)."""
    if not actor.platform_admin:
        raise PermissionDenied("only the platform may append to the log directly")
    with unit_of_work(sessions, actor) as work:
        appended = append_in(work, key, entries)
        work.audit("ledger.append", "ledger_entry", f"{appended.first}-{appended.size - 1}",
                   detail={"entries": len(entries), "tree_size": appended.size})
        return appended


# -- what anyone may read ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    origin: str
    size: int
    root: str  # base64
    checkpoint: str
    log_key: str


@dataclass(frozen=True)
class Inclusion:
    entry: dict[str, Any]
    index: int
    tree_size: int
    hashes: list[str]
    checkpoint: str


def latest(sessions: sessionmaker[Session]) -> Head:
    with sessions() as session:
        row, cp = repo.log_key(session), repo.latest_checkpoint(session)
        if row is None or cp is None:
            raise NotFound("the log is empty: no checkpoint has been signed yet")
        return Head(row.origin, cp.size, base64.b64encode(cp.root).decode(), cp.note, row.verifier_key)


def _checkpoint(session: Session, size: int | None) -> tuple[int, str]:
    found = repo.head(session, size)
    if found is None:
        raise NotFound("the log is empty" if size is None else f"no signed checkpoint of {size} entries")
    return found


def inclusion_in(session: Session, seq: int, size: int | None = None) -> Inclusion:
    tree_size, note = _checkpoint(session, size)
    leaf = repo.leaf(session, seq) if 0 <= seq < tree_size else None
    if leaf is None:
        raise NotFound(f"no entry {seq} in the log of {tree_size} entries")
    ranges = merkle.inclusion_ranges(seq, tree_size)
    hashes = merkle.assemble(ranges, repo.nodes(session, merkle.nodes_for(ranges)))
    entry = Entry.from_leaf(leaf).to_json()
    return Inclusion(entry, seq, tree_size, [base64.b64encode(h).decode() for h in hashes], note)


def inclusion(sessions: sessionmaker[Session], seq: int, size: int | None = None) -> Inclusion:
    with sessions() as session:
        return inclusion_in(session, seq, size)


def consistency_in(session: Session, old: int, new: int) -> list[str]:
    if not 0 <= old <= new:
        raise InputError(f"no consistency proof from {old} to {new} entries", expected="0 ≤ old ≤ new")
    _checkpoint(session, new)
    if old:
        _checkpoint(session, old)
    ranges = merkle.consistency_ranges(old, new)
    hashes = merkle.assemble(ranges, repo.nodes(session, merkle.nodes_for(ranges)))
    return [base64.b64encode(h).decode() for h in hashes]


def consistency(sessions: sessionmaker[Session], old: int, new: int) -> list[str]:
    with sessions() as session:
        return consistency_in(session, old, new)


def checkpoint(sessions: sessionmaker[Session], size: int) -> str:
    with sessions() as session:
        return _checkpoint(session, size)[1]


@dataclass(frozen=True)
class Found:
    seq: int
    entry: dict[str, Any]


def search(sessions: sessionmaker[Session], *, subject: str = "", organisation: str = "", credential: str = "",
           kind: str = "", after: int = -1, limit: int = 100) -> list[Found]:
    if not (subject or organisation or credential or kind):
        raise InputError("name a subject hash, an organisation, a credential id or a kind to search by")
    with sessions() as session:
        rows = repo.search_entries(session, subject=subject.lower(), organisation=organisation,
                                   credential=credential, kind=kind, after=after, limit=min(max(limit, 1), 1000))
        return [Found(r.seq, Entry.from_leaf(bytes(r.leaf)).to_json()) for r in rows]


@dataclass(frozen=True)
class Audit:
    """The result of checking the stored log end to end."""

    size: int
    checkpoints: int
    ok: bool
    problem: str


def check(sessions: sessionmaker[Session]) -> Audit:
    """Recompute the tree from the stored leaves: the latest checkpoint must verify with the log key, its root must
    be the root of exactly the stored entries, and every stored node must be the hash the leaves give."""
    with sessions() as session:
        row, cp = repo.log_key(session), repo.latest_checkpoint(session)
        if row is None or cp is None:
            return Audit(0, 0, True, "")
        head = open_checkpoint(cp.note, Verifier.parse(row.verifier_key), origin=row.origin)
        count = repo.entry_count(session)
        if count != head.size:
            return Audit(head.size, 0, False, f"{count} entries are stored but the checkpoint covers {head.size}")
        frontier = merkle.Frontier()
        recomputed: dict[tuple[int, int], bytes] = {}
        after = -1
        while True:
            rows = repo.search_entries(session, after=after, limit=20_000)
            if not rows:
                break
            for r in rows:
                if r.seq != frontier.size:
                    return Audit(head.size, 0, False, f"entry {frontier.size} is missing")
                for level, idx, value in frontier.append(merkle.leaf_hash(bytes(r.leaf))):
                    recomputed[(level, idx)] = value
            after = rows[-1].seq
        if frontier.root() != head.root:
            return Audit(head.size, 0, False, "the stored entries do not hash to the checkpoint's root")
        stored = repo.all_nodes(session)
        if stored != recomputed:
            return Audit(head.size, 0, False, "a stored tree node differs from the hash of its leaves")
        return Audit(head.size, 1, True, "")
