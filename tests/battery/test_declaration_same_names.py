"""Two electricity lines with the same name keep their own ISO 14067 factors in the gap explanation."""

from __future__ import annotations

from dataclasses import replace

import pytest
from battery_example import f, inputs

from carbontrail.battery.declaration import ElectricityUse, compare
from carbontrail.units import magnitude, quantity


def test_gap_lines_pair_by_position_not_by_name() -> None:
    """Two 1,000 kWh lines both called 'grid', national mix 0.5: declaration 500 kg each. ISO 14067: one at the
    Sichuan grid 0.10 (100 kg, gap 400 kg), one at hydropower 0.01 (10 kg, gap 490 kg). Matching the lines by
    name would pair both with the same ISO line and report 490 twice (or 400 twice)."""
    base = inputs()
    lines = [ElectricityUse("grid", quantity(1000, "kWh"), iso_factor=f(0.10, "kg/kWh", "Sichuan grid", "CN-SC")),
             ElectricityUse("grid", quantity(1000, "kWh"), iso_factor=f(0.01, "kg/kWh", "hydropower", "CN-SC"))]
    cmp = compare(replace(base, electricity=lines))
    gaps = [(g.item, magnitude(g.declaration, "kg") - magnitude(g.iso14067, "kg")) for g in cmp.lines]
    assert gaps == [("grid", pytest.approx(400.0)), ("grid", pytest.approx(490.0))]
    assert magnitude(cmp.gap_per_kwh, "kg/kWh") == pytest.approx(890 / 28_800)
