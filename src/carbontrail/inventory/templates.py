"""The import templates as code: columns, types, allowed values, bilingual help and an example row per template.

`carbontrail template` writes files from these objects and the importer reads against them, so the two cannot drift.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

from carbontrail.errors import InputError, Location
from carbontrail.spreadsheets import append_row

ColumnType = Literal["text", "number", "date", "bool", "unit", "choice"]

KINDS: tuple[str, ...] = ("fuel_combustion", "electricity", "heat", "steam", "process", "production", "value_added",
                          "purchased_goods", "upstream_transport")
INSTRUMENTS: tuple[str, ...] = ("GEC", "I-REC", "green_power_trade", "PPA", "direct_line")
FUEL_CATEGORIES: tuple[str, ...] = ("stationary", "mobile")
# Excel forbids "/" in sheet names; the full-width solidus reads the same.
HELP_SHEET = "说明／help"


@dataclass(frozen=True)
class Column:
    """One column of a template: its type, whether it must be filled, the values it allows, and help in two languages."""

    name: str
    type: ColumnType
    required: bool
    help_en: str
    help_zh: str
    example: str
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Template:
    """A file layout carbontrail imports: one row per thing, columns in this order."""

    name: str
    title_en: str
    title_zh: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def example_row(self) -> list[str]:
        return [c.example for c in self.columns]


def _c(name: str, type_: ColumnType, required: bool, en: str, zh: str, example: str,
       allowed: tuple[str, ...] = ()) -> Column:
    return Column(name, type_, required, en, zh, example, allowed)


_CITY_PARK = (  # after the province, in the organisations' and the facilities' files alike
    _c("city", "text", False, "City.", "城市。", "遂宁市"),
    _c("park", "text", False, "Industrial park, if any.", "所在园区（如有）。", "射洪经济开发区"),
)

ORGANISATIONS = Template("organisations", "Organisations (enterprises)", "组织（企业）", (
    _c("code", "text", True, "Short unique code of the enterprise, used by the other files.",
       "企业简码，唯一，其他文件用它引用本企业。", "SH-LITHIUM"),
    _c("name", "text", True, "Registered name.", "企业名称。", "射洪碳酸锂示意工厂"),
    _c("name_en", "text", False, "Name in English.", "英文名称。", "Illustrative lithium-carbonate plant"),
    _c("industry", "text", False, "Industry, e.g. the GB/T 4754-2017 class.", "所属行业，如 GB/T 4754-2017 行业分类。",
       "C2613 无机盐制造"),
    _c("province", "text", False, "Province of the registered seat.", "注册地所在省份。", "四川省"),
    *_CITY_PARK,
))

FACILITIES = Template("facilities", "Facilities (sites)", "生产场所（厂区）", (
    _c("organisation", "text", True, "Code of the organisation that owns the site.", "所属企业简码。", "SH-LITHIUM"),
    _c("code", "text", True, "Code of the site, unique within the organisation.", "厂区代码，企业内唯一。", "SHLI-01"),
    _c("name", "text", True, "Name of the site.", "厂区名称。", "碳酸锂生产线"),
    _c("province", "text", True, "Province where the site is; the grid emission factor follows it.",
       "厂区所在省份；电网排放因子据此选取。", "四川省"),
    *_CITY_PARK,
))

METERS = Template("meters", "Meters", "计量表", (
    _c("organisation", "text", True, "Code of the organisation.", "企业简码。", "SH-LITHIUM"),
    _c("facility", "text", True, "Code of the site the meter is at.", "计量表所在厂区代码。", "SHLI-01"),
    _c("code", "text", True, "Code of the meter, unique within the site.", "表计编号，厂区内唯一。", "E-MAIN"),
    _c("medium", "text", True, "What it measures: electricity, natural_gas, steam, heat, water …",
       "计量介质：electricity（电）、natural_gas（天然气）、steam（蒸汽）、heat（热力）等。", "electricity"),
    _c("unit", "unit", True, "Unit the meter reads in (kWh, MWh, Nm3, GJ, t …); activity rows naming the meter "
       "must use a compatible unit.", "表计读数单位（kWh、MWh、Nm3、GJ、t 等）；引用该表的活动数据须用可换算的单位。",
       "MWh"),
    _c("supplier", "text", False, "Who supplies what the meter measures.", "供应方。", "国网四川省电力公司"),
))

PERIODS = Template("periods", "Reporting periods", "报告期", (
    _c("organisation", "text", True, "Code of the organisation.", "企业简码。", "SH-LITHIUM"),
    _c("name", "text", True, "Name of the period, unique within the organisation (e.g. 2023).",
       "报告期名称，企业内唯一（如 2023）。", "2023"),
    _c("start", "date", True, "First day, YYYY-MM-DD.", "起始日期，格式 YYYY-MM-DD。", "2023-01-01"),
    _c("end", "date", True, "Last day (inclusive), YYYY-MM-DD, not before start.",
       "结束日期（含当日），格式 YYYY-MM-DD，不早于起始日期。", "2023-12-31"),
    _c("is_base_year", "bool", False, "true if targets are measured against this period (default false).",
       "是否为基准年（true/false，默认 false）。", "false"),
))

ACTIVITY = Template("activity", "Activity data", "活动数据", (
    _c("organisation", "text", True, "Code of the organisation.", "企业简码。", "SH-LITHIUM"),
    _c("facility", "text", True, "Code of the site.", "厂区代码。", "SHLI-01"),
    _c("period_start", "date", True, "First day the quantity covers, YYYY-MM-DD.", "数据所覆盖的起始日期，YYYY-MM-DD。",
       "2023-01-01"),
    _c("period_end", "date", True, "Last day (inclusive), YYYY-MM-DD, not before period_start.",
       "结束日期（含当日），不早于 period_start。", "2023-01-31"),
    _c("kind", "choice", True,
       "fuel_combustion (item = fuel, unit mass/volume/energy); electricity (unit energy); heat (energy); "
       "steam (mass or energy); process (gas required, quantity = mass of that gas); production (item = product, "
       "any unit); value_added (unit yuan, 10^4 yuan or 万元); purchased_goods (scope 3 category 1: item = product "
       "key, quantity as mass/volume/pieces or spend in CNY/USD of the year of period_start, category = secondary "
       "factor); upstream_transport "
       "(scope 3 category 4: quantity in t-km, category = transport mode).",
       "fuel_combustion 化石燃料燃烧（item 为燃料名，单位为质量/体积/能量）；electricity 外购电力（能量单位）；"
       "heat 外购热力（能量）；steam 外购蒸汽（质量或能量）；process 工业过程排放（须填 gas，数量为该气体质量）；"
       "production 产品产量（任意单位）；value_added 工业增加值（元、万元）；purchased_goods 外购商品和服务"
       "（范围三类别1：item 为产品键，数量为质量/体积/件数或 period_start 所在年份的采购金额 CNY/USD，"
       "category 为次级因子）；"
       "upstream_transport 上游运输（范围三类别4：数量为吨公里，category 为运输方式）。",
       "electricity", KINDS),
    _c("item", "text", True, "What: the fuel (natural_gas, 天然气, diesel …), the product, or a description.",
       "对象：燃料名称（如 natural_gas、天然气、柴油）、产品名称或说明。", "grid electricity"),
    _c("quantity", "number", True, "How much, a number (thousands separators allowed).",
       "数量（数字，可含千位分隔符）。", "1443.6"),
    _c("unit", "unit", True, "Unit of the quantity: t, kg, Nm3, GJ, kWh, MWh, tce, 10^4 yuan …",
       "数量单位：t、kg、Nm3、GJ、kWh、MWh、tce、万元等。", "MWh"),
    _c("category", "text", False, "For fuel_combustion: stationary (default) or mobile. For purchased_goods: the "
       "secondary factor used when no supplier footprint matches, spend:useeio:<BEA code> (spend) or material:<key> "
       "(mass). For upstream_transport: the mode, e.g. road_articulated_over_33t, road_hgv_average, rail, "
       "inland_waterway, sea_bulk_carrier_large, air_long_haul. For value_added: constant_prices (2020 prices, the "
       "default when empty) or current_prices (monitoring deflates it with the jurisdiction's price index). Free "
       "text for other kinds.",
       "燃料燃烧：stationary（固定源，默认）或 mobile（移动源）。外购商品：无供应商足迹时使用的次级因子，"
       "spend:useeio:<BEA代码>（按金额）或 material:<键>（按质量）。上游运输：运输方式，如 road_articulated_over_33t、"
       "road_hgv_average、rail、inland_waterway、sea_bulk_carrier_large、air_long_haul。工业增加值：constant_prices"
       "（2020 年不变价，留空即此）或 current_prices（现价，监测时按所在辖区的价格指数折算）。其他类型可自由填写。", ""),
    _c("gas", "text", False, "For process rows: the gas reported (CO2, CH4, N2O, SF6, CF4, C2F6 …).",
       "工业过程排放行：所报告的温室气体（CO2、CH4、N2O、SF6、CF4、C2F6 等）。", ""),
    _c("meter", "text", False, "Code of the meter at this site the quantity was read from.",
       "数据来源表计编号（须为本厂区的表计）。", "E-MAIN"),
    _c("supplier", "text", False, "Supplier of the fuel, electricity, heat, steam, purchased goods or transport; on "
       "purchased_goods rows a supplier footprint is used only if it comes from this supplier.",
       "燃料、电力、热力、蒸汽、外购商品或运输的供应方；外购商品行仅采用该供应方的产品足迹。",
       "国网四川省电力公司"),
    _c("instrument", "choice", False,
       "Electricity only: contractual instrument for the market-based scope 2 (GEC, I-REC, green_power_trade, PPA, "
       "direct_line); empty for plain grid electricity.",
       "仅电力：市场法范围二的合同工具（GEC 绿证、I-REC、green_power_trade 绿电交易、PPA、direct_line 直供）；"
       "普通电网购电留空。", "", INSTRUMENTS),
    _c("instrument_ref", "text", False, "Reference of the certificate or contract.", "证书或合同编号。", ""),
    _c("contract_factor", "number", False,
       "Electricity only: emission factor of the contract, kg CO2e per kWh (market-based); empty if none.",
       "仅电力：合同约定排放因子，kg CO2e/kWh（市场法），无则留空。", ""),
    _c("source", "text", False, "Where the number comes from (bill, meter log, report …).",
       "数据来源（账单、表计记录、报表等）。", "electricity bill 2023-01"),
))

TEMPLATES: dict[str, Template] = {t.name: t for t in (ORGANISATIONS, FACILITIES, METERS, PERIODS, ACTIVITY)}
# The order in which files of several templates must be imported so that every reference exists.
IMPORT_ORDER: tuple[str, ...] = ("organisations", "facilities", "meters", "periods", "activity")


def get_template(name: str) -> Template:
    """The template called `name`, or an `InputError` listing the names there are."""
    try:
        return TEMPLATES[name.strip().lower()]
    except KeyError:
        raise InputError(f"there is no template '{name}'", location=Location(field="template"),
                         expected=", ".join(TEMPLATES)) from None


def normalise_header(header: Sequence[object]) -> list[str]:
    """Header cells as column names: text, trimmed, lower case, a UTF-8 BOM removed."""
    return [str(h if h is not None else "").replace("\ufeff", "").strip().lower() for h in header]


def detect_template(header: Sequence[object], file: str | None = None) -> Template:
    """The one template whose columns the header names: every required column present, no unknown column."""
    names = set(normalise_header(header)) - {""}
    for template in TEMPLATES.values():
        if names <= set(template.column_names) and set(template.required) <= names:
            return template
    best = max(TEMPLATES.values(), key=lambda t: len(names & set(t.column_names)))
    missing = [c for c in best.required if c not in names]
    unknown = sorted(names - set(best.column_names))
    detail = "; ".join(part for part in (
        f"missing {', '.join(missing)}" if missing else "",
        f"unknown column(s) {', '.join(unknown)}" if unknown else "") if part)
    raise InputError(f"the header matches no template (closest: {best.name}: {detail})",
                     location=Location(file=file, row=1),
                     expected="the columns written by `carbontrail template NAME`")


def check_header(template: Template, header: Sequence[object], file: str | None = None) -> list[str]:
    """The header's column names after checking them against `template` (required present, none unknown)."""
    names = normalise_header(header)
    unknown = [n for n in names if n and n not in template.column_names]
    if unknown:
        raise InputError(f"unknown column(s) {', '.join(unknown)} for template '{template.name}'",
                         location=Location(file=file, row=1), expected=", ".join(template.column_names))
    missing = [c for c in template.required if c not in names]
    if missing:
        raise InputError(f"required column(s) {', '.join(missing)} missing for template '{template.name}'",
                         location=Location(file=file, row=1), expected=", ".join(template.column_names))
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise InputError(f"column(s) {', '.join(repeated)} appear more than once", location=Location(file=file, row=1))
    return names


def write_csv(template: Template, out: TextIO, *, example: bool = False) -> None:
    """The template as CSV: the header, and the example row if asked. Open `out` with encoding 'utf-8-sig'
    (a BOM, so Excel shows Chinese correctly) and newline=''."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(template.column_names)
    if example:
        writer.writerow(template.example_row())


def write_xlsx(template: Template, path: Path, *, example: bool = False) -> None:
    """The template as XLSX: a data sheet (header, drop-down lists for choice columns) and a help sheet."""
    # openpyxl loads when a template is written, not at start-up
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    data = wb.active
    data.title = template.name
    data.append(list(template.column_names))
    for cell in data[1]:
        cell.font = Font(bold=True)
    if example:
        append_row(data, template.example_row())
    data.freeze_panes = "A2"
    for index, col in enumerate(template.columns, start=1):
        letter = data.cell(row=1, column=index).column_letter
        data.column_dimensions[letter].width = max(12, len(col.name) + 4)
        if col.allowed:
            rule = DataValidation(type="list", formula1='"' + ",".join(col.allowed) + '"',
                                  allow_blank=not col.required, showErrorMessage=True,
                                  errorTitle=col.name, error="; ".join(col.allowed))
            data.add_data_validation(rule)
            rule.add(f"{letter}2:{letter}1048576")

    help_sheet = wb.create_sheet(HELP_SHEET)
    help_sheet.append([f"{template.title_zh} / {template.title_en}"])
    help_sheet["A1"].font = Font(bold=True)
    help_sheet.append(["column / 列", "required / 必填", "type / 类型", "allowed / 可选值", "help", "说明", "example / 示例"])
    for cell in help_sheet[2]:
        cell.font = Font(bold=True)
    for col in template.columns:
        append_row(help_sheet, [col.name, "yes / 是" if col.required else "no / 否", col.type, ", ".join(col.allowed),
                           col.help_en, col.help_zh, col.example])
    for letter, width in zip("ABCDEFG", (18, 14, 10, 30, 70, 60, 24), strict=True):
        help_sheet.column_dimensions[letter].width = width
    wb.save(path)
