"""PACT ListFootprints and GetFootprint, v2.3 (/2) and v3.0 (/3): only footprints granted to the caller."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response

from starlette.concurrency import run_in_threadpool

from carbontrail.http.deps import Context
from carbontrail.api.pact.common import PactProblem, bearer_claims, context, pact_route
from carbontrail.formats import pact
from carbontrail.services.pact import host as pact_host
from carbontrail.services.accounts import AuthenticationFailed

router = APIRouter()

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
PAGE_CACHE = 512  # rendered pages kept per server process (dropped together when full)
_MULTI = {"productId": "product_ids", "companyId": "company_ids", "geography": "geographies",
          "classification": "classifications"}
_MOMENTS = {"validOn": "valid_on", "validAfter": "valid_after", "validBefore": "valid_before"}


def _integer(request: Request, name: str, default: int) -> int:
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise PactProblem(400, "BadRequest", f"'{name}' must be a whole number, not '{text}'") from None
    if value < 0:
        raise PactProblem(400, "BadRequest", f"'{name}' must not be negative")
    return value


def _filters(request: Request) -> pact_host.Filters:
    params = request.query_params
    kwargs: dict[str, object] = {}
    for name, attr in _MULTI.items():
        values = tuple(v for v in params.getlist(name) if v != "")
        if values:
            kwargs[attr] = values
    for name, attr in _MOMENTS.items():
        text = params.get(name)
        if text:
            try:
                when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise PactProblem(400, "BadRequest", f"'{name}' must be an RFC 3339 date-time, not '{text}'") from None
            kwargs[attr] = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    statuses = tuple(v for v in params.getlist("status") if v != "")
    if statuses:
        kwargs["statuses"] = statuses
    return pact_host.Filters(**kwargs)  # type: ignore[arg-type]


def _viewer(claims: dict[str, str | int], ctx: Context) -> tuple[tuple[int, ...], int]:
    try:
        return pact_host.viewer(ctx.sessions.kw["bind"], claims)
    except AuthenticationFailed:
        raise PactProblem(401, "AccessDenied", "the access token's client has been removed or disabled") from None


def _page(ctx: Context, organisations: tuple[int, ...], major: str, filters: pact_host.Filters, limit: int,
          offset: int) -> tuple[str, bool]:
    texts, more = pact_host.list_documents(ctx.sessions, organisations, major, filters=filters, limit=limit,
                                           offset=offset)
    return '{"data":[' + ",".join(texts) + "]}", more


async def _list(request: Request, major: str) -> Response:
    claims = bearer_claims(request)
    ctx = context(request)
    # One indexed query, run on the event loop: under load a thread-pool hop per request costs more than the
    # query (measured: about half the throughput). Rendering a page, the slow part, goes to the thread pool.
    organisations, version = _viewer(claims, ctx)
    # an answer made at this data version for the same organisations, host and query is still exact
    key = (version, organisations, major, request.headers.get("host", ""), request.scope.get("query_string", b""))
    pages: dict[object, tuple[bytes, dict[str, str] | None]]
    pages = ctx.caches.setdefault("pact_pages", {})  # type: ignore[assignment]
    found = pages.get(key)
    if found is None:
        limit = min(_integer(request, "limit", DEFAULT_LIMIT) or DEFAULT_LIMIT, MAX_LIMIT)
        offset = _integer(request, "offset", 0)
        # v2.3's OData `$filter` is optional for hosts; it is not applied (docs/pact.md)
        filters = _filters(request) if major == "3" else pact_host.Filters()
        body, more = await run_in_threadpool(_page, ctx, organisations, major, filters, limit, offset)
        link = ""
        if more:
            following = request.url.include_query_params(limit=limit, offset=offset + limit)
            link = f'<{following}>; rel="next"'
        # kept encoded, with its headers: a page of 100 footprints is some 150 kB to encode again per request
        found = (body.encode("utf-8"), {"Link": link} if link else None)
        if len(pages) >= PAGE_CACHE:
            pages.clear()
        pages[key] = found
    content, headers = found
    return Response(content, media_type="application/json", headers=headers)


def _get(request: Request, major: str, pf_id: str) -> Response:
    claims = bearer_claims(request)  # an invalid token is refused before the id is judged
    try:
        key = str(uuid.UUID(pf_id))
    except ValueError:
        raise PactProblem(400, "BadRequest", f"'{pf_id}' is not a footprint id (a UUID)") from None
    ctx = context(request)
    organisations, _version = _viewer(claims, ctx)
    text = pact_host.get_document(ctx.sessions, organisations, major, key)
    if text is None:
        raise PactProblem(404, pact.NOT_FOUND_CODE[major], f"no footprint {key} is available to this client")
    return Response('{"data":' + text + "}", media_type="application/json")


def _lister(major: str) -> Callable[[Request], Awaitable[Response]]:
    @pact_route
    async def list_footprints(request: Request) -> Response:
        return await _list(request, major)

    return list_footprints


# The lists are the hot path: plain Starlette routes, so no FastAPI parameter solving runs for them.
router.add_route("/2/footprints", _lister("2"), methods=["GET"], include_in_schema=False)
router.add_route("/3/footprints", _lister("3"), methods=["GET"], include_in_schema=False)


@router.get("/2/footprints/{pf_id}")
@pact_route
def get_v2(request: Request, pf_id: str) -> Response:
    return _get(request, "2", pf_id)


@router.get("/3/footprints/{pf_id}")
@pact_route
def get_v3(request: Request, pf_id: str) -> Response:
    return _get(request, "3", pf_id)
