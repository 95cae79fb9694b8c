"""The kept oversight roll-up: computed once per fingerprint of its inputs and stored in the database, it gives the
same view as the direct computation; a changed or new monthly figure (as a refresh from new records or readings
writes), a new target or a moved enterprise renews it; the page shows the enterprises and their ranking a page at a
time. Figures: the world of test_monitor_kpis (E1, E2 in park P1, E3 in park P2; province target −14 % by 2025)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_monitor_kpis import ACTOR, _kpi, kworld  # noqa: F401  (the world and its figures)

from carbontrail.monitor import kpi
from carbontrail.services import imports, jurisdictions
from carbontrail.services.monitor import figures
from carbontrail.services.monitor.access import jurisdiction
from carbontrail.store.db import transaction
from carbontrail.store.models import MonitorRollup, MonitorRollupRow, MonthlyFigure, Organisation


def _direct(sessions, code: str, year: int) -> figures.Oversight:
    """The view computed from the monthly figures, nothing read from or written to the kept roll-ups."""
    with sessions() as s:
        return figures._oversight(s, jurisdiction(s, ACTOR, code), year, 2015)


def _kept(sessions, code: str, year: int, monkeypatch) -> figures.Oversight:
    """The view read from the kept roll-up: computing is made to fail, so it must come from the database."""
    def no(*_a, **_k):
        raise AssertionError("recomputed although nothing changed")

    with monkeypatch.context() as m:
        m.setattr(figures, "_compute", no)
        return figures.oversight(sessions, ACTOR, code, year)


def test_the_kept_rollup_is_the_direct_computation(kworld, monkeypatch) -> None:
    """Province 2023 energy intensity (1150 + 2700 + 700) / (2500 + 1200 + 500) = 4550 / 4200 = 1.083333; each
    group's figures are the sums of its enterprises' (P1 = E1 + E2: 3850 tce, 3700 × 10⁴ yuan)."""
    s = kworld.sessions
    first = figures.oversight(s, ACTOR, "PROV", 2023)  # computes and keeps
    with s() as x:
        assert x.scalar(select(func.count()).select_from(MonitorRollup)) == 1
        # CITY, P1, P2 and the three enterprises
        assert x.scalar(select(func.count()).select_from(MonitorRollupRow)) == 6
    kept = _kept(s, "PROV", 2023, monkeypatch)
    assert kept == first == _direct(s, "PROV", 2023)
    assert _kpi(kept.entity, "energy_intensity").value == pytest.approx(4550 / 4200)
    assert [e.code for e in kept.enterprises] == ["E1", "E2", "E3"]
    by_code = {e.code: e for e in kept.enterprises}
    assert {c: _kpi(e, "energy_intensity").status for c, e in by_code.items()} == {
        "E1": "yellow", "E2": "green", "E3": "red"}
    assert {c: e.grade for c, e in by_code.items()} == {"E1": "A", "E2": "C", "E3": "B"}
    city = figures.oversight(s, ACTOR, "CITY", 2023)
    assert city == _direct(s, "CITY", 2023)
    p1 = next(c for c in city.children if c.code == "P1")
    assert p1.figures == kpi.total([by_code["E1"].figures, by_code["E2"].figures])
    assert (p1.figures.energy_tce, p1.figures.value_added) == (3850, 3700)
    # names are read when shown, not kept: a renamed enterprise shows its new name from the kept roll-up
    with transaction(s) as x:
        x.scalars(select(Organisation).where(Organisation.code == "E1")).one().name_en = "Renamed E1"
    assert _kept(s, "PROV", 2023, monkeypatch).enterprises[0].name_en == "Renamed E1"


def test_a_changed_figure_a_new_record_or_target_renews_it(kworld, monkeypatch, tmp_path: Path) -> None:
    """E3's 2023 value added 500 → 1000 (a figure updated in place): province (4550) / (4200 + 500) = 0.968085.
    A new month (E1 2023-02, 100 tce, 0 value added): 4650 / 4700. A cap of 0.5 tce/10⁴ yuan for E3: 700/1000 =
    0.7 > 0.5 → red against the cap. A new activity record refreshed into E3's figures: the kept view follows."""
    s = kworld.sessions
    figures.oversight(s, ACTOR, "PROV", 2023)
    with transaction(s) as x:
        e3 = x.scalar(select(Organisation.id).where(Organisation.code == "E3"))
        row = x.scalars(select(MonthlyFigure).where(MonthlyFigure.organisation_id == e3,
                                                    MonthlyFigure.month == date(2023, 1, 1))).one()
        row.value_added = 1000.0
    changed = figures.oversight(s, ACTOR, "PROV", 2023)
    assert _kpi(changed.entity, "energy_intensity").value == pytest.approx(4550 / 4700)
    assert changed == _direct(s, "PROV", 2023) == _kept(s, "PROV", 2023, monkeypatch)

    with transaction(s) as x:
        e1 = x.scalar(select(Organisation.id).where(Organisation.code == "E1"))
        x.add(MonthlyFigure(organisation_id=e1, month=date(2023, 2, 1), energy_tce=100.0, co2_t=0.0,
                            value_added=0.0, source="test"))
    more = figures.oversight(s, ACTOR, "PROV", 2023)
    assert _kpi(more.entity, "energy_intensity").value == pytest.approx(4650 / 4700)
    assert more.entity.through_month == 2 and more == _direct(s, "PROV", 2023)

    figures.set_target(s, ACTOR, kpi_name="energy_intensity", base_year=2020, target_year=2025, cap=0.5,
                       organisation_code="E3")
    capped = next(e for e in figures.oversight(s, ACTOR, "PROV", 2023).enterprises if e.code == "E3")
    assert _kpi(capped, "energy_intensity").target == 0.5 and _kpi(capped, "energy_intensity").status == "red"
    assert figures.oversight(s, ACTOR, "PROV", 2023) == _direct(s, "PROV", 2023)

    before = next(e for e in _kept(s, "PROV", 2023, monkeypatch).enterprises if e.code == "E3").figures
    csv = tmp_path / "activity.csv"
    csv.write_text("organisation,facility,period_start,period_end,kind,item,quantity,unit,category,gas,meter,"
                   "supplier,instrument,instrument_ref,contract_factor,source\n"
                   "E3,F1,2023-03-01,2023-03-31,electricity,grid electricity,100,MWh,,,,,,,,test\n", encoding="utf-8")
    imports.import_file(s, csv, template="activity")
    figures.refresh(s, ACTOR, "E3", 2023)
    after = figures.oversight(s, ACTOR, "PROV", 2023)
    assert after == _direct(s, "PROV", 2023)
    e3_after = next(e for e in after.enterprises if e.code == "E3").figures
    assert after.entity.through_month == 3 and e3_after != before and e3_after.co2_t > 0

    # an enterprise moved to another park: P1 then holds E1 alone, below the minimum count of 2
    jurisdictions.place(s, "P2", organisation="E2")
    city = figures.oversight(s, ACTOR, "CITY", 2023)
    assert next(c for c in city.children if c.code == "P1").suppressed and city == _direct(s, "CITY", 2023)


def test_the_page_shows_enterprises_and_ranking_a_page_at_a_time(kworld, monkeypatch) -> None:
    """CO2 intensity 2023: E1 2200/2500 = 0.88, E3 1400/500 = 2.8, E2 5000/1200 = 4.17 → ranking E1, E3 | E2.
    Above the tree's limit the tree stops at the parks, with their enterprises counted per status."""
    s = kworld.sessions
    one = figures.oversight_page(s, ACTOR, "PROV", 2023, page=1, page_size=2)
    two = figures.oversight_page(s, ACTOR, "PROV", 2023, page=2, page_size=2)
    assert [e.code for e in one.view.enterprises] == ["E1", "E2"] and [e.code for e in two.view.enterprises] == ["E3"]
    assert [e.code for e in one.ranking] == ["E1", "E3"] and [e.code for e in two.ranking] == ["E2"]
    assert (one.pages, one.enterprises_total, one.ranked_total, two.first_rank) == (2, 3, 3, 3)
    assert {n.code for n in one.view.tree if n.kind == "enterprise"} == {"E1", "E2", "E3"} and not one.tree_counts
    assert one.view.entity == _direct(s, "PROV", 2023).entity and one.years == (2020, 2022, 2023)
    monkeypatch.setattr(figures, "TREE_ENTERPRISES", 2)
    big = figures.oversight_page(s, ACTOR, "PROV", None, page=1, page_size=2)
    assert big.year == 2023 and not [n for n in big.view.tree if n.kind == "enterprise"]
    assert big.tree_counts == {"P1": {"yellow": 1, "green": 1}, "P2": {"red": 1}}
