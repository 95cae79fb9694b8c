"""On the demo data set: the province's and each park's totals are the sums of every enterprise's own inventory
(intensities a ratio of sums, never a mean of ratios), for every year that has data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.services.aggregates import aggregate
from carbontrail.services.demo import load_demo
from carbontrail.services.inventory import organisation_inventory
from carbontrail.services.jurisdictions import overseen_subtree
from carbontrail.services.work import SystemActor

DEMO = Path(__file__).resolve().parents[2] / "examples" / "sichuan-battery-chain"
ACTOR = SystemActor("test")


def test_province_and_park_totals_are_sums_of_enterprise_inventories(sessions: sessionmaker[Session]) -> None:
    load_demo(sessions, DEMO)
    province = aggregate(sessions, ACTOR, "SC")
    park_codes = [park.code for city in overseen_subtree(sessions, ACTOR, "SC").children for park in city.children]
    assert {"SC-SN-SHEDZ", "SC-CD-CETDZ"} <= set(park_codes)
    assert province.years and province.year == province.years[-1]  # opens on the latest year with data
    for year in province.years:
        sc = aggregate(sessions, ACTOR, "SC", year)
        parks = [aggregate(sessions, ACTOR, code, year) for code in park_codes]
        members = [e for e in sc.enterprises if e.error is None]
        assert {e.organisation for e in members} == {e.organisation for p in parks for e in p.enterprises}
        results = [organisation_inventory(sessions, e.organisation, start=sc_start(year), end=sc_end(year))
                   for e in members]
        energy = sum(r.energy_tce for r in results)
        scope1 = sum(r.scope1_t for r in results)
        scope2 = sum(r.scope2_location_t for r in results)
        value_added = sum(r.value_added_10k_yuan for r in results)
        assert sc.energy_tce == pytest.approx(energy)
        assert sc.scope1_t_co2e == pytest.approx(scope1)
        assert sc.scope2_location_t_co2e == pytest.approx(scope2)
        assert sc.value_added_10k_yuan == pytest.approx(value_added)
        assert sc.energy_tce == pytest.approx(sum(p.energy_tce for p in parks))
        if value_added:
            assert sc.co2_intensity == pytest.approx((scope1 + scope2) / value_added)
            ratios = [(r.scope1_t + r.scope2_location_t) / r.value_added_10k_yuan for r in results
                      if r.value_added_10k_yuan]
            if len(set(round(x, 9) for x in ratios)) > 1:  # a mean of unequal ratios differs from the ratio of sums
                assert sc.co2_intensity != pytest.approx(sum(ratios) / len(ratios))


def sc_start(year: int) -> date:
    return date(year, 1, 1)


def sc_end(year: int) -> date:
    return date(year, 12, 31)
