"""The green-electricity demo: GECs issued, bought and claimed by CD-CELL; SH-LFP's second claim refused; CD-CELL's
market-based scope 2 for January 2023 lower by exactly the 3,000 claimed MWh at the residual factor; its battery
declaration unchanged."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from carbontrail.battery.document import parse_document
from carbontrail.services import battery_declarations, certificates as certs
from carbontrail.services.demo.green import load_green_demo
from carbontrail.services.imports import import_files
from carbontrail.services.inventory import organisation_inventory
from carbontrail.services.work import SystemActor

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CHAIN = EXAMPLES / "sichuan-battery-chain"
JAN = (date(2023, 1, 1), date(2023, 1, 31))


def test_green_demo(sessions) -> None:
    import_files(sessions, [CHAIN / f"{n}.csv" for n in ("organisations", "facilities", "meters", "periods",
                                                           "activity")])
    doc = parse_document(yaml.safe_load((Path(__file__).parents[1] / "battery" / "declaration_small.yaml")
                                        .read_text("utf-8")))
    before_decl = battery_declarations.compute(doc)
    before = organisation_inventory(sessions, "CD-CELL", start=JAN[0], end=JAN[1])
    done = load_green_demo(sessions, EXAMPLES / "green")
    assert done["issued"] == 3000 and done["claimed_mwh"] == 3000.0
    assert "is already fully claimed (1 of 1 MWh)" in str(done["refused"])
    assert load_green_demo(sessions, EXAMPLES / "green")["issued"] == 0  # loading again changes nothing
    after = organisation_inventory(sessions, "CD-CELL", start=JAN[0], end=JAN[1])
    # CD-CELL's January 2023: 11,579.2 MWh of grid electricity without an instrument (the 4,962.5 MWh row with its
    # own GEC reference keeps factor 0). 3,000 MWh of it become claimed: the market-based figure falls by
    # 3,000 / 11,579.2 of the grid rows' market-based emissions.
    grid_t = sum(line.co2e_t for line in before.lines if line.scope == 2 and line.basis == "market"
                 and line.activity_amount == 11579.2)
    assert grid_t > 0
    assert after.scope2_market_t == pytest.approx(before.scope2_market_t - grid_t * 3000 / 11579.2)
    assert after.scope2_location_t == pytest.approx(before.scope2_location_t)
    report = certs.match_report(sessions, SystemActor("test"), "CD-CELL", JAN)
    # the station's 3,000 MWh never exceed CD-CELL's even use of 11,579.2 / 744 = 15.56 MWh an hour
    assert report.hourly_mwh == pytest.approx(3000.0) and report.annual_mwh == pytest.approx(3000.0)
    assert report.consumption_mwh == pytest.approx(11579.2)
    assert battery_declarations.compute(doc) == before_decl  # the battery declaration ignores the claims
