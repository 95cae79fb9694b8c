"""Files of meter readings read in chunks: a CSV as Arrow tables (parsed by threads, typed while the file is plain),
Parquet and XLSX as data frames. Bounded: a CSV is streamed in blocks, a workbook holds at most MAX_XLSX_ROWS rows
(and is checked by `spreadsheets.check_xlsx` before it is opened)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from carbontrail.errors import InputError, Location
from carbontrail.monitor.readings import LOCAL_OFFSET
from carbontrail.spreadsheets import check_xlsx

CHUNK_ROWS = 500_000  # readings checked and staged at a time (peak RSS < 1 GiB for a 10⁷-reading file)
BLOCK_BYTES = 1 << 22  # a CSV parsed in blocks of 4 MB (~130,000 readings): a fifth less time than blocks of 16 MB
MAX_XLSX_ROWS = 1_048_576


# Columns of a readings CSV as the parser reads them: the meter codes dictionary-encoded (a few distinct codes over
# many rows); timestamps and values typed by the parser while the file is plain, else as text.
TEXT = {"meter": pa.dictionary(pa.int32(), pa.string()),
        **{c: pa.string() for c in ("timestamp", "value", "unit", "reset")}}
TYPED = {**TEXT, "timestamp": pa.timestamp("us"), "value": pa.float64()}


def _unreadable(exc: Exception, shown: str, typed: bool) -> Exception:
    """What a CSV pyarrow refuses raises: in typed mode a refused cell is the caller's to read again as text
    (`CsvSource`); otherwise the user's error (pyarrow's message says what is wrong with the text)."""
    if typed and isinstance(exc, pa.ArrowInvalid):
        return exc
    return InputError(f"cannot read the CSV: {exc}", location=Location(file=shown))


def csv_chunks(path: Path, shown: str, *, typed: bool = False, skip: int = 0) -> Iterator[pa.Table]:
    """The CSV's rows after the first `skip` in tables of about CHUNK_ROWS."""
    try:
        reader = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES,
                                                                     skip_rows_after_names=skip),
                                convert_options=pacsv.ConvertOptions(column_types=TYPED if typed else TEXT))
    except Exception as exc:  # noqa: BLE001 - see _unreadable
        raise _unreadable(exc, shown, typed) from None
    pending: list[pa.RecordBatch] = []  # Arrow, checked in Arrow when plain (monitor.readings.validate)
    size = 0
    batches = iter(reader)
    while True:
        try:
            batch = next(batches, None)
        except pa.ArrowInvalid as exc:
            raise _unreadable(exc, shown, typed) from None
        if batch is None:
            break
        pending.append(batch)
        size += batch.num_rows
        if size >= CHUNK_ROWS:
            yield pa.Table.from_batches(pending)
            pending, size = [], 0
    if pending:
        yield pa.Table.from_batches(pending)


def read_ahead(chunks: Iterator[pa.Table]) -> Iterator[pa.Table]:
    """`chunks`, the next one read by a thread while the caller checks and stages the one it has (Arrow parses
    without holding the GIL), so reading, checking and writing (`ReadingStore.stage`) overlap; one chunk ahead."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="readings-read") as reader:
        ahead = reader.submit(next, chunks, None)
        while (chunk := ahead.result()) is not None:
            ahead = reader.submit(next, chunks, None)
            yield chunk


class CsvSource:
    """The chunks of a readings CSV, each parsed by a thread while the one before is checked. The parser reads
    timestamps and numbers itself (typed: no text to cast afterwards) while the file is plain; from the first chunk it
    cannot parse so, or whose checks need the cells as written (`again_as_text`), the rest of the file is read as
    text, starting with that chunk."""

    def __init__(self, path: Path, shown: str) -> None:
        self.path, self.shown = path, shown
        self.typed = True
        self._again = False

    def again_as_text(self) -> None:
        """Yield the chunk just yielded again, as text, and the rest of the file so."""
        self.typed, self._again = False, True

    def __iter__(self) -> Iterator[pa.Table]:
        done = 0  # rows yielded and kept
        while True:
            typed = self.typed
            chunks = read_ahead(csv_chunks(self.path, self.shown, typed=typed, skip=done))
            try:
                for table in chunks:
                    yield table
                    if self._again:
                        self._again = False
                        break
                    done += table.num_rows
                else:
                    return
            except pa.ArrowInvalid:
                if not typed:
                    raise
                self.typed = False  # a cell the typed parser refuses: the text checks name it
            finally:
                chunks.close()


def chunks_of_file(path: Path, shown: str) -> Iterable[pd.DataFrame | pa.Table]:
    """The file's readings in chunks: a CSV's as Arrow tables (`CsvSource`), the others' as data frames."""
    if path.suffix.lower() == ".csv":
        return CsvSource(path, shown)
    return _frames_of_file(path, shown)


def _frames_of_file(path: Path, shown: str) -> Iterator[pd.DataFrame]:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            parquet = pq.ParquetFile(path)
        except Exception as exc:  # noqa: BLE001
            raise InputError(f"cannot read the Parquet file: {exc}", location=Location(file=shown)) from None
        for batch in parquet.iter_batches(batch_size=CHUNK_ROWS):
            frame = batch.to_pandas()
            if "timestamp" in frame and pd.api.types.is_datetime64_any_dtype(frame["timestamp"]):
                ts = frame["timestamp"]
                if getattr(ts.dt, "tz", None) is not None:
                    ts = ts.dt.tz_convert("UTC").dt.tz_localize(None) + LOCAL_OFFSET
                frame["timestamp"] = ts.dt.strftime("%Y-%m-%dT%H:%M:%S")
            yield frame
    elif suffix == ".xlsx":
        yield _xlsx_frame(path, shown)
    else:
        raise InputError(f"'{shown}' is not a CSV, XLSX or Parquet file", location=Location(file=shown),
                         expected="a .csv, .xlsx or .parquet file")


def _xlsx_frame(path: Path, shown: str) -> pd.DataFrame:
    # openpyxl loads when a workbook is read, not at start-up
    import openpyxl

    check_xlsx(path, shown)
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        body = []
        for i, row in enumerate(rows):
            if i >= MAX_XLSX_ROWS:
                raise InputError("the sheet has more rows than a workbook may", location=Location(file=shown))
            body.append(["" if v is None else (v.isoformat() if isinstance(v, datetime) else str(v)) for v in row])
    finally:
        book.close()
    return pd.DataFrame(body, columns=header) if body else pd.DataFrame(columns=header)


