"""The oversight table of a park, city or province as XLSX and PDF: each entity's energy, CO2, value added,
intensities, change against the base year, on-track value, status and grade."""

from __future__ import annotations

import io
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
    "on_track": {"en": "On track", "zh_CN": "进度要求"}, "status": {"en": "Status", "zh_CN": "预警"},
    "grade": {"en": "Grade", "zh_CN": "碳效等级"}, "suppressed": {"en": "suppressed", "zh_CN": "不公开（企业数不足）"},
    "title": {"en": "Energy and CO2 intensity against targets", "zh_CN": "能耗与碳排放强度目标完成情况"},
}


def _row(e: EntityKpis, locale: str) -> list[object]:
    name = e.name if locale == "zh_CN" or not e.name_en else e.name_en
    if e.figures is None:
        return [f"{e.code} {name}", e.kind, COLUMNS["suppressed"][locale], "", "", "", "", "", "", "", ""]
    k = next((x for x in e.kpis if x.kpi == "energy_intensity"), None)
    return [f"{e.code} {name}", e.kind, e.figures.energy_tce, e.figures.co2_t, e.figures.value_added,
            e.figures.energy_intensity, e.figures.co2_intensity, k.change if k else None,
            k.on_track if k else None, e.status() or "", e.grade or ""]


def _rows(view: Oversight) -> list[EntityKpis]:
    return [view.entity, *view.children, *sorted(view.enterprises, key=lambda e: (
        e.figures.co2_intensity if e.figures and e.figures.co2_intensity is not None else float("inf")))]


def oversight_xlsx(view: Oversight, locale: str = "zh_CN") -> bytes:
    # openpyxl loads when a workbook is written, not at start-up
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"{view.entity.code} {view.entity.year}"[:31]
    append_row(sheet, [COLUMNS[c][locale] for c in ("entity", "kind", "energy", "co2", "va", "ei", "ci", "change",
                                                    "on_track", "status", "grade")])
    for e in _rows(view):
        append_row(sheet, _row(e, locale))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def oversight_pdf(view: Oversight, locale: str = "zh_CN") -> bytes:
    font = _register_font(str(cjk_font_path()))
    doc = PdfDocument(COLUMNS, locale, date.today(), font)
    rows = [[COLUMNS[c][locale] for c in ("entity", "kind", "energy", "va", "ei", "change", "on_track", "status",
                                          "grade")]]
    for e in _rows(view):
        r = _row(e, locale)
        rows.append([str(r[0]), str(r[1]), doc.n(r[2] if isinstance(r[2], float) else None, 1) if r[2] != COLUMNS[
            "suppressed"][locale] else str(r[2]), doc.n(r[4] if isinstance(r[4], float) else None, 1),
            doc.n(r[5] if isinstance(r[5], float) else None, 4),
            "—" if not isinstance(r[7], float) else f"{r[7]:+.1%}", doc.n(r[8] if isinstance(r[8], float) else None, 4),
            str(r[9]), str(r[10])])
    out = io.BytesIO()
    pdf = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm)
    pdf.build([doc.p(f"{doc.t('title')} · {view.entity.code} {view.entity.year}", doc.h1),
               doc.table(rows, [60 * mm] + [24 * mm] * 8, doc.small)])
    return out.getvalue()
