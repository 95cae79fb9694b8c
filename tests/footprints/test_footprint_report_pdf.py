"""The PCF report PDF in Chinese and English: the text layer (pdftotext) holds the ISO 14067 elements and numbers."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import footprint_world
from footprint_world import FootprintWorld

fp_world = footprint_world.fp_world

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed "
                                "(Debian package poppler-utils, installed by make test)")


def _text(data: bytes, path: Path) -> str:
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_pcf_report_in_both_languages(fp_world: FootprintWorld, tmp_path: Path) -> None:
    """Cell per kWh (lfp-cell.yaml): 2.2·10 + 1.1·5 + 1·4 + 0.7·4 + 1·16 + 32·0.1404 + 0.3·0.30 + 0.655209
    + 0.0000116793·29.8 + 0.00000116793·273 = 55.5387 kg CO2e; the separator (12 m²) is cut off without an
    estimate, as no modelled product is measured in m²."""
    h = fp_world.auth("admin@cell.example")
    url = "/api/organisations/CD-CELL/products/lfp-cell/lfp-cell/report.pdf?iterations=200"
    r = fp_world.client.get(url + "&lang=en", headers=h)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf", r.text
    en = _text(r.content, tmp_path / "en.pdf")
    for heading in ("Product carbon footprint report", "1 Goal and scope", "2 Allocation and cut-off",
                    "3 Data sources and data quality", "4 Results", "5 Uncertainty", "6 Notes and limitations"):
        assert heading in en, heading
    assert "55.539 kg CO2e / kWh" in en and "cradle to gate" in en and "Separator (PE)" in en
    assert "By life-cycle stage" in en and "Biogenic carbon (reported separately)" in en
    assert "Monte Carlo: 200 draws, seed 1, 2 uncertain entries" in en
    assert "Illustrative cell plant" in en
    zh = _text(fp_world.client.get(url + "&lang=zh_CN", headers=h).content, tmp_path / "zh.pdf")
    for heading in ("产品碳足迹报告", "1 目的与范围", "2 分配与取舍", "3 数据来源与数据质量", "4 核算结果", "5 不确定性"):
        assert heading in zh, heading
    assert "成都电芯示意工厂" in zh and "55.539" in zh and "从摇篮到大门" in zh and "初级数据占比" in zh


def test_pcf_report_states_the_electricity_factor_type(fp_world: FootprintWorld, tmp_path: Path) -> None:
    """ISO 14067:2018 6.4.9.4: the cell model's 32 kWh of Sichuan grid electricity per kWh of cell take a secondary
    grid factor (0.1404 kg/kWh, its source named); no certificates or contracts are applied to the footprint."""
    h = fp_world.auth("admin@cell.example")
    url = "/api/organisations/CD-CELL/products/lfp-cell/lfp-cell/report.pdf"
    en = " ".join(_text(fp_world.client.get(url + "?lang=en", headers=h).content, tmp_path / "en.pdf").split())
    assert "The type of factor used for electricity and other energy inputs (ISO 14067:2018, 6.4.9.4):" in en
    assert "Electricity, Sichuan grid 32.000 kWh grid average or secondary" in en  # the cell wraps in the table
    assert "Sichuan provincial average CO2 factor 2022" in en
    assert "No green certificates, green-power trades or other contractual instruments are applied" in en
    zh = " ".join(_text(fp_world.client.get(url + "?lang=zh_CN", headers=h).content, tmp_path / "zh.pdf").split())
    assert "电网平均或次级因子" in zh and "本碳足迹未使用绿证" in zh
