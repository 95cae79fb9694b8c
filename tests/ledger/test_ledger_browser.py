"""In a real browser (Playwright driving Debian's chromium): drop a credential and its proof bundle on the
verification page and see it verified in the browser; then a tampered copy, and see it fail. Also the registry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from ledger_world import KEY, build
from browsers import chromium, needs_chromium
from live_server import live_server
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.app import create_app
from carbontrail.config import Settings
from carbontrail.services.ledger import credentials

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


def test_drop_a_credential_then_a_tampered_copy(browser, sessions: sessionmaker[Session],  # type: ignore[no-untyped-def]
                                                tmp_path: Path) -> None:
    people = build(sessions)
    issued = credentials.issue(sessions, people.a_admin, KEY, "ORG-A", "inventory_report", "2025",
                               {"id": "urn:carbontrail:inventory:ORG-A:2025", "scope1_t": 1200.5, "名称": "甲锂电"})
    credentials.rotate_key(sessions, people.a_admin, KEY, "ORG-A")
    other = credentials.issue(sessions, people.a_admin, KEY, "ORG-A", "inventory_report", "2024", {"scope1_t": 9.0})
    credentials.revoke(sessions, people.a_admin, KEY, other.credential_id, "restated")  # list re-signed, new key
    good, proofs = tmp_path / "cred.json", tmp_path / "cred.proof.json"
    good.write_text(json.dumps(issued.document, ensure_ascii=False), encoding="utf-8")
    proofs.write_text(json.dumps(credentials.bundle(sessions, issued.credential_id)), encoding="utf-8")
    tampered = json.loads(good.read_text(encoding="utf-8"))
    tampered["credentialSubject"]["scope1_t"] = 120.5
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")
    revoked, revoked_proofs = tmp_path / "revoked.json", tmp_path / "revoked.proof.json"
    revoked.write_text(json.dumps(other.document), encoding="utf-8")
    revoked_proofs.write_text(json.dumps(credentials.bundle(sessions, other.credential_id)), encoding="utf-8")

    app = create_app(Settings(secret_key=KEY.decode()), sessions=sessions)
    with live_server(app) as server:
        context = browser.new_context(locale="en-GB")
        page = context.new_page()
        blocked: list[str] = []
        requests: list[str] = []
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        page.on("request", lambda r: requests.append(r.url))
        page.goto(f"{server}/ledger/verify")
        asked = len(requests)
        page.set_input_files("#verify-files", [str(good), str(proofs)])
        page.wait_for_selector("#verdict.ok", timeout=15_000)
        verdict = page.locator("#verdict").inner_text()
        assert verdict.startswith("Verified: the signature by did:web:carbontrail.local:organisations:ORG-A")
        assert "entry 1 of the 6-entry log carbontrail.local/log" in verdict and "not revoked" in verdict
        page.set_input_files("#verify-files", [str(bad), str(proofs)])
        page.wait_for_selector("#verdict.fail", timeout=15_000)
        assert page.locator("#verdict").inner_text().startswith(
            "NOT verified: the credential's signature does not verify")
        page.set_input_files("#verify-files", [str(revoked), str(revoked_proofs)])
        expect(page.locator("#verdict")).to_contain_text("revoked or withdrawn", timeout=15_000)
        assert len(requests) == asked  # verified in the page: no file went anywhere
        page.goto(f"{server}/registry")
        assert page.locator("h1").inner_text() == "Product footprint registry"
        assert blocked == []
        context.close()


def test_the_page_checks_a_held_checkpoint_and_a_certificate_event(browser, sessions: sessionmaker[Session],  # type: ignore[no-untyped-def]
                                                                   tmp_path: Path) -> None:
    """A checkpoint saved when the log had n entries, dropped beside a credential whose bundle carries the RFC 9162
    consistency proof from n (n = 2, a power of two, and n = 3): the page checks the log grew from it (a changed
    checkpoint fails). A transfer of a
    GEC saved with `certificates proof` verifies; the same event claiming more MWh does not."""
    from datetime import date

    from carbontrail.ledger.certificates import check_instrument, gec_serial
    from carbontrail.services import certificates as certs
    from carbontrail.services.work import SystemActor

    people = build(sessions)
    first = credentials.issue(sessions, people.a_admin, KEY, "ORG-A", "inventory_report", "2025", {"scope1_t": 1.0})
    held_note = credentials.bundle(sessions, first.credential_id)["checkpoint"]
    held_size = int(held_note.split("\n")[1])
    credentials.issue(sessions, people.a_admin, KEY, "ORG-A", "inventory_report", "2024", {"scope1_t": 2.0})
    odd_note = credentials.bundle(sessions, first.credential_id)["checkpoint"]  # a size not a power of two
    odd_size = int(odd_note.split("\n")[1])
    assert (held_size, odd_size) == (2, 3)
    actor = SystemActor("test")
    serial = gec_serial("13520155132000017", date(2026, 11, 1), 1)
    certs.issue(sessions, actor, "ORG-A", [(2, check_instrument("GEC", serial, "Aba hydro", "hydro", "四川",
                                                                 date(2026, 11, 1), date(2026, 11, 30), 1.0), "")])
    certs.transfer(sessions, actor, "ORG-A", "ORG-C", [serial], key=KEY)  # the issuance and the transfer: 2 entries
    files = {
        "cred.json": json.dumps(first.document),
        "cred.proof.json": json.dumps(credentials.bundle(sessions, first.credential_id, since=held_size)),
        "held.checkpoint": held_note,
        "odd.proof.json": json.dumps(credentials.bundle(sessions, first.credential_id, since=odd_size)),
        "odd.checkpoint": odd_note,
        "forged.checkpoint": held_note.replace(held_note.split("\n")[2], "A" * 43 + "="),
    }
    proof = certs.event_proof(sessions, actor, "ORG-A", serial, event="transfer")
    files["transfer.json"] = json.dumps(proof.body, ensure_ascii=False)
    files["transfer.proof.json"] = json.dumps(proof.bundle)
    files["more.json"] = json.dumps({**proof.body, "instrument": {**proof.body["instrument"],  # type: ignore[dict-item]
                                                                  "face_kwh": 2000}}, ensure_ascii=False)
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    path = {name: str(tmp_path / name) for name in files}

    app = create_app(Settings(secret_key=KEY.decode()), sessions=sessions)
    with live_server(app) as server:
        context = browser.new_context(locale="en-GB")
        page = context.new_page()
        page.goto(f"{server}/ledger/verify")
        page.set_input_files("#verify-files", [path["cred.json"], path["cred.proof.json"], path["held.checkpoint"]])
        page.wait_for_selector("#verdict.ok", timeout=15_000)
        verdict = page.locator("#verdict").inner_text()
        assert verdict.endswith("; the log is consistent with the checkpoint you hold."), verdict
        assert f"of the {held_size + 3}-entry log" in verdict
        page.evaluate("document.getElementById('verdict').textContent = ''")  # wait for the new verdict below
        page.set_input_files("#verify-files", [path["cred.json"], path["odd.proof.json"], path["odd.checkpoint"]])
        expect(page.locator("#verdict")).to_contain_text("consistent with the checkpoint you hold", timeout=15_000)
        assert page.locator("#verdict").inner_text().startswith("Verified:")
        page.set_input_files("#verify-files", [path["cred.json"], path["cred.proof.json"],
                                               path["forged.checkpoint"]])
        page.wait_for_selector("#verdict.fail", timeout=15_000)
        assert page.locator("#verdict").inner_text().startswith("NOT verified: the checkpoint's signature does not verify")
        page.set_input_files("#verify-files", [path["transfer.json"], path["transfer.proof.json"]])
        page.wait_for_selector("#verdict.ok", timeout=15_000)
        assert page.locator("#verdict").inner_text() == (
            f"Verified: the file is a certificate event; the log checkpoint is signed by the log key; the transfer "
            f"of GEC {serial} is entry {proof.log_seq} of the {held_size + 3}-entry log carbontrail.local/log.")
        page.set_input_files("#verify-files", [path["more.json"], path["transfer.proof.json"]])
        page.wait_for_selector("#verdict.fail", timeout=15_000)
        assert "the log entry commits to a different event than this file" in page.locator("#verdict").inner_text()
        context.close()
