"""What counts toward the obligation, mark-ups, and the importer's year with the 50-tonne de minimis check."""

from __future__ import annotations

import pytest

from carbontrail.cbam import ImportLine, counts_indirect, importer_view, markup, obligation_see
from carbontrail.errors import FactorNotFound
from carbontrail.units import magnitude, quantity


def test_which_parts_count() -> None:
    """Reg. (EU) 2023/956 Annex II: direct only for iron and steel, aluminium, hydrogen, electricity."""
    assert [counts_indirect(s) for s in ("Cement", "Fertilisers")] == [True, True]
    assert not any(counts_indirect(s) for s in ("Iron & Steel", "Aluminium", "Hydrogen", "Electricity"))
    d, i = quantity(0.8, "t/t"), quantity(0.05, "t/t")
    assert magnitude(obligation_see(d, i, "Cement"), "t/t") == pytest.approx(0.85)
    assert magnitude(obligation_see(d, i, "Aluminium"), "t/t") == pytest.approx(0.8)


def test_markup_schedule() -> None:
    """2025/2621: +10 % 2026, +20 % 2027, +30 % from 2028; fertilisers +1 %; none before 2026."""
    assert [markup(y, "Iron & Steel") for y in (2025, 2026, 2027, 2028, 2031)] == [0.0, 0.10, 0.20, 0.30, 0.30]
    assert markup(2028, "Fertilisers") == 0.01


def _al(mass: float) -> ImportLine:
    return ImportLine("smelter", "pot line", "7601 10 00", "CN", quantity(mass, "t"),
                      quantity(1.5, "t/t"), quantity(7.0, "t/t"), "communication")


def _steel_default(mass: float) -> ImportLine:
    return ImportLine("trader", "", "7211 14 00", "CN", quantity(mass, "t"))


def test_de_minimis_below_threshold() -> None:
    """30 t aluminium + 19.5 t steel = 49.5 t ≤ 50 t: exempt, nothing to surrender.
    Embedded still shown: 30 × (1.5 + 7.0) + 19.5 × 3.19 × 1.10 = 255 + 68.4255 = 323.4255 t."""
    view = importer_view([_al(30), _steel_default(19.5)], 2026)
    assert view.exempt
    assert magnitude(view.mass_under_threshold, "t") == pytest.approx(49.5)
    assert magnitude(view.obligation, "t") == 0.0
    assert magnitude(view.embedded, "t") == pytest.approx(323.4255)


def test_de_minimis_exactly_50_t_is_still_exempt() -> None:
    """'does not exceed 50 tonnes' (Reg. (EU) 2025/2083): 50.0 t is exempt."""
    assert importer_view([_al(30), _steel_default(20)], 2026).exempt


def test_de_minimis_above_threshold() -> None:
    """30 t + 20.5 t = 50.5 t > 50 t: all the year's goods count. Obligation (direct only, iron/steel and aluminium):
    aluminium 30 × 1.5 = 45 t; steel on default 7211 14 00 CN 3.19 t/t × 1.10 (2026) = 3.509 → 20.5 × 3.509 =
    71.9345 t; total 116.9345 t. Share from defaults = 71.9345 / (30 × 8.5 + 71.9345) = 71.9345 / 326.9345."""
    view = importer_view([_al(30), _steel_default(20.5)], 2026)
    assert not view.exempt
    assert magnitude(view.obligation, "t") == pytest.approx(116.9345)
    assert view.default_share == pytest.approx(71.9345 / 326.9345)
    assert view.lines[1].basis == "default +10%"


def test_hydrogen_is_outside_the_threshold() -> None:
    """10 t hydrogen at 9 t/t does not add to the 50 t and always counts: 90 t, while 30 t aluminium is exempt."""
    h2 = ImportLine("electrolyser", "", "2804 10 00", "CN", quantity(10, "t"), quantity(9.0, "t/t"),
                    quantity(0.0, "t/t"))
    view = importer_view([_al(30), h2], 2026)
    assert view.exempt
    assert magnitude(view.mass_under_threshold, "t") == pytest.approx(30)
    assert magnitude(view.obligation, "t") == pytest.approx(90)


def test_missing_default_is_an_error() -> None:
    with pytest.raises(FactorNotFound):
        importer_view([ImportLine("x", "", "7211 14 00", "VN", quantity(60, "t"))], 2026)
