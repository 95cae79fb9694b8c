"""The service's SEE summary (what the API, the pages, the stored results and `cbam see --json` carry) shows every
intermediate a verifier follows: per-stream CO2, CF4 and C2F6 masses, the GWPs, PFC CO2e, the counted indirect SEE."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from carbontrail.cbam import compute_see, parse_installation
from carbontrail.cli import app
from carbontrail.services.cbam import see_summary
from cbam_world import EXAMPLES

SMELTER = EXAMPLES / "sichuan-aluminium-smelter.yaml"


def test_the_summary_carries_the_pfc_and_stream_figures() -> None:
    """Slope method (IPCC 2006 Vol.3 Ch.4 Eq. 4.26): CF4 = 0.143 kg/t × 0.05 AE-min/cell-day × 200,000 t = 1,430 kg;
    C2F6 = 0.121 × 1.43 t = 0.17303 t; AR5 GWP100 CF4 6,630, C2F6 11,100: 1.43 × 6,630 + 0.17303 × 11,100
    = 9,480.9 + 1,920.633 = 11,401.533 t CO2e. Anodes: 82,000 t × 0.976 × 44/12 = 293,440 t CO2."""
    model = parse_installation(yaml.safe_load(SMELTER.read_text(encoding="utf-8")), file=SMELTER.name)
    smelting = see_summary(compute_see(model))["processes"][0]  # type: ignore[index]
    pfc = smelting["pfc"]
    assert pfc["cf4_t"] == pytest.approx(1.43) and pfc["c2f6_t"] == pytest.approx(0.17303)
    assert (pfc["gwp_cf4"], pfc["gwp_c2f6"]) == (6630, 11100)
    assert pfc["co2e_t"] == pytest.approx(11_401.533)
    streams = {s["name"]: s["co2_t"] for s in smelting["source_streams"]}
    assert streams["prebaked anodes (net consumption)"] == pytest.approx(82_000 * 0.976 * 44 / 12, rel=1e-3)
    # aluminium is a good whose indirect emissions do not count (Regulation (EU) 2023/956 Annex II): 7.1631 t/t
    # indirect SEE (2,700,000 MWh × 0.5306 / 200,000 t) is shown, 0 of it counted
    assert smelting["see_indirect_t_per_t"] == pytest.approx(7.1631)
    assert smelting["see_indirect_counted_t_per_t"] == 0.0


def test_cli_json_is_the_service_summary() -> None:
    done = CliRunner().invoke(app, ["cbam", "see", str(SMELTER), "--json"])
    assert done.exit_code == 0, done.output
    printed = json.loads(done.output)
    model = parse_installation(yaml.safe_load(SMELTER.read_text(encoding="utf-8")), file=SMELTER.name)
    assert printed == json.loads(json.dumps(see_summary(compute_see(model))))
