"""A product carbon label (SVG and PNG, zh-CN / en): the footprint per declared unit, the standard, the assurance
level and verifier, and a QR code (segno) that opens the registry entry, which links the credential."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from xml.sax.saxutils import escape

import segno
from PIL import Image, ImageDraw, ImageFont

from carbontrail.reports.pdf import cjk_font_path

WIDTH, HEIGHT = 600, 300

TEXT = {
    "en": {"title": "Product carbon footprint", "per": "per", "standard": "Standard", "assurance": "Assurance",
           "verifier": "Verified by", "reasonable": "reasonable", "limited": "limited", "status": "Status",
           "published": "published", "withdrawn": "WITHDRAWN", "superseded": "superseded", "scan": "Scan to verify"},
    "zh_CN": {"title": "产品碳足迹", "per": "每", "standard": "标准", "assurance": "保证等级", "verifier": "核查机构",
              "reasonable": "合理保证", "limited": "有限保证", "status": "状态", "published": "已发布",
              "withdrawn": "已撤回", "superseded": "已被取代", "scan": "扫码核验"},
}


@dataclass(frozen=True)
class Label:
    product: str
    value: float
    declared_unit: str
    standard: str
    assurance: str
    verifier: str
    status: str
    url: str  # the registry entry


def _lines(label: Label, locale: str) -> list[tuple[str, int]]:
    t = TEXT["zh_CN" if locale.startswith("zh") else "en"]
    return [(t["title"], 22), (label.product, 18),
            (f"{label.value:.3g} kg CO2e {t['per']} {label.declared_unit}", 30),
            (f"{t['standard']}: {label.standard}", 15),
            (f"{t['assurance']}: {t.get(label.assurance, label.assurance)}", 15),
            (f"{t['verifier']}: {label.verifier}", 15),
            (f"{t['status']}: {t.get(label.status, label.status)}", 15),
            (t["scan"], 13)]


def _qr(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def svg(label: Label, locale: str = "zh_CN") -> str:
    qr = _qr(label.url)
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=5, border=2, xmldecl=False, svgns=True, nl=False)
    qr_svg = buffer.getvalue().decode()
    size = qr.symbol_size(scale=5, border=2)[0]
    y, parts = 40, []
    for text, px in _lines(label, locale):
        weight = ' font-weight="bold"' if px >= 22 else ""
        parts.append(f'<text x="20" y="{y}" font-size="{px}"{weight}>{escape(text)}</text>')
        y += px + 12
    colour = "#b00020" if label.status == "withdrawn" else "#1b5e20"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="WenQuanYi Zen Hei, Noto Sans CJK SC, sans-serif">'
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff" stroke="{colour}" stroke-width="6"/>'
            + "".join(parts)
            + f'<g transform="translate({WIDTH - size - 20},{(HEIGHT - size) // 2})">{qr_svg}</g></svg>')


@cache
def _font(px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(cjk_font_path()), px)


def png(label: Label, locale: str = "zh_CN") -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    colour = (176, 0, 32) if label.status == "withdrawn" else (27, 94, 32)
    draw.rectangle((0, 0, WIDTH - 1, HEIGHT - 1), outline=colour, width=6)
    y = 18
    for text, px in _lines(label, locale):
        draw.text((20, y), text, fill="black", font=_font(px))
        y += px + 12
    buffer = io.BytesIO()
    _qr(label.url).save(buffer, kind="png", scale=5, border=2)
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    image.paste(code, (WIDTH - code.width - 20, (HEIGHT - code.height) // 2))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
