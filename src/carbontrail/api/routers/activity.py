"""An organisation's activity records: list them, and import a CSV or XLSX file (all rows or none), at once or as
a job whose progress can be followed."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, UploadFile, status

from carbontrail.http.deps import AppContext, CurrentPrincipal
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.api.schemas import ActivityIn, ImportOut
from carbontrail.services import activity as records
from carbontrail.services import imports
from carbontrail.services.activity import ActivityRecordView
from carbontrail.services.import_jobs import ImportStatus
from carbontrail.services.inventory import ActivityView, list_activity

router = APIRouter(tags=["activity"], responses=ERROR_RESPONSES)
#: a CSV's text encoding when it is not UTF-8 (detected when not given: UTF-8 with or without BOM, else GB18030)
Encoding = Annotated[Literal["utf-8", "gbk", "gb18030"] | None, Query()]


@router.get("/api/organisations/{code}/activity", response_model=list[ActivityView])
def activity(code: str, ctx: AppContext, principal: CurrentPrincipal, kind: str | None = None,
             limit: Annotated[int, Query(ge=1, le=1000)] = 100,
             offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0) -> list[ActivityView]:
    return list_activity(ctx.sessions, principal, code, kind=kind, limit=limit, offset=offset)


@router.get("/api/organisations/{code}/activity/{record}", response_model=ActivityRecordView)
def activity_record(code: str, record: int, ctx: AppContext, principal: CurrentPrincipal) -> ActivityRecordView:
    """One activity record by its number; `locked` names the locked reporting period it lies in."""
    return records.get_record(ctx.sessions, principal, code, record)


@router.put("/api/organisations/{code}/activity/{record}", response_model=ActivityRecordView)
def edit_activity_record(code: str, record: int, body: ActivityIn, ctx: AppContext,
                         principal: CurrentPrincipal) -> ActivityRecordView:
    """Change an activity record: the values are checked as the import checks a row (422 with every problem);
    409 inside a locked period. The audit row keeps the values before and after."""
    return records.edit_record(ctx.sessions, principal, code, record, body.model_dump())


@router.delete("/api/organisations/{code}/activity/{record}", status_code=status.HTTP_204_NO_CONTENT)
def delete_activity_record(code: str, record: int, ctx: AppContext, principal: CurrentPrincipal) -> None:
    """Delete an activity record (its values stay in the audit row); 409 inside a locked period."""
    records.delete_record(ctx.sessions, principal, code, record)


# A plain `def`: FastAPI runs it on a worker thread, so a long import never holds up the event loop.
@router.post("/api/organisations/{code}/imports", response_model=ImportOut)
def upload(code: str, file: UploadFile, ctx: AppContext, principal: CurrentPrincipal,
           template: str | None = None, encoding: Encoding = None) -> ImportOut:
    """Upload a CSV or XLSX file of a `carbontrail template`; any bad row rejects the whole file (422, with
    every problem's row and field). Answers when the import has finished; see `import-jobs` to follow a long one."""
    report = imports.upload(ctx.sessions, principal, code, file.filename or "upload.csv", file.file.read(), template,
                            encoding=encoding)
    return ImportOut(file=report.file, template=report.template, rows=report.rows, inserted=report.inserted,
                     updated=report.updated, unchanged=report.unchanged, encoding=report.encoding,
                     delimiter=report.delimiter, mappings=report.mappings)


@router.post("/api/organisations/{code}/import-jobs", response_model=ImportStatus,
             status_code=status.HTTP_202_ACCEPTED)
def start_import(code: str, file: UploadFile, ctx: AppContext, principal: CurrentPrincipal,
                 template: str | None = None, encoding: Encoding = None) -> ImportStatus:
    """Start importing a template file in the background; poll `GET /api/imports/{job}` for its progress and
    result (rows done of the estimated total, and every problem when a row is bad)."""
    return ctx.imports.start(ctx.sessions, principal, code, file.filename or "upload.csv", file.file.read(),
                             template, encoding)


@router.get("/api/imports/{job}", response_model=ImportStatus)
def import_status(job: str, ctx: AppContext,
                  principal: CurrentPrincipal) -> ImportStatus:
    """Where an import job stands: queued, running (rows done / total), done, rejected (with the errors) or
    failed."""
    return ctx.imports.status(ctx.sessions, principal, job)
