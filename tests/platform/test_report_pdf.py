"""The PDF inventory report: Chinese and English, text layer checked with pdftotext, first page rendered with
pdftoppm (poppler-utils), both saved as test artefacts."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from platform_world import World

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed "
                                "(Debian package poppler-utils, installed by make test)")


def _pdf(world: World, lang: str, path: Path) -> Path:
    r = world.client.get(f"/api/organisations/ORG-A/inventory.pdf?period=2023&lang={lang}",
                         headers=world.auth("org_admin"))
    assert r.status_code == 200, r.text
    path.write_bytes(r.content)
    return path


def _text(pdf: Path, first: int, last: int) -> str:
    return subprocess.run(["pdftotext", "-layout", "-f", str(first), "-l", str(last), str(pdf), "-"],
                          check=True, capture_output=True, text=True).stdout


def test_chinese_title_page_renders(world: World, tmp_path: Path) -> None:
    pdf = _pdf(world, "zh_CN", tmp_path / "inventory-zh.pdf")
    first = _text(pdf, 1, 1)
    assert "温室气体排放清单报告" in first and "甲锂电" in first
    assert "2023年1月1日" in first and "2023年12月31日" in first
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "50", "-png", "-singlefile", str(pdf),
                    str(ARTIFACTS / "inventory-zh-page1")], check=True)
    png = ARTIFACTS / "inventory-zh-page1.png"
    with Image.open(png) as image:
        grey = image.convert("L")
        dark = sum(grey.histogram()[:128])
    assert grey.size[0] > 300 and dark > 500, "the first page rendered (nearly) blank: the CJK glyphs are missing"
    shutil.copy(pdf, ARTIFACTS / pdf.name)


def test_sections_and_numbers(world: World, tmp_path: Path) -> None:
    """Results page: scope 2 location-based 1,684.80 t (12 × 1,000,000 kWh × 0.1404 kg/kWh) and 1,474.80 tce
    (12,000,000 kWh × 0.1229 kgce/kWh); the factor table names the source dataset."""
    zh = _text(_pdf(world, "zh_CN", tmp_path / "zh.pdf"), 1, 9)
    for heading in ("1 组织边界", "2 核算方法", "3 核算结果", "4 图表", "5 排放因子及来源"):
        assert heading in zh
    assert "1,684.80" in zh and "1,474.80" in zh and "china-electricity" in zh and "A-PLANT" in zh
    en = _text(_pdf(world, "en", tmp_path / "en.pdf"), 1, 9)
    assert "Greenhouse gas inventory report" in en and "January 1, 2023" in en
    assert "Scope 2 (location-based)" in en and "1,684.80" in en
