"""Verification engagements over HTTP: engage an accredited body, findings and answers, statements, withdrawal."""

from __future__ import annotations

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


class StatementOut(BaseModel):
    credential_id: str
    document: dict[str, Any]
    log_seq: int


@router.post("/api/organisations/{code}/engagements", response_model=engagements.Engagement, status_code=201)
def engage(code: str, body: EngageIn, principal: CurrentPrincipal, ctx: AppContext) -> engagements.Engagement:
    """Engage an accredited body; the subject is frozen as it stands now."""
    return engagements.engage(ctx.sessions, principal, code, body.body, subject_type=body.subject_type,
                              subject_key=body.subject_key, grants=body.grants, criteria=body.criteria)


@router.get("/api/engagements", response_model=list[engagements.Engagement])
def listing(principal: CurrentPrincipal, ctx: AppContext) -> list[engagements.Engagement]:
    return engagements.listing(ctx.sessions, principal)


@router.get("/api/engagements/{engagement_id}", response_model=engagements.Engagement)
def show(engagement_id: int, principal: CurrentPrincipal, ctx: AppContext) -> engagements.Engagement:
    """The engagement; the body's verifiers see only the granted sections of the subject."""
    return engagements.show(ctx.sessions, principal, engagement_id)


@router.post("/api/engagements/{engagement_id}/findings", response_model=engagements.Finding, status_code=201)
def finding(engagement_id: int, body: FindingIn, principal: CurrentPrincipal, ctx: AppContext) -> engagements.Finding:
    return engagements.raise_finding(ctx.sessions, principal, engagement_id, body.text, material=body.material)


@router.post("/api/findings/{finding_id}/answer", response_model=engagements.Finding)
def answer(finding_id: int, body: AnswerIn, principal: CurrentPrincipal, ctx: AppContext) -> engagements.Finding:
    return engagements.answer_finding(ctx.sessions, principal, finding_id, body.answer)


@router.post("/api/engagements/{engagement_id}/statement", response_model=StatementOut, status_code=201)
def statement(engagement_id: int, body: StatementBody, principal: CurrentPrincipal, ctx: AppContext) -> StatementOut:
    """Issue the signed verification statement (refused if the subject changed after it was frozen)."""
    issued = engagements.issue_statement(ctx.sessions, principal, ctx.key, engagement_id,
                                         engagements.StatementIn(**body.model_dump()))
    return StatementOut(credential_id=issued.credential_id, document=issued.document, log_seq=issued.log_seq)


@router.post("/api/engagements/{engagement_id}/withdraw", status_code=204)
def withdraw(engagement_id: int, body: WithdrawIn, principal: CurrentPrincipal, ctx: AppContext) -> None:
    engagements.withdraw_statement(ctx.sessions, principal, ctx.key, engagement_id, body.reason)
