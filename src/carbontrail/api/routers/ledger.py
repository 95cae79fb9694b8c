"""The transparency log's public API (checkpoints, inclusion and consistency proofs, entry search, proof bundles,
status lists, DID documents) and an organisation's credentials (issue, list, revoke, rotate its key)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from carbontrail.formats import pact
from carbontrail.http.deps import AppContext, CurrentPrincipal
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.services.ledger import credentials, documents, log

router = APIRouter(tags=["ledger"], responses=ERROR_RESPONSES)
NOTE = "text/plain; charset=utf-8"

Size = Annotated[int | None, Query(ge=1, le=2**53, description="Tree size of a signed checkpoint (default: latest).")]
Hash = Annotated[str, Query(max_length=64, pattern="^[0-9a-fA-F]*$", description="Subject hash, SHA-256 hex.")]


class ConsistencyOut(BaseModel):
    old: int
    new: int
    hashes: list[str]


class IssueIn(BaseModel):
    kind: str = Field(description=", ".join(sorted(credentials.KINDS)))
    reference: str = Field(max_length=300, description="What the credential is about (period, document id).")
    subject: dict[str, Any] | None = Field(
        None, description="The document to sign, as the credentialSubject; omitted, it is made from the stored "
                          "inventory (reference: a period), declaration (its number), passport (its identifier) or "
                          "CBAM communication (CODE or CODE@YEAR).")
    name: str = Field("", max_length=200)


class IssuedOut(BaseModel):
    credential_id: str
    kind: str
    document: dict[str, Any]
    log_seq: int
    revoked: bool
    revoked_reason: str


class RevokeIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class KeyOut(BaseModel):
    multikey: str
    log_seq: int
    retired: bool


def _issued(item: credentials.Issued) -> IssuedOut:
    return IssuedOut(credential_id=item.credential_id, kind=item.kind, document=item.document, log_seq=item.log_seq,
                     revoked=item.revoked_at is not None, revoked_reason=item.revoked_reason)


@router.get("/api/ledger/schema/{name}.json", response_model=dict[str, Any])
def extension_schema(name: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    """The JSON Schema of a PACT data model extension carbontrail writes (the `dataSchema` it names)."""
    return pact.extension_schema(name)


@router.get("/api/ledger/head", response_model=log.Head)
def head(ctx: AppContext) -> log.Head:
    """The latest signed checkpoint, with the log's verifier key."""
    return log.latest(ctx.sessions)


@router.get("/api/ledger/checkpoint", response_class=Response, responses={200: {"content": {NOTE: {}}}})
def checkpoint(ctx: AppContext, size: Size = None) -> Response:
    """A signed checkpoint as its C2SP text (the latest, or the one of `size` entries)."""
    note = log.latest(ctx.sessions).checkpoint if size is None else log.checkpoint(ctx.sessions, size)
    return Response(note, media_type=NOTE)


@router.get("/api/ledger/proof/inclusion", response_model=log.Inclusion)
def inclusion(ctx: AppContext, seq: Annotated[int, Query(ge=0, le=2**53)], size: Size = None) -> log.Inclusion:
    """RFC 9162 inclusion proof of entry `seq` in the tree of a signed checkpoint."""
    return log.inclusion(ctx.sessions, seq, size)


@router.get("/api/ledger/proof/consistency", response_model=ConsistencyOut)
def consistency(ctx: AppContext, old: Annotated[int, Query(ge=0, le=2**53)],
                new: Annotated[int, Query(ge=1, le=2**53)]) -> ConsistencyOut:
    """RFC 9162 consistency proof between two signed checkpoints."""
    return ConsistencyOut(old=old, new=new, hashes=log.consistency(ctx.sessions, old, new))


@router.get("/api/ledger/entries", response_model=list[log.Found])
def entries(ctx: AppContext, subject: Hash = "",
            organisation: Annotated[str, Query(max_length=64)] = "",
            credential: Annotated[str, Query(max_length=300)] = "",
            kind: Annotated[str, Query(max_length=16)] = "",
            after: Annotated[int, Query(ge=-1, le=2**53)] = -1,
            limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[log.Found]:
    """Entries by subject hash, organisation code, credential id or kind, in log order (page with `after`)."""
    return log.search(ctx.sessions, subject=subject, organisation=organisation, credential=credential, kind=kind,
                      after=after, limit=limit)


@router.get("/api/ledger/bundle")
def bundle(ctx: AppContext, credential: Annotated[str, Query(max_length=100)],
           since: Annotated[int | None, Query(ge=0, le=2**53)] = None) -> dict[str, Any]:
    """The proof bundle of a credential (save it beside the credential to verify offline)."""
    return credentials.bundle(ctx.sessions, credential, since=since)


@router.get("/api/ledger/status/{code}")
def status(ctx: AppContext, code: str) -> dict[str, Any]:
    """The organisation's Bitstring Status List credential."""
    return credentials.status_document(ctx.sessions, code)


@router.get("/organisations/{code}/did.json")
def did(ctx: AppContext, code: str) -> dict[str, object]:
    """The organisation's did:web document (did:web:<host>:organisations:<code>)."""
    return credentials.did(ctx.sessions, code)


@router.get("/api/organisations/{code}/credentials", response_model=list[IssuedOut])
def list_credentials(code: str, principal: CurrentPrincipal, ctx: AppContext,
                     kind: Annotated[str, Query(max_length=32)] = "") -> list[IssuedOut]:
    return [_issued(i) for i in credentials.issued(ctx.sessions, principal, code, kind)]


@router.post("/api/organisations/{code}/credentials", response_model=IssuedOut, status_code=201)
def issue(code: str, body: IssueIn, principal: CurrentPrincipal, ctx: AppContext) -> IssuedOut:
    """Sign a document of the organisation as a verifiable credential (eddsa-jcs-2022) and log it: the one sent,
    or, without `subject`, the stored one `reference` names."""
    if body.subject is None:
        return _issued(documents.issue_stored(ctx.sessions, principal, ctx.key, code, body.kind, body.reference,
                                              name=body.name))
    return _issued(credentials.issue(ctx.sessions, principal, ctx.key, code, body.kind, body.reference,
                                     body.subject, name=body.name))


@router.post("/api/organisations/{code}/footprints/{pf_id}/credential", response_model=IssuedOut, status_code=201)
def footprint_credential(code: str, pf_id: str, principal: CurrentPrincipal, ctx: AppContext,
                         statement: Annotated[str, Query(max_length=100)] = "") -> IssuedOut:
    """The credential of a published PACT footprint, with a verification statement's assurance if named."""
    return _issued(credentials.credential_for_footprint(ctx.sessions, principal, ctx.key, code, pf_id,
                                                        statement_id=statement))


@router.post("/api/ledger/credentials/revoke", response_model=IssuedOut)
def revoke(credential: Annotated[str, Query(max_length=100)], body: RevokeIn, principal: CurrentPrincipal,
           ctx: AppContext) -> IssuedOut:
    """Revoke a credential of the principal's organisation."""
    return _issued(credentials.revoke(ctx.sessions, principal, ctx.key, credential, body.reason))


@router.post("/api/organisations/{code}/keys/rotate", response_model=KeyOut)
def rotate(code: str, principal: CurrentPrincipal, ctx: AppContext) -> KeyOut:
    """Start a new signing key; the old one stays in the DID document and keeps verifying."""
    info = credentials.rotate_key(ctx.sessions, principal, ctx.key, code)
    return KeyOut(multikey=info.multikey, log_seq=info.log_seq, retired=False)
