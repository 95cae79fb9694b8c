"""The public log API and credentials/engagements over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient
from ledger_world import KEY, build
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.app import create_app
from carbontrail.config import Settings
from carbontrail.ledger import bundle, merkle
from carbontrail.ledger.checkpoint import Verifier, open_checkpoint
from carbontrail.ledger.entries import Entry
from carbontrail.services.accounts import access_token
from carbontrail.services.ledger import engagements


def test_public_log_and_credentials_over_http(sessions: sessionmaker[Session], tmp_path: object) -> None:
    people = build(sessions)
    engagements.accredit(sessions, people.operator, "VB-1", "CNAS (test fixture)", "CNAS")
    app = create_app(Settings(secret_key=KEY.decode()), sessions=sessions, pages=False)
    client = TestClient(app)
    auth = {"Authorization": f"Bearer {access_token(KEY, people.a_admin)}"}
    body = {"kind": "inventory_report", "reference": "2025", "subject": {"id": "urn:x:1", "total_t": 12.5}}
    assert client.post("/api/organisations/ORG-A/credentials", json=body).status_code == 401
    c_auth = {"Authorization": f"Bearer {access_token(KEY, people.c_admin)}"}
    assert client.post("/api/organisations/ORG-A/credentials", json=body, headers=c_auth).status_code == 404
    made = client.post("/api/organisations/ORG-A/credentials", json=body, headers=auth)
    assert made.status_code == 201, made.text
    credential = made.json()["document"]

    head = client.get("/api/ledger/head").json()
    note = client.get("/api/ledger/checkpoint").text
    assert note == head["checkpoint"] and note.startswith("carbontrail.local/log\n2\n")
    cp = open_checkpoint(note, Verifier.parse(head["log_key"]))
    proof = client.get("/api/ledger/proof/inclusion", params={"seq": 1}).json()
    leaf = Entry.from_json(proof["entry"]).leaf_hash()
    assert merkle.verify_inclusion(1, 2, leaf, [base64.b64decode(h) for h in proof["hashes"]], cp.root)
    found = client.get("/api/ledger/entries", params={"credential": credential["id"]}).json()
    assert [f["seq"] for f in found] == [1]
    assert client.get("/api/ledger/entries").status_code == 422  # a search names what it searches by (InputError)
    proofs = client.get("/api/ledger/bundle", params={"credential": credential["id"]}).json()
    assert bundle.verify(credential, proofs).ok
    did = client.get("/organisations/ORG-A/did.json").json()
    assert did["id"] == "did:web:carbontrail.local:organisations:ORG-A"
    status = client.get("/api/ledger/status/ORG-A").json()
    assert status["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]

    engaged = client.post("/api/organisations/ORG-A/engagements", headers=auth, json={
        "body": "VB-1", "subject_type": "inventory", "subject_key": "2025", "grants": ["activity"]})
    assert engaged.status_code == 201, engaged.text
    v_auth = {"Authorization": f"Bearer {access_token(KEY, people.verifier)}"}
    seen = client.get(f"/api/engagements/{engaged.json()['id']}", headers=v_auth).json()
    assert list(seen["snapshot"]["sections"]) == ["activity"]
    assert client.get(f"/api/engagements/{engaged.json()['id']}", headers=c_auth).status_code == 404
    stated = client.post(f"/api/engagements/{engaged.json()['id']}/statement", headers=v_auth, json={
        "assurance": "reasonable", "materiality": "5 %", "procedures": "recalculation", "opinion": "fairly stated"})
    assert stated.status_code == 201, stated.text
    size = client.get("/api/ledger/head").json()["size"]
    assert size == 4  # + the body's key entry and the statement
    consistency = client.get("/api/ledger/proof/consistency", params={"old": 2, "new": size}).json()
    assert consistency["old"] == 2
    newer = open_checkpoint(client.get("/api/ledger/checkpoint").text, Verifier.parse(head["log_key"]))
    assert merkle.verify_consistency(2, newer.size, cp.root, newer.root,
                                     [base64.b64decode(h) for h in consistency["hashes"]])
    revoked = client.post("/api/ledger/credentials/revoke", params={"credential": credential["id"]},
                          json={"reason": "restated"}, headers=auth)
    assert revoked.status_code == 200 and revoked.json()["revoked"]


@pytest.mark.parametrize("path", ["/api/ledger/head", "/api/ledger/proof/inclusion?seq=0"])
def test_an_empty_log_answers_not_found(sessions: sessionmaker[Session], path: str) -> None:
    client = TestClient(create_app(Settings(secret_key="k"), sessions=sessions, pages=False))
    assert client.get(path).status_code == 404
