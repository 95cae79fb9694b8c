"""carbontrail's product-model format: unit conversion with distributions, errors naming the field, and a
lossless round trip of the USLCI database (every product's footprint identical)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from carbontrail.errors import InputError, UnitError
from carbontrail.formats import olca_jsonld, product_model
from carbontrail.lca import all_footprints, build_system, prepare

BASE = {"name": "t", "flows": [{"id": "p", "unit": "kg"}, {"id": "e", "unit": "kWh"}],
        "processes": [{"id": "P", "outputs": [{"flow": "p", "amount": 1}], "inputs": []}]}


def _with_input(x: dict) -> dict:
    doc = {**BASE, "processes": [{**BASE["processes"][0], "inputs": [x]}]}
    return doc


def test_units_and_distributions_convert() -> None:
    """2 MWh = 2000 kWh; lognormal gsd 1.2 → σ = ln 1.2 and μ shifted by ln 1000; triangular bounds × 1000."""
    doc = product_model.parse(_with_input({"flow": "e", "amount": 2, "unit": "MWh", "uncertainty": {
        "distribution": "lognormal", "gsd": 1.2, "mu": math.log(2)}}))
    [x] = [e for e in doc.database.processes["P"].exchanges if e.is_input]
    assert x.amount == pytest.approx(2000) and x.uncertainty.scale == pytest.approx(math.log(1.2))
    assert x.uncertainty.loc == pytest.approx(math.log(2000))
    doc = product_model.parse(_with_input({"flow": "e", "amount": 2, "unit": "MWh", "uncertainty": {
        "distribution": "triangular", "min": 1, "mode": 2, "max": 4}}))
    [x] = [e for e in doc.database.processes["P"].exchanges if e.is_input]
    assert (x.uncertainty.minimum, x.uncertainty.loc, x.uncertainty.maximum) == (1000, 2000, 4000)
    again = product_model.parse(product_model.to_document(doc))
    assert again.database.processes == doc.database.processes


@pytest.mark.parametrize(("entry", "field", "error"), [
    ({"flow": "nope", "amount": 1}, "processes[0].inputs[0].flow", InputError),
    ({"flow": "e", "amount": "lots"}, "processes[0].inputs[0].amount", InputError),
    ({"flow": "e", "amount": 1, "unit": "kg"}, "processes[0].inputs[0].unit", UnitError),
    ({"flow": "e", "amount": 1, "uncertainty": {"distribution": "lognormal", "gsd": 0.5}},
     "processes[0].inputs[0].uncertainty.gsd", InputError),
    ({"flow": "e", "amount": 1, "uncertainty": {"pedigree": [1, 2, 3]}},
     "processes[0].inputs[0].uncertainty.pedigree", InputError),
])
def test_errors_name_the_field(entry: dict, field: str, error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        product_model.parse(_with_input(entry), file="m.yaml")
    assert info.value.location.field == field and info.value.location.file == "m.yaml"


def test_uslci_round_trip_is_lossless(test_data: Path) -> None:
    """USLCI (openLCA JSON-LD, 766 processes) → our format → back: every product's footprint is identical."""
    db = olca_jsonld.read(test_data / "uslci/uslci_olca1_5_0_json_ld.zip")
    back = product_model.parse(product_model.to_document(product_model.ProductModelDocument(db))).database
    scores = [all_footprints(prepare(build_system(d, boundary="cradle-to-gate", unallocatable="reference"))).scores
              for d in (db, back)]
    assert scores[0].shape[1] == 887
    # USLCI's "Item(s)", "m3", "m2", "p*km" are read as registry units, so such products can be asked for.
    units = {f.unit for f in back.flows.values()}
    assert {"piece", "m**3", "m**2", "pkm"} <= units and not {"Item(s)", "m3", "m2", "p*km"} & units
    np.testing.assert_array_equal(scores[0], scores[1])
