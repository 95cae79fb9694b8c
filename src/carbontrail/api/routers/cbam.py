"""EU CBAM for an organisation: installation models, SEE per good and period, the emissions communication (JSON,
XLSX), certificate cost, the Sichuan-vs-China grid comparison, the importer's year, default-value tables."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Response, UploadFile, status
from pydantic import BaseModel, Field
from pydantic.dataclasses import dataclass as pydantic_dataclass

from carbontrail.http.deps import AppContext, CurrentPrincipal, organisation_access
from carbontrail.http.errors import ERROR_RESPONSES
from carbontrail.cbam import DE_MINIMIS, Communication, ImporterView, communication_workbook
from carbontrail.services import cbam, tenancy
from carbontrail.services.cbam_views import CostOut, GridOut, cost_out, grid_out
from carbontrail.units import magnitude

# the organisation is checked before the request's parameters, so a stranger learns nothing from a validation
# error (the service checks again: it is the boundary every door shares)
READ = Depends(organisation_access(tenancy.DATA_READ))
WRITE = Depends(organisation_access(tenancy.DATA_WRITE))
RESULTS = Depends(organisation_access(tenancy.INVENTORY))
router = APIRouter(prefix="/api/organisations", tags=["cbam"], responses=ERROR_RESPONSES)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Period = Annotated[int | None, Query(ge=1990, le=2100, description="Year the reporting period ends (default: "
                                                                   "the latest stored period).")]
Layout = Annotated[Literal["carbontrail", "commission"], Query(description="carbontrail: reopens in carbontrail; "
                   "commission: the tabs and field names of the Commission's communication template.")]
MarkupYear = Annotated[int | None, Query(ge=2000, le=2100, description="Year of import: sets the mark-up on default "
                                                                       "values (default: the period's end year).")]
DefaultsName = Annotated[str | None, Query(max_length=200, description="Default-value table (default: the shipped "
                                                                       "one).")]
DefaultsVersion = Annotated[str | None, Query(max_length=64)]
Amount = Annotated[float, Query(gt=0, le=1e12, allow_inf_nan=False)]


@pydantic_dataclass(frozen=True)
class InstallationOut(cbam.InstallationHead):
    """A stored installation as the API lists it: its processes and goods categories, not the whole model."""

    processes: list[str]
    categories: list[str]
    sha256: str
    file_name: str


@pydantic_dataclass(frozen=True)
class InstallationDetailOut(InstallationOut):
    model: dict[str, object] = Field(description="The installation model as stored (JSON of the YAML uploaded).")


class PrecursorOut(BaseModel):
    name: str
    category: str
    origin: str
    mass_t: float
    see_direct_t_per_t: float
    see_indirect_t_per_t: float
    markup: float | None
    source: str


class ProcessOut(BaseModel):
    process_id: str
    name: str
    category: str
    sector: str
    cn_codes: list[str]
    route: str
    activity_level_t: float
    attributed_direct_t: float
    attributed_indirect_t: float
    embedded_direct_t: float
    embedded_indirect_t: float
    see_direct_t_per_t: float
    see_indirect_t_per_t: float
    see_obligation_t_per_t: float = Field(description="Direct, plus indirect for cement and fertilisers.")
    default_share: float = Field(description="Share of embedded emissions resting on default values.")
    components_t: dict[str, float]
    precursors: list[PrecursorOut]
    methods: list[str]
    electricity: list[str]


class SeeOut(BaseModel):
    installation: str
    period: str
    gwp_assessment: str
    markup_year: int
    default_values: str
    processes: list[ProcessOut]


class StoredSeeOut(SeeOut):
    computed_at: str


class ImportLineIn(BaseModel):
    supplier: str = Field(min_length=1, max_length=200)
    cn_code: str = Field(min_length=4, max_length=12)
    country: str = Field(min_length=2, max_length=2)
    mass_t: float = Field(gt=0, le=1e12, allow_inf_nan=False)
    see_direct_t_per_t: float | None = Field(default=None, ge=0, le=1e4, allow_inf_nan=False)
    see_indirect_t_per_t: float | None = Field(default=None, ge=0, le=1e4, allow_inf_nan=False)
    installation: str | None = Field(default=None, max_length=64,
                                     description="An installation of this organisation: its computed SEE is used.")
    process: str | None = Field(default=None, max_length=200)
    source: str = Field(default="", max_length=500)


class ImporterIn(BaseModel):
    year: int = Field(ge=2026, le=2100, description="Calendar year of the imports.")
    lines: list[ImportLineIn] = Field(max_length=10_000)
    defaults: str | None = Field(default=None, max_length=200)
    defaults_version: str | None = Field(default=None, max_length=64)


class ImportResultOut(BaseModel):
    supplier: str
    installation: str
    cn_code: str
    category: str
    mass_t: float
    basis: str
    see_direct_t_per_t: float
    see_indirect_t_per_t: float
    embedded_t: float
    obligation_t: float
    source: str


class ImporterOut(BaseModel):
    year: int
    mass_under_threshold_t: float
    de_minimis_threshold_t: float
    de_minimis_exempt: bool
    embedded_t: float
    obligation_t: float
    default_share: float
    lines: list[ImportResultOut]


class DefaultValueOut(BaseModel):
    cn_code: str
    country: str
    see_direct_t_per_t: float
    see_indirect_t_per_t: float | None
    route: str
    source: str
    confidence: str


class DefaultsTableOut(BaseModel):
    name: str
    version: str
    values: list[DefaultValueOut]


def installation_out(s: cbam.StoredInstallation) -> InstallationOut:
    return InstallationOut(**{f.name: getattr(s, f.name) for f in fields(cbam.InstallationHead)},
                           processes=[p.id for p in s.installation.processes],
                           categories=sorted({p.category for p in s.installation.processes}), sha256=s.sha256,
                           file_name=s.file_name)


@router.get("/{code}/cbam/installations", response_model=list[InstallationOut], dependencies=[READ])
def list_installations(code: str, ctx: AppContext, principal: CurrentPrincipal) -> list[InstallationOut]:
    """The organisation's CBAM installation models, one per code and reporting period."""
    return [installation_out(i) for i in cbam.list_installations(ctx.sessions, principal, code)]


@router.post("/{code}/cbam/installations", response_model=InstallationOut, status_code=status.HTTP_201_CREATED,
             responses={200: {"model": InstallationOut, "description": "The model of this code and period replaced"}}, dependencies=[WRITE])
async def upload_installation(code: str, ctx: AppContext, principal: CurrentPrincipal, response: Response,
                              file: UploadFile, installation: Annotated[str, Form(min_length=1, max_length=64)],
                              facility: Annotated[str, Form(max_length=64)] = "") -> InstallationOut:
    """Store an installation model (YAML or JSON, see examples/cbam/); the same code and period again replaces it
    (200). Any problem in the file rejects it with every field named (422)."""
    data = await file.read()
    stored, created = cbam.save_installation(ctx.sessions, principal, code, installation, data,
                                             file_name=file.filename or "installation.yaml",
                                             facility=facility.strip() or None)
    if not created:
        response.status_code = status.HTTP_200_OK
    return installation_out(stored)


@router.get("/{code}/cbam/installations/{installation}", response_model=InstallationDetailOut, dependencies=[READ])
def get_installation(installation: str, code: str, ctx: AppContext, principal: CurrentPrincipal, period: Period = None
                     ) -> InstallationDetailOut:
    stored = cbam.get_installation(ctx.sessions, principal, code, installation, period)
    return InstallationDetailOut(**asdict(installation_out(stored)),
                                 model=stored.installation.model_dump(mode="json"))


@router.get("/{code}/cbam/installations/{installation}/see", response_model=SeeOut, dependencies=[RESULTS])
def see(installation: str, code: str, ctx: AppContext, principal: CurrentPrincipal, period: Period = None,
        markup_year: MarkupYear = None, defaults: DefaultsName = None,
        defaults_version: DefaultsVersion = None) -> SeeOut:
    """Specific embedded emissions per process and good, direct and indirect apart, with the share from default
    values; the result is kept per period, mark-up year and default-value table."""
    done = cbam.compute(ctx.sessions, principal, code, installation, year=period, markup_year=markup_year,
                        defaults=defaults, defaults_version=defaults_version)
    return SeeOut.model_validate(cbam.see_summary(done.result))


@router.get("/{code}/cbam/installations/{installation}/results", response_model=list[StoredSeeOut],
             dependencies=[RESULTS])
def stored_results(installation: str, code: str, ctx: AppContext, principal: CurrentPrincipal) -> list[StoredSeeOut]:
    """The results kept for every period of the installation (those computed from the models now stored)."""
    return [StoredSeeOut.model_validate(r) for r in cbam.stored_results(ctx.sessions, principal, code, installation)]


@router.get("/{code}/cbam/installations/{installation}/communication", response_model=Communication,
             dependencies=[RESULTS])
def communication(installation: str, code: str, ctx: AppContext, principal: CurrentPrincipal, period: Period = None,
                  markup_year: MarkupYear = None, defaults: DefaultsName = None,
                  defaults_version: DefaultsVersion = None) -> Communication:
    """The operator → importer emissions communication (content of the Commission's template) as JSON."""
    return cbam.communication(ctx.sessions, principal, code, installation, year=period, markup_year=markup_year,
                              defaults=defaults, defaults_version=defaults_version)[1]


@router.get("/{code}/cbam/installations/{installation}/communication.xlsx", response_class=Response,
            responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}}, dependencies=[RESULTS])
def communication_xlsx(installation: str, code: str, ctx: AppContext, principal: CurrentPrincipal, period: Period = None,
                       markup_year: MarkupYear = None, defaults: DefaultsName = None,
                       defaults_version: DefaultsVersion = None, layout: Layout = "carbontrail") -> Response:
    """The same communication as an XLSX workbook: carbontrail's layout (reopens with
    `carbontrail.cbam.communication_from_xlsx`) or, with `layout=commission`, the tabs and field names of the
    Commission's communication template for installations (A_InstData, Summary_Products, Summary_Communication)."""
    done, comm = cbam.communication(ctx.sessions, principal, code, installation, year=period, markup_year=markup_year,
                                    defaults=defaults, defaults_version=defaults_version)
    suffix = "-template" if layout == "commission" else ""
    name = f"{code}-{done.stored.code}-cbam-{done.stored.period_end:%Y}{suffix}.xlsx"
    return Response(communication_workbook(comm, layout), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/{code}/cbam/installations/{installation}/cost", response_model=CostOut, dependencies=[RESULTS])
def cost(installation: str, code: str, ctx: AppContext, principal: CurrentPrincipal,
         process: Annotated[str, Query(min_length=1, max_length=200)],
         mass_t: Annotated[float, Query(gt=0, le=1e12, allow_inf_nan=False, description="Net mass imported, t.")],
         price_eur_per_t: Annotated[float, Query(ge=0, le=1e5, allow_inf_nan=False,
                                                 description="Certificate price, e.g. a quarterly average.")],
         import_year: Annotated[int, Query(ge=2026, le=2100)],
         free_allocation_share: Annotated[float | None, Query(ge=0, le=1, allow_inf_nan=False)] = None,
         benchmark_t_per_t: Annotated[float | None, Query(ge=0, le=100, allow_inf_nan=False,
                                                          description="Benchmark to derive the share from "
                                                                      "(Implementing Reg. (EU) 2025/2620).")] = None,
         cny_per_eur: Annotated[float | None, Query(gt=0, le=1000, allow_inf_nan=False,
                                                    description="Exchange rate, yuan per euro (e.g. 7.8).")] = None,
         eur_per_cny: Annotated[float | None, Query(gt=0, le=100, allow_inf_nan=False,
                                                    description="The same rate the other way round.")] = None,
         period: Period = None, defaults: DefaultsName = None, defaults_version: DefaultsVersion = None) -> CostOut:
    """Certificate cost = obligation emissions × (1 − free-allocation share) × price − carbon price paid abroad."""
    answer = cbam.cost(ctx.sessions, principal, code, installation, process=process, mass_t=mass_t,
                       price_eur_per_t=price_eur_per_t, import_year=import_year,
                       free_allocation=free_allocation_share, benchmark_t_per_t=benchmark_t_per_t,
                       eur_per_cny=eur_per_cny, cny_per_eur=cny_per_eur, year=period, defaults=defaults, defaults_version=defaults_version)
    return cost_out(answer)


@router.get("/{code}/cbam/installations/{installation}/grid", response_model=GridOut, dependencies=[RESULTS])
def grid(installation: str, code: str, ctx: AppContext, principal: CurrentPrincipal,
         process: Annotated[str, Query(min_length=1, max_length=200)],
         grid_year: Annotated[int, Query(ge=2000, le=2100, description="Year of the grid factors (the most recent "
                                                                       "on or before it).")],
         local: Annotated[str, Query(min_length=1, max_length=64)] = "Sichuan",
         reference: Annotated[str, Query(min_length=1, max_length=64)] = "China",
         period: Period = None) -> GridOut:
    """Indirect SEE of a process on the local (Sichuan) grid and on the China-average grid."""
    cmp = cbam.grid(ctx.sessions, principal, code, installation, process=process, grid_year=grid_year, local=local,
                    reference=reference, year=period)
    return grid_out(cmp)


@router.post("/{code}/cbam/importer", response_model=ImporterOut, dependencies=[RESULTS])
def importer(body: ImporterIn, code: str, ctx: AppContext, principal: CurrentPrincipal) -> ImporterOut:
    """An importer's year across suppliers: embedded and obligation emissions, and the 50 t de minimis check
    (Regulation (EU) 2025/2083; hydrogen and electricity are outside the threshold)."""
    lines = [cbam.ImportIn(supplier=line.supplier, cn_code=line.cn_code, country=line.country, mass_t=line.mass_t,
                           see_direct=line.see_direct_t_per_t, see_indirect=line.see_indirect_t_per_t,
                           installation=line.installation, process=line.process, source=line.source)
             for line in body.lines]
    view = cbam.importer(ctx.sessions, principal, code, body.year, lines, defaults=body.defaults,
                         defaults_version=body.defaults_version)
    return importer_out(view)


def importer_out(view: ImporterView) -> ImporterOut:
    return ImporterOut(
        year=view.year, mass_under_threshold_t=magnitude(view.mass_under_threshold, "t"),
        de_minimis_threshold_t=DE_MINIMIS, de_minimis_exempt=view.exempt,
        embedded_t=magnitude(view.embedded, "t"), obligation_t=magnitude(view.obligation, "t"),
        default_share=view.default_share,
        lines=[ImportResultOut(supplier=r.line.supplier, installation=r.line.installation, cn_code=r.line.cn_code,
                               category=r.category, mass_t=magnitude(r.line.mass, "t"), basis=r.basis,
                               see_direct_t_per_t=magnitude(r.see_direct, "t/t"),
                               see_indirect_t_per_t=magnitude(r.see_indirect, "t/t"),
                               embedded_t=magnitude(r.embedded, "t"), obligation_t=magnitude(r.obligation, "t"),
                               source=r.source) for r in view.lines])


@router.get("/{code}/cbam/default-values", response_model=list[cbam.DefaultsInfo], dependencies=[READ])
def list_defaults(code: str, ctx: AppContext, principal: CurrentPrincipal) -> list[cbam.DefaultsInfo]:
    """The default-value tables you may use here: the shipped one and the organisation's own."""
    return cbam.list_defaults(ctx.sessions, principal, code)


@router.post("/{code}/cbam/default-values", response_model=cbam.DefaultsInfo,
             status_code=status.HTTP_201_CREATED, dependencies=[WRITE])
async def upload_defaults(code: str, ctx: AppContext, principal: CurrentPrincipal, file: UploadFile,
                          name: Annotated[str, Form(min_length=1, max_length=200)],
                          version: Annotated[str, Form(min_length=1, max_length=64)],
                          description: Annotated[str, Form(max_length=2000)] = "") -> cbam.DefaultsInfo:
    """Load a version of a default-value table from CSV (columns cn_code, country, see_direct, see_indirect, route,
    source, confidence; values before mark-up, each with its source). A stored version never changes (409)."""
    data = await file.read()
    return cbam.add_defaults(ctx.sessions, principal, code, name, version, data,
                             file_name=file.filename or "defaults.csv", description=description)


@router.get("/{code}/cbam/default-values/{defaults}", response_model=DefaultsTableOut, dependencies=[READ])
def default_values(defaults: str, code: str, ctx: AppContext, principal: CurrentPrincipal, version: DefaultsVersion = None
                   ) -> DefaultsTableOut:
    """Every value of a default-value table (the newest version unless `version` is given), with its source."""
    table = cbam.defaults_table(ctx.sessions, principal, code, defaults, version)
    return DefaultsTableOut(name=table.name, version=table.version, values=[
        DefaultValueOut(cn_code=v.cn_code, country=v.country, see_direct_t_per_t=magnitude(v.see_direct, "t/t"),
                        see_indirect_t_per_t=magnitude(v.see_indirect, "t/t") if v.see_indirect is not None else None,
                        route=v.route, source=v.source, confidence=v.confidence) for v in table.values()])
