"""Sichuan grid against the China-average grid for the indirect part."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from carbontrail.cbam import compare_grids, compute_see, library_grid_factors, parse_installation
from carbontrail.cbam.comparison import GridFactor
from carbontrail.units import magnitude, quantity

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cbam"


def test_smelter_on_sichuan_grid_against_china() -> None:
    """2,700,000 MWh for 200,000 t Al. Library factors (MEE/NBS): Sichuan 2022 0.1404 t/MWh, China 2023 0.5306.
    Indirect SEE: 2,700,000 × 0.1404 / 200,000 = 1.8954 t/t against 2,700,000 × 0.5306 / 200,000 = 7.1631 t/t;
    advantage 5.2677 t/t — outside the aluminium obligation (direct only)."""
    inst = parse_installation(yaml.safe_load((EXAMPLES / "sichuan-aluminium-smelter.yaml").read_text("utf-8")))
    result = compute_see(inst).process("smelting")
    local, reference = library_grid_factors(2023)
    assert magnitude(local.value, "t/MWh") == pytest.approx(0.1404)
    assert local.year == 2022 and local.geography == "CN-SC"
    assert magnitude(reference.value, "t/MWh") == pytest.approx(0.5306)
    cmp = compare_grids(inst.process("smelting"), result, local, reference)
    assert magnitude(cmp.see_indirect_local, "t/t") == pytest.approx(1.8954)
    assert magnitude(cmp.see_indirect_reference, "t/t") == pytest.approx(7.1631)
    assert magnitude(cmp.advantage, "t/t") == pytest.approx(5.2677)
    assert not cmp.counts_in_obligation
    assert magnitude(cmp.obligation_saving(quantity(1000, "t")), "t") == 0.0


def test_cement_advantage_counts() -> None:
    """Clinker, 100 MWh per 1,000 t with given factors 0.1 and 0.6 t/MWh: indirect 0.01 vs 0.06 t/t; for cement
    indirect counts, so 500 t clinker avoid 500 × 0.05 = 25 t of obligation."""
    inst = parse_installation({
        "name": "kiln", "operator": "op", "reporting_period": {"start": "2025-01-01", "end": "2025-12-31"},
        "processes": [{"id": "k", "name": "k", "category": "Cement clinker", "cn_codes": ["2523 10 00"],
                       "system_boundary": "kiln", "activity_level": "1000 t",
                       "electricity": [{"amount": "100 MWh", "emission_factor": "0.3 t/MWh", "source": "t"}]}]})
    result = compute_see(inst).process("k")
    local = GridFactor("A", quantity(0.1, "t/MWh"), 2023, "test", "1")
    reference = GridFactor("B", quantity(0.6, "t/MWh"), 2023, "test", "1")
    cmp = compare_grids(inst.process("k"), result, local, reference)
    assert magnitude(cmp.advantage, "t/t") == pytest.approx(0.05)
    assert magnitude(cmp.obligation_saving(quantity(500, "t")), "t") == pytest.approx(25)
