"""Readings in: batch JSON, CSV / XLSX / Parquet files; refusals naming meter, row, field; all-or-nothing; the same
file twice adds nothing; corrections as new versions; the Parquet store queried with DuckDB."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from carbontrail.errors import ImportRejected, InputError
from carbontrail.monitor import files
from carbontrail.services.monitor import readings
from carbontrail.services.work import SystemActor

ACTOR = SystemActor("test")


def _csv(path: Path, lines: list[str]) -> Path:
    path.write_text("meter,timestamp,value,unit\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_csv_import_twice_adds_nothing(mworld, tmp_path: Path) -> None:
    """Four quarter-hours of 1.25 kWh (total 5.0) on EL; the same file again: 0 inserted, flagged repeated;
    a different file with the same readings: 4 unchanged, 0 inserted."""
    f = _csv(tmp_path / "r.csv", [f"EL,2023-03-01T00:{m:02d}:00,1.25,kWh" for m in (0, 15, 30, 45)])
    first = readings.import_file(mworld.sessions, ACTOR, "E1", f, store=mworld.store)
    assert (first.rows, first.inserted, first.repeated) == (4, 4, False)
    again = readings.import_file(mworld.sessions, ACTOR, "E1", f, store=mworld.store)
    assert again.repeated and again.inserted == 0
    g = _csv(tmp_path / "g.csv", [f"EL,2023-03-01T00:{m:02d}:00,1.25," for m in (0, 15, 30, 45)])
    same = readings.import_file(mworld.sessions, ACTOR, "E1", g, store=mworld.store)
    assert (same.inserted, same.unchanged) == (0, 4)
    out = readings.list_readings(mworld.sessions, ACTOR, "E1", "EL", start=datetime(2023, 3, 1),
                                 end=datetime(2023, 3, 2), store=mworld.store)
    assert [r.value for r in out] == [1.25] * 4
    daily = mworld.store.totals([1], period="day")
    assert list(daily["total"]) == [5.0] and list(daily["intervals"]) == [4]


def test_one_bad_row_writes_nothing(mworld, tmp_path: Path) -> None:
    f = _csv(tmp_path / "bad.csv", ["EL,2023-03-01T00:00:00,1,kWh", "EL,2023-03-01T00:15:00,-1,kWh",
                                    "NOPE,2023-03-01T00:30:00,1,kWh", "GAS,2023-03-01T01:00:00,3,kWh"])
    with pytest.raises(ImportRejected) as refused:
        readings.import_file(mworld.sessions, ACTOR, "E1", f, store=mworld.store)
    found = {(p.location.file, p.location.row, p.location.field) for p in refused.value.problems}
    assert found == {("bad.csv", 3, "value"), ("bad.csv", 4, "meter"), ("bad.csv", 5, "unit")}
    assert "meter 'GAS' reads in Nm3, not 'kWh'" in str(refused.value)
    assert mworld.store.files([1]) == []
    assert not list(mworld.store.root.glob(".staging-*"))
    # nothing recorded as imported: the corrected file goes in whole
    ok = _csv(tmp_path / "bad.csv", ["EL,2023-03-01T00:00:00,1,kWh"])
    assert readings.import_file(mworld.sessions, ACTOR, "E1", ok, store=mworld.store).inserted == 1


def test_changed_value_needs_a_correction_which_keeps_the_original(mworld, tmp_path: Path) -> None:
    readings.import_file(mworld.sessions, ACTOR, "E1", _csv(tmp_path / "a.csv", ["EL,2023-03-01T00:00:00,2,kWh"]),
                         store=mworld.store)
    changed = _csv(tmp_path / "b.csv", ["EL,2023-03-01T00:00:00,3,kWh"])
    with pytest.raises(ImportRejected) as refused:
        readings.import_file(mworld.sessions, ACTOR, "E1", changed, store=mworld.store)
    [p] = refused.value.problems
    assert (p.location.row, p.location.field) == (2, "value") and "correction" in p.reason
    with pytest.raises(InputError, match="reason"):
        readings.import_file(mworld.sessions, ACTOR, "E1", changed, correction=" ", store=mworld.store)
    fixed = readings.import_file(mworld.sessions, SystemActor("fixer"), "E1", changed,
                                 correction="meter swapped, value re-read", store=mworld.store)
    assert fixed.corrected == 1 and fixed.inserted == 0
    hist = readings.versions(mworld.sessions, ACTOR, "E1", "EL", datetime(2023, 3, 1), store=mworld.store)
    assert [(v.version, v.value) for v in hist] == [(1, 2.0), (2, 3.0)]
    assert hist[1].recorded_by == "system:fixer" and hist[1].reason == "meter swapped, value re-read"
    assert list(mworld.store.totals([1], period="day")["total"]) == [3.0]


def test_cumulative_counter_across_uploads_and_reset(mworld, tmp_path: Path) -> None:
    """CNT reads 1000, 1010 in one file; the next file 1030 then 5 with a declared reset: usage 10, 20, 5;
    the first reading is the baseline. A later file going back to 3 without a reset is refused."""
    first = tmp_path / "c1.csv"
    first.write_text("meter,timestamp,value\nCNT,2023-03-01T01:00,1000\nCNT,2023-03-01T02:00,1010\n")
    readings.import_file(mworld.sessions, ACTOR, "E1", first, store=mworld.store)
    second = tmp_path / "c2.csv"
    second.write_text("meter,timestamp,value,reset\nCNT,2023-03-01T03:00,1030,\nCNT,2023-03-01T04:00,5,true\n")
    readings.import_file(mworld.sessions, ACTOR, "E1", second, store=mworld.store)
    rows = readings.list_readings(mworld.sessions, ACTOR, "E1", "CNT", start=datetime(2023, 3, 1),
                                  end=datetime(2023, 3, 2), store=mworld.store)
    assert [r.value for r in rows[1:]] == [10, 20, 5] and [r.counter for r in rows] == [1000, 1010, 1030, 5]
    third = tmp_path / "c3.csv"
    third.write_text("meter,timestamp,value\nCNT,2023-03-01T05:00,3\n")
    with pytest.raises(ImportRejected, match="backwards from 5 to 3"):
        readings.import_file(mworld.sessions, ACTOR, "E1", third, store=mworld.store)


def test_xlsx_parquet_and_json_batch(mworld, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["meter", "timestamp", "value"])
    sheet.append(["GAS", datetime(2023, 3, 1, 0, 0), 7.5])
    sheet.append(["GAS", datetime(2023, 3, 1, 1, 0), 2.5])
    book.save(tmp_path / "g.xlsx")
    assert readings.import_file(mworld.sessions, ACTOR, "E2", tmp_path / "g.xlsx", store=mworld.store).inserted == 2
    pd.DataFrame({"meter": ["GAS"], "timestamp": [pd.Timestamp("2023-03-01 02:00")], "value": [4.0]}).to_parquet(
        tmp_path / "g.parquet")
    assert readings.import_file(mworld.sessions, ACTOR, "E2", tmp_path / "g.parquet",
                                store=mworld.store).inserted == 1
    rep = readings.import_batch(mworld.sessions, ACTOR, "E2", [
        {"meter": "GAS", "timestamp": "2023-03-01T03:00:00+08:00", "value": 6}], store=mworld.store)
    assert rep.inserted == 1
    with pytest.raises(ImportRejected) as refused:
        readings.import_batch(mworld.sessions, ACTOR, "E2", [
            {"meter": "GAS", "timestamp": "2023-03-01T04:00:00", "value": 1},
            {"meter": "GAS", "timestamp": "2099-01-01T00:00:00", "value": 1}], store=mworld.store)
    [p] = refused.value.problems
    assert (p.location.row, p.location.field) == (2, "timestamp")
    day = mworld.store.totals([2], period="day")
    assert list(day["total"]) == [20.0]  # 7.5 + 2.5 + 4 + 6


def test_quality_against_the_monthly_record(mworld, tmp_path: Path) -> None:
    """Hourly GAS for the first 27 of February's 28 days (648 of 672 hours: 96.4 % ≥ 90 %) at 2 Nm3 = 1296 Nm3,
    against a monthly figure of 1300: |1296 − 1300| / 1300 = 0.31 % ≤ 5 %; one gap of 24 hours."""
    lines = [f"GAS,{ts:%Y-%m-%dT%H:%M},2," for ts in pd.date_range("2023-02-01", periods=648, freq="h")]
    readings.import_file(mworld.sessions, ACTOR, "E1", _csv(tmp_path / "q.csv", lines), store=mworld.store)
    q = readings.month_quality(mworld.sessions, ACTOR, "E1", "GAS", "2023-02", monthly_figure=1300,
                               store=mworld.store)
    assert (q.present, q.expected) == (648, 672) and q.complete
    assert q.daily_total == 1296 and q.daily_vs_monthly == pytest.approx(4 / 1300) and q.consistent
    assert [(g.start, g.intervals) for g in q.gaps] == [(datetime(2023, 2, 28), 24)]


def test_a_file_that_cannot_be_written_fails_the_upload_and_leaves_nothing(mworld, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Five months of EL, one file each, written in the background; the third cannot be written (a full disk): the
    upload fails with that error, and neither published nor staged files are left. The same file then goes in."""
    from carbontrail.store import readings as store_readings

    written: list[Path] = []
    real_write = store_readings._write

    def full_disk(piece, path: Path) -> None:  # type: ignore[no-untyped-def]
        written.append(path)
        if len(written) == 3:
            raise OSError("No space left on device")
        real_write(piece, path)

    monkeypatch.setattr(store_readings, "_write", full_disk)
    f = _csv(tmp_path / "m.csv", [f"EL,{ts:%Y-%m-%dT%H:%M},1,kWh"
                                  for ts in pd.date_range("2023-01-01", periods=5, freq="MS")])
    with pytest.raises(OSError, match="No space left"):
        readings.import_file(mworld.sessions, ACTOR, "E1", f, store=mworld.store)
    assert len(written) == 5
    assert mworld.store.files([1]) == []
    assert [name for _d, _s, names in os.walk(mworld.store.root) for name in names] == []
    monkeypatch.setattr(store_readings, "_write", real_write)
    assert readings.import_file(mworld.sessions, ACTOR, "E1", f, store=mworld.store).inserted == 5
    assert len(mworld.store.files([1])) == 5


def test_versions_name_their_batch_and_files_of_the_earlier_layout_read_the_same(mworld, tmp_path: Path) -> None:
    """A reading stored by an earlier carbontrail (its v1 file also held version, batch, recorded_by, recorded_at
    and reason on every row) reads as one written now: the same current value, daily total and first version. Who,
    when and why of each version are its batch's row: one correction by 'system:fixer' an hour after the original."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    first = readings.import_file(mworld.sessions, ACTOR, "E1", _csv(tmp_path / "a.csv",
                                                                   ["EL,2023-03-01T00:00:00,2,kWh"]),
                                 store=mworld.store)
    [path] = mworld.store.files([1])
    assert pq.read_schema(path).names == ["meter", "start", "at", "value", "counter", "reset"]
    stored = pq.read_table(path)
    old = pa.table({**{n: stored[n] for n in stored.column_names}, "version": pa.array([1], pa.int32()),
                    "batch": pa.array([first.batch], pa.int64()), "recorded_by": ["system:test"],
                    "recorded_at": pa.array([datetime(2023, 3, 2)], pa.timestamp("us")), "reason": [""]})
    pq.write_table(old, path)  # the earlier layout, under the same name
    fixed = readings.import_file(mworld.sessions, SystemActor("fixer"), "E1",
                                 _csv(tmp_path / "b.csv", ["EL,2023-03-01T00:00:00,3,kWh"]),
                                 correction="meter swapped", store=mworld.store)
    hist = readings.versions(mworld.sessions, ACTOR, "E1", "EL", datetime(2023, 3, 1), store=mworld.store)
    assert [(v.version, v.value, v.recorded_by, v.reason) for v in hist] == [
        (1, 2.0, "system:test", ""), (2, 3.0, "system:fixer", "meter swapped")]
    assert hist[0].recorded_at <= hist[1].recorded_at and hist[1].recorded_at.tzinfo is not None
    assert fixed.batch != first.batch
    assert list(mworld.store.totals([1], period="day")["total"]) == [3.0]
    assert list(mworld.store.current(1)["value"]) == [3.0]


def test_a_csv_read_typed_then_as_text_names_the_same_rows_and_keeps_every_reading(mworld, tmp_path: Path,
                                                                                    monkeypatch: pytest.MonkeyPatch
                                                                                    ) -> None:
    """The parser reads timestamps and values typed while a file is plain. Twelve quarter-hours in chunks of 3 rows:
    a bad value in the third chunk (CSV row 9) is refused with the same problem as when every chunk is read as text,
    and nothing is stored; a unit named only in the third chunk (not plain: the checks need the cells) makes that
    chunk and the rest be read as text, and all 12 readings (12 × 0.5 = 6.0 kWh) go in once."""
    reads: list[tuple[bool, int]] = []  # (typed, rows skipped) of each reading of the file
    real_chunks = files.csv_chunks

    def chunks(path: Path, shown: str, *, typed: bool = False, skip: int = 0):  # type: ignore[no-untyped-def]
        reads.append((typed, skip))
        return real_chunks(path, shown, typed=typed, skip=skip)

    monkeypatch.setattr(files, "csv_chunks", chunks)
    monkeypatch.setattr(files, "CHUNK_ROWS", 3)
    monkeypatch.setattr(files, "BLOCK_BYTES", 64)  # a block of about two rows
    stamps = [f"2023-03-01T{h:02d}:{m:02d}:00" for h in range(3) for m in (0, 15, 30, 45)]
    lines = [f"EL,{ts},0.5," for ts in stamps]
    bad = _csv(tmp_path / "bad.csv", [*lines[:7], lines[7].replace(",0.5,", ",5x,"), *lines[8:]])
    with pytest.raises(ImportRejected) as typed_first:
        readings.import_file(mworld.sessions, ACTOR, "E1", bad, store=mworld.store)
    assert reads[0] == (True, 0) and reads[1][0] is False and 0 < reads[1][1] <= 7  # typed, then text from a chunk
    typed_columns = files.TYPED
    monkeypatch.setattr(files, "TYPED", files.TEXT)  # every chunk read as text from the start
    with pytest.raises(ImportRejected) as as_text:
        readings.import_file(mworld.sessions, ACTOR, "E1", bad, store=mworld.store)
    monkeypatch.setattr(files, "TYPED", typed_columns)
    reads.clear()
    assert [(p.location.row, p.location.field, p.reason) for p in typed_first.value.problems] == [
        (p.location.row, p.location.field, p.reason) for p in as_text.value.problems]
    assert [p.location.row for p in typed_first.value.problems] == [9]
    assert mworld.store.files([1]) == []
    good = _csv(tmp_path / "good.csv", [*lines[:6], *(line[:-1] + ",kWh" for line in lines[6:])])
    report = readings.import_file(mworld.sessions, ACTOR, "E1", good, store=mworld.store)
    assert reads[0] == (True, 0) and reads[1][0] is False and 0 < reads[1][1] <= 6
    assert (report.rows, report.inserted) == (12, 12)
    assert list(mworld.store.totals([1], period="day")["total"]) == [6.0]


def test_a_file_whose_digest_comes_late_and_came_before_leaves_nothing(mworld, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A large file's SHA-256 is computed while the file is read. Twelve readings in chunks of 3; the second upload
    of the same file learns its digest only after two chunks are checked (the hashing held back until then): it is
    reported as a repeat of the first batch, and leaves no file, no batch and no second set of readings."""
    import threading

    monkeypatch.setattr(files, "CHUNK_ROWS", 3)
    monkeypatch.setattr(files, "BLOCK_BYTES", 64)
    f = _csv(tmp_path / "r.csv", [f"EL,2023-03-01T{h:02d}:{m:02d}:00,0.5,kWh" for h in range(3)
                                  for m in (0, 15, 30, 45)])
    first = readings.import_file(mworld.sessions, ACTOR, "E1", f, store=mworld.store)
    files_before = sorted(mworld.store.files([1]))
    checked = []
    two_chunks_checked = threading.Event()
    real_validate, real_sha = readings.validate, readings.file_sha256

    def validate(*args, **kwargs):  # type: ignore[no-untyped-def]
        out = real_validate(*args, **kwargs)
        checked.append(len(out))
        if len(checked) == 2:
            two_chunks_checked.set()
        return out

    def late_sha(path: Path) -> str:
        assert two_chunks_checked.wait(10)
        return real_sha(path)

    monkeypatch.setattr(readings, "validate", validate)
    monkeypatch.setattr(readings, "file_sha256", late_sha)
    again = readings.import_file(mworld.sessions, ACTOR, "E1", f, store=mworld.store)
    assert len(checked) >= 2  # read and checked before its digest was known
    assert (again.repeated, again.inserted, again.batch, again.sha256) == (True, 0, first.batch, first.sha256)
    assert sorted(mworld.store.files([1])) == files_before
    assert [name for _d, _s, names in os.walk(mworld.store.root) for name in names if name.startswith(".")] == []
    from carbontrail.store.repositories import monitor as monitor_repo

    with mworld.sessions() as s:
        assert [b.id for b in monitor_repo.batches(s, 1)] == [first.batch]
    assert list(mworld.store.totals([1], period="day")["total"]) == [6.0]
