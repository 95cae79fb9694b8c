"""The monitoring demo: each demo meter's monthly reading total equals its activity records; the oversight shows at
least one red and one yellow status, each with its warning; a second load adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbontrail.services.demo import load_demo
from carbontrail.services.monitor import derive, figures, warnings
from carbontrail.services.work import SystemActor

DEMO = Path(__file__).resolve().parents[2] / "examples" / "sichuan-battery-chain"
ACTOR = SystemActor("test")
pytestmark = pytest.mark.slow


def test_demo_readings_targets_and_warnings(sessions, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CARBONTRAIL_HOME", str(tmp_path / "home"))
    first = load_demo(sessions, DEMO)["monitor"]
    # 2023 has 365 days: 35 040 quarter-hours per electricity meter, 8 760 hours per gas meter
    assert first["readings"]["CD-CELL"] == 35040 and first["readings"]["CD-NEV"] == 35040 + 8760
    # derived from readings, every month of every demo meter equals its record: all kept, difference ~ 0
    for code in ("SH-LITHIUM", "CD-NEV"):
        months = derive.derive(sessions, ACTOR, code, 2023)
        assert months and all(m.action == "kept" for m in months)
        assert max(abs(m.difference) / m.recorded for m in months) < 1e-9
        assert {m.intervals for m in months if m.meter.endswith("E-MAIN")} <= {2688, 2880, 2976}
    view = figures.oversight(sessions, ACTOR, "SC", 2023)
    colours = {e.code: e.status() for e in view.enterprises if e.kpis}
    assert "red" in colours.values() and "yellow" in colours.values()
    inbox = warnings.list_warnings(sessions, ACTOR)
    flagged = {(w.entity, w.severity) for w in inbox}
    for code, colour in colours.items():
        if colour in ("red", "yellow"):
            assert (code, colour) in flagged
    second = load_demo(sessions, DEMO)["monitor"]
    assert all(n == 0 for n in second["readings"].values()) and second["warnings"] == []
