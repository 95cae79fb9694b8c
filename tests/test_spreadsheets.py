"""Issue 12 items 3 and 4: crafted workbooks are refused before parsing; exported text is never a formula."""

from __future__ import annotations

import csv
import io
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from carbontrail.errors import InputError
from carbontrail.inventory.readers import TableFile
from carbontrail.spreadsheets import append_row, csv_rows

NAMES = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(1)", "＝1+1", "\t=1"]


def _bomb(path: Path, strings: int) -> None:
    """A valid-looking XLSX whose shared-strings part holds `strings` tiny strings (deflates ~1000:1)."""
    wb = Workbook()
    wb.active.append(["a"])
    wb.save(path)
    with zipfile.ZipFile(path) as src:
        parts = {n: src.read(n) for n in src.namelist()}
    body = b"<si><t>x</t></si>" * strings
    parts["xl/sharedStrings.xml"] = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                     + body + b"</sst>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)


def test_shared_strings_bomb_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    _bomb(path, 20_000_000)  # 340 MB of XML
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(InputError, match="bomb.xlsx") as err:
        with TableFile(path):
            pass
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "limit" in str(err.value)
    assert elapsed < 10 and peak < 50 * 1024 * 1024, (path.stat().st_size, elapsed, peak)


def test_csv_export_cells_are_neutralised() -> None:
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows([[n, -2.0] for n in NAMES]))
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert [r[0] for r in rows] == ["'" + n for n in NAMES]
    assert rows[0][1] == "-2.0"


def test_xlsx_export_cells_are_strings(tmp_path: Path) -> None:
    wb = Workbook()
    for n in NAMES:
        append_row(wb.active, [n, "plain"])
    wb.save(tmp_path / "x.xlsx")
    ws = load_workbook(tmp_path / "x.xlsx").active
    assert [(c.value, c.data_type) for c in ws["A"]] == [(n, "s") for n in NAMES]
