"""Credentials on SQLite and PostgreSQL: issue, verify offline with the bundle, revoke, rotate keys; who may."""

from __future__ import annotations

import pytest
from ledger_world import KEY, People, build
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import NotFound, PermissionDenied
from carbontrail.ledger import bundle
from carbontrail.ledger.keys import PublicKey
from carbontrail.services.ledger import credentials, log

CBAM = {"id": "urn:carbontrail:cbam:ORG-A:2026Q1", "type": "CbamEmissionsCommunication",
        "installation": "A-SMELTER", "goods": [{"cnCode": "7601 10 00", "directSee": 1.85, "unit": "t CO2e/t"}]}


@pytest.fixture
def people(sessions: sessionmaker[Session]) -> People:
    return build(sessions)


def test_issue_and_verify_offline(people: People) -> None:
    issued = credentials.issue(people.sessions, people.a_admin, KEY, "ORG-A", "cbam_communication", "2026Q1", CBAM)
    doc = issued.document
    assert doc["issuer"] == "did:web:carbontrail.local:organisations:ORG-A"
    assert doc["credentialSubject"] == CBAM and doc["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    proofs = credentials.bundle(people.sessions, issued.credential_id)
    report = bundle.verify(doc, proofs)
    assert report.ok, report.sentence
    # the log holds the key entry, the credential entry (status list signed with it, not logged until changed)
    found = log.search(people.sessions, organisation="ORG-A")
    assert [f.entry["kind"] for f in found] == ["key", "credential"]
    assert found[1].entry["subject"] == credentials.subject_hash("cbam_communication", "2026Q1")
    assert [f.seq for f in log.search(people.sessions, credential=issued.credential_id)] == [issued.log_seq]


def test_revoked_credential_fails_verification_with_that_reason(people: People) -> None:
    issued = credentials.issue(people.sessions, people.a_admin, KEY, "ORG-A", "cbam_communication", "2026Q1", CBAM)
    held = credentials.bundle(people.sessions, issued.credential_id)["checkpoint"]
    held_size = log.latest(people.sessions).size
    credentials.revoke(people.sessions, people.a_admin, KEY, issued.credential_id, "superseded by a corrected report")
    proofs = credentials.bundle(people.sessions, issued.credential_id, since=held_size)
    report = bundle.verify(issued.document, proofs, held=held)
    assert [c.name for c in report.failed()] == ["status"]
    assert "revoked or withdrawn" in report.sentence and "consistent with the checkpoint you hold" in report.sentence
    kinds = [f.entry["kind"] for f in log.search(people.sessions, organisation="ORG-A")]
    assert kinds == ["key", "credential", "revocation", "status_list"]


def test_rotation_keeps_old_credentials_verifying(people: People) -> None:
    old = credentials.issue(people.sessions, people.a_admin, KEY, "ORG-A", "inventory_report", "2025", {"total": 1})
    rotated = credentials.rotate_key(people.sessions, people.a_admin, KEY, "ORG-A")
    new = credentials.issue(people.sessions, people.a_admin, KEY, "ORG-A", "inventory_report", "2026", {"total": 2})
    assert old.document["proof"]["verificationMethod"] != new.document["proof"]["verificationMethod"]
    assert new.document["proof"]["verificationMethod"].endswith(rotated.multikey)
    for issued in (old, new):
        report = bundle.verify(issued.document, credentials.bundle(people.sessions, issued.credential_id))
        assert report.ok, report.sentence
    doc = credentials.did(people.sessions, "ORG-A")
    listed = [m["publicKeyMultibase"] for m in doc["verificationMethod"]]  # type: ignore[index, union-attr]
    assert len(listed) == 2 and rotated.multikey in listed
    assert doc["alsoKnownAs"] == [PublicKey.from_multikey(rotated.multikey).did_key]
    # revoking the old credential after the rotation: the list is signed by the new key, which is logged too
    credentials.revoke(people.sessions, people.a_admin, KEY, old.credential_id, "period restated")
    report = bundle.verify(old.document, credentials.bundle(people.sessions, old.credential_id))
    assert [c.name for c in report.failed()] == ["status"]


def test_a_key_from_another_issuer_is_not_accepted(people: People) -> None:
    a = credentials.issue(people.sessions, people.a_admin, KEY, "ORG-A", "inventory_report", "2025", {"total": 1})
    c = credentials.issue(people.sessions, people.c_admin, KEY, "ORG-C", "inventory_report", "2025", {"total": 1})
    proofs = credentials.bundle(people.sessions, a.credential_id)
    proofs["issuerKey"] = credentials.bundle(people.sessions, c.credential_id)["issuerKey"]
    report = bundle.verify(a.document, proofs)
    assert [x.name for x in report.failed()] == ["issuer key"]


def test_only_the_issuers_writers_may_issue_or_revoke(people: People) -> None:
    with pytest.raises(NotFound):
        credentials.issue(people.sessions, people.c_admin, KEY, "ORG-A", "inventory_report", "2025", {"t": 1})
    with pytest.raises(PermissionDenied):
        credentials.rotate_key(people.sessions, people.a_entry, KEY, "ORG-A")  # data entry may not manage keys
    issued = credentials.issue(people.sessions, people.a_entry, KEY, "ORG-A", "inventory_report", "2025", {"t": 1})
    with pytest.raises(NotFound):
        credentials.revoke(people.sessions, people.c_admin, KEY, issued.credential_id, "not theirs")
    with pytest.raises(NotFound):
        credentials.credential_document(people.sessions, people.verifier, issued.credential_id)
    with pytest.raises(PermissionDenied):
        log.append(people.sessions, people.a_admin, KEY, [])
