"""Users' own factor datasets: CSV checked row by row, stored all or nothing, versions never overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict, ImportRejected
from carbontrail.factors import read_factor_csv
from carbontrail.services.factors import add_dataset, library_with_user_datasets
from carbontrail.store.models import FactorDatasetRow, FactorRow

GOOD = """activity,value,unit,gas,geography,year,series,source,confidence,notes
lfp_cathode,12.5,kg/kg,CO2e,四川,2023,pcf,"Supplier A PCF report 2023, table 3",verified,cradle-to-gate
lithium_carbonate,9.8,kg/kg,CO2e,Sichuan,2023,pcf,"Supplier B EPD S-P-01234, table 5",third-party,
"""

BAD = """activity,value,unit,gas,geography,year,series,source
lfp_cathode,12.5,kg/kg,CO2e,四川,2023,pcf,Supplier A report
lithium_carbonate,abc,kg/kg,CO2e,四川,2023,pcf,Supplier B EPD
graphite,3.1,kg/kg,CO2e,四川,2023,pcf,
"""


def test_csv_rows_become_factors_with_provenance() -> None:
    ds = read_factor_csv(GOOD, file="suppliers.csv", name="suppliers", version="2024.1")
    lfp, li2co3 = ds.factors
    assert (lfp.activity, lfp.value, lfp.unit, lfp.geography, lfp.year) == ("lfp_cathode", 12.5, "kg/kg", "CN-SC", 2023)
    assert li2co3.geography == "CN-SC" and li2co3.source.startswith("Supplier B EPD")
    assert (lfp.dataset, lfp.dataset_version) == ("suppliers", "2024.1")


def test_every_bad_row_is_reported_with_its_place() -> None:
    with pytest.raises(ImportRejected) as caught:
        read_factor_csv(BAD, file="bad.csv", name="suppliers", version="1")
    messages = [p.message for p in caught.value.problems]
    assert messages[0].startswith("bad.csv, row 3, field 'value': 'abc' is not a number")
    assert messages[1].startswith("bad.csv, row 4, field 'source'")
    assert len(messages) == 2


def test_bad_units_gases_and_duplicates() -> None:
    text = ("activity,value,unit,gas,source\n"
            "a,1,kg,CO2e,s\n"            # not per unit of activity
            "b,1,kg/kWh,CH5,s\n"         # unknown gas
            "c,1,kg/kWh,CO2,s\n"
            "c,2,kg/kWh,CO2,s\n")        # repeats row 4
    with pytest.raises(ImportRejected) as caught:
        read_factor_csv(text, file="f.csv", name="n", version="1")
    fields = [(p.location.row, p.location.field) for p in caught.value.problems]
    assert fields == [(2, "unit"), (3, "gas"), (5, "activity")]


def test_bad_file_stores_nothing(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(ImportRejected):
        add_dataset(sessions, path, name="suppliers", version="1")
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(FactorDatasetRow)) == 0
        assert session.scalar(select(func.count()).select_from(FactorRow)) == 0


def test_stored_dataset_joins_the_library_and_is_never_overwritten(sessions: sessionmaker[Session],
                                                                   tmp_path: Path) -> None:
    path = tmp_path / "suppliers.csv"
    path.write_text(GOOD, encoding="utf-8")
    add_dataset(sessions, path, name="suppliers", version="1", publisher="ACME")
    with pytest.raises(Conflict, match="already exists"):
        add_dataset(sessions, path, name="suppliers", version="1")
    with pytest.raises(Conflict, match="shipped"):
        add_dataset(sessions, path, name="china-electricity", version="2026.01")
    path.write_text(GOOD.replace("12.5", "11.0"), encoding="utf-8")
    add_dataset(sessions, path, name="suppliers", version="2")
    with sessions() as session:
        lib = library_with_user_datasets(session)
        assert session.scalar(select(func.count()).select_from(FactorRow)) == 4
    from carbontrail.factors import FactorQuery

    q = FactorQuery("lfp_cathode", "四川", 2024, "pcf")
    assert lib.select(q).factor.value == 11.0
    pinned = lib.select(q, pins={"suppliers": "1"})
    assert (pinned.factor.value, pinned.used_year) == (12.5, 2023)
    assert lib.electricity("四川", 2022).factor.value == 0.1404  # shipped data still there
