"""Verification engagements (ISO 14064-3 / ISO 14067): an enterprise engages an accredited body on one subject,
frozen as a snapshot; the body's verifiers see only the parts granted, raise findings the enterprise answers, and
issue a signed statement; a statement can be withdrawn, which revokes its credential and is logged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict, InputError, NotFound, PermissionDenied
from carbontrail.ledger.canonical import digest
from carbontrail.services import tenancy
from carbontrail.services.pact import host as pact_host
from carbontrail.services.accounts import Principal
from carbontrail.services.ledger import credentials
from carbontrail.services.work import Actor, SystemActor, unit_of_work
from carbontrail.store.models import AccreditedBody, EngagementFinding, VerificationEngagement, VerificationStatement
from carbontrail.store.repositories import ledger as repo

SECTIONS = ("activity", "evidence", "factors", "model", "results")
ASSURANCE = ("reasonable", "limited")
BODY_ROLES = ("verifier", "org_admin")
CRITERIA = {"inventory": "ISO 14064-1:2018, verified to ISO 14064-3:2019",
            "footprint": "ISO 14067:2018, verified to ISO 14064-3:2019"}


def _require_operator(actor: Actor) -> None:
    if not actor.platform_admin:
        raise PermissionDenied("only a platform administrator may accredit a verification body")


def accredit(sessions: sessionmaker[Session], actor: Actor, code: str, accreditation: str, accredited_by: str) -> None:
    """Flag an organisation as an accredited verification body (e.g. CNAS accreditation to ISO 14065)."""
    _require_operator(actor)
    if not accreditation.strip() or not accredited_by.strip():
        raise InputError("name the accreditation and who granted it", expected="e.g. 'CNAS GHG0123', 'CNAS'")
    with unit_of_work(sessions, actor) as work:
        org = repo.organisation_by_code(work.session, code)
        if org is None:
            raise NotFound(f"no organisation with code '{code}'")
        row = repo.accredited(work.session, org.id) or AccreditedBody(organisation_id=org.id)
        row.accreditation, row.accredited_by = accreditation, accredited_by
        work.session.add(row)
        work.audit("ledger.body.accredit", "accredited_body", code, organisation_id=org.id,
                   after={"accreditation": accreditation, "accredited_by": accredited_by})


def _body_member(actor: Actor, body_id: int) -> bool:
    if isinstance(actor, SystemActor):
        return True
    return any(g.organisation_id == body_id and g.role in BODY_ROLES for g in actor.grants)


@dataclass(frozen=True)
class Finding:
    id: int
    text: str
    material: bool
    answer: str
    resolved: bool


@dataclass(frozen=True)
class Engagement:
    id: int
    organisation: str
    body: str
    subject_type: str
    subject_key: str
    snapshot_digest: str
    grants: list[str]
    criteria: str
    status: str
    created_at: datetime
    snapshot: dict[str, Any] = field(default_factory=dict)  # only the granted sections, for the body's verifiers
    findings: list[Finding] = field(default_factory=list)
    statement_id: str = ""


def _view(session: Session, row: VerificationEngagement, *, as_body: bool) -> Engagement:
    sections = row.snapshot.get("sections", {}) if isinstance(row.snapshot, dict) else {}
    shown = {k: v for k, v in sections.items() if not as_body or k in row.grants}  # type: ignore[union-attr]
    statement = repo.statement_of(session, row.id)
    return Engagement(row.id, repo.organisation_code(session, row.organisation_id),
                      repo.organisation_code(session, row.verifier_organisation_id), row.subject_type,
                      row.subject_key, row.snapshot_digest, list(row.grants), row.criteria, row.status,
                      row.created_at, {"subject": row.snapshot.get("subject", {}), "sections": shown},
                      [Finding(f.id, f.text, f.material, f.answer, f.resolved) for f in repo.findings(session, row.id)],
                      statement.credential_id if statement else "")


def gather(session: Session, org: tenancy.Access, subject_type: str, key: str) -> dict[str, Any]:
    """The subject as the organisation's data says it now, split into the sections a verifier can be granted:
    an inventory period's activity records and the files they came from; a PACT footprint's published document."""
    if subject_type == "inventory":
        tenancy.period_named(session, org.organisation_id, org.code, key)
        records = repo.period_records(session, org.organisation_id, key)
        files = repo.imports_of(session, org.organisation_id, {r.import_id for r in records if r.import_id})
        return {"subject": {"period": key, "records": len(records)}, "sections": {
            "activity": [{"record": r.record_key, "kind": r.kind, "item": r.item, "quantity": r.quantity,
                          "unit": r.unit, "from": r.period_start.isoformat(), "to": r.period_end.isoformat(),
                          "source": r.source} for r in records],
            "evidence": [{"file": f.file_name, "sha256": f.sha256, "rows": f.rows} for f in files]}}
    if subject_type == "footprint":
        row = pact_host.own_footprint(session, org, key)
        doc = json.loads(row.payload_v3)
        return {"subject": {"footprint": key, "product": doc.get("productNameCompany", ""), "version": row.version},
                "sections": {"results": doc}}
    raise InputError(f"unknown subject type {subject_type!r}", expected=", ".join(CRITERIA))


def engage(sessions: sessionmaker[Session], actor: Actor, code: str, body: str, *, subject_type: str,
           subject_key: str, grants: list[str], criteria: str = "") -> Engagement:
    """Engage `body` on a subject of organisation `code`: the subject as it stands is frozen, and the body's
    verifiers may see only the `grants` of its sections."""
    unknown = sorted(set(grants) - set(SECTIONS))
    if unknown:
        raise InputError(f"unknown sections {unknown}", expected=", ".join(SECTIONS))
    if subject_type not in CRITERIA:
        raise InputError(f"unknown subject type {subject_type!r}", expected=", ".join(CRITERIA))
    with unit_of_work(sessions, actor) as work:
        org = credentials.access(work.session, actor, code, tenancy.MANAGE)
        subject = gather(work.session, org, subject_type, subject_key)
        body_org = repo.organisation_by_code(work.session, body)
        if body_org is None or repo.accredited(work.session, body_org.id) is None:
            raise InputError(f"'{body}' is not an accredited verification body")
        if body_org.id == org.organisation_id:
            raise InputError("an organisation cannot verify itself")
        row = VerificationEngagement(organisation_id=org.organisation_id, verifier_organisation_id=body_org.id,
                                     subject_type=subject_type, subject_key=subject_key[:300], snapshot=subject,
                                     snapshot_digest=digest(subject), grants=sorted(set(grants)),
                                     criteria=criteria or CRITERIA[subject_type])
        work.session.add(row)
        work.session.flush()
        work.audit("ledger.engagement.create", "verification_engagement", str(row.id),
                   organisation_id=org.organisation_id,
                   detail={"body": body, "subject": subject_key, "digest": row.snapshot_digest, "grants": row.grants})
        return _view(work.session, row, as_body=False)


def _engagement(session: Session, actor: Actor, engagement_id: int, *,
                for_body: bool = False) -> tuple[VerificationEngagement, bool]:
    """The engagement and whether the actor sees it as the body (True) or as the enterprise (False).

    A system actor (the command line of this installation) acts on the side the use case belongs to: the body's
    for findings, statements and withdrawals (`for_body`), the enterprise's otherwise."""
    row = repo.engagement(session, engagement_id)
    if row is None:
        raise NotFound(f"no engagement {engagement_id}")
    if isinstance(actor, SystemActor):
        return row, for_body
    if _body_member(actor, row.verifier_organisation_id):
        return row, True
    code = repo.organisation_code(session, row.organisation_id)
    assert isinstance(actor, Principal)
    try:
        tenancy.require(session, actor, code, tenancy.DATA_READ)
    except (NotFound, PermissionDenied):
        raise NotFound(f"no engagement {engagement_id}") from None
    return row, False


def _open_as_body(session: Session, actor: Actor, engagement_id: int, refusal: str) -> VerificationEngagement:
    """The engagement, still open, for its body's verifiers to work in (`refusal` says what others may not do)."""
    row, as_body = _engagement(session, actor, engagement_id, for_body=True)
    if not as_body:
        raise PermissionDenied(refusal)
    if row.status != "open":
        raise Conflict(f"engagement {engagement_id} is {row.status}")
    return row


def show(sessions: sessionmaker[Session], actor: Actor, engagement_id: int) -> Engagement:
    """The engagement as the actor may see it: the body's verifiers get only the granted sections."""
    with sessions() as session:
        row, as_body = _engagement(session, actor, engagement_id)
        return _view(session, row, as_body=as_body)


def listing(sessions: sessionmaker[Session], actor: Actor) -> list[Engagement]:
    """The engagements the actor takes part in (a system actor: all of them, as their enterprises see them)."""
    with sessions() as session:
        if isinstance(actor, SystemActor):
            return [_view(session, row, as_body=False) for row in repo.engagements_for(session, None)]
        ids = [g.organisation_id for g in actor.grants if g.organisation_id is not None]
        out = []
        for row in repo.engagements_for(session, ids):
            as_body = _body_member(actor, row.verifier_organisation_id)
            if not as_body:
                try:
                    _engagement(session, actor, row.id)
                except NotFound:
                    continue
            out.append(_view(session, row, as_body=as_body))
        return out


def raise_finding(sessions: sessionmaker[Session], actor: Actor, engagement_id: int, text: str, *,
                  material: bool = False) -> Finding:
    if not text.strip():
        raise InputError("a finding needs its text")
    with unit_of_work(sessions, actor) as work:
        row = _open_as_body(work.session, actor, engagement_id, "only the engaged body's verifiers raise findings")
        found = EngagementFinding(engagement_id=row.id, text=text[:5000], material=material)
        work.session.add(found)
        work.session.flush()
        work.audit("ledger.finding.raise", "engagement_finding", str(found.id), organisation_id=row.organisation_id,
                   detail={"engagement": row.id, "material": material})
        return Finding(found.id, found.text, found.material, "", False)


def answer_finding(sessions: sessionmaker[Session], actor: Actor, finding_id: int, answer: str) -> Finding:
    with unit_of_work(sessions, actor) as work:
        found = repo.finding(work.session, finding_id)
        if found is None:
            raise NotFound(f"no finding {finding_id}")
        row, as_body = _engagement(work.session, actor, found.engagement_id)
        if as_body:
            raise PermissionDenied("the enterprise answers findings, not the verifier")
        found.answer, found.resolved = answer[:5000], True
        work.audit("ledger.finding.answer", "engagement_finding", str(found.id), organisation_id=row.organisation_id)
        return Finding(found.id, found.text, found.material, found.answer, True)


@dataclass(frozen=True)
class StatementIn:
    """What the verifier states (ISO 14064-3 §6.3 / ISO 14067 verification report elements)."""

    assurance: str  # reasonable | limited
    materiality: str  # e.g. "5 % of total reported emissions"
    procedures: str
    opinion: str
    boundary: str = "Cradle-to-Gate"
    #: who signs for the body when the command line issues the statement (a signed-in verifier is named by the
    #: account they signed in with, and may not name someone else)
    verifier: str = ""


def issue_statement(sessions: sessionmaker[Session], actor: Actor, key: bytes, engagement_id: int,
                    statement: StatementIn) -> credentials.Issued:
    """Issue the signed statement, refusing if the subject as it stands now differs from the frozen one, or if a
    material finding is unanswered."""
    if statement.assurance not in ASSURANCE:
        raise InputError(f"level of assurance {statement.assurance!r}", expected="reasonable or limited")
    if not (statement.opinion.strip() and statement.procedures.strip() and statement.materiality.strip()):
        raise InputError("a statement states its materiality, procedures and opinion")
    with unit_of_work(sessions, actor) as work:
        row = _open_as_body(work.session, actor, engagement_id, "only the engaged body's verifiers issue its statement")
        owner = tenancy.Access(row.organisation_id, repo.organisation_code(work.session, row.organisation_id),
                               frozenset({tenancy.DATA_READ}))
        try:
            current = gather(work.session, owner, row.subject_type, row.subject_key)
        except NotFound:
            current = {}
        if digest(current) != row.snapshot_digest:
            raise Conflict("the subject changed after it was frozen for verification: make a new revision and "
                           "engage again; no statement is issued on data that moved")
        open_findings = [f for f in repo.findings(work.session, row.id) if f.material and not f.resolved]
        if open_findings:
            raise Conflict(f"{len(open_findings)} material finding(s) are unanswered")
        body = repo.organisation_by_code(work.session, repo.organisation_code(work.session,
                                                                             row.verifier_organisation_id))
        accreditation = repo.accredited(work.session, row.verifier_organisation_id)
        assert body is not None and accreditation is not None
        addressee = repo.organisation_code(work.session, row.organisation_id)
        if isinstance(actor, Principal):
            if statement.verifier.strip() and statement.verifier.strip() != actor.name:
                raise InputError("a signed-in verifier signs with their own name",
                                 expected=f"no verifier name, or '{actor.name}'")
            verifier_name = actor.name
        elif statement.verifier.strip():
            verifier_name = statement.verifier.strip()[:200]
        else:
            raise InputError("name the verifier who signs for the body", expected="e.g. --verifier '王敏'")
        subject = {
            "id": f"urn:carbontrail:engagement:{row.id}",
            "type": "VerificationStatement",
            "addressee": {"organisation": addressee, "id": credentials.issuer_of(addressee)},
            "subject": {"type": row.subject_type, "reference": row.subject_key, "digest": row.snapshot_digest,
                        "summary": row.snapshot.get("subject", {})},
            "boundary": statement.boundary,
            "criteria": row.criteria,
            "levelOfAssurance": statement.assurance,
            "materiality": statement.materiality,
            "procedures": statement.procedures,
            "findings": [{"text": f.text, "material": f.material, "answer": f.answer}
                         for f in repo.findings(work.session, row.id)],
            "opinion": statement.opinion,
            "verifier": {"name": verifier_name, "body": body.name_en or body.name, "bodyCode": body.code,
                         "accreditation": accreditation.accreditation, "accreditedBy": accreditation.accredited_by},
            "date": credentials.vc.iso(credentials.now()),
        }
        org = tenancy.Access(body.id, body.code, frozenset())
        issued = credentials.issue_in(work, key, org, "statement", f"engagement:{row.id}:{row.subject_key}",
                                      subject, name=f"Verification statement: {row.subject_key}",
                                      entry_kind="statement", audited=False)
        work.session.add(VerificationStatement(engagement_id=row.id, credential_id=issued.credential_id,
                                               assurance=statement.assurance, opinion=statement.opinion))
        row.status = "issued"
        work.audit("ledger.statement.issue", "verification_statement", issued.credential_id,
                   organisation_id=row.organisation_id,
                   detail={"engagement": row.id, "body": body.code, "log_seq": issued.log_seq})
        return issued


def withdraw_statement(sessions: sessionmaker[Session], actor: Actor, key: bytes, engagement_id: int,
                       reason: str) -> None:
    """Withdraw a statement: its credential is revoked, the withdrawal logged, and it shows as withdrawn."""
    if not reason.strip():
        raise InputError("say why the statement is withdrawn")
    with unit_of_work(sessions, actor) as work:
        row, as_body = _engagement(work.session, actor, engagement_id, for_body=True)
        if not as_body:
            raise PermissionDenied("only the body that issued a statement withdraws it")
        statement = repo.statement_of(work.session, row.id)
        if statement is None or statement.withdrawn_at is not None:
            raise Conflict(f"engagement {engagement_id} has no standing statement")
        issued = repo.credential(work.session, statement.credential_id)
        assert issued is not None
        log_seq = credentials.revoke_in(work, key, issued,
                                        repo.organisation_code(work.session, row.verifier_organisation_id), reason,
                                        kind="withdrawal", audited=False)
        statement.withdrawn_at, statement.withdrawn_reason = credentials.now(), reason[:500]
        row.status = "withdrawn"
        work.audit("ledger.statement.withdraw", "verification_statement", statement.credential_id,
                   organisation_id=row.organisation_id, detail={"reason": reason, "log_seq": log_seq})


def statement_status(sessions: sessionmaker[Session], credential_id: str) -> str:
    """'standing', 'withdrawn: <reason>' or '' (not a statement): shown wherever a statement is referenced."""
    with sessions() as session:
        row = repo.statement_by_credential(session, credential_id)
        if row is None:
            return ""
        return f"withdrawn: {row.withdrawn_reason}" if row.withdrawn_at else "standing"


def snapshot_json(subject: dict[str, Any]) -> str:
    return json.dumps(subject, ensure_ascii=False, sort_keys=True)
