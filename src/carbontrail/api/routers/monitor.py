"""Monitoring: readings in and out (an enterprise's own), data quality, KPIs and benchmarks, the key-unit monthly
report, oversight of parks, cities and the province, targets, warning rules and the warnings inbox."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response, UploadFile, status
from pydantic import BaseModel, Field

from carbontrail.errors import InputError
from carbontrail.http.deps import AppContext, CurrentPrincipal
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.monitor.quality import MonthQuality
from carbontrail.monitor.readings import LOCAL_OFFSET
from carbontrail.services.monitor import derive, figures, prices, readings, report, warnings
from carbontrail.services.monitor.access import reading_store

router = APIRouter(prefix="/api/monitor", tags=["monitor"], responses=ERROR_RESPONSES)

Year = Annotated[int, Query(ge=1990, le=2100)]
Month = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]
MAX_UPLOAD = 200 * 1024 * 1024


class ReadingIn(BaseModel):
    meter: str = Field(max_length=200)
    timestamp: str = Field(max_length=64, description="ISO 8601; without an offset it is China Standard Time")
    value: float | str
    unit: str | None = Field(default=None, max_length=32)
    reset: bool | None = None


class BatchIn(BaseModel):
    readings: list[ReadingIn] = Field(max_length=readings.MAX_BATCH_ITEMS)
    correction: str | None = Field(default=None, max_length=2000,
                                   description="a reason: changed values become new versions")


class TargetIn(BaseModel):
    kpi: str
    base_year: int = Field(ge=1990, le=2100)
    target_year: int = Field(ge=1990, le=2100)
    change: float | None = Field(default=None, ge=-1, le=10)
    cap: float | None = Field(default=None, ge=0)
    peak: bool = Field(default=False, description="the total must not rise after target_year (e.g. CO2 peak by 2030)")
    jurisdiction: str | None = Field(default=None, max_length=64)
    organisation: str | None = Field(default=None, max_length=64)
    source: str = Field(default="", max_length=500)


class PriceIndexIn(BaseModel):
    year: int = Field(ge=1990, le=2100)
    index: float = Field(gt=0, le=1000, description="industrial value-added price index, 2020 = 100")
    source: str = Field(min_length=1, max_length=500, description="the statistical release, or 'demo value'")


class RuleIn(BaseModel):
    rule: str
    jurisdiction: str | None = Field(default=None, max_length=64)
    organisation: str | None = Field(default=None, max_length=64)
    params: dict[str, float] = Field(default_factory=dict)
    email_to: str = Field(default="", max_length=1000)
    webhook_url: str = Field(default="", max_length=1000)
    webhook_secret: str = Field(default="", max_length=200)


class NoteIn(BaseModel):
    note: str = Field(min_length=1, max_length=5000)


class QualityOut(BaseModel):
    meter: str
    month: str
    expected: int
    present: int
    completeness: float
    meets_completeness: bool
    daily_total: float
    monthly_figure: float | None
    daily_vs_monthly: float | None
    meets_consistency: bool | None
    drift_s: float
    clock_ok: bool
    gaps: list[dict[str, Any]]
    flat_lines: list[dict[str, Any]]

    @classmethod
    def of(cls, q: MonthQuality) -> QualityOut:
        return cls(meter=q.meter, month=q.month, expected=q.expected, present=q.present,
                   completeness=q.completeness, meets_completeness=q.complete, daily_total=q.daily_total,
                   monthly_figure=q.monthly_figure, daily_vs_monthly=q.daily_vs_monthly,
                   meets_consistency=q.consistent, drift_s=q.drift_s, clock_ok=q.clock_ok,
                   gaps=[asdict(g) for g in q.gaps], flat_lines=[asdict(f) for f in q.flat_lines])


# -- an enterprise's readings (its own members only) ------------------------------------------------------------


@router.post("/organisations/{code}/readings", response_model=readings.IngestReport)
def post_readings(code: str, body: BatchIn, ctx: AppContext, principal: CurrentPrincipal) -> readings.IngestReport:
    """A batch of readings as JSON; any bad reading refuses the batch (422, naming meter, row and field)."""
    items = [r.model_dump(exclude_none=True) for r in body.readings]
    return readings.import_batch(ctx.sessions, principal, code, items, correction=body.correction,
                                 store=reading_store(ctx.sessions, ctx.settings))


@router.post("/organisations/{code}/readings.csv", response_model=readings.IngestReport,
             openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}},
                                            "required": True}})
async def post_readings_csv(code: str, request: Request, ctx: AppContext, principal: CurrentPrincipal,
                            correction: Annotated[str | None, Query(max_length=2000)] = None
                            ) -> readings.IngestReport:
    """Readings as a CSV body (columns meter, timestamp, value[, unit, reset])."""
    data = await request.body()
    _bounded(data)
    return readings.import_upload(ctx.sessions, principal, code, "request.csv", data, correction=correction,
                                  store=reading_store(ctx.sessions, ctx.settings))


@router.post("/organisations/{code}/reading-files", response_model=readings.IngestReport)
async def post_reading_file(code: str, file: UploadFile, ctx: AppContext, principal: CurrentPrincipal,
                            correction: Annotated[str | None, Query(max_length=2000)] = None
                            ) -> readings.IngestReport:
    """A CSV, XLSX or Parquet file of readings; the same file twice adds nothing."""
    data = await file.read()
    _bounded(data)
    return readings.import_upload(ctx.sessions, principal, code, file.filename or "readings.csv", data,
                                  correction=correction, store=reading_store(ctx.sessions, ctx.settings))


def _bounded(data: bytes) -> None:

    if len(data) > MAX_UPLOAD:
        raise InputError(f"an upload is at most {MAX_UPLOAD // 2**20} MB")


@router.get("/organisations/{code}/readings", response_model=list[readings.ReadingOut])
def get_readings(code: str, meter: Annotated[str, Query(max_length=200)], start: datetime, end: datetime,
                 ctx: AppContext, principal: CurrentPrincipal,
                 limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000) -> list[readings.ReadingOut]:
    """One meter's current readings in [start, end)."""
    return readings.list_readings(ctx.sessions, principal, code, meter, start=_naive(start), end=_naive(end),
                                  limit=limit, store=reading_store(ctx.sessions, ctx.settings))


def _naive(value: datetime) -> datetime:

    if value.tzinfo is None:
        return value
    return (value - value.utcoffset()).replace(tzinfo=None) + LOCAL_OFFSET  # type: ignore[operator]


@router.get("/organisations/{code}/readings/versions", response_model=list[readings.VersionOut])
def get_versions(code: str, meter: Annotated[str, Query(max_length=200)], start: datetime, ctx: AppContext,
                 principal: CurrentPrincipal) -> list[readings.VersionOut]:
    """Every version of one interval's reading, the original first."""
    return readings.versions(ctx.sessions, principal, code, meter, _naive(start), store=reading_store(ctx.sessions, ctx.settings))


@router.get("/organisations/{code}/quality", response_model=QualityOut)
def get_quality(code: str, meter: Annotated[str, Query(max_length=200)], month: Month, ctx: AppContext,
                principal: CurrentPrincipal) -> QualityOut:
    """Completeness, daily vs monthly, clock drift, gaps and flat lines of one meter's month."""
    return QualityOut.of(readings.month_quality(ctx.sessions, principal, code, meter, month,
                                                store=reading_store(ctx.sessions, ctx.settings)))


@router.post("/organisations/{code}/derive", response_model=list[derive.DerivedMonth])
def post_derive(code: str, year: Year, ctx: AppContext, principal: CurrentPrincipal) -> list[derive.DerivedMonth]:
    """Derive the year's monthly activity records from the readings (differences with other sources shown)."""
    return derive.derive(ctx.sessions, principal, code, year, store=reading_store(ctx.sessions, ctx.settings))


@router.post("/organisations/{code}/figures", response_model=list[dict[str, Any]])
def post_figures(code: str, year: Year, ctx: AppContext, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Recompute the enterprise's monthly figures of a year from its inventory."""
    rows = figures.refresh(ctx.sessions, principal, code, year)
    return [{"month": r.month.isoformat(), "energy_tce": r.energy_tce, "co2_t": r.co2_t,
             "value_added_10k_yuan": r.value_added, "source": r.source} for r in rows]


# -- aggregates -------------------------------------------------------------------------------------------------


@router.get("/organisations/{code}/kpis", response_model=figures.Benchmark)
def get_kpis(code: str, year: Year, ctx: AppContext, principal: CurrentPrincipal) -> figures.Benchmark:
    """The enterprise's KPIs against its targets, beside its park's and industry's (anonymous)."""
    return figures.enterprise(ctx.sessions, principal, code, year)


@router.get("/organisations/{code}/monthly-report", response_model=dict[str, Any])
def get_monthly_report(code: str, month: Month, ctx: AppContext, principal: CurrentPrincipal) -> dict[str, Any]:
    """The key energy-using unit's monthly report in the online monitoring system's structure."""
    return report.report_dict(report.monthly_report(ctx.sessions, principal, code, month,
                                                    store=reading_store(ctx.sessions, ctx.settings)))


@router.post("/organisations/{code}/monthly-report/filings", response_model=report.FilingOut,
             status_code=status.HTTP_201_CREATED)
def post_filing(code: str, month: Month, ctx: AppContext, principal: CurrentPrincipal) -> report.FilingOut:
    """File the month's report as it stands now (once a month); the late_report rule watches the deadline."""
    return report.file_report(ctx.sessions, principal, code, month, store=reading_store(ctx.sessions, ctx.settings))


@router.get("/organisations/{code}/monthly-report/filings", response_model=list[report.FilingOut])
def get_filings(code: str, ctx: AppContext, principal: CurrentPrincipal) -> list[report.FilingOut]:
    """The enterprise's filed monthly reports, with their deadlines."""
    return report.filings(ctx.sessions, principal, code)


@router.get("/jurisdictions/{jurisdiction}/oversight", response_model=figures.Oversight)
def get_oversight(jurisdiction: str, year: Year, ctx: AppContext, principal: CurrentPrincipal, response: Response,
                  page: Annotated[int | None, Query(ge=1, description="a page of the enterprises (by code)")] = None,
                  page_size: Annotated[int, Query(ge=1, le=1000)] = figures.PAGE_SIZE) -> figures.Oversight:
    """The jurisdiction's KPIs, its sub-jurisdictions' (suppressed below the minimum count) and its enterprises'
    (all of them, or with `page` one page, the total in the X-Total-Count header; the tree then lists the
    enterprises only when there are few)."""
    if page is None:
        return figures.oversight(ctx.sessions, principal, jurisdiction, year)
    shown = figures.oversight_page(ctx.sessions, principal, jurisdiction, year, page=page, page_size=page_size)
    response.headers["X-Total-Count"] = str(shown.enterprises_total)
    return shown.view


@router.get("/jurisdictions/{jurisdiction}/key-units", response_model=list[str])
def get_key_units(jurisdiction: str, year: Year, ctx: AppContext, principal: CurrentPrincipal) -> list[str]:
    """Enterprises whose energy use in `year` reaches the key energy-using unit threshold."""
    return figures.key_units(ctx.sessions, principal, jurisdiction, year)


@router.get("/jurisdictions/{jurisdiction}/targets", response_model=list[figures.TargetOut])
def get_targets(jurisdiction: str, ctx: AppContext, principal: CurrentPrincipal) -> list[figures.TargetOut]:
    return figures.targets(ctx.sessions, principal, jurisdiction)


@router.post("/targets", response_model=figures.TargetOut, status_code=status.HTTP_201_CREATED)
def post_target(body: TargetIn, ctx: AppContext, principal: CurrentPrincipal) -> figures.TargetOut:
    """A target for a jurisdiction or an enterprise, set by the level above it."""
    return figures.set_target(ctx.sessions, principal, kpi_name=body.kpi, base_year=body.base_year,
                              target_year=body.target_year, change=body.change, cap=body.cap, peak=body.peak,
                              jurisdiction_code=body.jurisdiction, organisation_code=body.organisation,
                              source=body.source)


@router.get("/jurisdictions/{jurisdiction}/price-indices", response_model=list[prices.PriceIndexOut])
def get_price_indices(jurisdiction: str, ctx: AppContext, principal: CurrentPrincipal) -> list[prices.PriceIndexOut]:
    """The value-added price indices (2020 = 100) that apply inside the jurisdiction."""
    return prices.list_indices(ctx.sessions, principal, jurisdiction)


@router.post("/jurisdictions/{jurisdiction}/price-indices", response_model=prices.PriceIndexOut)
def post_price_index(jurisdiction: str, body: PriceIndexIn, ctx: AppContext,
                     principal: CurrentPrincipal) -> prices.PriceIndexOut:
    """Enter or correct the jurisdiction's index of a year (its administrators; the change is audited)."""
    return prices.set_index(ctx.sessions, principal, jurisdiction, body.year, body.index, source=body.source)


@router.post("/price-indices.csv", response_model=list[prices.PriceIndexOut],
             openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}},
                                            "required": True}})
async def post_price_indices_csv(request: Request, ctx: AppContext,
                                 principal: CurrentPrincipal) -> list[prices.PriceIndexOut]:
    """Indices as a CSV body (columns jurisdiction, year, index, source); one bad row imports nothing."""
    data = await request.body()
    _bounded(data)
    return prices.import_csv(ctx.sessions, principal, "request.csv", data)


# -- warnings ---------------------------------------------------------------------------------------------------


@router.post("/rules", response_model=warnings.RuleOut, status_code=status.HTTP_201_CREATED)
def post_rule(body: RuleIn, ctx: AppContext, principal: CurrentPrincipal) -> warnings.RuleOut:
    return warnings.add_rule(ctx.sessions, principal, body.rule, jurisdiction_code=body.jurisdiction,
                             organisation_code=body.organisation, params=body.params, email_to=body.email_to,
                             webhook_url=body.webhook_url, webhook_secret=body.webhook_secret)


@router.get("/warnings", response_model=list[warnings.WarningOut])
def get_warnings(ctx: AppContext, principal: CurrentPrincipal,
                 status_: Annotated[str | None, Query(alias="status", pattern="^(open|acknowledged|resolved)$")] = None,
                 jurisdiction: Annotated[str | None, Query(max_length=64)] = None,
                 organisation: Annotated[str | None, Query(max_length=64)] = None) -> list[warnings.WarningOut]:
    """The warnings you may see: your enterprise's, or those of the jurisdictions you oversee."""
    return warnings.list_warnings(ctx.sessions, principal, status=status_, jurisdiction_code=jurisdiction,
                                  organisation_code=organisation)


@router.get("/warnings/{warning_id}", response_model=warnings.WarningOut)
def get_warning(warning_id: Annotated[int, Field(ge=1, le=2**31 - 1)], ctx: AppContext,
                principal: CurrentPrincipal) -> warnings.WarningOut:
    return warnings.get_warning(ctx.sessions, principal, warning_id)


@router.post("/warnings/{warning_id}/{action}", response_model=warnings.WarningOut)
def post_warning_action(warning_id: int, action: str, body: Annotated[NoteIn, Body()], ctx: AppContext,
                        principal: CurrentPrincipal) -> warnings.WarningOut:
    """`acknowledge` or `resolve` a warning with a note."""
    return warnings.handle(ctx.sessions, principal, warning_id, action, body.note)
