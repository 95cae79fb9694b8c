"""PACT events (/2/events, /3/events): footprint requests to this host's suppliers, their answers arriving for
this host's customers, and Published notices. Requests are answered after the response, asynchronously."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from carbontrail.api.pact.common import PactProblem, bearer_principal, context, pact_route
from carbontrail.formats import pact
from carbontrail.services.pact import events, host as pact_host, inbox as pact_inbox, requests as pact_requests

router = APIRouter()
_SCHEMAS = {"published": "PublishedEvent", "created": "RequestCreatedEvent", "fulfilled": "RequestFulfilledEvent",
            "rejected": "RequestRejectedEvent"}


def _kind(event: dict[str, Any], major: str) -> str:
    kind = events.kind_of(event.get("type"), major)
    if kind is not None:
        return kind
    raise PactProblem(400, "BadRequest", f"'{event.get('type')}' is not a PACT v{pact.SPEC_VERSIONS[major]} "
                                         f"event type")


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        event = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise PactProblem(400, "BadRequest", "the event is not JSON") from None
    if not isinstance(event, dict):
        raise PactProblem(400, "BadRequest", "the event must be a JSON object (a CloudEvent)")
    return event


def _handle(request: Request, background: BackgroundTasks, event: dict[str, Any], major: str) -> Response:
    principal = bearer_principal(request)
    kind = _kind(event, major)
    found = pact.problems(event, major, "BaseEvent") + pact.problems(event, major, _SCHEMAS[kind])
    if found:
        raise PactProblem(400, "BadRequest", f"the {kind} event is malformed: {found[0]}")
    ctx = context(request)
    if kind == "created":
        origin = str(request.base_url).rstrip("/")
        ready = pact_inbox.receive_request(ctx.sessions, principal, event, major, own_origin=origin)
        if ready:
            background.add_task(pact_inbox.deliver_all, ctx.sessions, ctx.key, ready, origin)
    elif kind in ("fulfilled", "rejected"):
        organisations = pact_host.member_organisations(principal)
        if not organisations:
            raise PactProblem(403, "AccessDenied", "this client acts for no organisation that requested footprints")
        # the customer's side takes the answer
        pact_inbox.log_event(ctx.sessions, principal, event, kind)
        pact_requests.on_answer(ctx.sessions, organisations[0], event)
    else:
        pact_inbox.log_event(ctx.sessions, principal, event, "published")
    if major == "2":
        return JSONResponse({"code": "OK", "message": "event accepted"})
    return Response(status_code=200)


@router.post("/2/events")
@pact_route
async def events_v2(request: Request, background: BackgroundTasks) -> Response:
    event = await _body(request)
    return await run_in_threadpool(_handle, request, background, event, "2")


@router.post("/3/events")
@pact_route
async def events_v3(request: Request, background: BackgroundTasks) -> Response:
    event = await _body(request)
    return await run_in_threadpool(_handle, request, background, event, "3")
