"""The operator → importer emissions communication, with the content of the Commission's communication template for
installations (installation data, goods by CN code, SEE direct/indirect, methods, precursors, carbon price paid),
as JSON and XLSX that both reopen to the same numbers."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Literal

from openpyxl import Workbook, load_workbook
from pydantic import BaseModel, ConfigDict, ValidationError

from carbontrail.cbam.defaults import cn_code
from carbontrail.cbam.emissions import InstallationResult
from carbontrail.cbam.model import Installation
from carbontrail.cbam.obligation import counts_indirect
from carbontrail.errors import InputError, Location
from carbontrail.spreadsheets import append_row, check_xlsx
from carbontrail.units import magnitude

FORMAT = "carbontrail-cbam-communication"
FORMAT_VERSION = "1"
TEMPLATE = "content of the EU CBAM communication template for installations (V2 2024-12-13)"


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InstallationData(_Row):
    """Who made the goods, where, and for which period."""

    name: str
    operator: str
    country: str
    region: str
    city: str
    address: str
    unlocode: str
    latitude: float | None
    longitude: float | None
    contact: str
    period_start: date
    period_end: date
    gwp_assessment: str
    markup_year: int
    default_values: str


class GoodRow(_Row):
    """Specific embedded emissions of the goods of one CN code (t CO2e per t of good)."""

    cn_code: str
    description: str
    category: str
    process_id: str
    route: str
    activity_level_t: float
    see_direct_t_per_t: float
    see_indirect_t_per_t: float
    see_total_t_per_t: float
    indirect_counts: bool
    default_share: float
    data_basis: Literal["actual", "mixed", "default"]


class MethodRow(_Row):
    """How one part of a process's emissions was determined (source stream, measurement, PFCs, heat, electricity)."""

    process_id: str
    kind: Literal["direct", "electricity"]
    description: str


class PrecursorRow(_Row):
    """A precursor consumed by a process and the SEE used for it."""

    process_id: str
    precursor: str
    category: str
    origin: str
    mass_t: float
    see_direct_t_per_t: float
    see_indirect_t_per_t: float
    markup: float | None
    source: str


class CarbonPriceRow(_Row):
    """A carbon price due in the country of origin for a process's emissions."""

    process_id: str
    instrument: str
    price: float
    price_unit: str
    emissions_covered_t: float
    source: str


class Communication(BaseModel):
    """The whole communication; `format` and `format_version` let a reader recognise it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["carbontrail-cbam-communication"] = FORMAT
    format_version: str = FORMAT_VERSION
    template: str = TEMPLATE
    installation: InstallationData
    goods: list[GoodRow]
    methods: list[MethodRow]
    precursors: list[PrecursorRow]
    carbon_prices: list[CarbonPriceRow]


def _r(value: float) -> float:
    """12 significant digits: beyond any measurement's precision, and what survives XLSX (Excel keeps 15) intact."""
    return float(f"{value:.12g}")


def build_communication(installation: Installation, result: InstallationResult) -> Communication:
    """The communication of an installation's computed SEE (numbers to 12 significant digits)."""
    inst = InstallationData(
        name=installation.name, operator=installation.operator, country=installation.country,
        region=installation.region, city=installation.city, address=installation.address,
        unlocode=installation.unlocode, latitude=installation.latitude, longitude=installation.longitude,
        contact=installation.contact, period_start=installation.reporting_period.start,
        period_end=installation.reporting_period.end, gwp_assessment=result.gwp_assessment,
        markup_year=result.markup_year, default_values=result.defaults)
    goods: list[GoodRow] = []
    methods: list[MethodRow] = []
    precursors: list[PrecursorRow] = []
    for p in result.processes:
        basis: Literal["actual", "mixed", "default"] = (
            "actual" if p.default_share == 0 else "default" if p.default_share >= 1 else "mixed")
        d, i = _r(magnitude(p.see_direct, "t/t")), _r(magnitude(p.see_indirect, "t/t"))
        for code in p.cn_codes:
            goods.append(GoodRow(
                cn_code=code, description=cn_code(code).description, category=p.category, process_id=p.process_id,
                route=p.route, activity_level_t=_r(magnitude(p.activity_level, "t")), see_direct_t_per_t=d,
                see_indirect_t_per_t=i, see_total_t_per_t=_r(d + i), indirect_counts=counts_indirect(p.sector),
                default_share=_r(p.default_share), data_basis=basis))
        methods += [MethodRow(process_id=p.process_id, kind="direct", description=m) for m in p.methods]
        methods += [MethodRow(process_id=p.process_id, kind="electricity", description=e) for e in p.electricity]
        for c in p.precursors:
            precursors.append(PrecursorRow(
                process_id=p.process_id, precursor=c.name, category=c.category, origin=c.origin,
                mass_t=_r(magnitude(c.mass, "t")), see_direct_t_per_t=_r(magnitude(c.see_direct, "t/t")),
                see_indirect_t_per_t=_r(magnitude(c.see_indirect, "t/t")), markup=c.markup, source=c.source))
    prices = [CarbonPriceRow(process_id=cp.process, instrument=cp.instrument, price=cp.price.value,
                             price_unit=cp.price.unit, emissions_covered_t=_r(magnitude(cp.emissions_covered.q, "t")),
                             source=cp.provenance())
              for cp in installation.carbon_prices]
    return Communication(installation=inst, goods=goods, methods=methods, precursors=precursors,
                         carbon_prices=prices)


# -- JSON -------------------------------------------------------------------------------------------------


def communication_to_json(comm: Communication) -> str:
    """The communication as JSON text (UTF-8, Chinese kept readable)."""
    return json.dumps(comm.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


def communication_from_json(text: str, *, file: str = "communication.json") -> Communication:
    """A communication from JSON text; problems name the field."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON ({exc.msg} at line {exc.lineno})", location=Location(file=file)) from None
    try:
        return Communication.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(str(err["msg"]), location=Location(file=file, field=".".join(map(str, err["loc"]))),
                         expected="a carbontrail CBAM communication") from None


# -- XLSX -------------------------------------------------------------------------------------------------

_SHEETS: list[tuple[str, str, type[_Row]]] = [
    ("Goods", "goods", GoodRow),
    ("Methods", "methods", MethodRow),
    ("Precursors", "precursors", PrecursorRow),
    ("Carbon price", "carbon_prices", CarbonPriceRow),
]


def communication_to_xlsx(comm: Communication) -> bytes:
    """The communication as an XLSX workbook: an 'Installation' sheet of field/value pairs, then one table per part."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Installation"
    ws.append(["field", "value"])
    append_row(ws, ["format", comm.format])
    append_row(ws, ["format_version", comm.format_version])
    append_row(ws, ["template", comm.template])
    for key, value in comm.installation.model_dump(mode="json").items():
        append_row(ws, [key, _cell(value)])
    for title, attr, row_type in _SHEETS:
        sheet = wb.create_sheet(title)
        columns = list(row_type.model_fields)
        sheet.append(columns)
        for row in getattr(comm, attr):
            append_row(sheet, [_cell(v) for v in row.model_dump(mode="json").values()])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _cell(value: object) -> object:
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def communication_from_xlsx(data: bytes, *, file: str = "communication.xlsx") -> Communication:
    """A communication from a workbook written by `communication_to_xlsx` (and perhaps edited by hand)."""
    check_xlsx(data, file)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InputError(f"not an XLSX workbook ({type(exc).__name__})", location=Location(file=file)) from None
    names = set(wb.sheetnames)
    missing = [s for s in ["Installation", *(t for t, _, _ in _SHEETS)] if s not in names]
    if missing:
        raise InputError(f"sheet(s) {', '.join(missing)} missing", location=Location(file=file),
                         expected="a workbook written by carbontrail cbam communication")
    pairs = {str(r[0]): r[1] for r in wb["Installation"].iter_rows(min_row=2, values_only=True) if r and r[0]}
    header = {k: pairs.pop(k) for k in ("format", "format_version", "template") if k in pairs}
    installation = {k: _text(k, v) for k, v in pairs.items()}
    tables: dict[str, list[dict[str, object]]] = {}
    for title, attr, _ in _SHEETS:
        rows = list(wb[title].iter_rows(values_only=True))
        columns = [str(c) for c in rows[0]] if rows else []
        tables[attr] = [{c: _text(c, v) for c, v in zip(columns, r, strict=False)}
                        for r in rows[1:] if any(v is not None for v in r)]
    payload: dict[str, object] = {**header, "installation": installation, **tables}
    try:
        return Communication.model_validate(payload)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err["loc"]
        sheet = {attr: title for title, attr, _ in _SHEETS}.get(str(loc[0]), "Installation")
        row = int(loc[1]) + 2 if len(loc) > 1 and isinstance(loc[1], int) else None
        raise InputError(str(err["msg"]), location=Location(file=f"{file} [{sheet}]", row=row,
                                                            field=str(loc[-1]))) from None


_TEXT = {"cn_code", "process_id", "unlocode", "contact", "route", "region", "city", "address", "description",
         "source", "price_unit", "instrument", "precursor", "name", "operator"}


def _text(column: str, value: object) -> object:
    """Text columns back to text: Excel turns a CN code typed by hand into a number, an empty cell into None."""
    if column not in _TEXT:
        return value
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)
