"""The demo's trust part (examples/trust/README.md): an illustrative verification body verifies SH-LFP's PACT
footprint of LFP cathode material; the statement, the footprint credential and the registry entry follow, each an
entry of the transparency log. Every step is the use case a user would run; the number is the stored, computed
result of SH-LFP's model, taken from the footprint, never typed here.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import InputError, Location
from carbontrail.services import accounts
from carbontrail.services.demo.sign_ins import demo_password
from carbontrail.services.imports import describe, import_files
from carbontrail.services.ledger import credentials, engagements, registry
from carbontrail.services.pact import host as pact_host
from carbontrail.services.work import SystemActor
from carbontrail.store.repositories import accounts as account_repo

DEMO = SystemActor("demo")
BODY, OWNER = "SC-VERIFY", "SH-LFP"
VERIFIER_EMAIL = "verifier@sc-verify.example"
PRODUCT = "urn:pact:carbontrail.demo:product:lfp-cathode"
STATEMENT = engagements.StatementIn(
    assurance="limited", materiality="5 % of the footprint per declared unit",
    procedures="recalculation of the model's electricity and precursor inputs against the enterprise's records "
               "(illustrative demo procedure)",
    opinion="nothing has come to our attention that the footprint is materially misstated (illustrative demo "
            "statement, not a real verification)",
    verifier="示意核查员 Demo verifier")
LISTING = registry.Publication(product="LFP cathode material (demo)", category="battery materials",
                               declared_unit="kilogram", value=None, region="CN-SC")


def load_trust_demo(sessions: sessionmaker[Session], folder: Path, *, key: bytes | None) -> dict[str, object]:
    """Accredit the demo body, verify SH-LFP's cathode footprint, issue its credential and publish it to the
    registry. Loading again changes nothing; without the installation's key nothing is done (every step is
    logged)."""
    if key is None:
        return {"skipped": "no installation key: the trust demo writes to the transparency log"}
    files = [Path(folder) / "organisations.csv"]
    if not files[0].is_file():
        raise InputError("the trust demo folder lacks organisations.csv", location=Location(file=str(folder)))
    reports = import_files(sessions, files, actor=DEMO)
    if any(e.organisation == OWNER for e in engagements.listing(sessions, DEMO)):
        return {"files": describe(reports), "engagement": None}
    engagements.accredit(sessions, DEMO, BODY, "CNAS (illustrative demo accreditation)", "CNAS")
    _verifier(sessions)
    footprint = next(p for p in pact_host.outbox(sessions, DEMO, OWNER)
                     if p.status == "Active" and PRODUCT in p.product_ids)
    made = engagements.engage(sessions, DEMO, OWNER, BODY, subject_type="footprint", subject_key=footprint.pf_id,
                              grants=["results"])
    finding = engagements.raise_finding(sessions, DEMO, made.id, "state the year of the electricity factor used")
    engagements.answer_finding(sessions, DEMO, finding.id, "the factor library's Sichuan provincial average of "
                                                           "2022, as the model's electricity input names it")
    statement = engagements.issue_statement(sessions, DEMO, key, made.id, STATEMENT)
    issued = credentials.credential_for_footprint(sessions, DEMO, key, OWNER, footprint.pf_id,
                                                  statement_id=statement.credential_id)
    listed = registry.publish(sessions, DEMO, key, OWNER, issued.credential_id, statement.credential_id, LISTING)
    return {"files": describe(reports), "engagement": made.id, "statement": statement.credential_id,
            "credential": issued.credential_id, "registry_entry": listed.id, "value": listed.value}


def _verifier(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        known = VERIFIER_EMAIL in account_repo.emails(s)
    if not known:
        accounts.create_user(sessions, VERIFIER_EMAIL, demo_password(), name="示意核查员 Demo verifier",
                             actor="demo")
        accounts.grant_role(sessions, VERIFIER_EMAIL, "verifier", organisation=BODY, actor="demo")
