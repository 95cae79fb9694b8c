"""The oversight table of a park, city or province as XLSX and PDF: each entity's energy, CO2, value added,
intensities, change against the year before with figures and the base year, on-track value, status and grade; the
enterprises ranked by CO2 intensity. An entity without figures for the year says "no data", never 0."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate

from carbontrail.reports.pdf import PdfDocument, _register_font, cjk_font_path
from carbontrail.services.monitor.figures import EntityKpis, Oversight
from carbontrail.spreadsheets import append_row

COLUMNS = {
    "entity": {"en": "Entity", "zh_CN": "主体"}, "kind": {"en": "Level", "zh_CN": "层级"},
    "energy": {"en": "Energy (tce)", "zh_CN": "能耗（吨标准煤）"}, "co2": {"en": "CO2 (t)", "zh_CN": "二氧化碳（吨）"},
    "va": {"en": "Value added (10⁴ yuan)", "zh_CN": "工业增加值（万元）"},
    "ei": {"en": "tce per 10⁴ yuan", "zh_CN": "吨标准煤/万元"}, "ci": {"en": "t CO2 per 10⁴ yuan", "zh_CN": "吨CO2/万元"},
    "change": {"en": "Energy intensity vs base", "zh_CN": "能耗强度较基年"},
    "yoy": {"en": "Energy intensity vs year before", "zh_CN": "能耗强度同比"},
    "rank": {"en": "Rank (CO2 per 10⁴ yuan)", "zh_CN": "排名（单位增加值碳排放）"},
    "no_data": {"en": "no data", "zh_CN": "无数据"},
    "on_track": {"en": "On track", "zh_CN": "进度要求"}, "status": {"en": "Status", "zh_CN": "预警"},
    "grade": {"en": "Grade", "zh_CN": "碳效等级"}, "suppressed": {"en": "suppressed", "zh_CN": "不公开（企业数不足）"},
    "title": {"en": "Energy and CO2 intensity against targets", "zh_CN": "能耗与碳排放强度目标完成情况"},
}


HEAD = ("rank", "entity", "kind", "energy", "co2", "va", "ei", "ci", "yoy", "change", "on_track", "status", "grade")


def _row(e: EntityKpis, locale: str, rank: int | None, word: Callable[[str], str]) -> list[object]:
    name = e.name if locale == "zh_CN" or not e.name_en else e.name_en
    if e.figures is None or not e.has_data:
        said = COLUMNS["suppressed" if e.figures is None else "no_data"][locale]
        return ["", f"{e.code} {name}", word(e.kind), said, "", "", "", "", "", "", "", "", ""]
    k = next((x for x in e.kpis if x.kpi == "energy_intensity"), None)
    return [rank or "", f"{e.code} {name}", word(e.kind), e.figures.energy_tce, e.figures.co2_t, e.figures.value_added,
            e.figures.energy_intensity, e.figures.co2_intensity, e.change_since_earlier("energy_intensity"),
            k.change if k else None, k.on_track if k else None, word(e.status() or "") if e.status() else "",
            e.grade or ""]


def _rows(view: Oversight) -> list[tuple[EntityKpis, int | None]]:
    """The jurisdiction, its sub-jurisdictions, then its enterprises by CO2 intensity with their rank (those without
    one last, unranked)."""
    ranked = sorted((e for e in view.enterprises if e.has_data and e.figures and e.figures.co2_intensity is not None),
                    key=lambda e: e.figures.co2_intensity)  # type: ignore[union-attr, return-value]
    rest = [e for e in view.enterprises if e not in ranked]
    return [(view.entity, None), *((c, None) for c in view.children),
            *((e, i) for i, e in enumerate(ranked, 1)), *((e, None) for e in rest)]


def oversight_xlsx(view: Oversight, locale: str = "zh_CN", word: Callable[[str], str] = str) -> bytes:
    """The oversight table as a workbook; `word` gives a level (enterprise, park …) and a warning colour in the
    reader's language (the web door passes its catalogue's gettext)."""
    # openpyxl loads when a workbook is written, not at start-up
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"{view.entity.code} {view.entity.year}"[:31]
    append_row(sheet, [COLUMNS[c][locale] for c in HEAD])
    for e, rank in _rows(view):
        append_row(sheet, _row(e, locale, rank, word))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def oversight_pdf(view: Oversight, locale: str = "zh_CN", word: Callable[[str], str] = str) -> bytes:
    """The oversight table as a PDF page; `word` as for `oversight_xlsx`."""
    font = _register_font(str(cjk_font_path()))
    doc = PdfDocument(COLUMNS, locale, date.today(), font)
    shown = ("rank", "entity", "kind", "energy", "va", "ei", "yoy", "change", "on_track", "status", "grade")
    rows = [[COLUMNS[c][locale] for c in shown]]

    def cell(column: str, value: object) -> str:
        if not isinstance(value, float):
            return str(value) if value is not None else "—"
        if column in ("yoy", "change"):
            return f"{value:+.1%}"
        return doc.n(value, 4 if column in ("ei", "on_track") else 1)

    for e, rank in _rows(view):
        by_column = dict(zip(HEAD, _row(e, locale, rank, word), strict=True))
        rows.append([cell(c, by_column[c]) for c in shown])
    out = io.BytesIO()
    pdf = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm)
    pdf.build([doc.p(f"{doc.t('title')} · {view.entity.code} {view.entity.year}", doc.h1),
               doc.table(rows, [14 * mm, 58 * mm] + [22 * mm] * 9, doc.small)])
    return out.getvalue()
