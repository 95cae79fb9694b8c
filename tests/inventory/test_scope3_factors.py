"""The scope 3 factor datasets: USEEIO spend factors against the publisher's own U matrix, conversions and freight."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from carbontrail.factors import FactorLibrary, FactorQuery
from carbontrail.factors.datafiles import shipped

LIB = FactorLibrary.default()
DATA = Path(__file__).resolve().parents[2] / "src/carbontrail/factors/data"


def _rows(name: str) -> list[dict[str, str]]:
    text = (DATA / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO("".join(line for line in text.splitlines(True)
                                                   if not line.startswith("#")))))


@pytest.fixture(scope="module")
def useeio(useeio_dir: Path) -> dict[str, object]:
    folder = useeio_dir / "USEEIO"
    indicators = json.loads((folder / "indicators.json").read_text())
    gcc = next(i for i in indicators if i["code"] == "GCC")
    return {
        "row": gcc["index"], "unit": gcc["unit"],
        "U": np.array(json.loads((folder / "matrix/U.json").read_text())),
        "D": np.array(json.loads((folder / "matrix/D.json").read_text())),
        "L": np.array(json.loads((folder / "matrix/L.json").read_text())),
        "sectors": json.loads((folder / "sectors.json").read_text()),
    }


def test_every_spend_factor_is_the_publishers_gcc_value(useeio: dict[str, object]) -> None:
    """Each shipped kg CO2e/USD equals USEEIO's own U[GCC, sector] (to the 6 significant digits shipped), and the
    publisher's U is its D·L: the factor is the sector's total (direct + supply-chain) intensity."""
    U, D, L, r = useeio["U"], useeio["D"], useeio["L"], useeio["row"]
    assert useeio["unit"] == "kg CO2 eq"
    assert np.allclose(D[r] @ L, U[r], rtol=1e-12, atol=0)  # type: ignore[index,operator]
    rows = {row["activity"]: row for row in _rows("useeio_spend_ghg.csv")}
    sectors = useeio["sectors"]
    assert len(rows) == len(sectors) == 388  # type: ignore[arg-type]
    for sector in sectors:  # type: ignore[attr-defined]
        row = rows[f"spend:useeio:{sector['code'].lower()}"]
        assert float(row["value"]) == pytest.approx(U[r, sector["index"]], rel=5e-6)  # type: ignore[index]
        assert (row["unit"], row["geography"], row["year"], row["gas"]) == ("kg/USD", "US", "2013", "CO2e")


def test_one_sector_by_hand(useeio: dict[str, object]) -> None:
    """325180 Other basic inorganic chemicals: U[GCC] = 1.30134 kg CO2e per 2013 USD in the publisher's matrix; the
    library returns it with its provenance (US, price year 2013, confidence low outside the US)."""
    U, r = useeio["U"], useeio["row"]
    index = next(s["index"] for s in useeio["sectors"] if s["code"] == "325180")  # type: ignore[attr-defined]
    assert U[r, index] == pytest.approx(1.30134, rel=1e-5)  # type: ignore[index]
    factor = LIB.select(FactorQuery("spend:useeio:325180")).factor
    assert factor.value == pytest.approx(U[r, index], rel=5e-6)  # type: ignore[index]
    assert (factor.geography, factor.year, factor.dataset) == ("US", 2013, "useeio-spend-ghg")
    assert "low" in factor.confidence and "U[GCC, 325180]" in factor.source


def test_exchange_rate_and_price_index_with_fallback_to_an_earlier_year() -> None:
    """NBS 2023 communiqué: 1 USD = 7.0467 CNY; a 2024 purchase takes the 2023 rate and says so."""
    sel = LIB.select(FactorQuery("exchange_rate:CNY_per_USD", "CN", 2024))
    assert sel.factor.value == 7.0467 and sel.used_year == 2023
    assert "no 2024 value, so 2023" in sel.explanation
    assert LIB.select(FactorQuery("price_index:us_cpi_u", "US", 2013)).factor.value == 232.957


def test_every_shipped_scope3_row_names_its_source() -> None:
    for name in ("useeio-spend-ghg", "currency-and-prices", "freight-transport", "purchased-materials"):
        dataset = next(d for d in shipped() if d.name == name)
        assert dataset.factors and all(f.source and f.confidence for f in dataset.factors), name


def test_freight_modes_cover_road_classes_rail_waterway_sea_air() -> None:
    """Defra/DECC 2012 Annex 7 Table 7e: articulated HGV > 33 t, grand total 0.10273 kg CO2e per tonne-km."""
    modes = {f.activity for f in LIB.search(activity="freight:")}
    assert {"freight:road_articulated_over_33t", "freight:road_rigid_3.5_7.5t", "freight:rail",
            "freight:inland_waterway", "freight:sea_bulk_carrier_large", "freight:air_long_haul"} <= modes
    factor = LIB.select(FactorQuery("freight:road_articulated_over_33t")).factor
    assert (factor.value, factor.unit, factor.gas) == (0.10273, "kg/tkm", "CO2e")
    # The table's grand total is its direct plus indirect column.
    assert factor.value == pytest.approx(0.08473 + 0.01800, abs=1e-12)


@pytest.mark.parametrize(("activity", "cn_code"), [
    ("material:steel_flat_rolled_hot_rolled", "72111400"), ("material:aluminium_wire", "7605"),
    ("material:aluminium_unwrought", "7601"), ("material:cement_portland", "25239000")])
def test_mass_based_rows_equal_the_cbam_default_they_cite(activity: str, cn_code: str) -> None:
    """Each material factor is the CBAM default for China of the CN code its source names (direct + indirect where
    the table has an indirect value), so the two data files cannot drift apart."""
    from carbontrail.cbam.defaults import DefaultValues
    from carbontrail.units import magnitude

    default = DefaultValues.shipped().lookup(cn_code, "CN")
    expected = magnitude(default.see_direct, "t/t") + (
        magnitude(default.see_indirect, "t/t") if default.see_indirect is not None else 0.0)
    factor = LIB.select(FactorQuery(activity)).factor
    assert factor.value == pytest.approx(expected, rel=1e-12) and factor.unit == "t/t"
    assert cn_code in factor.source
