"""The durable log on SQLite and PostgreSQL: batched appends, stored nodes, proofs that verify, crash safety."""

from __future__ import annotations

import base64
import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.ledger import merkle
from carbontrail.ledger.checkpoint import Verifier, open_checkpoint
from carbontrail.ledger.entries import Entry
from carbontrail.services.ledger import log
from carbontrail.services.work import SystemActor
from carbontrail.store.db import make_engine, session_factory
from carbontrail.store.migrate import upgrade
from carbontrail.store.models import LedgerEntry

KEY = b"test secret key for the ledger"
ACTOR = SystemActor("test")


def _entries(start: int, count: int) -> list[Entry]:
    return [Entry("certificate", "ORG-A" if i % 3 else "ORG-B", "2026-03-01T00:00:00Z",
                  subject=hashlib.sha256(f"subject {i}".encode()).hexdigest(), credential=f"urn:test:{i}")
            for i in range(start, start + count)]


def _naive_root(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 9162 §2.1.1, over the raw leaves (independent of the stored nodes)."""
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _naive_root(leaves[:k]) + _naive_root(leaves[k:])).digest()


def test_batches_sign_checkpoints_and_serve_proofs(sessions: sessionmaker[Session]) -> None:
    sizes = [1, 6, 25, 100, 1]
    done = 0
    notes = []
    for count in sizes:
        result = log.append(sessions, ACTOR, KEY, _entries(done, count))
        assert result.first == done
        done += count
        assert result.size == done
        notes.append(result.checkpoint)
    head = log.latest(sessions)
    assert head.size == 133
    verifier = Verifier.parse(head.log_key)
    cp = open_checkpoint(head.checkpoint, verifier, origin=log.DEFAULT_ORIGIN)
    leaves = [e.leaf() for e in _entries(0, 133)]
    assert cp.root == _naive_root(leaves)
    for seq in (0, 1, 64, 99, 132):
        proof = log.inclusion(sessions, seq)
        assert proof.tree_size == 133 and proof.entry == _entries(seq, 1)[0].to_json()
        hashes = [base64.b64decode(h) for h in proof.hashes]
        assert merkle.verify_inclusion(seq, 133, merkle.leaf_hash(leaves[seq]), hashes, cp.root)
    old = open_checkpoint(notes[1], verifier)  # 7 entries
    hashes = [base64.b64decode(h) for h in log.consistency(sessions, 7, 133)]
    assert merkle.verify_consistency(7, 133, old.root, cp.root, hashes)
    assert old.root == _naive_root(leaves[:7])
    # proofs against an older signed checkpoint
    proof = log.inclusion(sessions, 3, size=7)
    assert merkle.verify_inclusion(3, 7, merkle.leaf_hash(leaves[3]), [base64.b64decode(h) for h in proof.hashes],
                                   old.root)
    found = log.search(sessions, organisation="ORG-B")
    assert [f.seq for f in found][:4] == [0, 3, 6, 9] and len(found) == 45  # i % 3 == 0 for i < 133
    subject = hashlib.sha256(b"subject 64").hexdigest()
    assert [f.seq for f in log.search(sessions, subject=subject)] == [64]
    assert [f.seq for f in log.search(sessions, credential="urn:test:99")] == [99]
    assert log.check(sessions).ok


def test_a_tampered_stored_entry_is_detected(sessions: sessionmaker[Session]) -> None:
    log.append(sessions, ACTOR, KEY, _entries(0, 40))
    assert log.check(sessions).ok
    with sessions.begin() as s:
        s.execute(update(LedgerEntry).where(LedgerEntry.seq == 17).values(leaf=_entries(99, 1)[0].leaf()))
    result = log.check(sessions)
    assert not result.ok and "root" in result.problem
    proof = log.inclusion(sessions, 17)  # the proof still comes from the stored nodes: it no longer fits the leaf
    head = open_checkpoint(log.latest(sessions).checkpoint, Verifier.parse(log.latest(sessions).log_key))
    leaf = merkle.leaf_hash(_entries(99, 1)[0].leaf())
    assert not merkle.verify_inclusion(17, 40, leaf, [base64.b64decode(h) for h in proof.hashes], head.root)


WRITER = """
import random, sys
from carbontrail.ledger.entries import Entry
from carbontrail.services.ledger import log
from carbontrail.services.work import SystemActor
from carbontrail.store.db import make_engine, session_factory
sessions = session_factory(make_engine(sys.argv[1]))
rng = random.Random(int(sys.argv[2]))
n = 0
print("ready", flush=True)
while True:
    count = rng.randint(1, 400)
    batch = [Entry("certificate", "ORG", "2026-03-01T00:00:00Z", subject=f"{n + i:064x}") for i in range(count)]
    log.append(sessions, SystemActor("writer"), b"test secret key for the ledger", batch)
    n += count
"""


@pytest.mark.slow
def test_kill_minus_nine_during_appends_leaves_a_verifiable_log(db_url: str, tmp_path: Path) -> None:
    engine: Engine = make_engine(db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    rng = random.Random(1515)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"))
    seen = 0
    for round_ in range(3):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, db_url, str(round_)], stdout=subprocess.PIPE,
                                  env=env, cwd=tmp_path)
        assert writer.stdout is not None and writer.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.3, 1.5))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        audit = log.check(sessions)
        assert audit.ok, audit.problem
        head = log.latest(sessions)
        assert head.size >= seen
        seen = head.size
        cp = open_checkpoint(head.checkpoint, Verifier.parse(head.log_key))
        with sessions() as s:
            leaves = {seq: s.get(LedgerEntry, seq).leaf for seq in rng.sample(range(head.size), 20)}  # type: ignore[union-attr]
        for seq, leaf in leaves.items():
            proof = log.inclusion(sessions, seq)
            assert merkle.verify_inclusion(seq, head.size, merkle.leaf_hash(bytes(leaf)),
                                           [base64.b64decode(h) for h in proof.hashes], cp.root)
    assert seen > 100
    engine.dispose()
