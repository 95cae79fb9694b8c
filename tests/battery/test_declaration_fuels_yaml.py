"""Fuels entered in the YAML declaration file as amount × factor with its source (Reg. (EU) 2023/1542 Art. 7,
Annex II), carried into the declaration and its contribution lines."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from carbontrail.battery.document import parse_document
from carbontrail.errors import InputError
from carbontrail.services.battery_declarations import compute

SMALL = yaml.safe_load((Path(__file__).with_name("declaration_small.yaml")).read_text(encoding="utf-8"))
GAS = {"name": "natural gas, formation ovens", "stage": "main_production", "amount": 12000, "unit": "MJ",
       "factor": {"value": 0.0561, "source": "IPCC 2006 Vol.2 Ch.2 Table 2.2, natural gas 56.1 kg CO2/GJ",
                  "year": 2006, "geography": "GLO"}}


def test_a_fuel_in_the_file_adds_amount_times_factor() -> None:
    """12,000 MJ × 0.0561 kg CO2e/MJ = 673.2 kg CO2e in main production; the line keeps the factor's source."""
    before = compute(parse_document(SMALL))
    after = compute(parse_document({**SMALL, "fuels": [GAS]}))
    stage = {s["stage"]: s["absolute_kg"] for s in after["declaration"]["stages"]}  # type: ignore[index]
    was = {s["stage"]: s["absolute_kg"] for s in before["declaration"]["stages"]}  # type: ignore[index]
    assert stage["main_production"] - was["main_production"] == pytest.approx(673.2)
    line = next(c for c in after["declaration"]["contributions"]  # type: ignore[index]
                if c["item"] == "natural gas, formation ovens")
    assert line["kg"] == pytest.approx(673.2) and "IPCC 2006" in line["basis"] and "12000 MJ" in line["basis"]


def test_a_fuel_with_an_unknown_unit_names_the_field() -> None:
    with pytest.raises(InputError) as refused:
        parse_document({**SMALL, "fuels": [{**GAS, "unit": "bananas"}]}, file="decl.yaml")
    assert refused.value.location.field == "fuels.0.unit" and refused.value.location.file == "decl.yaml"
