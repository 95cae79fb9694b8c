"""Importing template files: all or nothing, idempotent, every bad row named by file, row and field (SQLite and
PostgreSQL)."""

from __future__ import annotations

import csv
import hashlib
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import ImportRejected
from carbontrail.inventory.templates import ACTIVITY
from carbontrail.services.imports import import_file, import_files
from carbontrail.store.models import ActivityRecord, Base, ImportBatch

# -- small template files the tests build: one organisation, one facility, one meter, and activity rows ----------

HEADER = list(ACTIVITY.column_names)

# Four row shapes that repeat: quantity and unit of each are chosen per row index.
SHAPES = (
    ("electricity", "grid electricity", "kWh", "E-MAIN", "国网四川省电力公司", "", "", ""),
    ("fuel_combustion", "natural_gas", "Nm3", "", "", "", "", ""),
    ("production", "battery-grade Li2CO3", "t", "", "", "", "", ""),
    ("value_added", "industrial value added (2020 constant prices)", "10^4 yuan", "", "", "", "", ""),
)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def reference_files(folder: Path) -> list[Path]:
    """organisations, facilities and meters files for one organisation 'ORG' with facility 'F1' and meter 'E-MAIN'."""
    return [
        write_csv(folder / "organisations.csv", ["code", "name", "name_en", "industry", "province", "city", "park"],
                  [["ORG", "示例企业", "Example Co", "C3841", "四川省", "成都市", "成都经济技术开发区"]]),
        write_csv(folder / "facilities.csv", ["organisation", "code", "name", "province", "city", "park"],
                  [["ORG", "F1", "一号厂区", "四川省", "成都市", ""]]),
        write_csv(folder / "meters.csv", ["organisation", "facility", "code", "medium", "unit", "supplier"],
                  [["ORG", "F1", "E-MAIN", "electricity", "kWh", "国网四川省电力公司"]]),
    ]


def activity_rows(n: int) -> list[list[str]]:
    """`n` distinct activity rows: shape i % 4, one day each, quantity (i % 997) + 1."""
    rows = []
    start = date(2001, 1, 1)
    for i in range(n):
        kind, item, unit, meter, supplier, instrument, ref, factor = SHAPES[i % 4]
        day = (start + timedelta(days=i // 4)).isoformat()
        rows.append(["ORG", "F1", day, day, kind, item, str((i % 997) + 1), unit, "", "", meter, supplier,
                     instrument, ref, factor, f"test row {i}"])
    return rows


def one_row(**changes: str) -> list[str]:
    """A good electricity row with some fields changed."""
    row = dict(zip(HEADER, activity_rows(1)[0], strict=True))
    row.update(changes)
    return [row[c] for c in HEADER]


def database_state(engine: Engine) -> tuple[dict[str, int], str]:
    """Row count of every table and a digest of all their rows (ordered by primary key)."""
    counts: dict[str, int] = {}
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            counts[table.name] = len(rows)
            digest.update(table.name.encode())
            for row in rows:
                digest.update(repr(tuple(row)).encode())
    return counts, digest.hexdigest()


# -- the tests ---------------------------------------------------------------------------------------------------


@pytest.fixture
def org(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    """A database holding organisation ORG, its facility F1 and meter E-MAIN (imported from template files)."""
    reports = import_files(sessions, reference_files(tmp_path))
    assert [(r.template, r.inserted) for r in reports] == [("organisations", 1), ("facilities", 1), ("meters", 1)]
    return sessions


def _records(sessions: sessionmaker[Session]) -> list[tuple[object, ...]]:
    with sessions() as s:
        return [tuple(r) for r in s.execute(select(
            ActivityRecord.record_key, ActivityRecord.kind, ActivityRecord.item, ActivityRecord.period_start,
            ActivityRecord.period_end, ActivityRecord.quantity, ActivityRecord.unit, ActivityRecord.category,
            ActivityRecord.meter_id, ActivityRecord.supplier, ActivityRecord.source).order_by(ActivityRecord.record_key))]


def test_one_bad_row_among_1000_leaves_the_database_exactly_as_before(org: sessionmaker[Session], engine: Engine,
                                                                      tmp_path: Path) -> None:
    """The first 500 rows are imported; then a 1,000-row file whose row 538 (header = row 1, so data row 537,
    index 536) has quantity 'abc' must change nothing: same row counts, same digest of every table."""
    import_file(org, write_csv(tmp_path / "first.csv", HEADER, activity_rows(500)))
    before = database_state(engine)
    assert before[0]["activity_record"] == 500
    rows = activity_rows(1000)
    rows[536][HEADER.index("quantity")] = "abc"
    path = write_csv(tmp_path / "activity.csv", HEADER, rows)
    with pytest.raises(ImportRejected) as caught:
        import_file(org, path)
    assert [p.message for p in caught.value.problems] == [
        "activity.csv, row 538, field 'quantity': 'abc' is not a number (expected a number)"]
    assert "row 538" in str(caught.value) and "field 'quantity'" in str(caught.value)
    assert database_state(engine) == before


def test_same_file_twice_adds_nothing_and_a_changed_value_updates(org: sessionmaker[Session],
                                                                 tmp_path: Path) -> None:
    """1,000 distinct rows: first import inserts 1,000; the same file again inserts 0 and leaves 1,000 unchanged;
    changing rows 2 and 11 (quantity, then source) updates exactly those 2 and the stored values follow."""
    rows = activity_rows(1000)
    path = write_csv(tmp_path / "activity.csv", HEADER, rows)
    first = import_file(org, path)
    assert (first.rows, first.inserted, first.updated, first.unchanged) == (1000, 1000, 0, 0)
    second = import_file(org, path)
    assert (second.rows, second.inserted, second.updated, second.unchanged) == (1000, 0, 0, 1000)
    assert len(_records(org)) == 1000

    rows[0][HEADER.index("quantity")] = "1234.5"
    rows[9][HEADER.index("source")] = "corrected bill"
    third = import_file(org, write_csv(tmp_path / "activity.csv", HEADER, rows))
    assert (third.inserted, third.updated, third.unchanged) == (0, 2, 998)
    with org() as s:
        assert s.scalar(select(func.count()).select_from(ActivityRecord)) == 1000
        assert s.scalars(select(ActivityRecord.quantity).where(ActivityRecord.source == "test row 0")).one() == 1234.5
        assert s.scalar(select(func.count()).where(ActivityRecord.source == "corrected bill")) == 1
        batches = s.scalars(select(ImportBatch).where(ImportBatch.template == "activity").order_by(ImportBatch.id)).all()
        # issue 12 item 9: the unchanged second import adds no batch; it names the first, of the same content
        assert [(b.rows, b.inserted, b.updated) for b in batches] == [(1000, 1000, 0), (1000, 0, 2)]
        assert second.same_as_batch == batches[0].id and second.batch_ids == []
        assert len({b.sha256 for b in batches}) == 2


def test_xlsx_import_equals_csv_import(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    """The same 200 rows as CSV into one database and as XLSX (numbers and dates as native cells) into another
    schema-equal database give identical records."""
    rows = activity_rows(200)
    import_files(sessions, [*reference_files(tmp_path), write_csv(tmp_path / "activity.csv", HEADER, rows)])
    from_csv = _records(sessions)

    with sessions() as s:  # start again from an empty activity table
        s.execute(ActivityRecord.__table__.delete())
        s.commit()
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in rows:
        cells: list[object] = list(row)
        for name in ("period_start", "period_end"):
            cells[HEADER.index(name)] = date.fromisoformat(row[HEADER.index(name)])
        cells[HEADER.index("quantity")] = float(row[HEADER.index("quantity")])
        ws.append(cells)
    ws.append([None] * len(HEADER))  # a trailing empty row, as spreadsheets often leave: counted, not imported
    wb.save(tmp_path / "activity.xlsx")
    report = import_file(sessions, tmp_path / "activity.xlsx")
    assert (report.template, report.rows, report.inserted, report.blank_rows) == ("activity", 200, 200, 1)
    assert _records(sessions) == from_csv
    assert len(from_csv) == 200


@pytest.mark.parametrize(("changes", "expected"), [
    ({"unit": "kWhh"}, "bad.csv, row 2, field 'unit': unknown unit 'kWhh'"),
    ({"kind": "value_added", "meter": "", "unit": "kWh"},
     "bad.csv, row 2, field 'unit': 'kWh' cannot be used for value_added (expected a currency in yuan"),
    ({"period_end": "2023-02-30"},
     "bad.csv, row 2, field 'period_end': '2023-02-30' is not a date (expected a date as YYYY-MM-DD)"),
    ({"period_start": "2023-03-01", "period_end": "2023-02-01"},
     "bad.csv, row 2, field 'period_end': period_end 2023-02-01 is before period_start 2023-03-01"),
    ({"facility": "F9"}, "bad.csv, row 2, field 'facility': organisation 'ORG' has no facility 'F9'"),
    ({"meter": "G-9"}, "bad.csv, row 2, field 'meter': facility 'ORG/F1' has no meter 'G-9'"),
    ({"kind": "steam", "unit": "t"}, "bad.csv, row 2, field 'unit': 't' does not measure what meter 'E-MAIN' reads in 'kWh'"),
    ({"organisation": "NOPE"}, "bad.csv, row 2, field 'organisation': there is no organisation 'NOPE'"),
    ({"kind": "fuel_combustion", "meter": "", "item": "unobtanium", "unit": "t"},
     "bad.csv, row 2, field 'item': unknown fuel 'unobtanium'"),
    ({"kind": "fuel_combustion", "meter": "", "item": "天然气", "unit": "Nm3", "category": "flying"},
     "bad.csv, row 2, field 'category': unknown combustion category 'flying' (expected stationary or mobile)"),
    ({"kind": "process", "meter": "", "item": "lime kiln", "unit": "t"},
     "bad.csv, row 2, field 'gas': a process row needs the gas it reports"),
    ({"kind": "process", "meter": "", "item": "lime kiln", "unit": "kWh", "gas": "CO2"},
     "bad.csv, row 2, field 'unit': 'kWh' cannot be used for process (expected a unit of mass of the gas"),
    ({"instrument": "REC-X"}, "bad.csv, row 2, field 'instrument': unknown instrument 'REC-X'"),
    ({"kind": "heat", "meter": "", "unit": "GJ", "instrument": "GEC"},
     "bad.csv, row 2, field 'instrument': instrument is given on a heat row"),
    ({"kind": "teleport"}, "bad.csv, row 2, field 'kind': unknown kind 'teleport'"),
    ({"quantity": ""}, "bad.csv, row 2, field 'quantity': the required quantity is missing"),
])
def test_bad_values_are_named(org: sessionmaker[Session], tmp_path: Path, changes: dict[str, str],
                              expected: str) -> None:
    path = write_csv(tmp_path / "bad.csv", HEADER, [one_row(**changes)])
    with pytest.raises(ImportRejected) as caught:
        import_file(org, path)
    messages = [p.message for p in caught.value.problems]
    assert len(messages) == 1 and messages[0].startswith(expected), messages
    assert _records(org) == []


def test_good_rows_of_every_kind_are_accepted(org: sessionmaker[Session], tmp_path: Path) -> None:
    """Chinese fuel names and units (天然气, 万元), a green-power row with a contract factor, a process row, steam in t."""
    rows = [
        one_row(kind="fuel_combustion", meter="", item="天然气", unit="万Nm3", quantity="12.5", category="stationary"),
        one_row(kind="fuel_combustion", meter="", item="diesel", unit="t", quantity="3", category="mobile"),
        one_row(instrument="green_power_trade", instrument_ref="GPT-1", contract_factor="0", quantity="1,000"),
        one_row(kind="process", meter="", item="Li2CO3 decomposition", unit="t", gas="CO2", quantity="40.2"),
        one_row(kind="steam", meter="", item="park steam", unit="t", quantity="80"),
        one_row(kind="heat", meter="", item="hot water", unit="GJ", quantity="80"),
        one_row(kind="value_added", meter="", item="industrial value added", unit="万元", quantity="-5"),
    ]
    report = import_file(org, write_csv(tmp_path / "kinds.csv", HEADER, rows))
    assert (report.rows, report.inserted) == (7, 7)
    with org() as s:
        green = s.scalars(select(ActivityRecord).where(ActivityRecord.instrument == "green_power_trade")).one()
        assert (green.quantity, green.contract_factor, green.unit) == (1000.0, 0.0, "kWh")


def test_repeated_record_in_one_file_is_refused(org: sessionmaker[Session], tmp_path: Path) -> None:
    """Rows 3 and 6003 (data rows 2 and 6002) describe the same record with different quantities: ambiguous. They
    sit in different write chunks (5,000 rows), so the check cannot rely on one chunk."""
    rows = activity_rows(6002)
    rows[6001] = list(rows[1])
    rows[6001][HEADER.index("quantity")] = "99"
    with pytest.raises(ImportRejected) as caught:
        import_file(org, write_csv(tmp_path / "dup.csv", HEADER, rows))
    assert [p.message for p in caught.value.problems] == [
        "dup.csv, row 6003: the row repeats row 3 (same facility, kind, item, period, meter, supplier, instrument, "
        "gas and category) (expected each activity record once per file)"]
    assert _records(org) == []


def test_rows_of_another_organisation_are_refused_when_scoped(org: sessionmaker[Session], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", HEADER, [one_row()])
    with pytest.raises(ImportRejected) as caught:
        import_file(org, path, organisation="OTHER")
    assert caught.value.problems[0].message.startswith(
        "a.csv, row 2, field 'organisation': the row is for organisation 'ORG', but this import is for 'OTHER'")
    assert import_file(org, path, organisation="ORG").inserted == 1


def test_reference_files_update_and_reject(sessions: sessionmaker[Session], engine: Engine, tmp_path: Path) -> None:
    """A facility file naming an unknown organisation imports nothing; a changed facility name is an update."""
    import_files(sessions, reference_files(tmp_path))
    before = database_state(engine)
    bad = write_csv(tmp_path / "fac.csv", ["organisation", "code", "name", "province"],
                    [["ORG", "F2", "二号厂区", "四川省"], ["GHOST", "F1", "x", "四川省"]])
    with pytest.raises(ImportRejected) as caught:
        import_file(sessions, bad)
    assert [p.message for p in caught.value.problems] == [
        "fac.csv, row 3, field 'organisation': there is no organisation 'GHOST' (expected an organisation in the "
        "database or in an organisations file of this import)"]
    assert database_state(engine) == before
    renamed = write_csv(tmp_path / "fac.csv", ["organisation", "code", "name", "province"],
                        [["ORG", "F1", "一号厂区（新）", "四川省"], ["ORG", "F2", "二号厂区", "四川省"]])
    report = import_file(sessions, renamed)
    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 0)


def test_100000_rows_import_with_progress(org: sessionmaker[Session], tmp_path: Path) -> None:
    """A 100,000-row file goes in (the count is the file's); the progress callback ends at (100000, 100000)."""
    path = write_csv(tmp_path / "big.csv", HEADER, activity_rows(100_000))
    calls: list[tuple[int, int | None]] = []
    report = import_file(org, path, progress=lambda done, total: calls.append((done, total)))
    assert (report.rows, report.inserted) == (100_000, 100_000)
    assert calls[-1] == (100_000, 100_000)
    assert all(a[0] <= b[0] for a, b in zip(calls, calls[1:], strict=False))
    with org() as s:
        assert s.scalar(select(func.count()).select_from(ActivityRecord)) == 100_000


def test_import_command_reports_json_and_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`carbontrail import` on a SQLite file: a bad file exits 1 with every problem in the JSON error; the good
    files exit 0 with one report per file, in template order whatever the order given."""
    import json

    import typer
    from typer.testing import CliRunner

    from carbontrail.cli.imports import import_command
    from carbontrail.store.db import make_engine

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    Base.metadata.create_all(make_engine(url))
    monkeypatch.setenv("CARBONTRAIL_DATABASE_URL", url)
    cli = typer.Typer()
    cli.command()(import_command)
    runner = CliRunner()
    activity = write_csv(tmp_path / "activity.csv", HEADER, activity_rows(8))
    refs = reference_files(tmp_path)

    bad = runner.invoke(cli, [str(activity), "--json"])
    assert bad.exit_code == 1
    error = json.loads(bad.stdout)["error"]
    assert error["code"] == "import_rejected"
    assert error["problems"][0] == ("activity.csv, row 2, field 'organisation': there is no organisation 'ORG' "
                                    "(expected an organisation in the database or in an organisations file of this "
                                    "import)")
    assert len(error["problems"]) == 8

    good = runner.invoke(cli, [str(activity), *map(str, refs), "--json"])
    assert good.exit_code == 0, good.output
    assert [(r["template"], r["inserted"]) for r in json.loads(good.stdout)] == [
        ("organisations", 1), ("facilities", 1), ("meters", 1), ("activity", 8)]
