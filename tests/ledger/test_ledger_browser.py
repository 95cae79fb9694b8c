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
        page.wait_for_function("document.getElementById('verdict').textContent.includes('revoked or withdrawn')",
                               timeout=15_000)
        assert len(requests) == asked  # verified in the page: no file went anywhere
        page.goto(f"{server}/registry")
        assert page.locator("h1").inner_text() == "Product footprint registry"
        assert blocked == []
        context.close()
