"""Verification engagements: frozen subjects, granted views, findings, statements, withdrawal; across tenants."""

from __future__ import annotations

import pytest
from ledger_world import KEY, People, build
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict, InputError, NotFound, PermissionDenied
from carbontrail.ledger import bundle
from carbontrail.services.ledger import credentials, engagements
from carbontrail.store.models import ActivityRecord

STATEMENT = engagements.StatementIn(assurance="limited", materiality="5 % of reported scope 2 emissions",
                                    procedures="meter reading reconciliation against two months of bills",
                                    opinion="nothing has come to our attention that the data are materially misstated",
                                    boundary="organisational boundary: site A-CELL")


@pytest.fixture
def people(sessions: sessionmaker[Session]) -> People:
    world = build(sessions)
    engagements.accredit(sessions, world.operator, "VB-1", "CNAS accreditation (test fixture)", "CNAS")
    return world


def _engage(people: People) -> engagements.Engagement:
    return engagements.engage(people.sessions, people.a_admin, "ORG-A", "VB-1", subject_type="inventory",
                              subject_key="2025", grants=["activity"])


def test_the_verifier_sees_only_what_was_granted(people: People) -> None:
    made = _engage(people)
    assert made.snapshot["subject"] == {"period": "2025", "records": 2}
    theirs = engagements.show(people.sessions, people.verifier, made.id)
    assert set(theirs.snapshot["sections"]) == {"activity"}
    assert [r["quantity"] for r in theirs.snapshot["sections"]["activity"]] == [812_000.0, 790_500.0]
    ours = engagements.show(people.sessions, people.a_entry, made.id)
    assert set(ours.snapshot["sections"]) == {"activity", "evidence"}
    with pytest.raises(NotFound):
        engagements.show(people.sessions, people.c_admin, made.id)
    assert [e.id for e in engagements.listing(people.sessions, people.verifier)] == [made.id]
    assert engagements.listing(people.sessions, people.c_admin) == []


def test_statement_refused_on_changed_subject_and_open_findings_then_issued_and_withdrawn(people: People) -> None:
    made = _engage(people)
    found = engagements.raise_finding(people.sessions, people.verifier, made.id,
                                      "February reading differs from the bill", material=True)
    with pytest.raises(Conflict, match="unanswered"):
        engagements.issue_statement(people.sessions, people.verifier, KEY, made.id, STATEMENT)
    with pytest.raises(PermissionDenied):
        engagements.answer_finding(people.sessions, people.verifier, found.id, "answering myself")
    with pytest.raises(PermissionDenied):
        engagements.raise_finding(people.sessions, people.a_admin, made.id, "grading our own homework")
    engagements.answer_finding(people.sessions, people.a_admin, found.id, "the bill covers 27 days; corrected note")

    with people.sessions.begin() as s:  # the enterprise edits a record under review
        s.execute(update(ActivityRecord).where(ActivityRecord.record_key == "A-CELL-elec-2025-02")
                  .values(quantity=700_000.0))
    with pytest.raises(Conflict, match="changed after it was frozen"):
        engagements.issue_statement(people.sessions, people.verifier, KEY, made.id, STATEMENT)
    with people.sessions.begin() as s:
        s.execute(update(ActivityRecord).where(ActivityRecord.record_key == "A-CELL-elec-2025-02")
                  .values(quantity=790_500.0))

    issued = engagements.issue_statement(people.sessions, people.verifier, KEY, made.id, STATEMENT)
    subject = issued.document["credentialSubject"]
    for element in ("addressee", "subject", "boundary", "criteria", "levelOfAssurance", "materiality",
                    "procedures", "findings", "opinion", "verifier", "date"):
        assert subject[element], element
    assert subject["verifier"]["accreditation"] == "CNAS accreditation (test fixture)"
    assert subject["subject"]["digest"] == made.snapshot_digest
    assert issued.document["issuer"] == credentials.issuer_of("VB-1")
    assert bundle.verify(issued.document, credentials.bundle(people.sessions, issued.credential_id)).ok
    assert engagements.statement_status(people.sessions, issued.credential_id) == "standing"
    assert credentials.pact_assurance(issued.document)["level"] == "limited"  # type: ignore[index]

    with pytest.raises(PermissionDenied):
        engagements.withdraw_statement(people.sessions, people.a_admin, KEY, made.id, "we dislike it")
    engagements.withdraw_statement(people.sessions, people.verifier, KEY, made.id, "bills found to be forged")
    assert engagements.statement_status(people.sessions, issued.credential_id) == \
        "withdrawn: bills found to be forged"
    assert engagements.show(people.sessions, people.a_admin, made.id).status == "withdrawn"
    report = bundle.verify(issued.document, credentials.bundle(people.sessions, issued.credential_id))
    assert [c.name for c in report.failed()] == ["status"] and "withdrawn" in report.sentence


def test_only_accredited_bodies_and_their_verifiers(people: People) -> None:
    with pytest.raises(InputError, match="not an accredited"):
        engagements.engage(people.sessions, people.a_admin, "ORG-A", "ORG-C", subject_type="inventory",
                           subject_key="2025", grants=["activity"])
    with pytest.raises(NotFound):
        engagements.engage(people.sessions, people.c_admin, "ORG-A", "VB-1", subject_type="inventory",
                           subject_key="2025", grants=["activity"])
    with pytest.raises(PermissionDenied):
        engagements.engage(people.sessions, people.a_entry, "ORG-A", "VB-1", subject_type="inventory",
                           subject_key="2025", grants=["activity"])
    with pytest.raises(PermissionDenied):
        engagements.accredit(people.sessions, people.a_admin, "ORG-A", "self-declared", "nobody")
    made = _engage(people)
    with pytest.raises(NotFound):
        engagements.raise_finding(people.sessions, people.c_admin, made.id, "I am not the verifier")


def _lfp_footprint(fossil: str) -> object:
    """A cradle-to-gate PACT footprint of 1 kg LFP cathode, reference year 2024 (illustrative numbers)."""
    import datetime as dt
    from decimal import Decimal

    from carbontrail.formats import pact

    utc = dt.UTC
    return pact.FootprintValues(
        product_ids=("urn:pact:a.example:product:lfp",), product_name="LFP cathode (illustrative)",
        product_description="LFP cathode material", company_name="甲锂电",
        company_ids=("urn:pact:a.example:company:1",), declared_unit="kilogram", declared_amount=Decimal(1),
        product_mass_kg=Decimal(1), fossil_ghg=Decimal(fossil), reference_start=dt.datetime(2024, 1, 1, tzinfo=utc),
        reference_end=dt.datetime(2025, 1, 1, tzinfo=utc), geography="CN-SC", classifications=("urn:pact:cpc:34250",),
        cpc="34250", validity_start=None, validity_end=None, primary_data_share=Decimal("40"),
        dqr=pact.DataQuality(Decimal(1), Decimal(2), Decimal(1), Decimal(2), Decimal(1)))


def test_a_verified_pact_footprint_carries_its_credential_and_assurance(people: People) -> None:
    from carbontrail.services.pact import host as pact_host

    published = pact_host.publish(people.sessions, people.a_admin, "ORG-A", _lfp_footprint("9.5"))  # type: ignore[arg-type]
    made = engagements.engage(people.sessions, people.a_admin, "ORG-A", "VB-1", subject_type="footprint",
                              subject_key=published.pf_id, grants=["results"])
    seen = engagements.show(people.sessions, people.verifier, made.id)
    assert seen.snapshot["sections"]["results"]["id"] == published.pf_id
    statement = engagements.issue_statement(people.sessions, people.verifier, KEY, made.id, STATEMENT)
    issued = credentials.credential_for_footprint(people.sessions, people.a_admin, KEY, "ORG-A", published.pf_id,
                                                  statement_id=statement.credential_id)
    subject = issued.document["credentialSubject"]
    assert subject["productFootprint"]["id"] == published.pf_id
    assert subject["assurance"]["level"] == "limited" and subject["assurance"]["assurance"] is True
    assert subject["assurance"]["providerName"] == "Sichuan Verification Centre"
    assert bundle.verify(issued.document, credentials.bundle(people.sessions, issued.credential_id)).ok
    extension = credentials.pact_extension(issued, statement.credential_id)
    assert extension["data"]["credential"]["id"] == issued.credential_id  # type: ignore[index]


def test_a_pact_customer_receives_the_verification_and_the_credential(people: People) -> None:
    """Issuing a footprint's credential with a statement publishes its next PACT version: the same PCF values, the
    statement's assurance as v2.3 `pcf.assurance` (data type Assurance) and v3.0 `pcf.verification` (data type
    Verification, renamed from Assurance in 3.0, without level and boundary), and the credential as a data model
    extension; both documents validate against the PACT OpenAPI schemas, and the customer the footprint was granted
    to is granted the new version."""
    from carbontrail.formats import pact
    from carbontrail.services.pact import host as pact_host

    published = pact_host.publish(people.sessions, people.a_admin, "ORG-A", _lfp_footprint("9.5"))  # type: ignore[arg-type]
    pact_host.grant(people.sessions, people.a_admin, "ORG-A", published.pf_id, "ORG-C")
    made = engagements.engage(people.sessions, people.a_admin, "ORG-A", "VB-1", subject_type="footprint",
                              subject_key=published.pf_id, grants=["results"])
    statement = engagements.issue_statement(people.sessions, people.verifier, KEY, made.id, STATEMENT)
    issued = credentials.credential_for_footprint(people.sessions, people.a_admin, KEY, "ORG-A", published.pf_id,
                                                  statement_id=statement.credential_id)
    versions = pact_host.outbox(people.sessions, people.a_admin, "ORG-A")
    new = next(v for v in versions if v.status == "Active")
    assert (new.version, new.preceding_pf_ids, new.pcf_excluding) == (2, (published.pf_id,), published.pcf_excluding)
    assert "ORG-C" in new.grantees
    v2 = pact_host.document(people.sessions, people.a_admin, "ORG-A", new.pf_id, "2")
    v3 = pact_host.document(people.sessions, people.a_admin, "ORG-A", new.pf_id, "3")
    pact.validate(v2, "2")
    pact.validate(v3, "3")
    assert v2["pcf"]["assurance"] == {
        "assurance": True, "coverage": "product level", "level": "limited", "boundary": "Cradle-to-Gate",
        "providerName": "Sichuan Verification Centre", "completedAt": v2["pcf"]["assurance"]["completedAt"],
        "standardName": made.criteria,
        "comments": f"verification statement {statement.credential_id}"}
    assert v3["pcf"]["verification"] == {
        "coverage": "product level", "providerName": "Sichuan Verification Centre",
        "completedAt": v2["pcf"]["assurance"]["completedAt"], "standardName": made.criteria,
        "comments": f"verification statement {statement.credential_id}"}
    for doc in (v2, v3):
        [extension] = doc["extensions"]
        assert extension["data"]["credential"]["id"] == issued.credential_id
        assert extension["data"]["statement"] == statement.credential_id
        assert bundle.verify(extension["data"]["credential"],
                             credentials.bundle(people.sessions, issued.credential_id)).ok
    # the credential signs the version it was issued on, whose values the new version repeats
    signed = issued.document["credentialSubject"]["productFootprint"]
    assert signed["id"] == published.pf_id and signed["pcf"]["pcfExcludingBiogenicUptake"] == "9.5"
    assert v3["pcf"]["pcfExcludingBiogenicUptake"] == "9.5"
    # a withdrawn statement attaches to nothing
    engagements.withdraw_statement(people.sessions, people.verifier, KEY, made.id, "bills found to be forged")
    with pytest.raises(Conflict, match="withdrawn"):
        credentials.credential_for_footprint(people.sessions, people.a_admin, KEY, "ORG-A", new.pf_id,
                                             statement_id=statement.credential_id)
