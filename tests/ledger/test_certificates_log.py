"""Every issuance, transfer, claim and release of a green-electricity certificate is an entry of the transparency
log (issue 16, item 2), made in the same transaction as the change; a saved event verifies offline.

The entry commits to the event body's SHA-256 (its RFC 8785 bytes, which `certificate_event.sha256` already holds)
and names the instrument by SHA-256("certificate:KIND:REFERENCE"), so anyone holding a serial finds its entries
without the log revealing it. Events written without the installation's key (a library call) are appended by the
next change made with it, oldest first.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from certificates_world import CLI, PROJECT, electricity, issue_gecs, seed
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from carbontrail.cli import app
from carbontrail.ledger import bundle
from carbontrail.ledger.canonical import digest
from carbontrail.ledger.certificates import gec_serial
from carbontrail.services import certificates as certs
from carbontrail.services.ledger import log
from carbontrail.store.models import CertificateEvent, LedgerEntry

KEY = b"certificate log test key"


def _entries(sessions: sessionmaker[Session]) -> list[LedgerEntry]:
    with sessions() as s:
        return list(s.scalars(select(LedgerEntry).where(LedgerEntry.kind == "certificate").order_by(LedgerEntry.seq)))


def test_each_change_is_a_log_entry_committing_to_its_event(sessions: sessionmaker[Session]) -> None:
    seed(sessions)
    serials = issue_gecs(sessions, 3, month=date(2026, 11, 1))  # without the key: not logged yet
    assert _entries(sessions) == []
    moved = certs.transfer(sessions, CLI, "SC-HYDRO", "CD-CELL", serials, key=KEY)
    # the three earlier issuances and the three transfers, oldest first, in the transfer's transaction
    assert moved.log_seq == (0, 1, 2, 3, 4, 5)
    electricity(sessions, "CD-CELL", date(2026, 11, 1), date(2026, 11, 30), 720_000)
    claimed = certs.claim(sessions, CLI, "CD-CELL", serials[:1], (date(2026, 11, 1), date(2026, 11, 30)), key=KEY)
    released = certs.release(sessions, CLI, "CD-CELL", claimed.claim_ids[0], key=KEY)
    assert (claimed.log_seq, released.log_seq) == ((6,), (7,))
    with sessions() as s:
        events = list(s.scalars(select(CertificateEvent).order_by(CertificateEvent.id)))
    entries = _entries(sessions)
    assert [e.seq for e in entries] == list(range(8))
    for event, entry in zip(events, entries, strict=True):
        body = json.loads(event.body)
        leaf = json.loads(entry.leaf)
        assert leaf["digest"] == event.sha256 == digest(body)  # the body's RFC 8785 bytes, hashed
        assert leaf["detail"] == {"event": event.kind, "reference": body["instrument"]["reference"]}
        assert entry.subject == digest(f"certificate:GEC:{body['instrument']['reference']}")
        assert entry.credential == f"urn:carbontrail:certificate-event:{event.id}"
    assert [json.loads(e.leaf)["detail"]["event"] for e in entries] == [
        "issuance"] * 3 + ["transfer"] * 3 + ["claim", "release"]
    # nothing is appended twice, and the tree recomputed from the stored entries matches the signed checkpoints
    certs.transfer(sessions, CLI, "CD-CELL", "SH-LFP", serials[2:], key=KEY)
    assert [e.seq for e in _entries(sessions)] == list(range(9))
    assert log.check(sessions).ok


def test_a_saved_claim_verifies_offline_and_a_changed_one_does_not(
        sessions: sessionmaker[Session], db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(sessions)
    monkeypatch.setenv("CARBONTRAIL_DATABASE_URL", db_url)
    monkeypatch.setenv("CARBONTRAIL_SECRET_KEY", "certificate cli secret")
    runner = CliRunner()
    serials = [gec_serial(PROJECT, date(2026, 11, 1), n) for n in (1, 2)]
    export = tmp_path / "export.csv"
    export.write_text("kind,serial,generator,technology,province,production_start,production_end,mwh\n" + "".join(
        f"GEC,{s},Aba hydro,hydro,四川,2026-11-01,2026-11-30,1\n" for s in serials), encoding="utf-8")
    for args in (["import", str(export), "--org", "SC-HYDRO"], ["transfer", "CD-CELL", *serials, "--org", "SC-HYDRO"]):
        done = runner.invoke(app, ["certificates", *args, "--json"])
        assert done.exit_code == 0, done.output
    electricity(sessions, "CD-CELL", date(2026, 11, 1), date(2026, 11, 30), 720_000)
    done = runner.invoke(app, ["certificates", "claim", serials[0], "--org", "CD-CELL", "--period", "2026-11",
                               "--json"])
    assert done.exit_code == 0 and json.loads(done.output)["log_seq"] == [4], done.output
    held = tmp_path / "held.checkpoint"
    assert runner.invoke(app, ["ledger", "head", "--save", str(held)]).exit_code == 0

    saved = tmp_path / "claim.json"
    done = runner.invoke(app, ["certificates", "proof", serials[0], "--org", "CD-CELL", "--out", str(saved)])
    assert done.exit_code == 0, done.output
    assert "entry 4 of the log" in done.output and (tmp_path / "claim.proof.json").is_file()
    body = json.loads(saved.read_text(encoding="utf-8"))
    assert (body["event"], body["organisation"], body["kwh"], body["instrument"]["reference"]) == (
        "claim", "CD-CELL", 1000, serials[0])
    verified = runner.invoke(app, ["verify", str(saved), "--checkpoint", str(held), "--json"])
    result = json.loads(verified.output)
    assert verified.exit_code == 0 and result["verified"], result
    assert result["sentence"] == (f"Verified: the file is a certificate event; the log checkpoint is signed by the "
                                  f"log key; the claim of GEC {serials[0]} is entry 4 of the 5-entry log "
                                  f"carbontrail.local/log; the log is consistent with the checkpoint you hold.")

    # the same claim, but for more kWh: the log does not hold that
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps({**body, "kwh": 2000}), encoding="utf-8")
    (tmp_path / "changed.proof.json").write_text((tmp_path / "claim.proof.json").read_text(), encoding="utf-8")
    refused = runner.invoke(app, ["verify", str(changed), "--json"])
    assert refused.exit_code == 1
    assert json.loads(refused.output)["sentence"].startswith(
        "NOT verified: the log entry commits to a different event than this file")
    # another organisation cannot fetch CD-CELL's claim
    other = runner.invoke(app, ["certificates", "proof", serials[0], "--org", "SH-LFP", "--out", str(changed)])
    assert other.exit_code != 0 and "has no event on GEC" in other.output


def test_verify_event_against_an_independent_merkle_recomputation(sessions: sessionmaker[Session]) -> None:
    """The bundle's inclusion proof, recomputed by hand: with 3 issuances logged (leaves a, b, c), entry 2's proof
    is [hash(a,b)] and the root is hash(hash(a,b), c) (RFC 9162 §2.1.1: leaf = SHA-256(0x00‖entry), node =
    SHA-256(0x01‖left‖right))."""
    import hashlib

    seed(sessions)
    serials = issue_gecs(sessions, 2, month=date(2026, 11, 1))
    certs.transfer(sessions, CLI, "SC-HYDRO", "CD-CELL", serials[:1], key=KEY)  # logs 2 issuances + 1 transfer
    proof = certs.event_proof(sessions, CLI, "SC-HYDRO", serials[0], event="transfer")
    leaves = [e.leaf for e in _entries(sessions)]

    def leaf(data: bytes) -> bytes:
        return hashlib.sha256(b"\x00" + data).digest()

    def node(left: bytes, right: bytes) -> bytes:
        return hashlib.sha256(b"\x01" + left + right).digest()

    ab = node(leaf(leaves[0]), leaf(leaves[1]))
    assert proof.log_seq == 2 and proof.bundle["inclusion"]["hashes"] == [bundle.b64(ab)]  # type: ignore[index]
    root = node(ab, leaf(leaves[2]))
    assert bundle.b64(root) in str(proof.bundle["checkpoint"])
    assert bundle.verify_event(proof.body, proof.bundle).ok  # type: ignore[arg-type]
