"""Spreadsheets handled safely: exported text never becomes a live formula, and a workbook is bounded before it is parsed."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from carbontrail.errors import InputError, Location

# OWASP "CSV Injection": cells starting with = + - @ tab or carriage return are read as formulas by Excel,
# LibreOffice and WPS. The fullwidth forms (＝ ＋ － ＠) are included because WPS and Excel with an East Asian
# input method normalise them to the ASCII operators on edit.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def is_formula_like(value: object) -> bool:
    """Whether a spreadsheet would read this text cell as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: object) -> object:
    """A CSV cell: formula-like text gets a leading single quote, as OWASP advises; other values unchanged."""
    return "'" + value if is_formula_like(value) else value  # type: ignore[operator]


def csv_rows(rows: Iterable[Sequence[object]]) -> Iterable[list[object]]:
    """`rows` with every cell passed through `csv_cell` (for csv.writer.writerows)."""
    return ([csv_cell(v) for v in row] for row in rows)


def append_row(sheet: Any, row: Sequence[object]) -> None:
    """Append to an openpyxl sheet, keeping formula-like text a string cell with Excel's quote prefix.

    openpyxl stores any text starting with '=' as a formula; forcing the string type (and the quotePrefix
    style Excel uses for a typed leading apostrophe) keeps the text as given and never evaluated.
    """
    sheet.append(list(row))
    for cell in sheet[sheet.max_row]:
        if is_formula_like(cell.value) or cell.data_type == "f":
            cell.data_type = "s"
            cell.quotePrefix = True


# -- bounded reading (issue 12, item 3) ----------------------------------------------------------------------------
# A 1M-row, 12-column activity sheet is about 0.1 GB of sheet XML at a compression ratio of 10-30; these bounds
# leave room for that and refuse what a crafted 400 KB file would expand to.
MAX_XLSX_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 500
MAX_MEMBER_BYTES = 512 * 1024 * 1024
MAX_TOTAL_BYTES = 768 * 1024 * 1024
MAX_RATIO = 250
MAX_SHARED_STRINGS = 1_000_000
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024
MAX_ROWS = 2_000_000
MAX_COLUMNS = 200
_SI = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")
_CHUNK = 1 << 20


def check_xlsx(source: Path | bytes, file: str) -> None:
    """Refuse, with `InputError` naming `file` and the bound, a workbook that would expand beyond the bounds.

    Sizes are taken from the central directory first, then every member is decompressed in a stream with the
    same caps, since a member's declared size can lie. Nothing is parsed as XML here.
    """
    where = Location(file=file)
    size = len(source) if isinstance(source, bytes) else Path(source).stat().st_size
    if size > MAX_XLSX_BYTES:
        raise InputError(f"the workbook is {size:,} bytes, above the limit of {MAX_XLSX_BYTES:,}", location=where)
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputError("the file is not an XLSX workbook (or it is damaged)", location=where,
                         expected="an .xlsx file saved by Excel, WPS or LibreOffice") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise InputError(f"the workbook has {len(members):,} parts, above the limit of {MAX_MEMBERS}",
                             location=where)
        declared = 0
        for info in members:
            declared += info.file_size
            _check_sizes(info.filename, info.file_size, info.compress_size, declared, where)
        total = 0
        for info in members:
            total = _stream_member(archive, info, total, where)


def _check_sizes(name: str, size: int, compressed: int, total: int, where: Location) -> None:
    if size > MAX_MEMBER_BYTES:
        raise InputError(f"part '{name}' expands to {size:,} bytes, above the limit of {MAX_MEMBER_BYTES:,}",
                         location=where)
    if total > MAX_TOTAL_BYTES:
        raise InputError(f"the workbook expands to more than {MAX_TOTAL_BYTES:,} bytes, the limit", location=where)
    if size > 1024 * 1024 and size > MAX_RATIO * max(compressed, 1):
        raise InputError(f"part '{name}' has a compression ratio of {size // max(compressed, 1):,}, above the "
                         f"limit of {MAX_RATIO}", location=where)
    if name.endswith("sharedStrings.xml") and size > MAX_SHARED_STRINGS_BYTES:
        raise InputError(f"the shared strings expand to {size:,} bytes, above the limit of "
                         f"{MAX_SHARED_STRINGS_BYTES:,}", location=where)


def _stream_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, total: int, where: Location) -> int:
    shared = info.filename.endswith("sharedStrings.xml")
    size = strings = 0
    tail = b""
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                size += len(chunk)
                total += len(chunk)
                _check_sizes(info.filename, size, info.compress_size, total, where)
                if shared:
                    data = tail + chunk
                    cut = max(len(data) - 16, 0)
                    strings += sum(1 for m in _SI.finditer(data) if m.start() < cut)
                    tail = data[cut:]
                    if strings > MAX_SHARED_STRINGS:
                        break
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise InputError(f"part '{info.filename}' of the workbook cannot be read", location=where) from None
    strings += len(_SI.findall(tail))
    if strings > MAX_SHARED_STRINGS:
        raise InputError(f"the workbook has more than {MAX_SHARED_STRINGS:,} shared strings, the limit",
                         location=where)
    return total


def check_shape(rows: int | None, columns: int | None, file: str) -> None:
    """Refuse a sheet with more rows or columns than the bounds (from its declared dimension or as read)."""
    if rows is not None and rows > MAX_ROWS:
        raise InputError(f"the sheet has {rows:,} rows, above the limit of {MAX_ROWS:,}", location=Location(file))
    if columns is not None and columns > MAX_COLUMNS:
        raise InputError(f"the sheet has {columns:,} columns, above the limit of {MAX_COLUMNS}",
                         location=Location(file))
