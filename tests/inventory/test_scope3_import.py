"""Scope 3 activity rows through the importer and the inventory service (SQLite and PostgreSQL): row-level checks,
and a supplier's stored footprint replacing the secondary factor."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import ImportRejected, InputError
from carbontrail.inventory.templates import ACTIVITY
from carbontrail.services.imports import import_files
from carbontrail.services.inventory import organisation_inventory
from carbontrail.services.pact.supplier_data import record_supplier_footprint
from carbontrail.store.db import transaction
from carbontrail.store.models import ActivityRecord, Organisation

HEADER = list(ACTIVITY.column_names)


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _references(folder: Path) -> list[Path]:
    return [
        _csv(folder / "organisations.csv", ["code", "name", "name_en", "industry", "province", "city", "park"],
             [["CELL", "电芯示例", "Cell Co", "C3841", "四川省", "成都市", ""]]),
        _csv(folder / "facilities.csv", ["organisation", "code", "name", "province", "city", "park"],
             [["CELL", "F1", "一号厂区", "四川省", "成都市", ""]]),
        _csv(folder / "periods.csv", ["organisation", "name", "start", "end", "is_base_year"],
             [["CELL", "2023", "2023-01-01", "2023-12-31", "false"]]),
    ]


def row(kind: str, item: str, quantity: str, unit: str, category: str, supplier: str = "") -> list[str]:
    values = dict.fromkeys(HEADER, "")
    values.update(organisation="CELL", facility="F1", period_start="2023-01-01", period_end="2023-12-31", kind=kind,
                  item=item, quantity=quantity, unit=unit, category=category, supplier=supplier, source="test")
    return [values[c] for c in HEADER]


def test_bad_scope3_rows_are_named_and_nothing_is_imported(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    import_files(sessions, _references(tmp_path))
    rows = [
        row("purchased_goods", "cathode", "19250", "t", "material:aluminium_wire"),  # good
        row("upstream_transport", "cathode", "1000", "tkm", "teleport"),  # 3: unknown mode
        row("upstream_transport", "cathode", "1000", "t", "rail"),  # 4: not t-km
        row("purchased_goods", "cathode", "19250", "t", "spend:useeio:325180"),  # 5: spend factor, mass unit
        row("purchased_goods", "cathode", "100", "CNY", "material:unobtainium"),  # 6: no such factor
        row("purchased_goods", "cathode", "100", "CNY", ""),  # 7: no secondary factor
        row("purchased_goods", "cathode", "100", "kWh", "spend:useeio:325180"),  # 8: kWh is no currency for a spend factor
    ]
    path = _csv(tmp_path / "activity.csv", HEADER, rows)
    with pytest.raises(ImportRejected) as caught:
        import_files(sessions, [path])
    found = sorted((p.location.row, p.location.field) for p in caught.value.problems)
    assert found == [(3, "category"), (4, "unit"), (5, "unit"), (6, "category"), (7, "category"), (8, "unit")]
    by_row = {p.location.row: p for p in caught.value.problems}
    assert "teleport" in by_row[3].reason and "road_articulated_over_33t" in (by_row[3].expected or "")
    assert "spend-based" in by_row[5].reason
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(ActivityRecord)) == 0


def test_supplier_footprint_in_the_database_replaces_the_secondary_factor(sessions: sessionmaker[Session],
                                                                          tmp_path: Path) -> None:
    """Cell maker buys 19,250 t of cathode and 10 t of aluminium wire and ships the cathode 180 km by articulated
    HGV > 33 t. With the cathode supplier's own 12 kg CO2e/kg on file:
    cathode 19,250,000 kg × 12 = 231,000 t (primary); wire 10 t × 4.8808 = 48.808 t (secondary, CBAM default);
    transport 3,465,000 t-km × 0.10273 kg = 355.95945 t (secondary). Total 231,404.76745 t; primary share
    231,000 / 231,404.76745."""
    import_files(sessions, [*_references(tmp_path), _csv(tmp_path / "activity.csv", HEADER, [
        row("purchased_goods", "lfp_cathode", "19250", "t", "material:aluminium_unwrought", "SH-LFP"),
        row("purchased_goods", "aluminium wire", "10", "t", "material:aluminium_wire"),
        row("upstream_transport", "lfp_cathode", "3465000", "t-km", "road_articulated_over_33t", "SH-LFP"),
    ])])
    before = organisation_inventory(sessions, "CELL", period="2023")
    # Without the supplier's data the cathode takes the secondary factor: 19,250 t × 3.0 t/t = 57,750 t.
    assert before.scope3_by_data()["primary"] == 0
    assert {(line.item, line.category): line.co2e_t for line in before.scope3}[("lfp_cathode", 1)] == \
        pytest.approx(57_750, rel=1e-12)

    with transaction(sessions) as s:
        org_id = s.scalar(select(Organisation.id).where(Organisation.code == "CELL"))
        record_supplier_footprint(s, org_id, product_key="lfp_cathode", supplier="SH-LFP", fossil_kg_per_unit=12.0,
                                  biogenic_kg_per_unit=None, unit="kg", source="SH-LFP PCF", reference="PCF-1",
                                  year=2023, geography="CN-SC")
    after = organisation_inventory(sessions, "CELL", period="2023")
    # lines come in the stored order: facility, period, kind, item
    wire, cathode, road = after.scope3
    assert (cathode.method, cathode.primary, cathode.co2e_t) == ("supplier_footprint", True,
                                                                pytest.approx(231_000, rel=1e-12))
    assert (wire.method, wire.co2e_t) == ("mass_based", pytest.approx(48.808, rel=1e-12))
    assert (road.method, road.co2e_t) == ("transport_mode", pytest.approx(355.95945, rel=1e-12))
    assert after.scope3_t == pytest.approx(231_404.76745, rel=1e-12)
    assert after.scope3_primary_share == pytest.approx(231_000 / 231_404.76745, rel=1e-12)
    assert "SH-LFP PCF" in cathode.factors[0].source


def test_demo_scope3_file_loads_and_every_row_says_where_it_comes_from(sessions: sessionmaker[Session]) -> None:
    """The demo's activity-scope3.csv, loaded with the rest of the demo (twice: idempotent). CD-CELL ships 19,250 t of
    cathode 180 km by articulated HGV > 33 t: 3,465,000 t-km × 0.10273 kg = 355.95945 t CO2e in category 4; the
    cathode itself rests on SH-LFP's own footprint (the demo's product model), so category 1 is all primary data:
    19,250,000 kg × that footprint."""
    from carbontrail.services.demo import load_demo
    from carbontrail.services.pact.supplier_data import supplier_footprints

    demo = Path(__file__).resolve().parents[2] / "examples/sichuan-battery-chain"
    with (demo / "activity-scope3.csv").open(encoding="utf-8") as fh:
        sources = [r["source"] for r in csv.DictReader(fh)]
    assert sources and all("illustrative" in s or "stoichiometry" in s for s in sources)
    first = {f["file"]: f for f in load_demo(sessions, demo)["files"]}
    second = {f["file"]: f for f in load_demo(sessions, demo)["files"]}
    assert first["activity-scope3.csv"]["inserted"] == len(sources)
    assert second["activity-scope3.csv"]["unchanged"] == len(sources)
    with sessions() as s:
        cell = s.scalars(select(Organisation).where(Organisation.code == "CD-CELL")).one()
        cathode = supplier_footprints(s, cell.id)["lfp-cathode"]
    per_kg = cathode.per_unit("kg")[0]
    result = organisation_inventory(sessions, "CD-CELL", period="2023")
    assert result.scope3_by_category()["category_4"] == pytest.approx(355.95945, rel=1e-12)
    assert result.scope3_by_category()["category_1"] == pytest.approx(19_250_000 * per_kg / 1000, rel=1e-12)
    assert result.scope3_primary_share == pytest.approx(19_250_000 * per_kg / 1000 / result.scope3_t, rel=1e-12)
    assert result.scope1_t > 0 and all(line.scope in (1, 2) for line in result.lines)


def test_a_physical_purchase_may_rest_on_supplier_data_alone(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    """No fallback factor: the row imports; the inventory names it until the supplier's footprint is on file, then
    counts it as primary data (10 t × 12 kg CO2e/kg = 120 t)."""

    import_files(sessions, _references(tmp_path))
    import_files(sessions, [_csv(tmp_path / "activity.csv", HEADER, [
        row("purchased_goods", "lfp-cathode", "10", "t", "", supplier="SUP")])])
    with pytest.raises(InputError, match="lfp-cathode.*SUP.*no supplier footprint"):
        organisation_inventory(sessions, "CELL", period="2023")
    with transaction(sessions) as s:
        org = s.scalars(select(Organisation).where(Organisation.code == "CELL")).one()
        record_supplier_footprint(s, org.id, product_key="lfp-cathode", supplier="SUP", fossil_kg_per_unit=12.0,
                                  biogenic_kg_per_unit=None, unit="kg", source="test", reference="pf-1")
    result = organisation_inventory(sessions, "CELL", period="2023")
    assert result.scope3_t == pytest.approx(120.0, rel=1e-12) and result.scope3_primary_share == 1.0
