"""Organisation keys and the credentials they sign: issue, revoke, rotate, publish the DID document and the status
list, and hand out the proof bundle that lets anyone verify a credential offline.

Every issued credential, revocation and key rotation is appended to the log in the same transaction as the row
that records it; a key is never deleted, so credentials signed before a rotation keep verifying.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.config import public_host
from carbontrail.errors import Conflict, InputError, NotFound, PermissionDenied
from carbontrail.formats import pact
from carbontrail.ledger import bundle as bundles
from carbontrail.ledger import credentials as vc
from carbontrail.ledger import status_list
from carbontrail.ledger.canonical import digest
from carbontrail.ledger.entries import Entry, document_entry
from carbontrail.ledger.keys import KeyPair, PublicKey, did_document, did_web
from carbontrail.services import tenancy
from carbontrail.services.pact import host as pact_host
from carbontrail.services.accounts import Principal
from carbontrail.services.ledger import log
from carbontrail.services.work import Actor, SystemActor, Work, unit_of_work
from carbontrail.store.models import IssuedCredential, OrganisationKey, StatusList
from carbontrail.store.repositories import ledger as repo

KINDS = {
    "footprint": "ProductFootprintCredential",
    "statement": "VerificationStatementCredential",
    "battery_declaration": "BatteryCarbonFootprintDeclarationCredential",
    "battery_passport": "BatteryPassportCredential",
    "cbam_communication": "CbamEmissionsCommunicationCredential",
    "inventory_report": "GhgInventoryReportCredential",
}
MAX_SUBJECT_BYTES = 1_000_000


def host() -> str:
    """The public host the log, DID documents and status lists are served from (the log origin's host)."""
    return public_host()


def issuer_of(code: str) -> str:
    return did_web(host(), "organisations", code)


def status_url(code: str) -> str:
    return f"https://{host()}/api/ledger/status/{code}"


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def access(session: Session, actor: Actor, code: str, permission: str) -> tenancy.Access:
    """The organisation `code` if the actor may do `permission` (this machine's operator may do anything)."""
    if isinstance(actor, SystemActor):
        org = repo.organisation_by_code(session, code)
        if org is None:
            raise NotFound(f"no organisation with code '{code}'")
        return tenancy.Access(org.id, code, frozenset(tenancy.ROLE_PERMISSIONS["org_admin"]))
    assert isinstance(actor, Principal)
    return tenancy.require(session, actor, code, permission)


# -- keys -------------------------------------------------------------------------------------------------------


def _key_entry(code: str, public: PublicKey, replaces: str = "") -> Entry:
    detail = {"issuer": issuer_of(code), "key": public.multikey}
    if replaces:
        detail["replaces"] = replaces
    return Entry("key", code, vc.iso(now()), detail=tuple(sorted(detail.items())))


def _new_key(work: Work, key: bytes, org_id: int, code: str, replaces: str = "") -> tuple[OrganisationKey, KeyPair]:
    pair = KeyPair.generate()
    appended = log.append_in(work, key, [_key_entry(code, pair.public, replaces)])
    row = OrganisationKey(organisation_id=org_id, multikey=pair.public.multikey, seed_encrypted=log.seal(key, pair.seed),
                          log_seq=appended.first)
    work.session.add(row)
    work.session.flush()
    return row, pair


def signing_key(work: Work, key: bytes, org_id: int, code: str) -> tuple[OrganisationKey, KeyPair, bool]:
    """The organisation's current key, generated (and logged) on first use, and whether it was generated now
    (the caller's audit row says so: one change, one audit row)."""
    row = repo.current_key(work.session, org_id)
    if row is None:
        row, pair = _new_key(work, key, org_id, code)
        return row, pair, True
    return row, KeyPair(log.unseal(key, row.seed_encrypted)), False


@dataclass(frozen=True)
class KeyInfo:
    multikey: str
    created_at: datetime
    retired_at: datetime | None
    log_seq: int


def rotate_key(sessions: sessionmaker[Session], actor: Actor, key: bytes, code: str) -> KeyInfo:
    """Retire the organisation's signing key and start a new one; both stay in its DID document and the log."""
    with unit_of_work(sessions, actor) as work:
        org = access(work.session, actor, code, tenancy.MANAGE)
        old = repo.current_key(work.session, org.organisation_id)
        repo.retire_keys(work.session, org.organisation_id, now())
        row, _ = _new_key(work, key, org.organisation_id, code, replaces=old.multikey if old else "")
        work.audit("ledger.key.rotate", "organisation_key", row.multikey, organisation_id=org.organisation_id,
                   detail={"log_seq": row.log_seq}, before={"key": old.multikey if old else None},
                   after={"key": row.multikey})
        return KeyInfo(row.multikey, row.created_at, None, row.log_seq)


def keys(sessions: sessionmaker[Session], code: str) -> list[KeyInfo]:
    """Every key the organisation has held (public: keys are what verifiers need)."""
    with sessions() as session:
        org = repo.organisation_by_code(session, code)
        if org is None:
            raise NotFound(f"no organisation with code '{code}'")
        return [KeyInfo(k.multikey, k.created_at, k.retired_at, k.log_seq) for k in repo.keys_of(session, org.id)]


def did(sessions: sessionmaker[Session], code: str) -> dict[str, object]:
    """The organisation's did:web document: every key it has held, current one named."""
    held = keys(sessions, code)
    if not held:
        raise NotFound(f"organisation '{code}' has not signed anything yet")
    current = next((PublicKey.from_multikey(k.multikey) for k in held if k.retired_at is None), None)
    return did_document(issuer_of(code), [PublicKey.from_multikey(k.multikey) for k in held], current=current)


# -- status lists -----------------------------------------------------------------------------------------------


def _status_row(work: Work, org_id: int) -> StatusList:
    row = repo.status_list(work.session, org_id, lock=True)
    if row is None:
        row = StatusList(organisation_id=org_id, bits=bytes(status_list.empty()), next_index=0)
        work.session.add(row)
        work.session.flush()
    return row


def _sign_status(row: StatusList, code: str, pair: KeyPair) -> dict[str, Any]:
    url = status_url(code)
    doc = vc.sign(vc.credential(id=url, types=["BitstringStatusListCredential"], issuer=issuer_of(code),
                                subject=status_list.list_subject(url, bytes(row.bits)), valid_from=now()),
                  pair, created=now())
    row.document = json.dumps(doc, ensure_ascii=False)
    return doc


def status_document(sessions: sessionmaker[Session], code: str) -> dict[str, Any]:
    with sessions() as session:
        org = repo.organisation_by_code(session, code)
        row = repo.status_list(session, org.id) if org else None
        if row is None or not row.document:
            raise NotFound(f"organisation '{code}' has no status list")
        doc: dict[str, Any] = json.loads(row.document)
        return doc


# -- issuing ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    credential_id: str
    kind: str
    document: dict[str, Any]
    log_seq: int
    revoked_at: datetime | None = None
    revoked_reason: str = ""


def subject_hash(kind: str, reference: str) -> str:
    """How the log names what a credential is about: SHA-256 of `kind:reference` (search by it, learn nothing)."""
    return digest(f"{kind}:{reference}")


def issue_in(work: Work, key: bytes, org: tenancy.Access, kind: str, reference: str, subject: dict[str, Any], *,
             name: str = "", entry_kind: str = "credential", audited: bool = True) -> Issued:
    """Sign `subject` as a credential of the organisation, record it, and log it (inside the caller's work).

    `audited=False`: the calling use case records the change's one audit row itself (a verification statement)."""
    if kind not in KINDS:
        raise InputError(f"unknown credential kind {kind!r}", expected=", ".join(sorted(KINDS)))
    if len(json.dumps(subject)) > MAX_SUBJECT_BYTES:
        raise InputError("the credential subject is larger than 1 MB")
    key_row, pair, new_key = signing_key(work, key, org.organisation_id, org.code)
    statuses = _status_row(work, org.organisation_id)
    index = statuses.next_index
    statuses.next_index = index + 1
    credential_id = f"urn:uuid:{uuid.uuid4()}"
    document = vc.sign(vc.credential(id=credential_id, types=[KINDS[kind]], issuer=issuer_of(org.code),
                                     subject=subject, valid_from=now(), name=name,
                                     status=status_list.entry(status_url(org.code), index)), pair, created=now())
    hashed = subject_hash(kind, reference)
    entry = document_entry(entry_kind, org.code, vc.iso(now()), document, subject=hashed, type=KINDS[kind])
    if not statuses.document:
        _sign_status(statuses, org.code, pair)
    appended = log.append_in(work, key, [entry])
    work.session.add(IssuedCredential(credential_id=credential_id, organisation_id=org.organisation_id, kind=kind,
                                      subject_ref=reference[:300], subject_hash=hashed,
                                      document=json.dumps(document, ensure_ascii=False), status_index=index,
                                      log_seq=appended.first))
    if audited:
        work.audit("ledger.credential.issue", "issued_credential", credential_id,
                   organisation_id=org.organisation_id,
                   detail={"kind": kind, "subject": reference[:200], "log_seq": appended.first,
                           "key": key_row.multikey, "new_key": new_key})
    return Issued(credential_id, kind, document, appended.first)


def issue(sessions: sessionmaker[Session], actor: Actor, key: bytes, code: str, kind: str, reference: str,
          subject: dict[str, Any], *, name: str = "") -> Issued:
    """Issue a credential over a document the organisation produced (a battery declaration or passport, a CBAM
    communication, an inventory report, a footprint): its members who may write data may do this."""
    if not isinstance(subject, dict) or not subject:
        raise InputError("the credential subject must be a JSON object", expected="the document to sign")
    with unit_of_work(sessions, actor) as work:
        org = access(work.session, actor, code, tenancy.DATA_WRITE)
        return issue_in(work, key, org, kind, reference, subject, name=name)


def pact_verification(statement: dict[str, Any] | None) -> pact.Verification | None:
    """What a verification statement says of a footprint, as PACT carries it (None: not verified)."""
    if statement is None:
        return None
    subject = statement.get("credentialSubject", {})
    completed = str(statement.get("validFrom", ""))
    return pact.Verification(
        provider=str(subject.get("verifier", {}).get("body", "")), level=str(subject.get("levelOfAssurance", "")),
        boundary="Gate-to-Gate" if subject.get("boundary") == "Gate-to-Gate" else "Cradle-to-Gate",
        completed_at=datetime.fromisoformat(completed.replace("Z", "+00:00")) if completed else None,
        standard=str(subject.get("criteria", "ISO 14067:2018")),
        comments=f"verification statement {statement.get('id', '')}")


def pact_assurance(statement: dict[str, Any] | None) -> dict[str, Any] | None:
    """The PACT v2.3 `assurance` object for a footprint a statement covers (None: not verified)."""
    verification = pact_verification(statement)
    if verification is None:
        return None
    return pact.to_assurance_v2(verification)


def pact_extension(issued: Issued, statement_id: str = "") -> dict[str, Any]:
    """A PACT data model extension carrying the footprint's credential (and its statement) to the customer."""
    return {"specVersion": "2.0.0", "dataSchema": f"https://{host()}/api/ledger/schema/credential-extension.json",
            "data": {"credential": issued.document, "statement": statement_id,
                     "bundle": f"https://{host()}/api/ledger/bundle?credential={issued.credential_id}"}}


def credential_for_footprint(sessions: sessionmaker[Session], actor: Actor, key: bytes, code: str, pf_id: str,
                             *, statement_id: str = "") -> Issued:
    """Issue the credential of one of the organisation's published PACT footprints (its v3.0 document as the
    subject, with the verification statement's assurance when one covers it).

    With a statement, the footprint's next PACT version is published in the same transaction: the same values
    with the statement's assurance (v2.3 `pcf.assurance`, v3.0 `pcf.verification`) and the credential as a data
    model extension, so every customer the footprint is granted to receives both. The PCF values do not change;
    the credential signs the version it was issued on."""
    if not isinstance(actor, (Principal, SystemActor)):
        raise PermissionDenied("sign in to issue a credential")
    with unit_of_work(sessions, actor) as work:
        org = access(work.session, actor, code, tenancy.DATA_WRITE)
        row = pact_host.own_footprint(work.session, org, pf_id)
        footprint: dict[str, Any] = json.loads(row.payload_v3)
        statement = None
        if statement_id:
            found = repo.credential(work.session, statement_id)
            if found is None or found.kind != "statement":
                raise NotFound(f"no verification statement {statement_id}")
            if found.revoked_at is not None:
                raise Conflict(f"verification statement {statement_id} is withdrawn: {found.revoked_reason}")
            if row.status != "Active":
                raise Conflict(f"footprint {pf_id} is {row.status}: verify its Active version")
            statement = json.loads(found.document)
        subject = {"id": f"urn:pact:footprint:{pf_id}", "type": "ProductFootprint", "productFootprint": footprint}
        assurance = pact_assurance(statement)
        if assurance is not None:
            subject["assurance"] = assurance
        issued = issue_in(work, key, org, "footprint", pf_id, subject,
                          name=str(footprint.get("productNameCompany", "")), audited=statement is None)
        if statement is not None:
            before = pact.values_from_json(json.loads(row.values_json))
            others = tuple(e for e in before.extensions
                           if not str(e.get("dataSchema", "")).endswith("/credential-extension.json"))
            values = replace(before, verification=pact_verification(statement),
                             extensions=(*others, pact_extension(issued, statement_id)))
            new = pact_host.publish_in(work.session, org.organisation_id, values, actor=actor.actor, audited=False,
                                       status_comment=f"verified: statement {statement_id}, credential "
                                                      f"{issued.credential_id}")
            new.result_id = row.result_id  # the same computed result, now verified
            work.audit("ledger.credential.issue", "issued_credential", issued.credential_id,
                       organisation_id=org.organisation_id,
                       detail={"kind": "footprint", "subject": pf_id, "log_seq": issued.log_seq,
                               "statement": statement_id, "published": new.pf_id, "version": new.version})
        return issued


def revoke_in(work: Work, key: bytes, row: IssuedCredential, code: str, reason: str, *, kind: str = "revocation",
              audited: bool = True) -> int:
    """Revoke inside the caller's work; `audited=False`: the calling use case records the one audit row."""
    if row.revoked_at is not None:
        raise Conflict(f"credential {row.credential_id} is already revoked")
    key_row, pair, new_key = signing_key(work, key, row.organisation_id, code)
    statuses = _status_row(work, row.organisation_id)
    bits = bytearray(statuses.bits)
    status_list.set_bit(bits, row.status_index)
    statuses.bits = bytes(bits)
    listed = _sign_status(statuses, code, pair)
    row.revoked_at, row.revoked_reason = now(), reason[:500]
    appended = log.append_in(work, key, [
        Entry(kind, code, vc.iso(now()), row.subject_hash, row.credential_id, digest(json.loads(row.document)),
              (("reason", reason[:200]),)),
        document_entry("status_list", code, vc.iso(now()), listed)])
    if audited:
        work.audit(f"ledger.credential.{kind}", "issued_credential", row.credential_id,
                   organisation_id=row.organisation_id, detail={"reason": reason, "log_seq": appended.first,
                                                                "key": key_row.multikey, "new_key": new_key})
    return appended.first


def revoke(sessions: sessionmaker[Session], actor: Actor, key: bytes, credential_id: str, reason: str) -> Issued:
    """Revoke a credential: its status bit is set, the list re-signed, and the revocation logged."""
    if not reason.strip():
        raise InputError("say why the credential is revoked", expected="a reason")
    with unit_of_work(sessions, actor) as work:
        row = repo.credential(work.session, credential_id)
        if row is None:
            raise NotFound(f"no credential {credential_id}")
        code = repo.organisation_code(work.session, row.organisation_id)
        access(work.session, actor, code, tenancy.DATA_WRITE)
        if row.kind == "statement":
            raise Conflict("a verification statement is withdrawn through its engagement, not revoked here")
        revoke_in(work, key, row, code, reason)
        return _issued(row)


def _issued(row: IssuedCredential) -> Issued:
    return Issued(row.credential_id, row.kind, json.loads(row.document), row.log_seq, row.revoked_at,
                  row.revoked_reason)


def issued(sessions: sessionmaker[Session], actor: Actor, code: str, kind: str = "") -> list[Issued]:
    with sessions() as session:
        org = access(session, actor, code, tenancy.DATA_READ)
        return [_issued(r) for r in repo.credentials_of(session, org.organisation_id, kind)]


# -- the offline bundle -----------------------------------------------------------------------------------------


def bundle(sessions: sessionmaker[Session], credential_id: str, *, since: int | None = None) -> dict[str, Any]:
    """Everything needed to verify `credential_id` offline against the latest checkpoint (and, with `since`, the
    consistency of the log with a checkpoint of that size the holder already has). Public: it holds proofs and the
    public status list, not the credential."""
    with sessions() as session:
        row = repo.credential(session, credential_id)
        if row is None:
            raise NotFound(f"no credential {credential_id} in the log")
        document = json.loads(row.document)
        head = repo.latest_checkpoint(session)
        log_row = repo.log_key(session)
        assert head is not None and log_row is not None  # an issued credential was logged
        multikey = document["proof"]["verificationMethod"].split("#")[-1]
        key_row = repo.key_by_multikey(session, multikey)
        listed = repo.status_list(session, row.organisation_id)
        status_doc = json.loads(listed.document) if listed and listed.document else None

        def proof_of(seq: int) -> dict[str, Any]:
            found = log.inclusion_in(session, seq, head.size)
            return {"entry": found.entry, "index": found.index, "treeSize": found.tree_size, "hashes": found.hashes}

        status_key = None
        if status_doc is not None:
            status_multikey = status_doc["proof"]["verificationMethod"].split("#")[-1]
            status_row = repo.key_by_multikey(session, status_multikey)
            if status_row is not None and status_row.multikey != multikey:
                status_key = proof_of(status_row.log_seq)
        consistency = []
        if since is not None and since != head.size:
            old, new = sorted((since, head.size))
            consistency.append({"from": old, "to": new, "hashes": log.consistency_in(session, old, new)})
        return bundles.make(inclusion=proof_of(row.log_seq), checkpoint=head.note, log_key=log_row.verifier_key,
                            issuer_key=proof_of(key_row.log_seq) if key_row else None, status_list=status_doc,
                            status_list_key=status_key, consistency=consistency)


def credential_document(sessions: sessionmaker[Session], actor: Actor, credential_id: str) -> dict[str, Any]:
    """A credential's signed document, for its issuer's members (holders received it from them)."""
    with sessions() as session:
        row = repo.credential(session, credential_id)
        if row is None:
            raise NotFound(f"no credential {credential_id}")
        access(session, actor, repo.organisation_code(session, row.organisation_id), tenancy.DATA_READ)
        doc: dict[str, Any] = json.loads(row.document)
        return doc
