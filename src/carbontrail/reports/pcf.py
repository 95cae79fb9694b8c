"""The product carbon footprint (PCF) report as a PDF in Chinese or English, with the elements ISO 14067:2018
clause 7 and GB/T 24067-2024 ask a study report to state: unit, boundary, allocation, data and its quality,
results by stage and gas with biogenic carbon apart, uncertainty and cut-off."""

from __future__ import annotations

import io
import re
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, SimpleDocTemplate, Spacer, Table

from carbontrail import __version__
from carbontrail.errors import CarbontrailError, InputError, Location
from carbontrail.reports.pdf import COMMON_TEXT, LOCALES, PdfDocument, _register_font, cjk_font_path
from carbontrail.services import footprints as fps
from carbontrail.units import quantity

TEXT: dict[str, dict[str, str]] = {
    **COMMON_TEXT,
    "title": {"zh_CN": "产品碳足迹报告", "en": "Product carbon footprint report"},
    "standards": {"zh_CN": "依据 ISO 14067:2018 与 GB/T 24067-2024", "en": "Following ISO 14067:2018 and GB/T 24067-2024"},
    "scope": {"zh_CN": "1 目的与范围", "en": "1 Goal and scope"},
    "product": {"zh_CN": "产品", "en": "Product"},
    "unit": {"zh_CN": "声明单位", "en": "Declared unit"},
    "amount": {"zh_CN": "核算数量", "en": "Amount studied"},
    "boundary": {"zh_CN": "系统边界", "en": "System boundary"},
    "cradle-to-gate": {"zh_CN": "从摇篮到大门（原材料获取、生产；不含分销、使用和废弃）",
                       "en": "cradle to gate (raw material acquisition and production; distribution, use and end of "
                             "life excluded)"},
    "cradle-to-grave": {"zh_CN": "从摇篮到坟墓（含模型中的分销、使用和废弃阶段过程）",
                        "en": "cradle to grave (including the distribution, use and end-of-life processes modelled)"},
    "geography": {"zh_CN": "地理范围", "en": "Geography"},
    "model": {"zh_CN": "产品模型", "en": "Product model"},
    "method": {"zh_CN": "特征化方法", "en": "Characterisation"},
    "allocation_h": {"zh_CN": "2 分配与取舍", "en": "2 Allocation and cut-off"},
    "allocation": {"zh_CN": "多产出过程的分配方法", "en": "Allocation of multi-output processes"},
    "physical": {"zh_CN": "物理关系分配（无给定系数时按质量）", "en": "physical (by mass where no factors are given)"},
    "mass": {"zh_CN": "质量分配", "en": "mass"},
    "economic": {"zh_CN": "经济价值分配", "en": "economic"},
    "substitution": {"zh_CN": "替代法（系统扩展）", "en": "substitution (system expansion)"},
    "cutoff_rule": {"zh_CN": "取舍规则：模型中既无生产过程、也无供应商数据或次级因子的输入被截断；其排放按同单位已建模产品的中位碳足迹估算并报告。",
                    "en": "Cut-off rule: inputs with neither a producing process nor a supplier or secondary footprint "
                          "are cut off; what they would carry is estimated at the median footprint of modelled "
                          "products in the same unit, and reported."},
    "cutoff_est": {"zh_CN": "截断部分估算", "en": "Estimated cut-off"},
    "cutoff_share": {"zh_CN": "截断占比", "en": "Cut-off share"},
    "cutoff_none": {"zh_CN": "无法估算的截断输入", "en": "Cut-off inputs without an estimate"},
    "cutoffs": {"zh_CN": "截断的输入", "en": "Inputs cut off"},
    "data_h": {"zh_CN": "3 数据来源与数据质量", "en": "3 Data sources and data quality"},
    "primary_share": {"zh_CN": "初级数据占比", "en": "Primary data share"},
    "dqr": {"zh_CN": "PACT 数据质量评级（1 最好 … 5 最差）", "en": "PACT data-quality ratings (1 best … 5 worst)"},
    "tech": {"zh_CN": "技术代表性", "en": "Technological"},
    "temporal": {"zh_CN": "时间代表性", "en": "Temporal"},
    "geo": {"zh_CN": "地理代表性", "en": "Geographical"},
    "coverage": {"zh_CN": "有评级数据的覆盖率", "en": "Share covered by rated data"},
    "purchased": {"zh_CN": "外购产品的碳足迹数据", "en": "Footprints of purchased products"},
    "energy_inputs": {"zh_CN": "电力及其他能源输入所用因子的类型（ISO 14067:2018 第6.4.9.4条）：",
                      "en": "The type of factor used for electricity and other energy inputs (ISO 14067:2018, "
                            "6.4.9.4):"},
    "factor_type": {"zh_CN": "因子类型", "en": "Factor type"},
    "supplier_specific": {"zh_CN": "供应商特定数据", "en": "supplier-specific"},
    "grid_or_secondary": {"zh_CN": "电网平均或次级因子（见来源）", "en": "grid average or secondary factor (see source)"},
    "no_certificates": {"zh_CN": "本碳足迹未使用绿证、绿电交易或其他合同工具：所列因子即所用因子。",
                        "en": "No green certificates, green-power trades or other contractual instruments are applied "
                              "in this footprint: the factors listed are the ones used."},
    "input": {"zh_CN": "输入", "en": "Input"},
    "quantity": {"zh_CN": "数量", "en": "Quantity"},
    "kind": {"zh_CN": "类型", "en": "Kind"},
    "primary": {"zh_CN": "供应商初级数据", "en": "supplier primary"},
    "secondary": {"zh_CN": "次级数据", "en": "secondary"},
    "results_h": {"zh_CN": "4 核算结果", "en": "4 Results"},
    "fossil": {"zh_CN": "碳足迹（GWP100，不含生物源）", "en": "Carbon footprint (GWP100, excluding biogenic)"},
    "biogenic": {"zh_CN": "生物源碳（单独报告）", "en": "Biogenic carbon (reported separately)"},
    "per_unit": {"zh_CN": "每声明单位", "en": "Per declared unit"},
    "by_stage": {"zh_CN": "按生命周期阶段", "en": "By life-cycle stage"},
    "by_gas": {"zh_CN": "按温室气体", "en": "By greenhouse gas"},
    "by_process": {"zh_CN": "按过程（前十）", "en": "By process (top ten)"},
    "share": {"zh_CN": "占比", "en": "Share"},
    "uncertainty_h": {"zh_CN": "5 不确定性", "en": "5 Uncertainty"},
    "mc_text": {"zh_CN": "蒙特卡洛模拟：{n} 次抽样，随机种子 {seed}，{k} 个不确定参数（对数正态、正态、三角、均匀分布及谱系矩阵）。",
                "en": "Monte Carlo: {n} draws, seed {seed}, {k} uncertain entries (lognormal, normal, triangular, "
                      "uniform and pedigree-matrix distributions)."},
    "mc_none": {"zh_CN": "本报告未进行不确定性分析。", "en": "No uncertainty analysis was run for this report."},
    "mean": {"zh_CN": "均值", "en": "Mean"},
    "sd": {"zh_CN": "标准差", "en": "Standard deviation"},
    "median": {"zh_CN": "中位数", "en": "Median"},
    "interval": {"zh_CN": "95% 区间", "en": "95 % interval"},
    "deterministic": {"zh_CN": "确定性结果", "en": "Deterministic result"},
    "limits_h": {"zh_CN": "6 说明与局限", "en": "6 Notes and limitations"},
    "limits": {"zh_CN": "结果仅代表所声明单位的产品在上述边界内的温室气体排放与清除；生物源碳单独报告，未计入碳足迹总值。次级数据的代表性见第 3 节。",
               "en": "The result covers greenhouse-gas emissions and removals of the declared unit within the "
                     "boundary above; biogenic carbon is reported apart and not included in the footprint total. "
                     "Section 3 states how representative the secondary data are."},
    "biogenic_col": {"zh_CN": "生物源", "en": "Biogenic"},
}
LABELS: dict[str, dict[str, str]] = {
    "external footprint (CO2e)": {"zh_CN": "外购产品碳足迹（CO2e）", "en": "purchased products' footprints (CO2e)"},
    "unspecified": {"zh_CN": "未指定阶段", "en": "unspecified"},
    "own operations": {"zh_CN": "自有运营", "en": "own operations"},
    # the life-cycle stages of the Battery Regulation's carbon-footprint rules, as product models name them
    "raw material acquisition and pre-processing": {"zh_CN": "原材料获取与预处理",
                                                    "en": "raw material acquisition and pre-processing"},
    "main product production": {"zh_CN": "主要产品生产", "en": "main product production"},
    "distribution": {"zh_CN": "分销", "en": "distribution"},
    "end of life and recycling": {"zh_CN": "报废与回收", "en": "end of life and recycling"},
    "library factor": {"zh_CN": "因子库因子", "en": "library factor"},
}


def pcf_report(loaded: fps.Loaded, product: str, amount: float | None = None, *, organisation_name: str,
               locale: str = "zh_CN", iterations: int = 1000, seed: int = 1, generated: date | None = None) -> bytes:
    """The PCF report of `amount` (default 1 declared unit) of `product` as PDF bytes."""
    if locale not in LOCALES:
        raise InputError(f"'{locale}' is not a report language", location=Location(field="lang"),
                         expected=" or ".join(LOCALES))
    report = fps.compute(loaded, product, amount)
    stages = fps.contributions(loaded, product, amount, by="stage")
    gases = fps.contributions(loaded, product, amount, by="gas")
    processes = fps.contributions(loaded, product, amount, by="process")
    mc = fps.uncertainty(loaded, product, amount, iterations=iterations, seed=seed) if iterations > 0 else None
    font = _register_font(str(cjk_font_path()))
    return _Pcf(report, stages, gases, processes, mc, organisation_name, locale, generated or date.today(),
                font).build()


class _Pcf(PdfDocument):
    def __init__(self, report: fps.FootprintReport, stages: list[fps.Contribution], gases: list[fps.Contribution],
                 processes: list[fps.Contribution], mc: fps.UncertaintyReport | None, name: str, locale: str,
                 generated: date, font: str):
        super().__init__(TEXT, locale, generated, font)
        self.r, self.stages, self.gases, self.processes, self.mc = report, stages, gases, processes, mc
        self.name = name

    def label(self, text: str) -> str:
        """Group labels the engine writes in English (gases bought as footprints, unlabelled stages, a library
        factor and its source) and the life-cycle stages."""
        factor = re.fullmatch(r"library factor \((.*)\)", text, re.DOTALL)
        if factor:
            return f"{LABELS['library factor'][self.locale]} ({factor.group(1)})"
        return LABELS.get(text, {}).get(self.locale, text)

    def pct(self, value: float) -> str:
        return f"{self.n(100 * value, 1)} %"

    def contribution_table(self, rows: list[fps.Contribution], limit: int = 50) -> Table:
        body = [[self.t("item"), "kg CO2e", self.t("biogenic_col"), self.t("share")]]
        body += [[self.label(c.label), self.n(c.fossil_kg, 3), self.n(c.biogenic_kg, 3), self.pct(c.share)]
                 for c in rows[:limit]]
        if len(body) == 1:
            body.append([self.t("none"), "", "", ""])
        return self.table(body, [80 * mm, 30 * mm, 30 * mm, 25 * mm])

    def build(self) -> bytes:
        r, dq, prov = self.r, self.r.data_quality, self.r.provenance
        unit = f"{self.n(1, 0)} {r.unit} {r.product_name}"
        story: list[object] = [
            Spacer(1, 55 * mm), self.p(self.t("title"), self.title), Spacer(1, 10 * mm),
            self.p(r.product_name, self.centre), self.p(self.name, self.centre), Spacer(1, 6 * mm),
            self.p(f"{self.t('per_unit')}: {self.n(r.fossil_kg_per_unit, 3)} kg CO2e / {r.unit}", self.centre),
            self.p(self.t("standards"), self.centre),
            self.p(f"{self.t('generated')}: {self.d(self.generated)} · "
                   f"carbontrail {__version__}", self.centre),
            PageBreak(), self.p(self.t("scope"), self.h1),
            self.table([[self.t("item"), self.t("value")],
                        [self.t("product"), f"{r.product_name} ({r.product}, {r.name})"],
                        [self.t("unit"), unit],
                        [self.t("amount"), f"{self.n(r.amount, 3)} {r.unit}"],
                        [self.t("boundary"), self.t(prov.boundary)],
                        [self.t("geography"), prov.geography or "—"],
                        [self.t("model"), f"{prov.database} {prov.version} ({prov.source})"],
                        [self.t("method"), prov.characterisation]], [50 * mm, 120 * mm]),
            self.p(self.t("allocation_h"), self.h1),
            self.p(f"{self.t('allocation')}: {self.t(prov.allocation)}"),
        ]
        story += [self.p("• " + note, self.small) for note in r.allocation_notes[:20]]
        story += [Spacer(1, 2 * mm), self.p(self.t("cutoff_rule")),
                  self.table([[self.t("item"), self.t("value")],
                              [self.t("cutoff_est"), f"{self.n(r.cutoff_kg, 3)} kg CO2e"],
                              [self.t("cutoff_share"), self.pct(r.cutoff_share)],
                              [self.t("cutoff_none"), ", ".join(r.cutoff_unestimated) or self.t("none")]],
                             [60 * mm, 110 * mm])]
        if r.cutoffs:
            story += [Spacer(1, 2 * mm), self.p(self.t("cutoffs")),
                      self.table([[self.t("input"), self.t("quantity")]] +
                                 [[c.name, f"{self.n(c.amount, 4)} {c.unit}"] for c in r.cutoffs[:30]],
                                 [110 * mm, 60 * mm])]
        story += [self.p(self.t("data_h"), self.h1),
                  self.table([[self.t("item"), self.t("value")],
                              [self.t("primary_share"), self.pct(dq.primary_data_share)],
                              [f"{self.t('dqr')}: {self.t('tech')}", self.n(dq.technological)],
                              [f"{self.t('dqr')}: {self.t('temporal')}", self.n(dq.temporal)],
                              [f"{self.t('dqr')}: {self.t('geo')}", self.n(dq.geographical)],
                              [self.t("coverage"), self.pct(dq.coverage)]], [100 * mm, 70 * mm]),
                  Spacer(1, 3 * mm), self.p(self.t("purchased"))]
        rows = [[self.t("input"), self.t("quantity"), "kg CO2e", self.t("kind"), self.t("source")]]
        for e in r.external[:40]:
            kind = f"{self.t('primary')} ({e.supplier})" if e.primary else self.t("secondary")
            rows.append([e.name, f"{self.n(e.amount, 3)} {e.unit}", self.n(e.fossil_kg, 3), kind, e.source])
        if len(rows) == 1:
            rows.append([self.t("none"), "", "", "", ""])
        story += [self.table(rows, [35 * mm, 25 * mm, 22 * mm, 28 * mm, 60 * mm], self.small),
                  Spacer(1, 3 * mm), self.p(self.t("energy_inputs"))]
        energy = [e for e in r.external if _is_energy(e.unit)]
        story.append(self.table([[self.t("input"), self.t("quantity"), self.t("factor_type"), self.t("source")]] + [
            [e.name, f"{self.n(e.amount, 3)} {e.unit}",
             f"{self.t('supplier_specific')} ({e.supplier})" if e.primary else self.t("grid_or_secondary"), e.source]
            for e in energy] if energy else [[self.t("none"), "", "", ""]], [40 * mm, 28 * mm, 42 * mm, 60 * mm],
            self.small))
        story += [self.p(self.t("no_certificates")),
                  self.p(self.t("results_h"), self.h1),
                  self.table([[self.t("item"), self.t("value")],
                              [self.t("fossil"), f"{self.n(r.fossil_kg, 3)} kg CO2e"],
                              [self.t("per_unit"), f"{self.n(r.fossil_kg_per_unit, 3)} kg CO2e / {r.unit}"],
                              [self.t("biogenic"), f"{self.n(r.biogenic_kg, 3)} kg CO2e"]], [100 * mm, 70 * mm]),
                  Spacer(1, 3 * mm), self.p(self.t("by_stage")), self.contribution_table(self.stages),
                  Spacer(1, 3 * mm), self.p(self.t("by_gas")), self.contribution_table(self.gases),
                  Spacer(1, 3 * mm), self.p(self.t("by_process")), self.contribution_table(self.processes, 10),
                  self.p(self.t("uncertainty_h"), self.h1)]
        if self.mc is None:
            story.append(self.p(self.t("mc_none")))
        else:
            mc = self.mc
            story += [self.p(self.t("mc_text").format(n=mc.iterations, seed=mc.seed, k=mc.uncertain_entries)),
                      self.table([[self.t("item"), "kg CO2e"],
                                  [self.t("deterministic"), self.n(mc.deterministic, 3)],
                                  [self.t("mean"), self.n(mc.mean, 3)], [self.t("sd"), self.n(mc.sd, 3)],
                                  [self.t("median"), self.n(mc.median, 3)],
                                  [self.t("interval"), f"{self.n(mc.p2_5, 3)} – {self.n(mc.p97_5, 3)}"]],
                                 [100 * mm, 70 * mm])]
        story += [self.p(self.t("limits_h"), self.h1), self.p(self.t("limits"))]
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(buffer, pagesize=A4, title=self.t("title"), author="carbontrail",
                                subject=f"{self.name} {r.product_name}", leftMargin=18 * mm, rightMargin=18 * mm,
                                topMargin=18 * mm, bottomMargin=18 * mm)
        doc.build(story)
        return buffer.getvalue()


def _is_energy(unit: str) -> bool:
    """Whether a unit measures energy (kWh, MWh, GJ …): the inputs whose factor type ISO 14067 asks to state."""
    try:
        return bool(quantity(1, unit).check("[energy]"))
    except CarbontrailError:
        return False
