"""One platform, one truth, on the whole demo: every enterprise the demo places in the province (the battery chain,
the second-life operator and the recycler of the battery module, the CBAM exporters) has activity records and a
value added for every year the province's pages offer; the province total of each year is the sum of every
enterprise's own inventory; and the smelter and steel works count in the 2025 total with the scope 1 their CBAM
installations reconcile with — on SQLite and PostgreSQL (the `sessions` fixture)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.services import cbam
from carbontrail.services.aggregates import aggregate
from carbontrail.services.demo import load_demo
from carbontrail.services.demo.cbam import CBAM_EXPORTERS
from carbontrail.services.inventory import organisation_inventory
from carbontrail.services.work import SystemActor
from carbontrail.store.models import Organisation

DEMO = Path(__file__).resolve().parents[2] / "examples" / "sichuan-battery-chain"
ACTOR = SystemActor("test")
#: every enterprise of the demo's modules: the chain (inventory, monitor, footprints), the battery module's two
#: added organisations and the CBAM exporters
ENTERPRISES = {"SH-LITHIUM", "SH-LFP", "CD-CELL", "CD-PACK", "CD-NEV", "SL-STORAGE", "SN-RECYCLE", "GY-ALU",
               "PZH-VTI"}
#: the green-certificate module's hydropower station only issues GECs; it is placed in no jurisdiction of the demo,
#: so no province page lists it (see examples/green/README.md)
OUTSIDE_THE_PROVINCE = {"SC-HYDRO"}


def _year(year: int) -> dict[str, date]:
    return {"start": date(year, 1, 1), "end": date(year, 12, 31)}


def test_every_enterprise_has_data_for_every_year_and_the_province_adds_them_up(
        sessions: sessionmaker[Session]) -> None:
    load_demo(sessions, DEMO)
    with sessions() as s:
        codes = set(s.scalars(select(Organisation.code)))
    assert codes == ENTERPRISES | OUTSIDE_THE_PROVINCE
    province = aggregate(sessions, ACTOR, "SC")
    assert province.years == (2020, 2023, 2025)
    for year in province.years:
        sc = aggregate(sessions, ACTOR, "SC", year)
        listed = {e.organisation: e for e in sc.enterprises}
        assert set(listed) == ENTERPRISES, year
        assert all(e.error is None and e.has_data for e in listed.values()), [e for e in listed.values()]
        own = {code: organisation_inventory(sessions, code, **_year(year)) for code in sorted(ENTERPRISES)}
        for code, result in own.items():
            assert result.lines and result.energy, (code, year)  # activity records that year
            assert result.value_added_10k_yuan > 0, (code, year)
            assert result.energy_tce > 0 and result.energy_intensity is not None, (code, year)
            # the province's row of each enterprise is its own inventory
            assert listed[code].scope1_t_co2e == pytest.approx(result.scope1_t), (code, year)
            assert listed[code].value_added_10k_yuan == pytest.approx(result.value_added_10k_yuan), (code, year)
        assert sc.energy_tce == pytest.approx(sum(r.energy_tce for r in own.values()))
        assert sc.scope1_t_co2e == pytest.approx(sum(r.scope1_t for r in own.values()))
        assert sc.scope2_location_t_co2e == pytest.approx(sum(r.scope2_location_t for r in own.values()))
        assert sc.scope2_market_t_co2e == pytest.approx(sum(r.scope2_market_t for r in own.values()))
        assert sc.value_added_10k_yuan == pytest.approx(sum(r.value_added_10k_yuan for r in own.values()))


def test_the_exporters_count_in_the_2025_total_with_their_cbam_scope1(sessions: sessionmaker[Session]) -> None:
    """2025 is the CBAM installations' period: the inventory scope 1 each installation reconciles with (same
    facility, same period) is the figure the province's 2025 total carries for the exporter."""
    load_demo(sessions, DEMO)
    sc = {e.organisation: e for e in aggregate(sessions, ACTOR, "SC", 2025).enterprises}
    for org, (_park, installation, _model, facility) in CBAM_EXPORTERS.items():
        rec = cbam.reconcile(sessions, ACTOR, org, installation)
        assert rec is not None and rec.facility == facility and rec.period == "2025-01-01/2025-12-31"
        assert abs(rec.unexplained_t) < 1e-6 * rec.cbam_direct_t, rec
        assert rec.inventory_scope1_t > 0
        assert sc[org].scope1_t_co2e == pytest.approx(rec.inventory_scope1_t), org
        whole = organisation_inventory(sessions, org, **_year(2025))
        assert whole.scope1_t == pytest.approx(rec.inventory_scope1_t), org  # the one facility is the enterprise
