"""`carbontrail ledger issue` and `carbontrail verify FILE`: offline verification, tampering, a held checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ledger_world import build
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from carbontrail.cli import app


def test_issue_then_verify_offline(sessions: sessionmaker[Session], db_url: str, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    build(sessions)
    monkeypatch.setenv("CARBONTRAIL_DATABASE_URL", db_url)
    monkeypatch.setenv("CARBONTRAIL_SECRET_KEY", "cli test secret")
    doc = tmp_path / "report.json"
    doc.write_text(json.dumps({"id": "urn:carbontrail:inventory:ORG-A:2025", "scope1_t": 1200.5}), encoding="utf-8")
    runner = CliRunner()
    out = tmp_path / "cred.json"
    r = runner.invoke(app, ["ledger", "issue", "--org", "ORG-A", "--kind", "inventory_report", "--file", str(doc),
                            "--out", str(out), "--reference", "2025"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "cred.proof.json").is_file()
    held = tmp_path / "held.checkpoint"
    assert runner.invoke(app, ["ledger", "head", "--save", str(held)]).exit_code == 0
    ok = runner.invoke(app, ["verify", str(out), "--json"])
    assert ok.exit_code == 0, ok.output
    result = json.loads(ok.output)
    assert result["verified"] and result["sentence"].startswith("Verified: the signature by did:web:")
    assert "entry 1 of the 2-entry log carbontrail.local/log" in result["sentence"]

    # the log grows; the holder's old checkpoint must be consistent with the new bundle
    second = tmp_path / "cred2.json"
    assert runner.invoke(app, ["ledger", "issue", "--org", "ORG-A", "--kind", "inventory_report", "--file",
                               str(doc), "--out", str(second), "--reference", "2025-restated"]).exit_code == 0
    credential_id = json.loads(out.read_text())["id"]
    assert runner.invoke(app, ["ledger", "bundle", credential_id, "--out", str(tmp_path / "cred.proof.json"),
                               "--since", "2"]).exit_code == 0
    r = runner.invoke(app, ["verify", str(out), "--checkpoint", str(held), "--json"])
    assert r.exit_code == 0, r.output
    assert "entry 1 of the 3-entry log" in json.loads(r.output)["sentence"]
    assert "consistent with the checkpoint you hold" in json.loads(r.output)["sentence"]

    tampered = json.loads(out.read_text())
    tampered["credentialSubject"]["scope1_t"] = 120.5
    (tmp_path / "bad.json").write_text(json.dumps(tampered), encoding="utf-8")
    (tmp_path / "bad.proof.json").write_text((tmp_path / "cred.proof.json").read_text(), encoding="utf-8")
    bad = runner.invoke(app, ["verify", str(tmp_path / "bad.json"), "--json"])
    assert bad.exit_code == 1
    sentence = json.loads(bad.output)["sentence"]
    assert sentence.startswith("NOT verified: the credential's signature does not verify")
    assert "it is not revoked or withdrawn" in sentence  # what still holds is said too

    alone = tmp_path / "alone.json"
    alone.write_text(out.read_text(), encoding="utf-8")
    r = runner.invoke(app, ["verify", str(alone)])
    assert r.exit_code == 1 and "no proof bundle" in " ".join(r.output.split())

    assert runner.invoke(app, ["ledger", "revoke", credential_id, "--reason", "restated"]).exit_code == 0
    assert runner.invoke(app, ["ledger", "bundle", credential_id, "--out", str(tmp_path / "cred.proof.json")]
                         ).exit_code == 0
    r = runner.invoke(app, ["verify", str(out)])
    assert r.exit_code == 1 and "revoked or withdrawn" in " ".join(r.output.split())
    check = runner.invoke(app, ["ledger", "check"])
    assert check.exit_code == 0 and "intact" in " ".join(check.output.split())
    accredited = runner.invoke(app, ["ledger", "accredit", "--org", "VB-1", "--accreditation", "CNAS (test)",
                                     "--by", "CNAS"])
    assert accredited.exit_code == 0 and "accredited verification body" in " ".join(accredited.output.split())
    broken = runner.invoke(app, ["verify", str(tmp_path / "missing.json")])
    assert broken.exit_code == 3 and "no such file" in " ".join(broken.output.split())
