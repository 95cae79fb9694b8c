"""One error body for every failure (code, message, field), and the one place errors are mapped to HTTP statuses."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from carbontrail.errors import (
    CalculationError,
    CarbontrailError,
    ConfigurationError,
    Conflict,
    ImportRejected,
    InputError,
    NotFound,
    PermissionDenied,
)
from carbontrail.services.accounts import AuthenticationFailed, SignInThrottled

log = logging.getLogger("carbontrail.api")


class Problem(BaseModel):
    """One bad row of an uploaded file."""

    file: str | None = None
    row: int | None = None
    field: str | None = None
    message: str


class ErrorBody(BaseModel):
    """Every error answer: a stable code, one sentence for a person, the field at fault (if one is)."""

    code: str
    message: str
    field: str | None = None
    problems: list[Problem] | None = None


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody, "description": text} for status, text in (
        (400, "The request cannot be carried out"),
        (401, "Not signed in, or the token expired"),
        (403, "Your role does not allow this"),
        (404, "Not found, or not visible to you"),
        (409, "Clashes with what is stored"),
        (422, "A value in the request is not what was expected"),
        (429, "Too many wrong sign-in attempts: wait `Retry-After` seconds"),
        (503, "carbontrail is not set up for this"),
    )
}


def status_of(exc: CarbontrailError) -> int:
    if isinstance(exc, SignInThrottled):
        return 429
    if isinstance(exc, AuthenticationFailed):
        return 401
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, (InputError, ImportRejected, CalculationError)):
        return 422
    if isinstance(exc, ConfigurationError):
        return 503
    return 400


def body_of(exc: CarbontrailError) -> ErrorBody:
    field = exc.location.field if isinstance(exc, InputError) else None
    problems = None
    if isinstance(exc, ImportRejected):
        problems = [Problem(file=p.location.file, row=p.location.row, field=p.location.field, message=p.message)
                    for p in exc.problems]
    return ErrorBody(code=exc.code, message=str(exc), field=field, problems=problems)


def _json(status: int, body: ErrorBody, headers: dict[str, str] | None = None) -> JSONResponse:
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


def headers_of(exc: CarbontrailError) -> dict[str, str] | None:
    """The headers an error answer carries besides its body (how long to wait after too many attempts)."""
    return {"Retry-After": str(exc.retry_after)} if isinstance(exc, SignInThrottled) else None


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers on the request's path (FastAPI keeps one route per method)."""
    methods: set[str] = set()
    path = request.url.path
    for ctx in iter_route_contexts(request.app.routes):
        route = getattr(ctx, "starlette_route", None) or ctx
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(path):
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods | ({"HEAD"} if "GET" in methods else set()))


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into an `ErrorBody`."""

    @app.exception_handler(CarbontrailError)
    async def _carbontrail(_request: Request, exc: CarbontrailError) -> JSONResponse:
        return _json(status_of(exc), body_of(exc), headers_of(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "header", "cookie")]
        field = ".".join(loc) or None
        message = str(first.get("msg", "the request is not valid"))
        text = f"field '{field}': {message}" if field else message
        return _json(422, ErrorBody(code="invalid_input", message=text, field=field))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated"}.get(exc.status_code,
                                                                                         "http_error")
        # keep what the framework said must go with the status (405: Allow, RFC 9110 §15.5.6)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return _json(exc.status_code, ErrorBody(code=code, message=str(exc.detail)), headers)

    @app.exception_handler(DataError)
    async def _data(_request: Request, exc: DataError) -> JSONResponse:
        # the database refused a value the request carried (a NUL character, a number out of its range)
        log.info("database refused a value: %s", exc.orig)
        return _json(422, ErrorBody(code="invalid_input",
                                    message="a value in the request cannot be stored: it holds a NUL character "
                                            "or a number out of range"))

    @app.exception_handler(OperationalError)
    async def _busy(_request: Request, exc: OperationalError) -> JSONResponse:
        # SQLite: another writer (an import) held the database longer than the busy timeout
        if "locked" not in str(exc.orig).lower():
            return await _bug(_request, exc)
        return JSONResponse(ErrorBody(code="busy", message="the database is busy with another change (an import, "
                                      "most likely); try again in a minute").model_dump(exclude_none=True),
                            status_code=503, headers={"Retry-After": "60"})

    @app.exception_handler(Exception)
    async def _bug(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return _json(500, ErrorBody(code="internal_error",
                                    message="carbontrail failed unexpectedly; the error was logged"))
