"""China grid factors: the published values, and the province → grid → national / nearest-earlier-year chain."""

from __future__ import annotations

import pytest

from carbontrail.errors import FactorNotFound, InputError
from carbontrail.factors import FactorLibrary, FactorQuery
from carbontrail.factors.geography import chain, provinces, resolve
from carbontrail.units import magnitude, quantity


@pytest.fixture(scope="module")
def lib() -> FactorLibrary:
    return FactorLibrary.default()


def test_sichuan_2022_location_based(lib: FactorLibrary) -> None:
    """Sichuan 2022 provincial average factor 0.1404 kg CO2/kWh: 10,000 kWh × 0.1404 = 1,404 kg = 1.404 t."""
    sel = lib.electricity("四川", 2022)
    assert sel.factor.value == 0.1404
    assert (sel.used_geography, sel.used_year) == ("CN-SC", 2022)
    assert magnitude(quantity(10_000, "kWh") * sel.factor.quantity, "t") == pytest.approx(1.404)
    assert "exact match" in sel.explanation


def test_year_fallback_is_recorded(lib: FactorLibrary) -> None:
    """No 2023 provincial values are published yet: 四川 2023 → 四川 2022, and the selection says so."""
    sel = lib.electricity("Sichuan", 2023)
    assert (sel.used_geography, sel.used_year, sel.factor.value) == ("CN-SC", 2022, 0.1404)
    assert "no 2023 value, so 2022" in sel.explanation


def test_province_without_value_falls_back_to_its_grid(lib: FactorLibrary) -> None:
    """Tibet has no provincial factor; it is in the 西南 grid (Sichuan, Chongqing, Tibet), 2022 value 0.2268."""
    sel = lib.electricity("CN-XZ", 2022)
    assert (sel.used_geography, sel.used_year, sel.factor.value) == ("CN-GRID-SW", 2022, 0.2268)
    assert sel.fallback[0] == "西藏 (CN-XZ): no factor"
    assert "its regional grid 西南 (CN-GRID-SW)" in sel.explanation
    # 2023: the grid has its own 2023 value (0.2472), which beats the province's older one only when the
    # province has none at all.
    assert lib.electricity("西藏", 2023).factor.value == 0.2472


def test_national_series(lib: FactorLibrary) -> None:
    """MEE/NBS 2023: average 0.5306, excluding market-traded non-fossil 0.6096, fossil 0.8273; footprint 0.6205
    kg CO2e/kWh (2023 electricity carbon-footprint factor); MEE reporting factor 0.5703 (2022)."""
    assert lib.electricity("全国", 2023).factor.value == 0.5306
    assert lib.electricity("CN", 2023, "excluding_market_nonfossil").factor.value == 0.6096
    assert lib.electricity("China", 2023, "fossil").factor.value == 0.8273
    fp = lib.electricity("四川", 2024, "footprint_2023")
    assert (fp.factor.value, fp.factor.gas, fp.used_geography, fp.used_year) == (0.6205, "CO2e", "CN", 2023)
    assert lib.electricity("CN", 2023, "mee_reporting").factor.value == 0.5703


def test_too_early_a_year_says_what_was_tried(lib: FactorLibrary) -> None:
    with pytest.raises(FactorNotFound, match=r"四川 \(CN-SC\): only 2021, 2022, none on or before 2019.*西南"):
        lib.electricity("四川", 2019)
    with pytest.raises(FactorNotFound, match="no series 'marginal'"):
        lib.electricity("四川", 2022, series="marginal")


@pytest.mark.parametrize(("name", "code"), [("四川", "CN-SC"), ("四川省", "CN-SC"), ("Sichuan", "CN-SC"),
                                            ("cn-sc", "CN-SC"), ("Tibet", "CN-XZ"), ("Xizang", "CN-XZ"),
                                            ("重庆", "CN-CQ"), ("Inner Mongolia", "CN-NM"), ("西南", "CN-GRID-SW")])
def test_geography_names(name: str, code: str) -> None:
    assert resolve(name) == code


def test_grid_membership() -> None:
    """Regional grids of the MEE/NBS factors: 西南 = 四川 重庆 西藏; 华中 = 河南 湖北 湖南 江西; 南方 = 广东 广西
    云南 贵州 海南; 华东 = 上海 江苏 浙江 安徽 福建; 西北 = 陕西 甘肃 青海 宁夏 新疆; 东北 = 辽宁 吉林 黑龙江;
    华北 = 北京 天津 河北 山西 山东 (+ 蒙西)."""
    members: dict[str, set[str]] = {}
    for p in provinces():
        assert p.parent is not None
        members.setdefault(p.parent, set()).add(p.short_zh)
    assert members["CN-GRID-SW"] == {"四川", "重庆", "西藏"}
    assert members["CN-GRID-C"] == {"河南", "湖北", "湖南", "江西"}
    assert members["CN-GRID-S"] == {"广东", "广西", "云南", "贵州", "海南"}
    assert members["CN-GRID-E"] == {"上海", "江苏", "浙江", "安徽", "福建"}
    assert members["CN-GRID-NW"] == {"陕西", "甘肃", "青海", "宁夏", "新疆"}
    assert members["CN-GRID-NE"] == {"辽宁", "吉林", "黑龙江"}
    assert members["CN-GRID-N"] == {"北京", "天津", "河北", "山西", "山东", "内蒙古"}
    assert len(provinces()) == 31
    assert chain("CN-SC") == ["CN-SC", "CN-GRID-SW", "CN", "GLO"]


def test_every_2022_provincial_value_is_plausible(lib: FactorLibrary) -> None:
    """All 30 provinces with a 2022 value lie between Yunnan's hydro-heavy 0.1073 and Hebei's 0.7252."""
    values = [f.value for f in lib.search(activity="electricity", year=2022, series="average")
              if f.geography.startswith("CN-") and not f.geography.startswith("CN-GRID")]
    assert len(values) == 30
    assert min(values) == 0.1073 and max(values) == 0.7252


def test_ambiguous_query_is_refused(lib: FactorLibrary) -> None:
    with pytest.raises(InputError, match="several geographies"):
        lib.select(FactorQuery("electricity", None, 2022, "average"))
    with pytest.raises(InputError, match="several factors"):
        lib.select(FactorQuery("combustion:natural_gas", "CN", None, "manufacturing"))


def test_search(lib: FactorLibrary) -> None:
    found = lib.search("天然气")
    assert {f.activity for f in found} >= {"combustion:natural_gas", "ncv:natural_gas", "ncv_volume:natural_gas"}
    sichuan = lib.search(geography="四川")
    assert sorted((f.year, f.value) for f in sichuan) == [(2021, 0.1255), (2022, 0.1404)]
