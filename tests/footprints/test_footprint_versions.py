"""A product's footprint against the stored results of its other model versions (issue 17, item 3): SH-LFP's
cathode after the kiln upgrade beside the 2022 model from before it.

The two models differ only in the kiln's electricity: 4,000 kWh per tonne after the upgrade, 7,000 before
(services/demo/pact.py), at the Sichuan grid's 0.1404 kg CO2/kWh: (7,000 − 4,000) × 0.1404 / 1,000 = 0.4212 kg CO2e
per kg of cathode less."""

from __future__ import annotations

import pytest

from carbontrail.services import footprints
from carbontrail.services.footprint_versions import other_versions
from carbontrail.services.work import SystemActor

ACTOR = SystemActor("test")


def test_the_cathode_after_the_kiln_upgrade_against_2022(demo_chain) -> None:  # type: ignore[no-untyped-def]
    loaded = footprints.open_model(demo_chain, ACTOR, "SH-LFP", "lfp-cathode")
    now = footprints.compute(loaded, "lfp-cathode")
    (before,) = other_versions(demo_chain, ACTOR, "SH-LFP", "lfp-cathode", "lfp-cathode", now.fossil_kg_per_unit,
                               now.unit)
    assert (before.model, before.model_version, before.unit) == ("lfp-cathode-2022", "2022", "kg")
    assert before.fossil_kg_per_unit - now.fossil_kg_per_unit == pytest.approx(3000 * 0.1404 / 1000)
    assert before.change == pytest.approx(now.fossil_kg_per_unit / before.fossil_kg_per_unit - 1)
    # from the 2022 model's own page, the upgraded one is the other version, and per tonne (another unit) no
    # change is computed
    (after,) = other_versions(demo_chain, ACTOR, "SH-LFP", "lfp-cathode-2022", "lfp-cathode", 4911.07, "t")
    assert after.model == "lfp-cathode" and after.change is None
    assert other_versions(demo_chain, ACTOR, "CD-CELL", "lfp-cell", "lfp-cell", 1.0, "kWh") == []
