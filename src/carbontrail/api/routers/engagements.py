"""Verification engagements over HTTP: engage an accredited body, findings and answers, statements, withdrawal."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from carbontrail.http.deps import AppContext, CurrentPrincipal
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.services.ledger import engagements

router = APIRouter(tags=["verification"], responses=ERROR_RESPONSES)


class EngageIn(BaseModel):
    body: str = Field(max_length=64, description="Code of the accredited verification body.")
    subject_type: str = Field(description="inventory (a reporting period) or footprint (a PACT footprint id).")
    subject_key: str = Field(max_length=300)
    grants: list[str] = Field(description=f"What the verifier may see: {', '.join(engagements.SECTIONS)}.")
    criteria: str = Field("", max_length=300)


class FindingIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    material: bool = False


class AnswerIn(BaseModel):
    answer: str = Field(min_length=1, max_length=5000)


class StatementBody(BaseModel):
    assurance: str = Field(description="reasonable or limited")
    materiality: str = Field(max_length=500)
    procedures: str = Field(max_length=5000)
    opinion: str = Field(max_length=5000)
    boundary: str = Field("Cradle-to-Gate", max_length=300)


class WithdrawIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class FindingOut(BaseModel):
    id: int
    text: str
    material: bool
    answer: str
    resolved: bool


class EngagementOut(BaseModel):
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
    snapshot: dict[str, Any]
    findings: list[FindingOut]
    statement_id: str


class StatementOut(BaseModel):
    credential_id: str
    document: dict[str, Any]
    log_seq: int


def _out(e: engagements.Engagement) -> EngagementOut:
    return EngagementOut(**asdict(e))


@router.post("/api/organisations/{code}/engagements", response_model=EngagementOut, status_code=201)
def engage(code: str, body: EngageIn, principal: CurrentPrincipal, ctx: AppContext) -> EngagementOut:
    """Engage an accredited body; the subject is frozen as it stands now."""
    return _out(engagements.engage(ctx.sessions, principal, code, body.body, subject_type=body.subject_type,
                                   subject_key=body.subject_key, grants=body.grants, criteria=body.criteria))


@router.get("/api/engagements", response_model=list[EngagementOut])
def listing(principal: CurrentPrincipal, ctx: AppContext) -> list[EngagementOut]:
    return [_out(e) for e in engagements.listing(ctx.sessions, principal)]


@router.get("/api/engagements/{engagement_id}", response_model=EngagementOut)
def show(engagement_id: int, principal: CurrentPrincipal, ctx: AppContext) -> EngagementOut:
    """The engagement; the body's verifiers see only the granted sections of the subject."""
    return _out(engagements.show(ctx.sessions, principal, engagement_id))


@router.post("/api/engagements/{engagement_id}/findings", response_model=FindingOut, status_code=201)
def finding(engagement_id: int, body: FindingIn, principal: CurrentPrincipal, ctx: AppContext) -> FindingOut:
    return FindingOut(**asdict(engagements.raise_finding(ctx.sessions, principal, engagement_id, body.text,
                                                         material=body.material)))


@router.post("/api/findings/{finding_id}/answer", response_model=FindingOut)
def answer(finding_id: int, body: AnswerIn, principal: CurrentPrincipal, ctx: AppContext) -> FindingOut:
    return FindingOut(**asdict(engagements.answer_finding(ctx.sessions, principal, finding_id, body.answer)))


@router.post("/api/engagements/{engagement_id}/statement", response_model=StatementOut, status_code=201)
def statement(engagement_id: int, body: StatementBody, principal: CurrentPrincipal, ctx: AppContext) -> StatementOut:
    """Issue the signed verification statement (refused if the subject changed after it was frozen)."""
    issued = engagements.issue_statement(ctx.sessions, principal, ctx.key, engagement_id,
                                         engagements.StatementIn(**body.model_dump()))
    return StatementOut(credential_id=issued.credential_id, document=issued.document, log_seq=issued.log_seq)


@router.post("/api/engagements/{engagement_id}/withdraw", status_code=204)
def withdraw(engagement_id: int, body: WithdrawIn, principal: CurrentPrincipal, ctx: AppContext) -> None:
    engagements.withdraw_statement(ctx.sessions, principal, ctx.key, engagement_id, body.reason)
