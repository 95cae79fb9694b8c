"""Value added at constant prices: price indices per jurisdiction and year (2020 = 100) entered, imported from CSV
and audited; value added stated at current prices is deflated with the nearest jurisdiction's index, and the
figures say which one; value added at constant prices is taken as given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from carbontrail.errors import ImportRejected, InputError, NotFound, PermissionDenied
from carbontrail.services import imports
from carbontrail.services.monitor import figures, prices
from carbontrail.services.work import SystemActor
from carbontrail.store.models import AuditEvent, PriceIndex

ACTOR = SystemActor("test")
HEADER = ("organisation,facility,period_start,period_end,kind,item,quantity,unit,category,gas,meter,supplier,"
          "instrument,instrument_ref,contract_factor,source")


def _activity(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "activity.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _va(org: str, year: int, qty: float, category: str = "") -> str:
    return f"{org},F1,{year}-01-01,{year}-12-31,value_added,industrial value added,{qty},10^4 yuan,{category},,,,,,,test"


def _el(org: str, year: int, mwh: float) -> str:
    return f"{org},F1,{year}-01-01,{year}-12-31,electricity,grid electricity,{mwh},MWh,,,,,,,,test"


@pytest.fixture
def pworld(mworld, monkeypatch, tmp_path):
    monkeypatch.setenv("CARBONTRAIL_MONITOR_MIN_COUNT", "2")
    imports.import_file(mworld.sessions, _activity(tmp_path, [
        _el("E1", 2020, 1000), _va("E1", 2020, 2000), _el("E1", 2023, 1100), _va("E1", 2023, 2750, "current_prices"),
        _el("E2", 2020, 3000), _va("E2", 2020, 1000), _el("E2", 2023, 2700), _va("E2", 2023, 1200,
                                                                                   "constant_prices"),
    ]), template="activity")
    return mworld


def test_current_prices_are_deflated_with_the_nearest_index(pworld) -> None:
    """E1's 2023 value added, 2750 at current prices, with the province's 2023 index 110 (2020 = 100) is
    2750 ÷ 1.10 = 2500 at 2020 prices; once the park P1 enters its own index 125 it is 2750 ÷ 1.25 = 2200.
    E2's 1200 at constant prices and both 2020 figures are taken as given. Park P1 2023 value added:
    2500 + 1200 = 3700 (then 2200 + 1200 = 3400); 2020: 2000 + 1000 = 3000."""
    s = pworld.sessions
    with pytest.raises(InputError, match="current prices.*price index for 2023"):
        figures.refresh(s, ACTOR, "E1", 2023)
    prices.set_index(s, ACTOR, "PROV", 2023, 110.0, source="test release 1")
    for org in ("E1", "E2"):
        for year in (2020, 2023):
            figures.refresh(s, ACTOR, org, year)
    [jan] = [r for r in figures.refresh(s, ACTOR, "E1", 2023) if r.value_added]
    assert jan.value_added == pytest.approx(2500)
    assert "PROV 2023 index 110" in jan.source and "2020 = 100" in jan.source
    [e2] = [r for r in figures.refresh(s, ACTOR, "E2", 2023) if r.value_added]
    assert e2.value_added == pytest.approx(1200) and e2.source == "inventory"
    park = figures.oversight(s, ACTOR, "P1", 2023).entity
    assert park.figures.value_added == pytest.approx(3700)
    prices.set_index(s, ACTOR, "P1", 2023, 125.0, source="test park release")
    [jan] = [r for r in figures.refresh(s, ACTOR, "E1", 2023) if r.value_added]
    assert jan.value_added == pytest.approx(2200) and "P1 2023 index 125" in jan.source
    assert figures.oversight(s, ACTOR, "P1", 2023).entity.figures.value_added == pytest.approx(3400)


def test_indices_are_checked_audited_and_imported_all_or_nothing(pworld, tmp_path) -> None:
    s = pworld.sessions
    first = prices.set_index(s, ACTOR, "PROV", 2023, 104.0, source="demo value")
    assert first.change == "created" and first.base_year == 2020
    assert prices.set_index(s, ACTOR, "PROV", 2023, 104.0, source="demo value").change == "unchanged"
    assert prices.set_index(s, ACTOR, "PROV", 2023, 104.5, source="corrected").change == "updated"
    with s() as session:
        trail = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "price_index")
                                .order_by(AuditEvent.id)).all()
    assert [(a.action, a.object_key) for a in trail] == [("create", "PROV:2023"), ("update", "PROV:2023")]
    assert json.loads(trail[1].detail)["before"] == {"value": 104.0, "source": "demo value"}
    with pytest.raises(InputError, match="2020 = 100"):
        prices.set_index(s, ACTOR, "PROV", 2020, 98.0, source="x")
    with pytest.raises(InputError, match="where the index comes from"):
        prices.set_index(s, ACTOR, "PROV", 2021, 101.0, source=" ")
    bad = b"jurisdiction,year,index,source\nPROV,2024,105,ok\nPROV,2025,abc,ok\nPROV,2024,106,twice\n"
    with pytest.raises(ImportRejected) as err:
        prices.import_csv(s, ACTOR, "indices.csv", bad)
    text = str(err.value)
    assert "indices.csv, row 3, field 'index'" in text and "not a number" in text and "given twice" in text
    with s() as session:
        assert [p.year for p in session.scalars(select(PriceIndex))] == [2023]  # nothing of the file written
    good = "jurisdiction,year,index,source\nPROV,2024,105,统计公报（示意）\nP1,2024,107.5,park\n".encode("gb18030")
    out = prices.import_csv(s, ACTOR, "indices.csv", good)
    assert [(p.jurisdiction, p.year, p.value, p.change) for p in out] == [
        ("PROV", 2024, 105.0, "created"), ("P1", 2024, 107.5, "created")]
    assert out[0].source == "统计公报（示意）"
    with s() as session:
        [audit] = session.scalars(select(AuditEvent).where(AuditEvent.action == "import",
                                                           AuditEvent.object_type == "price_index")).all()
    assert [c["index"] for c in json.loads(audit.detail)["changes"]] == ["PROV:2024", "P1:2024"]
    listed = {(p.jurisdiction, p.year) for p in prices.list_indices(s, ACTOR, "P1")}
    assert listed == {("PROV", 2023), ("PROV", 2024), ("P1", 2024)}  # its own and the levels above, P2's not


def test_who_may_enter_indices(pworld) -> None:
    from monitor_world import principal

    s = pworld.sessions
    viewer = principal(s, "viewer@prov.example", "government_viewer", jurisdiction="PROV")
    park = principal(s, "park@p1.example", "park_admin", jurisdiction="P1")
    with pytest.raises(PermissionDenied, match="viewer reads them"):
        prices.set_index(s, viewer, "PROV", 2023, 104.0, source="x")
    assert prices.set_index(s, park, "P1", 2023, 104.0, source="park release").set_by == park.actor
    with pytest.raises(NotFound):
        prices.set_index(s, park, "P2", 2023, 104.0, source="x")
    with pytest.raises(NotFound):
        prices.list_indices(s, park, "OTHER")
    assert [p.jurisdiction for p in prices.list_indices(s, viewer, "PROV")] == ["P1"]


def test_value_added_states_its_prices_or_is_refused(mworld, tmp_path) -> None:
    with pytest.raises(ImportRejected, match="row 2, field 'category'.*unknown value-added category 'nominal'"):
        imports.import_file(mworld.sessions, _activity(tmp_path, [_va("E1", 2023, 10, "nominal")]),
                            template="activity")
