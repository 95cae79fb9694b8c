"""The monitoring demo: each demo meter's reading total over a record's period equals its activity record (monthly
in 2023, the year in 2025); the province's monitoring figures are the inventory aggregate of every enterprise; the
oversight shows at least one red and one yellow status for 2023 and for 2025, each with its warning; the province's
CO2 peak target has its outlook; a second load adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbontrail.services.aggregates import aggregate
from carbontrail.services.demo import load_demo
from carbontrail.services.monitor import derive, figures, warnings
from carbontrail.services.work import SystemActor

DEMO = Path(__file__).resolve().parents[2] / "examples" / "sichuan-battery-chain"
ACTOR = SystemActor("test")
pytestmark = pytest.mark.slow


def test_demo_readings_targets_and_warnings(sessions, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CARBONTRAIL_HOME", str(tmp_path / "home"))
    first = load_demo(sessions, DEMO)["monitor"]
    # 2023 and 2025 have 365 days each: 35 040 quarter-hours per electricity meter, 8 760 hours per gas meter
    assert first["readings"]["CD-CELL"] == 2 * 35040 and first["readings"]["CD-NEV"] == 2 * (35040 + 8760)
    assert first["figures_not_computed"] == []
    # derived from readings, every month of every demo meter equals its record: all kept, difference ~ 0
    for code in ("SH-LITHIUM", "CD-NEV"):
        months = derive.derive(sessions, ACTOR, code, 2023)
        assert months and all(m.action == "kept" for m in months)
        assert max(abs(m.difference) / m.recorded for m in months) < 1e-9
        assert {m.intervals for m in months if m.meter.endswith("E-MAIN")} <= {2688, 2880, 2976}
        # 2025: the year's record covers every month, so nothing is imported twice
        later = derive.derive(sessions, ACTOR, code, 2025)
        assert len(later) >= 12 and {m.action for m in later} == {"covered"}
        assert {m.covered_by for m in later} == {"2025-01-01..2025-12-31"}
    for year in (2020, 2023, 2025):
        # the monitoring figures of the province are the inventories of all its enterprises (another path)
        inventory = aggregate(sessions, ACTOR, "SC", year)
        monitored = figures.oversight(sessions, ACTOR, "SC", year).entity.figures
        assert monitored.energy_tce == pytest.approx(inventory.energy_tce, rel=1e-9)
        assert monitored.value_added == pytest.approx(inventory.value_added_10k_yuan, rel=1e-9)
        assert monitored.co2_intensity == pytest.approx(inventory.co2_intensity, rel=1e-9)
    inbox = warnings.list_warnings(sessions, ACTOR)
    flagged = {(w.entity, w.severity, w.key.rsplit(":", 1)[1]) for w in inbox}
    for year in (2023, 2025):
        view = figures.oversight(sessions, ACTOR, "SC", year)
        colours = {e.code: e.status() for e in view.enterprises if e.kpis}
        assert "red" in colours.values() and "yellow" in colours.values()
        for code, colour in colours.items():
            if colour in ("red", "yellow"):
                assert (code, colour, str(year)) in flagged
    # the CO2 peak by 2030: the province's 2020, 2023, 2025 totals, their quadratic trend falls at 2030
    peak = next(k for k in figures.oversight(sessions, ACTOR, "SC", 2025).entity.kpis if k.kpi == "co2_total")
    assert peak.target_year == 2030 and peak.peak is not None and peak.peak.points == 3
    totals = {y: aggregate(sessions, ACTOR, "SC", y) for y in (2020, 2023, 2025)}
    co2 = {y: a.co2_intensity * a.value_added_10k_yuan for y, a in totals.items()}
    f1, f2 = (co2[2023] - co2[2020]) / 3, (co2[2025] - co2[2023]) / 2
    c = (f2 - f1) / 5
    assert peak.peak.slope_at_peak_year == pytest.approx(f1 + c * (10 + 7), rel=1e-6)
    assert peak.status == ("green" if f1 + c * 17 <= 0 else "yellow" if c < 0 else "red")
    second = load_demo(sessions, DEMO)["monitor"]
    assert all(n == 0 for n in second["readings"].values()) and second["warnings"] == []
