"""Templates written by `carbontrail template` read back with the template's own columns, and their example rows
import: the documentation and the importer are one object."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from carbontrail.cli.template import app
from carbontrail.errors import InputError
from carbontrail.inventory.readers import TableFile
from carbontrail.inventory.templates import HELP_SHEET, IMPORT_ORDER, TEMPLATES, detect_template, get_template
from carbontrail.services.imports import import_files
from carbontrail.store.models import ActivityRecord, Facility, Meter, Organisation, ReportingPeriod

runner = CliRunner()

# The column lists the demo data set and the brief fix, written out here independently of the code.
BRIEF_COLUMNS = {
    "organisations": "code, name, name_en, industry, province, city, park",
    "facilities": "organisation, code, name, province, city, park",
    "meters": "organisation, facility, code, medium, unit, supplier",
    "periods": "organisation, name, start, end, is_base_year",
    "activity": "organisation, facility, period_start, period_end, kind, item, quantity, unit, category, gas, meter, "
                "supplier, instrument, instrument_ref, contract_factor, source",
}


@pytest.mark.parametrize("name", list(BRIEF_COLUMNS))
def test_written_csv_and_xlsx_read_back_with_the_template_columns(name: str, tmp_path: Path) -> None:
    expected = BRIEF_COLUMNS[name].split(", ")
    csv_path, xlsx_path = tmp_path / f"{name}.csv", tmp_path / f"{name}.xlsx"
    assert runner.invoke(app, [name, "--output", str(csv_path)]).exit_code == 0
    assert runner.invoke(app, [name, "--format", "xlsx", "--output", str(xlsx_path)]).exit_code == 0

    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to show Chinese
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh)) == [expected]
    for path in (csv_path, xlsx_path):
        with TableFile(path) as table:
            assert table.header == expected
            assert list(table.rows()) == []
            assert detect_template(table.header).name == name

    wb = load_workbook(xlsx_path)
    assert wb.sheetnames == [name, HELP_SHEET]
    assert wb[HELP_SHEET].sheet_state == "visible"
    help_rows = list(wb[HELP_SHEET].iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in help_rows] == expected
    assert all(r[4] and r[5] for r in help_rows)  # help in English and Chinese for every column
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in wb[name].data_validations.dataValidation}
    if name == "activity":
        assert lists == {"E2": '"fuel_combustion,electricity,heat,steam,process,production,value_added,'
                               'purchased_goods,upstream_transport"',
                         "M2": '"GEC,I-REC,green_power_trade,PPA,direct_line"'}
    else:
        assert lists == {}


def test_example_rows_of_every_template_import_together(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    """Each template's example row, written with --example (XLSX for activity, CSV for the rest) and imported in
    one go in reverse order, gives one organisation, facility, meter, period and activity record."""
    paths = []
    for name in reversed(IMPORT_ORDER):
        fmt = "xlsx" if name == "activity" else "csv"
        path = tmp_path / f"{name}.{fmt}"
        result = runner.invoke(app, [name, "--example", "--format", fmt, "--output", str(path)])
        assert result.exit_code == 0, result.output
        paths.append(path)
    reports = import_files(sessions, paths)
    assert [(r.template, r.rows, r.inserted) for r in reports] == [(n, 1, 1) for n in IMPORT_ORDER]
    with sessions() as s:
        for model in (Organisation, Facility, Meter, ReportingPeriod, ActivityRecord):
            assert s.scalar(select(func.count()).select_from(model)) == 1
        record = s.scalars(select(ActivityRecord)).one()
        assert (record.kind, record.quantity, record.unit) == ("electricity", 1443.6, "MWh")


def test_template_names_and_detection() -> None:
    assert list(TEMPLATES) == list(BRIEF_COLUMNS)
    with pytest.raises(InputError, match="there is no template 'fuels'"):
        get_template("fuels")
    with pytest.raises(InputError, match=r"row 1: the header matches no template \(closest: facilities: "
                                         r"missing province; unknown column\(s\) colour\)"):
        detect_template(["organisation", "code", "name", "colour"], "f.csv")
    result = runner.invoke(app, ["list", "--json"])
    assert result.exit_code == 0
    assert '"name": "periods"' in result.output
