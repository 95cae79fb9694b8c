"""Scope 3 categories 1 and 4 in the inventory core: hand-computed lines, primary data replacing secondary factors."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from carbontrail.errors import InputError
from carbontrail.factors import FactorLibrary
from carbontrail.inventory.ghg import Activity, compute_inventory
from carbontrail.lca.external import ExternalFootprint
from carbontrail.reports.inventory import write_csv, write_xlsx
from carbontrail.units import quantity

LIB = FactorLibrary.default()
YEAR = (date(2023, 1, 1), date(2023, 12, 31))


def act(kind: str, item: str, amount: float, unit: str, category: str, supplier: str = "") -> Activity:
    return Activity("F1", "四川", kind, item, quantity(amount, unit), YEAR[0], YEAR[1], category=category,
                    supplier=supplier)


def inventory(*acts: Activity, footprints: dict[str, ExternalFootprint] | None = None):
    return compute_inventory("ORG", YEAR[0], YEAR[1], acts, LIB, supplier_footprints=footprints)


@pytest.fixture(scope="module")
def gcc_325180(useeio_dir: Path) -> float:
    """The publisher's own U[GCC, 325180] (kg CO2 eq per USD), read from USEEIO's U matrix."""
    folder = useeio_dir / "USEEIO"
    row = next(i["index"] for i in json.loads((folder / "indicators.json").read_text()) if i["code"] == "GCC")
    col = next(s["index"] for s in json.loads((folder / "sectors.json").read_text()) if s["code"] == "325180")
    return float(np.array(json.loads((folder / "matrix/U.json").read_text()))[row, col])


def test_spend_in_yuan_against_the_publishers_matrix_value(gcc_325180: float) -> None:
    """1,000,000 CNY of inorganic chemicals bought in 2023:
    1,000,000 / 7.0467 CNY per USD (NBS 2023) = 141,910.40 USD of 2023;
    × CPI-U 2013 / 2023 = 232.957 / 304.702 → 108,496.24 USD of 2013;
    × U[GCC, 325180] (publisher, ≈ 1.30134 kg/USD) ≈ 141,190 kg CO2e."""
    expected_kg = 1_000_000 / 7.0467 * 232.957 / 304.702 * gcc_325180
    result = inventory(act("purchased_goods", "Li2CO3", 1_000_000, "CNY", "spend:useeio:325180", "SH-LITHIUM"))
    (line,) = result.scope3
    assert line.kg_co2e == pytest.approx(expected_kg, rel=1e-5)
    assert expected_kg == pytest.approx(141_190, rel=1e-4)
    assert (line.category, line.method, line.primary, line.supplier) == (1, "spend_based", False, "SH-LITHIUM")
    assert [f.activity for f in line.factors] == ["exchange_rate:CNY_per_USD", "price_index:us_cpi_u",
                                                  "price_index:us_cpi_u", "spend:useeio:325180"]
    assert "7.0467" in line.note and "USD of 2013" in line.note
    assert result.scope3_t == pytest.approx(expected_kg / 1000, rel=1e-5)
    # 100 万元 is the same 1,000,000 yuan.
    (wan,) = inventory(act("purchased_goods", "Li2CO3", 100, "万元", "spend:useeio:325180")).scope3
    assert wan.kg_co2e == pytest.approx(line.kg_co2e, rel=1e-12)
    # Scope 3 stays out of scopes 1 and 2 and out of the intensity indicator.
    assert result.scope1_t == 0 and result.scope2_location_t == 0


def test_spend_in_dollars_of_the_price_year_needs_no_conversion(gcc_325180: float) -> None:
    """1,000 USD in 2013 (the factor's price year): 1,000 × U[GCC, 325180] kg, no exchange rate, no CPI."""
    a = Activity("F1", "四川", "purchased_goods", "x", quantity(1000, "USD"), date(2013, 3, 1), date(2013, 3, 31),
                 category="spend:useeio:325180")
    (line,) = compute_inventory("ORG", date(2013, 1, 1), date(2013, 12, 31), [a], LIB).scope3
    assert line.kg_co2e == pytest.approx(1000 * gcc_325180, rel=1e-5)
    assert [f.activity for f in line.factors] == ["spend:useeio:325180"]


def test_mass_based_factor() -> None:
    """2 t of aluminium wire × 4.8808 t CO2e/t (CBAM default, CN 7605, China) = 9.7616 t CO2e."""
    (line,) = inventory(act("purchased_goods", "Al wire", 2, "t", "material:aluminium_wire")).scope3
    assert line.co2e_t == pytest.approx(9.7616, rel=1e-12)
    assert (line.method, line.data) == ("mass_based", "secondary")


def test_supplier_footprint_replaces_the_secondary_factor() -> None:
    """The supplier's own 2.1 kg CO2e/kg (and −0.05 kg biogenic) replaces the CBAM default:
    2 t = 2,000 kg × 2.1 = 4,200 kg = 4.2 t CO2e (not 9.7616 t); biogenic 2,000 × −0.05 = −100 kg beside it."""
    fp = ExternalFootprint("Al wire", quantity(2.1, "kg/kg"), quantity(-0.05, "kg/kg"), primary=True,
                           supplier="ALU-CO", source="ALU-CO PCF 2023", version="v1", year=2023, geography="CN")
    result = inventory(act("purchased_goods", "Al wire", 2, "t", "material:aluminium_wire", "ALU-CO"),
                       act("purchased_goods", "other", 1, "t", "material:aluminium_wire"),
                       footprints={"Al wire": fp})
    primary, other = result.scope3
    assert primary.co2e_t == pytest.approx(4.2, rel=1e-12) and primary.primary
    assert primary.biogenic_kg == pytest.approx(-100.0, rel=1e-12)
    assert primary.method == "supplier_footprint" and primary.factors[0].dataset == "supplier: ALU-CO"
    assert other.co2e_t == pytest.approx(4.8808) and not other.primary
    # primary share = 4.2 / (4.2 + 4.8808)
    assert result.scope3_primary_share == pytest.approx(4.2 / 9.0808, rel=1e-12)


def test_a_footprint_of_another_supplier_or_unit_is_not_used() -> None:
    fp = ExternalFootprint("Al wire", quantity(2.1, "kg/kg"), primary=True, supplier="ALU-CO")
    other_supplier = act("purchased_goods", "Al wire", 2, "t", "material:aluminium_wire", "OTHER-CO")
    spend = act("purchased_goods", "Al wire", 10_000, "CNY", "spend:useeio:33131b", "ALU-CO")
    first, second = inventory(other_supplier, spend, footprints={"Al wire": fp}).scope3
    assert (first.method, first.co2e_t) == ("mass_based", pytest.approx(9.7616))
    assert second.method == "spend_based" and "cannot take a quantity in CNY" in second.note


def test_upstream_transport_tonne_km_times_mode_factor() -> None:
    """19,250 t × 180 km = 3,465,000 t-km by articulated HGV > 33 t × 0.10273 kg/t-km = 355,959.45 kg;
    and 1,000 t × 500 km by rail × 0.03 kg CO2/t-km = 15,000 kg (CO2 only, said on the line)."""
    result = inventory(act("upstream_transport", "cathode", 19_250 * 180, "t*km", "road_articulated_over_33t"),
                       act("upstream_transport", "ore", 500_000, "tkm", "freight:rail"))
    road, rail = result.scope3
    assert road.kg_co2e == pytest.approx(355_959.45, rel=1e-12)
    assert rail.kg_co2e == pytest.approx(15_000, rel=1e-12) and "CO2 only" in rail.note
    assert result.scope3_by_category() == {"category_4": pytest.approx(370.95945, rel=1e-12)}


def test_unknown_mode_is_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        inventory(act("upstream_transport", "x", 10, "tkm", "teleport"))
    assert caught.value.location.field == "category" and "rail" in (caught.value.expected or "")


def test_outputs_carry_the_scope3_lines(tmp_path: Path) -> None:
    fp = ExternalFootprint("Al wire", quantity(2.1, "kg/kg"), primary=True, supplier="ALU-CO", source="PCF")
    result = inventory(act("purchased_goods", "Al wire", 2, "t", "material:aluminium_wire", "ALU-CO"),
                       act("upstream_transport", "Al wire", 1000, "tkm", "road_hgv_average", "TRUCKS"),
                       footprints={"Al wire": fp})
    summary = result.summary()
    # 4.2 t + 1,000 × 0.14993 kg = 0.14993 t
    assert summary["scope3_t_co2e"] == pytest.approx(4.34993, rel=1e-12)
    assert summary["scope3_by_category_t_co2e"] == {"category_1": pytest.approx(4.2), "category_4":
                                                    pytest.approx(0.14993)}
    assert summary["scope3_by_data_t_co2e"] == {"primary": pytest.approx(4.2), "secondary": pytest.approx(0.14993)}
    out = io.StringIO()
    write_csv(result, out)
    rows = [r for r in csv.DictReader(io.StringIO(out.getvalue())) if r["scope"] == "3"]
    assert [(r["item"], r["data"], r["method"], float(r["co2e_t"])) for r in rows] == [
        ("Al wire", "primary", "supplier_footprint", pytest.approx(4.2)),
        ("Al wire", "secondary", "transport_mode", pytest.approx(0.14993))]
    write_xlsx(result, tmp_path / "inv.xlsx")
    wb = load_workbook(tmp_path / "inv.xlsx")
    sheet = list(wb["scope3"].iter_rows(values_only=True))
    assert sheet[0][:5] == ("facility", "category", "month", "item", "supplier")
    assert [(r[1], r[4], r[7], r[17]) for r in sheet[1:]] == [(1, "ALU-CO", "primary", pytest.approx(4.2)),
                                                             (4, "TRUCKS", "secondary", pytest.approx(0.14993))]
    summary_rows = {r[0]: r[1] for r in wb["summary"].iter_rows(values_only=True)}
    assert summary_rows["scope 3 categories 1 and 4 (t CO2e)"] == pytest.approx(4.34993)
