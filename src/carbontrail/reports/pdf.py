"""The inventory as a PDF report in Chinese or English: title page, boundary, method, results, charts, factors."""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from carbontrail import __version__
from carbontrail.errors import ConfigurationError, InputError, Location
from carbontrail.inventory.ghg import InventoryResult
from carbontrail.inventory.organisations import Site
from carbontrail.inventory.records import claim_runs

# TrueType-outline CJK fonts reportlab can embed (Noto CJK ships CFF outlines, which reportlab cannot).
CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
FONT = "CarbontrailCJK"
PALETTE = [colors.HexColor(c) for c in ("#15803d", "#2563eb", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#65a30d")]

#: the labels both reports print
COMMON_TEXT: dict[str, dict[str, str]] = {
    "generated": {"zh_CN": "生成日期", "en": "Generated"},
    "item": {"zh_CN": "项目", "en": "Item"},
    "value": {"zh_CN": "数值", "en": "Value"},
    "source": {"zh_CN": "来源", "en": "Source"},
    "none": {"zh_CN": "（无）", "en": "(none)"},
}

TEXT: dict[str, dict[str, str]] = {
    **COMMON_TEXT,
    "title": {"zh_CN": "温室气体排放清单报告", "en": "Greenhouse gas inventory report"},
    "period": {"zh_CN": "报告期", "en": "Reporting period"},
    "boundary": {"zh_CN": "1 组织边界", "en": "1 Organisational boundary"},
    "boundary_text": {
        "zh_CN": "本报告采用运营控制法，涵盖下列设施的范围一（直接排放）和范围二（外购电力、热力、蒸汽的间接排放）。",
        "en": "Operational control approach; the report covers scope 1 (direct) and scope 2 (purchased electricity, "
              "heat and steam) emissions of the facilities below."},
    "method": {"zh_CN": "2 核算方法", "en": "2 Method"},
    "method_items": {
        "zh_CN": "化石燃料燃烧：活动量 × 低位发热量 × IPCC 2006 缺省排放因子，按 {gwp} 全球增温潜势折算为二氧化碳当量。|"
                 "工业过程排放：企业报告的气体质量 × 全球增温潜势。|"
                 "外购电力（基于位置）：设施所在省份及年份的电网排放因子；（基于市场）：合同工具自身因子，无工具时采用剩余组合代理值。|"
                 "综合能耗按 GB/T 2589-2020 折算为吨标准煤；强度以万元工业增加值计。",
        "en": "Fuel combustion: quantity × net calorific value × IPCC 2006 default factors, CO2e by {gwp} GWP100.|"
              "Process emissions: the reported mass of each gas × its GWP100.|"
              "Purchased electricity, location-based: the grid factor of the facility's province and year; "
              "market-based: the instrument's own factor, else the residual-mix proxy.|"
              "Energy use in tonnes of coal equivalent per GB/T 2589-2020; intensities per 10⁴ yuan of value added."},
    "results": {"zh_CN": "3 核算结果", "en": "3 Results"},
    "boundary_scope3": {"zh_CN": "另报告范围三类别1（外购商品和服务）和类别4（上游运输和配送），不计入强度指标。",
                        "en": " Scope 3 categories 1 (purchased goods and services) and 4 (upstream transportation "
                              "and distribution) are reported besides, outside the intensity indicators."},
    "activity_h": {"zh_CN": "6 各排放源活动数据", "en": "6 Activity data by source"},
    "facility": {"zh_CN": "设施", "en": "Facility"},
    "scope_col": {"zh_CN": "范围", "en": "Scope"},
    "amount": {"zh_CN": "活动量", "en": "Activity data"},
    "base_h": {"zh_CN": "7 基准年与重新计算", "en": "7 Base year and recalculation"},
    "base_is_this": {"zh_CN": "本报告期（{period}）为组织最早的报告期，即基准年。",
                     "en": "This reporting period ({period}) is the organisation's earliest: it is the base year."},
    "base_text": {"zh_CN": "基准年为组织最早的报告期 {period}；下表比较本期与基准年。",
                  "en": "The base year is the organisation's earliest reporting period, {period}; the table compares "
                        "this period with it."},
    "base_col": {"zh_CN": "基准年", "en": "Base year"},
    "this_col": {"zh_CN": "本期", "en": "This period"},
    "change": {"zh_CN": "变化", "en": "Change"},
    "recalculation": {
        "zh_CN": "重新计算原则（ISO 14064-1:2018 第6.4.2条）：结构变化（并购、剥离、外包）、核算方法或排放因子的改变、或发现"
                 "错误，使基准年排放变化达5%及以上时，重新计算基准年清单并说明原因；5%为本平台的默认阈值，组织可另行规定。",
        "en": "Recalculation policy (ISO 14064-1:2018, 6.4.2): the base-year inventory is recalculated, with the "
              "reason stated, when structural changes (acquisitions, divestments, outsourcing), changes of method or "
              "emission factors, or errors found change base-year emissions by 5 % or more; 5 % is this platform's "
              "default threshold, which the organisation may set otherwise."},
    "exclusions_h": {"zh_CN": "8 排除项及理由", "en": "8 Exclusions and their justification"},
    "exclusions": {
        "zh_CN": "范围三类别2、3、5至15未量化：本清单的报告边界仅含范围一、范围二及范围三类别1和4，其余类别的活动数据未采集。"
                 "无活动记录的排放源不在本报告中出现。",
        "en": "Scope 3 categories 2, 3 and 5 to 15 are not quantified: this inventory's reporting boundary holds "
              "scopes 1 and 2 and scope 3 categories 1 and 4, and no activity data of the other categories were "
              "collected. Sources without activity records do not appear in this report."},
    "uncertainty_h": {"zh_CN": "9 不确定性", "en": "9 Uncertainty"},
    "uncertainty": {
        "zh_CN": "未对本清单作定量不确定性评估。活动数据按所记录的数值采用（来源见第6节及导入文件）；排放因子为第5节所列的缺省值或"
                 "次级数据，其代表性见各因子来源；补位（外推）的因子在第5节标明。",
        "en": "No quantitative uncertainty assessment was made for this inventory. Activity data are taken as "
              "recorded (sources in section 6 and the imported files); emission factors are the defaults or secondary "
              "data listed in section 5, whose representativeness their sources state; factors taken by fallback "
              "are marked there."},
    "verification_h": {"zh_CN": "10 核查", "en": "10 Verification"},
    "not_verified": {"zh_CN": "本报告期的清单未经第三方核查。", "en": "This period's inventory has not been verified by "
                                                           "a third party."},
    "verified": {"zh_CN": "本报告期的清单经 {body} 核查，保证等级：{assurance}，核查声明签发于 {date}（可验证凭证 {credential}，"
                          "可用 carbontrail verify 离线验证）。",
                 "en": "This period's inventory was verified by {body} with {assurance} assurance; the statement was "
                       "issued on {date} (verifiable credential {credential}, checkable offline with carbontrail "
                       "verify)."},
    "withdrawn": {"zh_CN": "该核查声明已撤回：{reason}。", "en": "The statement has been withdrawn: {reason}."},
    "assurance_limited": {"zh_CN": "有限保证", "en": "limited"},
    "assurance_reasonable": {"zh_CN": "合理保证", "en": "reasonable"},
    "claims": {"zh_CN": "计入基于市场的范围二的绿电核销（{matching}匹配 {mwh} MWh），每笔核销均为透明日志条目：",
               "en": "Green-electricity claims in the market-based scope 2 ({matching} matching, {mwh} MWh), each an "
                     "entry of the transparency log:"},
    "instrument": {"zh_CN": "凭证", "en": "Instrument"},
    "count": {"zh_CN": "数量", "en": "Count"},
    "log_entries": {"zh_CN": "日志条目", "en": "Log entries"},
    "references": {"zh_CN": "编号", "en": "References"},
    "matching_hourly": {"zh_CN": "逐时", "en": "hourly"},
    "matching_monthly": {"zh_CN": "逐月", "en": "monthly"},
    "matching_annual": {"zh_CN": "全年", "en": "annual"},
    "charts": {"zh_CN": "4 图表", "en": "4 Charts"},
    "factors": {"zh_CN": "5 排放因子及来源", "en": "5 Emission factors and sources"},
    "scope1": {"zh_CN": "范围一", "en": "Scope 1"},
    "scope2_location": {"zh_CN": "范围二（基于位置）", "en": "Scope 2 (location-based)"},
    "scope2_market": {"zh_CN": "范围二（基于市场）", "en": "Scope 2 (market-based)"},
    "energy": {"zh_CN": "综合能耗", "en": "Energy use"},
    "energy_intensity": {"zh_CN": "能耗强度（吨标准煤/万元）", "en": "Energy intensity (tce per 10⁴ yuan)"},
    "co2_intensity": {"zh_CN": "碳排放强度（吨CO2e/万元）", "en": "CO2 intensity (t CO2e per 10⁴ yuan)"},
    "by_gas": {"zh_CN": "范围一按气体（吨CO2e）", "en": "Scope 1 by gas (t CO2e)"},
    "split": {"zh_CN": "排放构成（吨CO2e）", "en": "Scope split (t CO2e)"},
    "monthly": {"zh_CN": "月度排放（吨CO2e，基于位置）", "en": "Monthly emissions (t CO2e, location-based)"},
    "mix": {"zh_CN": "能源结构（吨标准煤）", "en": "Energy mix (tce)"},
    "scope3": {"zh_CN": "范围三（类别1外购商品和服务、类别4上游运输）", "en": "Scope 3 (category 1 purchased goods and "
               "services, category 4 upstream transport)"},
    "scope3_cat": {"zh_CN": "范围三类别{n}", "en": "Scope 3 category {n}"},
    "scope3_primary": {"zh_CN": "范围三中初级数据占比", "en": "Primary data share of scope 3"},
    "scope3_method": {
        "zh_CN": "范围三类别1：采购量 × 供应商提供的产品足迹（初级数据）；无足迹时用质量法因子或按金额的 USEEIO 因子（次级数据，"
                 "美国经济，按当年汇率和美国 CPI-U 折算为 2013 年美元）。类别4：吨公里 × 运输方式因子。范围三不计入强度指标。",
        "en": "Scope 3 category 1: purchased quantity × the supplier's own product footprint (primary data); otherwise a "
              "mass-based factor or a USEEIO spend-based factor (secondary, US economy, spend carried to 2013 USD by the "
              "year's exchange rate and the US CPI-U). Category 4: tonne-km × the mode's factor. Scope 3 is not part "
              "of the intensity indicators."},
    "unit": {"zh_CN": "单位", "en": "Unit"},
    "code": {"zh_CN": "代码", "en": "Code"},
    "name": {"zh_CN": "名称", "en": "Name"},
    "place": {"zh_CN": "所在地", "en": "Location"},
    "tce": {"zh_CN": "吨标准煤", "en": "tce"},
    "activity": {"zh_CN": "活动", "en": "Activity"},
    "gas": {"zh_CN": "气体", "en": "Gas"},
    "geography": {"zh_CN": "地区/年份", "en": "Geography / year"},
    "dataset": {"zh_CN": "数据集", "en": "Dataset"},
    "electricity": {"zh_CN": "电力", "en": "electricity"},
    "heat": {"zh_CN": "热力", "en": "heat"},
    "steam": {"zh_CN": "蒸汽", "en": "steam"},
}
LOCALES = ("zh_CN", "en")


def cjk_font_path() -> Path:
    """The CJK font to embed: CARBONTRAIL_CJK_FONT, else the first Debian font found."""
    wanted = os.environ.get("CARBONTRAIL_CJK_FONT")
    for candidate in ((wanted,) if wanted else CJK_FONTS):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise ConfigurationError("no Chinese font is installed for PDF reports; install Debian's fonts-wqy-zenhei "
                             "or set CARBONTRAIL_CJK_FONT to a TrueType (.ttf/.ttc) font")


@cache
def _register_font(path: str) -> str:
    pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
    return FONT


@dataclass(frozen=True)
class Verified:
    """The verification statement of the reported period, which the report names (ISO 14064-1:2018 clause 9.3)."""

    credential_id: str
    body: str
    assurance: str
    issued: date
    withdrawn: str = ""


def inventory_pdf(result: InventoryResult, *, organisation_name: str, facilities: Sequence[Site] = (),
                  locale: str = "zh_CN", generated: date | None = None, base: InventoryResult | None = None,
                  base_period: str | None = None, verified: Verified | None = None) -> bytes:
    """The report as PDF bytes; every text (Chinese included) in an embedded CJK font. With the base year's
    inventory and the statement that verified the period, the sections ISO 14064-1:2018 clause 9 asks for."""
    if locale not in LOCALES:
        raise InputError(f"'{locale}' is not a report language", location=Location(field="lang"),
                         expected=" or ".join(LOCALES))
    font = _register_font(str(cjk_font_path()))
    return _Report(result, organisation_name, list(facilities), locale, generated or date.today(), font,
                   base=base, base_period=base_period, verified=verified).build()


def activity_by_source(r: InventoryResult) -> dict[tuple[str, int, str, str], tuple[float, float]]:
    """Activity data by source (facility, scope, item, unit): the amount of each record counted once (its gases
    share it; scope 2 counts its location-based lines) and the CO2e of its lines; scope 3 after."""
    seen: set[tuple[object, ...]] = set()
    out: dict[tuple[str, int, str, str], list[float]] = {}
    for line in r.lines:
        if line.basis == "market":
            continue
        key = (line.facility, line.scope, line.item, line.activity_unit)
        total = out.setdefault(key, [0.0, 0.0])
        record = (line.facility, line.category, line.item, line.period_start, line.activity_unit,
                  line.activity_amount)
        if record not in seen:
            seen.add(record)
            total[0] += line.activity_amount
        total[1] += line.co2e_t
    for s3 in r.scope3:
        total = out.setdefault((s3.facility, 3, s3.item, s3.unit), [0.0, 0.0])
        total[0] += s3.quantity
        total[1] += s3.co2e_t
    return {k: (a, c) for k, (a, c) in out.items()}


class PdfDocument:
    """What every carbontrail PDF shares: the locale's number and date formats, the text styles on the CJK font,
    paragraphs and tables. `text` maps a key to its wording per locale."""

    def __init__(self, text: Mapping[str, Mapping[str, str]], locale: str, generated: date, font: str):
        self.text, self.locale, self.generated, self.font = text, locale, generated, font
        self.loc = Locale.parse(locale)
        self.body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
        self.small = ParagraphStyle("small", parent=self.body, fontSize=7.5, leading=10)
        self.h1 = ParagraphStyle("h1", parent=self.body, fontSize=15, leading=22, spaceBefore=10, spaceAfter=6)
        self.title = ParagraphStyle("title", parent=self.body, fontSize=26, leading=36, alignment=TA_CENTER)
        self.centre = ParagraphStyle("centre", parent=self.body, fontSize=12, leading=20, alignment=TA_CENTER)

    def t(self, key: str) -> str:
        return self.text[key][self.locale]

    def n(self, value: float | None, digits: int = 2) -> str:
        if value is None:
            return "—"
        return format_decimal(value, format="#,##0." + "0" * digits, locale=self.loc)

    def d(self, value: date) -> str:
        return format_date(value, format="long", locale=self.loc)

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(escape(text), style or self.body)

    def table(self, rows: list[list[str]], widths: list[float], style: ParagraphStyle | None = None) -> Table:
        cells = [[self.p(c, style) for c in row] for row in rows]
        tbl = Table(cells, colWidths=widths, repeatRows=1)
        tbl.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dcfce7")),
            ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#9ca3af")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        return tbl


class _Report(PdfDocument):
    def __init__(self, result: InventoryResult, name: str, sites: list[Site], locale: str, generated: date,
                 font: str, *, base: InventoryResult | None = None, base_period: str | None = None,
                 verified: Verified | None = None):
        super().__init__(TEXT, locale, generated, font)
        self.r, self.name, self.sites = result, name, sites
        self.base, self.base_period, self.verified = base, base_period, verified

    def iso_sections(self) -> list[object]:
        """Activity data by source, base year, exclusions, uncertainty and verification (ISO 14064-1 §9.3)."""
        r, w = self.r, [46 * mm, 14 * mm, 52 * mm, 30 * mm, 32 * mm]
        story: list[object] = [PageBreak(), self.p(self.t("activity_h"), self.h1)]
        rows = [[self.t("facility"), self.t("scope_col"), self.t("item"), self.t("amount"), "t CO2e"]]
        for (facility, scope, item, unit), (amount, co2e) in activity_by_source(r).items():
            rows.append([facility, str(scope), item, f"{self.n(amount, 1)} {unit}", self.n(co2e)])
        story.append(self.table(rows if len(rows) > 1 else rows + [[self.t("none"), "", "", "", ""]], w, self.small))
        story.append(self.p(self.t("base_h"), self.h1))
        if self.base is None:
            story.append(self.p(self.t("base_is_this").format(period=self.d(r.period_start)[:4])))
        else:
            b = self.base
            story.append(self.p(self.t("base_text").format(period=self.base_period or "")))
            rows = [[self.t("item"), self.t("base_col"), self.t("this_col"), self.t("change")]]
            for key, this, then in (("scope1", r.scope1_t, b.scope1_t),
                                    ("scope2_location", r.scope2_location_t, b.scope2_location_t),
                                    ("energy", r.energy_tce, b.energy_tce),
                                    ("co2_intensity", r.co2_intensity, b.co2_intensity)):
                change = f"{self.n(100 * (this / then - 1), 1)} %" if this is not None and then else "—"
                rows.append([self.t(key), self.n(then, 2), self.n(this, 2), change])
            story.append(self.table(rows, [70 * mm, 34 * mm, 34 * mm, 32 * mm]))
        story.append(self.p(self.t("recalculation")))
        story += [self.p(self.t("exclusions_h"), self.h1), self.p(self.t("exclusions")),
                  self.p(self.t("uncertainty_h"), self.h1), self.p(self.t("uncertainty")),
                  self.p(self.t("verification_h"), self.h1)]
        v = self.verified
        if v is None:
            story.append(self.p(self.t("not_verified")))
        else:
            story.append(self.p(self.t("verified").format(body=v.body, assurance=self.t(f"assurance_{v.assurance}"),
                                                          date=self.d(v.issued), credential=v.credential_id)))
            if v.withdrawn:
                story.append(self.p(self.t("withdrawn").format(reason=v.withdrawn)))
        return story

    def build(self) -> bytes:
        r = self.r
        story: list[object] = [
            Spacer(1, 60 * mm), self.p(self.t("title"), self.title), Spacer(1, 12 * mm),
            self.p(self.name, self.centre), self.p(r.organisation, self.centre), Spacer(1, 8 * mm),
            self.p(f"{self.t('period')}: {self.d(r.period_start)} – {self.d(r.period_end)}", self.centre),
            self.p(f"{self.t('generated')}: {self.d(self.generated)} · carbontrail {__version__}", self.centre),
            PageBreak(),
            self.p(self.t("boundary"), self.h1),
            self.p(self.t("boundary_text") + (self.t("boundary_scope3") if r.scope3 else "")), Spacer(1, 3 * mm),
            self.table([[self.t("code"), self.t("name"), self.t("place")]] +
                       [[s.code, s.name, " ".join(x for x in (s.province, s.city, s.park) if x)] for s in self.sites],
                       [30 * mm, 70 * mm, 70 * mm]),
            self.p(self.t("method"), self.h1),
        ]
        story += [self.p("• " + item.format(gwp=r.options.gwp)) for item in self.t("method_items").split("|")]
        if r.scope3:
            story.append(self.p("• " + self.t("scope3_method")))
        story += [self.p(self.t("results"), self.h1), self.table([
            [self.t("item"), self.t("value"), self.t("unit")],
            [self.t("scope1"), self.n(r.scope1_t), "t CO2e"],
            [self.t("scope2_location"), self.n(r.scope2_location_t), "t CO2e"],
            [self.t("scope2_market"), self.n(r.scope2_market_t), "t CO2e"],
            [self.t("energy"), self.n(r.energy_tce), self.t("tce")],
            [self.t("energy_intensity"), self.n(r.energy_intensity, 4), ""],
            [self.t("co2_intensity"), self.n(r.co2_intensity, 4), ""],
        ], [80 * mm, 50 * mm, 40 * mm])]
        if r.scope3:
            rows3 = [[self.t("item"), self.t("value"), self.t("unit")], [self.t("scope3"), self.n(r.scope3_t), "t CO2e"]]
            rows3 += [[self.t("scope3_cat").format(n=k.split("_")[-1]), self.n(v), "t CO2e"]
                      for k, v in r.scope3_by_category().items()]
            rows3.append([self.t("scope3_primary"), self.n(100 * (r.scope3_primary_share or 0.0), 1), "%"])
            story += [Spacer(1, 4 * mm), self.table(rows3, [80 * mm, 50 * mm, 40 * mm])]
        if r.claims:
            story += [Spacer(1, 4 * mm), self.p(self.t("claims").format(matching=self.t(f"matching_{r.claims_matching}"),
                                                                      mwh=self.n(r.claims_matched_mwh, 3))),
                      self.table([[self.t("instrument"), self.t("count"), "MWh", self.t("log_entries"),
                                   self.t("references")]] +
                                 [[kind, str(n), self.n(mwh, 3), f"{a}–{b}" if a != b else str(a),
                                   f"{first} … {last}" if n > 1 else first]
                                  for kind, n, mwh, a, b, first, last in claim_runs(r.claims)],
                                 [18 * mm, 16 * mm, 24 * mm, 30 * mm, 82 * mm], self.small)]
        by_gas = r.scope1_by_gas()
        if by_gas:
            story += [Spacer(1, 4 * mm), self.p(self.t("by_gas")),
                      self.table([[self.t("gas"), "t CO2e"]] + [[g, self.n(v)] for g, v in by_gas.items()],
                                 [80 * mm, 50 * mm])]
        story += [PageBreak(), self.p(self.t("charts"), self.h1), self.split_chart(), Spacer(1, 4 * mm),
                  self.monthly_chart(), Spacer(1, 4 * mm), self.mix_chart(), PageBreak(),
                  self.p(self.t("factors"), self.h1)]
        rows = [[self.t("activity"), self.t("gas"), self.t("value"), self.t("geography"), self.t("dataset"),
                 self.t("source")]]
        for f in r.factors_used():
            rows.append([self.t(f.activity) if f.activity in ("electricity", "heat", "steam") else f.activity, f.gas, f"{self.n(f.value, 4)} {f.unit}",
                         f"{f.geography} {f.year or ''}".strip(), f"{f.dataset} {f.dataset_version}", f.source])
        if len(rows) == 1:
            rows.append([self.t("none"), "", "", "", "", ""])
        story.append(self.table(rows, [32 * mm, 16 * mm, 28 * mm, 22 * mm, 28 * mm, 50 * mm], self.small))
        story += self.iso_sections()
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(buffer, pagesize=A4, title=self.t("title"), author="carbontrail",
                                subject=f"{self.name} {r.period_start}–{r.period_end}",
                                leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm)
        doc.build(story)
        return buffer.getvalue()

    # -- charts (vector, drawn with reportlab's own graphics) ------------------------------------------
    def _caption(self, drawing: Drawing, text: str) -> None:
        drawing.add(String(drawing.width / 2, drawing.height - 14, text, fontName=self.font, fontSize=10,
                           textAnchor="middle"))

    def _pie(self, title: str, data: dict[str, float]) -> Drawing:
        drawing = Drawing(170 * mm, 62 * mm)
        self._caption(drawing, title)
        items = [(k, v) for k, v in data.items() if v > 0]
        if not items:
            drawing.add(String(drawing.width / 2, drawing.height / 2, self.t("none"), fontName=self.font,
                               fontSize=9, textAnchor="middle"))
            return drawing
        pie = Pie()
        pie.x, pie.y, pie.width, pie.height = 20 * mm, 4 * mm, 48 * mm, 48 * mm
        pie.data = [v for _, v in items]
        pie.labels = None
        for i in range(len(items)):
            pie.slices[i].fillColor = PALETTE[i % len(PALETTE)]
            pie.slices[i].strokeColor = colors.white
        drawing.add(pie)
        total = sum(v for _, v in items)
        legend = Legend()
        legend.x, legend.y = 85 * mm, 44 * mm
        legend.fontName, legend.fontSize = self.font, 8
        legend.colorNamePairs = [(PALETTE[i % len(PALETTE)], f"{k}: {self.n(v, 1)} ({v / total:.0%})")
                                 for i, (k, v) in enumerate(items)]
        drawing.add(legend)
        return drawing

    def split_chart(self) -> Drawing:
        return self._pie(self.t("split"), {self.t("scope1"): self.r.scope1_t,
                                           self.t("scope2_location"): self.r.scope2_location_t})

    def mix_chart(self) -> Drawing:
        return self._pie(self.t("mix"), {(TEXT[k][self.locale] if k in ("electricity", "heat", "steam") else k): v
                                         for k, v in self.r.energy_mix().items()})

    def monthly_chart(self) -> Drawing:
        monthly = self.r.monthly()
        months = sorted(monthly)
        drawing = Drawing(170 * mm, 70 * mm)
        self._caption(drawing, self.t("monthly"))
        if not months:
            return drawing
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 18 * mm, 12 * mm, 140 * mm, 45 * mm
        chart.data = [[monthly[m].get("scope1", 0.0) for m in months],
                      [monthly[m].get("scope2_location", 0.0) for m in months]]
        chart.categoryAxis.style = "stacked"
        chart.categoryAxis.categoryNames = [m[2:] for m in months]
        chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = self.font
        chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 7
        chart.valueAxis.valueMin = 0
        chart.bars[0].fillColor, chart.bars[1].fillColor = PALETTE[0], PALETTE[1]
        drawing.add(chart)
        legend = Legend()
        legend.x, legend.y = 20 * mm, 5 * mm
        legend.alignment, legend.columnMaximum, legend.dx = "right", 1, 6
        legend.fontName, legend.fontSize = self.font, 8
        legend.colorNamePairs = [(PALETTE[0], self.t("scope1")), (PALETTE[1], self.t("scope2_location"))]
        drawing.add(legend)
        return drawing
