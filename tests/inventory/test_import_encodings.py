"""Input as people have it: CSV in UTF-8, UTF-8 with BOM, GBK/GB18030 (detected or stated), comma or semicolon;
the unit words and fuel names of Chinese energy statistics read as the factor library's, with the mapping shown;
each error printed once by the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from carbontrail.errors import InputError
from carbontrail.services.imports import import_file, import_files
from carbontrail.store.models import ActivityRecord
from carbontrail.units import magnitude, quantity

HEADER = "organisation,facility,period_start,period_end,kind,item,quantity,unit,source"
ROWS = ["ORG,F1,2024-01-01,2024-01-31,electricity,外购电力,1200,kWh,一月电费单",
        "ORG,F1,2024-02-01,2024-02-29,electricity,外购电力,1100,kWh,二月电费单",
        "ORG,F1,2024-01-01,2024-01-31,fuel_combustion,天然气,300,Nm3,一月燃气账单"]


def _setup(sessions: sessionmaker[Session], folder: Path) -> None:
    (folder / "organisations.csv").write_text("code,name,province\nORG,示例企业,四川省\n", encoding="utf-8")
    (folder / "facilities.csv").write_text("organisation,code,name,province\nORG,F1,一厂,四川省\n", encoding="utf-8")
    import_files(sessions, [folder / "organisations.csv", folder / "facilities.csv"])


def _stored(sessions: sessionmaker[Session]) -> list[tuple[str, str, float, str, str]]:
    with sessions() as s:
        return [tuple(r) for r in s.execute(select(ActivityRecord.kind, ActivityRecord.item, ActivityRecord.quantity,
                                                   ActivityRecord.unit, ActivityRecord.source)
                                            .order_by(ActivityRecord.period_start, ActivityRecord.kind))]


EXPECTED = [("electricity", "外购电力", 1200.0, "kWh", "一月电费单"),
            ("fuel_combustion", "天然气", 300.0, "Nm3", "一月燃气账单"),
            ("electricity", "外购电力", 1100.0, "kWh", "二月电费单")]


@pytest.mark.parametrize(("encoding", "separator", "shown"), [
    ("utf-8", ",", "UTF-8"), ("utf-8-sig", ",", "UTF-8"), ("gbk", ",", "GB18030 (GBK)"),
    ("gb18030", ";", "GB18030 (GBK)"), ("utf-8-sig", ";", "UTF-8")])
def test_each_encoding_and_separator_reads_the_same_three_rows(sessions: sessionmaker[Session], tmp_path: Path,
                                                               encoding: str, separator: str, shown: str) -> None:
    """The same three rows (two electricity bills, one gas bill: counted by hand) in each encoding and separator:
    3 inserted, the Chinese item names and sources stored exactly, the encoding and separator reported."""
    _setup(sessions, tmp_path)
    text = "\n".join([HEADER, *ROWS]).replace(",", separator) + "\n"
    path = tmp_path / "activity.csv"
    path.write_bytes(text.encode(encoding))
    report = import_file(sessions, path)
    assert (report.rows, report.inserted, report.encoding, report.delimiter) == (3, 3, shown, separator)
    assert _stored(sessions) == EXPECTED


def test_a_stated_encoding_is_used_and_a_wrong_one_is_one_clear_error(sessions: sessionmaker[Session],
                                                                      tmp_path: Path) -> None:
    _setup(sessions, tmp_path)
    path = tmp_path / "gbk.csv"
    path.write_bytes(("\n".join([HEADER, *ROWS]) + "\n").encode("gbk"))
    assert import_file(sessions, path, encoding="GBK").inserted == 3
    with pytest.raises(InputError) as caught:
        import_file(sessions, path, encoding="utf-8")
    assert "gbk.csv" in str(caught.value) and "not UTF-8 text" in str(caught.value)
    with pytest.raises(InputError, match="not an encoding"):
        import_file(sessions, path, encoding="latin-7")


def test_chinese_unit_words_and_fuel_names_are_mapped_and_the_mapping_shown(sessions: sessionmaker[Session],
                                                                            tmp_path: Path) -> None:
    """方, 万千瓦时, 度 and 原煤 as Chinese bills and statistics write them. By hand: 1,000 方 = 1,000 m³ of natural
    gas; electricity 5,000 度 + 3 万千瓦时 = 5,000 + 30,000 = 35,000 kWh; 2 吨 of 原煤 read as IPCC other
    bituminous coal. Mappings shown: item 原煤 (1 row), unit 万千瓦时 (1 row), unit 方 (1 row); 度 and 吨 are units
    carbontrail already knows, so they need no mapping."""
    _setup(sessions, tmp_path)
    path = tmp_path / "统计.csv"
    path.write_text("\n".join([
        HEADER,
        "ORG,F1,2024-03-01,2024-03-31,fuel_combustion,天然气,1000,方,燃气",
        "ORG,F1,2024-03-01,2024-03-31,fuel_combustion,原煤,2,吨,煤",
        "ORG,F1,2024-03-01,2024-03-31,electricity,外购电力,5000,度,电",
        "ORG,F1,2024-04-01,2024-04-30,electricity,外购电力,3,万千瓦时,电"]) + "\n", encoding="utf-8")
    report = import_file(sessions, path)
    assert report.inserted == 4
    assert [(m.field, m.written, m.used, m.rows) for m in report.mappings] == [
        ("item", "原煤", "other_bituminous_coal", 1), ("unit", "万千瓦时", "10^4 kWh", 1), ("unit", "方", "m3", 1)]
    assert all(m.basis for m in report.mappings)
    stored = _stored(sessions)
    assert ("fuel_combustion", "天然气", 1000.0, "m3", "燃气") in stored
    assert ("fuel_combustion", "other_bituminous_coal", 2.0, "吨", "煤") in stored
    kwh = sum(magnitude(quantity(q, u), "kWh") for kind, _i, q, u, _s in stored if kind == "electricity")
    assert kwh == pytest.approx(35_000)


def test_the_cli_prints_each_problem_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose rows 3 and 4 (spreadsheet numbering) have an unknown unit: the CLI prints one line counting
    2 problems, then each problem exactly once; with --json the same two problems once each."""
    from carbontrail.cli import app as root

    monkeypatch.setenv("CARBONTRAIL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("CARBONTRAIL_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    assert runner.invoke(root, ["init"]).exit_code == 0
    (tmp_path / "organisations.csv").write_text("code,name,province\nORG,示例企业,四川省\n", encoding="utf-8")
    (tmp_path / "facilities.csv").write_text("organisation,code,name,province\nORG,F1,一厂,四川省\n",
                                             encoding="utf-8")
    assert runner.invoke(root, ["import", str(tmp_path / "organisations.csv"),
                                str(tmp_path / "facilities.csv")]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([HEADER, ROWS[0], ROWS[1].replace("kWh", "furlongs"),
                              ROWS[2].replace("Nm3", "parsecs")]) + "\n", encoding="utf-8")
    result = runner.invoke(root, ["import", str(bad)])
    assert result.exit_code == 1
    err = result.stderr
    assert "2 problem(s), nothing was imported" in err
    assert err.count("row 3") == 1 and err.count("row 4") == 1
    as_json = runner.invoke(root, ["import", str(bad), "--json"])
    problems = json.loads(as_json.stdout)["error"]["problems"]
    assert len(problems) == 2 and sum("row 3" in p for p in problems) == 1
