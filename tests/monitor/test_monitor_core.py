"""The monitoring maths against hand calculations (each in the test's docstring)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from carbontrail.errors import ImportRejected, InputError
from carbontrail.monitor import detect, kpi, quality
from carbontrail.monitor.energy import CARRIERS, to_tce
from carbontrail.monitor.readings import Counter, MeterSpec, validate

NOW = datetime(2024, 1, 1)
METERS = {
    "E1": MeterSpec("E1", "electricity", "kWh", 900),
    "C1": MeterSpec("C1", "electricity", "kWh", 3600, cumulative=True),
}


def test_two_enterprise_park_intensities_at_constant_prices() -> None:
    """A park of two enterprises; value added deflated to 2020 prices (index 2023 = 110, 2020 = 100).

    A: 2020 1000 tce, VA 2000 → 0.5 tce/10⁴ yuan; 2023 1100 tce, VA 2750 current = 2750/1.1 = 2500 → 0.44;
       change 0.44/0.5 − 1 = −12 %.
    B: 2020 3000 tce, VA 1000 → 3.0; 2023 2700 tce, VA 1320/1.1 = 1200 → 2.25; change −25 %.
    Park: 2020 (1000+3000)/(2000+1000) = 4000/3000 = 1.333333; 2023 (1100+2700)/(2500+1200) = 3800/3700
    = 1.027027; change 1.027027/1.333333 − 1 = −0.229730. The mean of the ratios would be (0.44+2.25)/2 = 1.345.
    Trajectory −14 % by 2025: goal 1.333333 × 0.86 = 1.146667; on track in 2023: 1.333333 − 0.186667 × 3/5
    = 1.221333.
    """
    a20 = kpi.Figures(1000, 0, kpi.constant_prices(2000, 100))
    a23 = kpi.Figures(1100, 0, kpi.constant_prices(2750, 110))
    b20 = kpi.Figures(3000, 0, kpi.constant_prices(1000, 100))
    b23 = kpi.Figures(2700, 0, kpi.constant_prices(1320, 110))
    assert a23.value_added == pytest.approx(2500)
    assert a23.energy_intensity == pytest.approx(0.44)
    assert kpi.change(a23.energy_intensity, a20.energy_intensity) == pytest.approx(-0.12)
    assert kpi.change(b23.energy_intensity, b20.energy_intensity) == pytest.approx(-0.25)
    park20, park23 = kpi.total([a20, b20]), kpi.total([a23, b23])
    assert park20.energy_intensity == pytest.approx(1.333333, rel=1e-6)
    assert park23.energy_intensity == pytest.approx(1.027027, rel=1e-6)
    assert park23.energy_intensity != pytest.approx(1.345)
    assert kpi.change(park23.energy_intensity, park20.energy_intensity) == pytest.approx(-0.229730, abs=1e-6)
    target = kpi.Target("energy_intensity", 2020, 2025, change=-0.14)
    assert kpi.trajectory(target, park20.energy_intensity, 2023) == pytest.approx(1.221333, rel=1e-6)


def test_province_is_sum_over_sum() -> None:
    """Province of two parks: park 1 = 100 tce / 100 VA (1.0), park 2 = 900 tce / 100 VA (9.0).
    Province = 1000/200 = 5.0 — here equal to the mean; with park 2's VA at 300 it is 1000/400 = 2.5, while the
    mean of ratios is (1.0 + 3.0)/2 = 2.0."""
    p = kpi.total([kpi.Figures(100, 0, 100), kpi.Figures(900, 0, 300)])
    assert p.energy_intensity == pytest.approx(2.5)


def test_constant_prices_refuses_a_zero_index() -> None:
    with pytest.raises(InputError, match="price index"):
        kpi.constant_prices(100, 0)


def test_projection_ols_with_prediction_interval() -> None:
    """Points (2020, 10) (2021, 9) (2022, 8.5) (2023, 7.5): x̄ 2021.5, ȳ 8.75, Sxx 5, Sxy −4 → slope −0.8.
    Residuals 0.05, −0.15, 0.15, −0.05 → SSE 0.05, s = √(0.05/2) = 0.158114. At 2025: ŷ = 8.75 − 0.8 × 3.5 = 5.95;
    √(1 + 1/4 + 3.5²/5) = √3.7 = 1.923538; t(0.975, 2) = 4.302653; s·t = 0.680309; half-width 1.308601 → [4.641399, 7.258601]."""
    p = kpi.project([2020, 2021, 2022, 2023], [10, 9, 8.5, 7.5], 2025)
    assert p.slope == pytest.approx(-0.8)
    assert p.value == pytest.approx(5.95)
    assert p.low == pytest.approx(4.641399, abs=1e-5)
    assert p.high == pytest.approx(7.258601, abs=1e-5)
    with pytest.raises(InputError, match="three"):
        kpi.project([2020, 2021], [1, 2], 2025)


def test_barometer_status() -> None:
    """Red: rose year on year (1.25 ≥ 1.2) or above a cap; yellow: fell (1.15 < 1.2) but above the 1.1 on-track
    value; green: at or below on-track."""
    assert kpi.status(1.0, 1.2, 1.1) == kpi.GREEN
    assert kpi.status(1.15, 1.1, 1.2) == kpi.YELLOW
    assert kpi.status(1.25, 1.3, 1.2) == kpi.RED
    assert kpi.status(0.9, 1.0, None, cap=0.8) == kpi.RED
    assert kpi.status(None, 1.0) is None


def test_grades_by_quarter() -> None:
    """Four enterprises 0.1, 0.2, 0.3, 0.4 t/10⁴ yuan → A, B, C, D; a tie at 0.1 shares A; eight → two per grade."""
    assert kpi.grades({"a": 0.1, "b": 0.2, "c": 0.3, "d": 0.4}) == {"a": "A", "b": "B", "c": "C", "d": "D"}
    assert kpi.grades({"a": 0.1, "b": 0.1, "c": 0.3, "d": None}) == {"a": "A", "b": "A", "c": "C"}
    eight = kpi.grades({str(i): float(i) for i in range(8)})
    assert [eight[str(i)] for i in range(8)] == ["A", "A", "B", "B", "C", "C", "D", "D"]


def test_tce_coefficients_of_gbt_2589() -> None:
    """1 000 000 kWh × 0.1229 kgce/kWh = 122.9 tce; 10 000 Nm³ × 0.038931 GJ/Nm³ = 389.31 GJ ÷ 29.3076 = 13.28359 tce;
    100 GJ ÷ 29.3076 = 3.412084 tce; 10 t raw coal × 0.7143 = 7.143 tce; 1 MWh = 1000 kWh."""
    assert to_tce(CARRIERS["electricity"], 1_000_000, "kWh") == pytest.approx(122.9)
    assert to_tce(CARRIERS["electricity"], 1000, "MWh") == pytest.approx(122.9)
    assert to_tce(CARRIERS["natural_gas"], 10_000, "Nm3") == pytest.approx(13.28359, rel=1e-6)
    assert to_tce(CARRIERS["steam"], 100, "GJ") == pytest.approx(3.412084, rel=1e-6)
    assert to_tce(CARRIERS["coal"], 10, "t") == pytest.approx(7.143)
    with pytest.raises(InputError, match="not a unit"):
        to_tce(CARRIERS["electricity"], 1, "Nm3")


def _quarter_hours(month_start: datetime, n: int) -> np.ndarray:
    return np.array([month_start + timedelta(minutes=15 * i) for i in range(n)], dtype="datetime64[s]")


def test_completeness_rule_positive_and_negative() -> None:
    """February 2023 has 28 × 96 = 2688 quarter-hours; 90 % is 2419.2. 2420 present → 90.03 % passes;
    2419 → 89.99 % fails."""
    start = datetime(2023, 2, 1)
    ok = quality.month_quality("E1", "2023-02", _quarter_hours(start, 2420), np.ones(2420), 900)
    bad = quality.month_quality("E1", "2023-02", _quarter_hours(start, 2419), np.ones(2419), 900)
    assert ok.expected == 2688 and ok.present == 2420 and ok.complete
    assert bad.present == 2419 and not bad.complete
    assert bad.completeness == pytest.approx(2419 / 2688)
    # the missing tail is one gap: 2688 − 2419 = 269 intervals from 2023-02-26 04:45
    assert bad.gaps == (quality.Gap(datetime(2023, 2, 26, 4, 45), 269),)


def test_daily_vs_monthly_rule_positive_and_negative() -> None:
    """Σ daily 1049 vs monthly 1000: 4.9 % ≤ 5 % passes; 1051: 5.1 % fails; 950: 5.0 % passes (the limit)."""
    start = datetime(2023, 2, 1)
    days = np.array([start + timedelta(days=i) for i in range(28)], dtype="datetime64[s]")

    def month(total: float) -> quality.MonthQuality:
        values = np.full(28, total / 28)
        return quality.month_quality("D1", "2023-02", days, values, 86400, monthly_figure=1000)

    assert month(1049).daily_vs_monthly == pytest.approx(0.049) and month(1049).consistent
    assert month(1051).daily_vs_monthly == pytest.approx(0.051) and month(1051).consistent is False
    assert month(950).consistent
    assert quality.month_quality("D1", "2023-02", days, np.ones(28), 86400).consistent is None


def test_clock_drift_and_flat_lines() -> None:
    """Every timestamp 90 s late: drift +90 s > 60 s fails; 30 s late passes. 24 quarter-hours of one value 5.0
    (6 h ≥ 4 h) after ten rising ones make one flat line of 24 from 02:30; the same run of zeros (no use) is not one."""
    start = datetime(2023, 2, 1)
    late = _quarter_hours(start, 100) + np.timedelta64(90, "s")
    q = quality.month_quality("E1", "2023-02", late, np.arange(100.0), 900)
    assert q.drift_s == 90 and not q.clock_ok
    assert quality.month_quality("E1", "2023-02", late - np.timedelta64(60, "s"), np.arange(100.0), 900).clock_ok
    values = np.concatenate([np.arange(10.0), np.full(24, 5.0), np.arange(10.0)])
    lines = quality.flat_lines(_quarter_hours(start, 44), values, 900)
    assert lines == (quality.FlatLine(datetime(2023, 2, 1, 2, 30), 24, 5.0),)
    assert quality.flat_lines(_quarter_hours(start, 24), np.zeros(24), 900) == ()


def _frame(rows: list[tuple[str, str, object]], **extra: list[object]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["meter", "timestamp", "value"])
    for k, v in extra.items():
        df[k] = v
    return df


def test_counter_reset_declared_and_undeclared() -> None:
    """Counter 100, 150, 20: without a reset the third row (CSV row 4) goes backwards → refused, naming meter,
    row, field. With `reset` on it: consumption 50 then 20 (restart from zero); the first reading is a baseline.
    With a stored predecessor of 90: 10, 50, 20."""
    rows = [("C1", "2023-01-01T01:00", 100), ("C1", "2023-01-01T02:00", 150), ("C1", "2023-01-01T03:00", 20)]
    with pytest.raises(ImportRejected) as refused:
        validate(_frame(rows), METERS, now=NOW, file="c.csv")
    [problem] = refused.value.problems
    assert problem.location.row == 4 and problem.location.field == "value" and "C1" in problem.reason
    assert "backwards from 150 to 20" in problem.reason
    out = validate(_frame(rows, reset=["", "", "true"]), METERS, now=NOW, file="c.csv")
    assert np.isnan(out["value"].iat[0]) and list(out["value"].iloc[1:]) == [50, 20]
    stored = {"C1": Counter(datetime(2023, 1, 1, 0, 0), 90)}
    out = validate(_frame(rows, reset=["", "", "1"]), METERS, now=NOW, file="c.csv", counters=stored)
    assert list(out["value"]) == [10, 50, 20]
    assert list(out["start"]) == [pd.Timestamp("2023-01-01 00:00"), pd.Timestamp("2023-01-01 01:00"),
                                  pd.Timestamp("2023-01-01 02:00")]


def test_counter_going_up_needs_no_reset() -> None:
    rows = [("C1", "2023-01-01T01:00", 100), ("C1", "2023-01-01T02:00", 150)]
    assert list(validate(_frame(rows), METERS, now=NOW, file="c.csv")["value"].iloc[1:]) == [50]


def test_bad_readings_are_named_by_meter_row_and_field() -> None:
    rows = [("E1", "2023-01-01T00:00", 1.5), ("X9", "2023-01-01T00:00", 1), ("E1", "2023-01-01T00:15", -2),
            ("E1", "2030-01-01T00:00", 1), ("E1", "2023-01-01T00:30", 1), ("E1", "yesterday", 1)]
    with pytest.raises(ImportRejected) as refused:
        validate(_frame(rows, unit=["kWh", "kWh", "kWh", "kWh", "Nm3", "kWh"]), METERS, now=NOW, file="r.csv")
    found = {(p.location.row, p.location.field) for p in refused.value.problems}
    assert found == {(3, "meter"), (4, "value"), (5, "timestamp"), (6, "unit"), (7, "timestamp")}
    messages = " | ".join(p.message for p in refused.value.problems)
    assert "no meter 'X9'" in messages and "cannot be negative" in messages and "future" in messages
    assert "reads in kWh, not 'Nm3'" in messages


def test_good_interval_readings_and_offsets() -> None:
    """An offset timestamp is converted to China Standard Time: 2023-01-01T00:15Z = 08:15 +08:00."""
    rows = [("E1", "2023-01-01T08:00:00+08:00", 1.5), ("E1", "2023-01-01T00:15:00Z", 2.5)]
    out = validate(_frame(rows), METERS, now=NOW, file="r.csv")
    assert list(out["start"]) == [pd.Timestamp("2023-01-01 08:00"), pd.Timestamp("2023-01-01 08:15")]
    assert list(out["value"]) == [1.5, 2.5]


def test_robust_z_score_detector() -> None:
    """Days 10, 10, 11, 9, 10, 30: median 10; |x − 10| = 0, 0, 1, 1, 0, 20 → MAD 0.5; z(30) = 0.6745 × 20 / 0.5
    = 26.98 > 3.5 (a jump); z(11) = 1.349 is not."""
    z = detect.robust_z(np.array([10, 10, 11, 9, 10, 30.0]))
    assert z[5] == pytest.approx(26.98) and z[2] == pytest.approx(1.349)
    days = [date(2023, 3, d) for d in range(1, 7)]
    [jump] = detect.reading_jumps("ORG", "E1", days, [10, 10, 11, 9, 10, 30])
    assert jump.key == "E1:2023-03-06" and jump.figures["median"] == 10 and jump.severity == kpi.RED
    assert detect.reading_jumps("ORG", "E1", days, [10, 10, 11, 9, 10, 11]) == []


def test_target_must_be_change_or_cap() -> None:
    with pytest.raises(InputError, match="one of"):
        kpi.Target("energy_intensity", 2020, 2025)
    with pytest.raises(InputError, match="one of"):
        kpi.Target("co2_total", 2020, 2030, change=-0.1, peak=True)
    with pytest.raises(InputError, match="for a total"):
        kpi.Target("co2_intensity", 2020, 2030, peak=True)
    assert kpi.Target("co2_total", 2020, 2030, peak=True).target_value(100.0) is None
    with pytest.raises(InputError, match="KPI"):
        kpi.Target("water", 2020, 2025, change=-0.1)


def test_peak_outlook_quadratic_trend() -> None:
    """Peak year P = 2030; a quadratic through three points by divided differences.

    100, 130, 140 (2020, 2023, 2025): f[20,23] = 30/3 = 10, f[23,25] = 10/2 = 5, c = (5 − 10)/5 = −1; the slope at
    t is 10 + c((t − 2020) + (t − 2023)), at 2030 10 − 17 = −7 ≤ 0 → peaks by 2030 (green); it turns where the slope
    is 0: 2t − 4043 = 10, t = 2026.5 (= P − b/2c = 2030 − (−7)/(−2)).
    100, 130, 145: f = 10, 7.5, c = −0.5; slope at 2030 10 − 8.5 = 1.5 > 0 but turning (c < 0) → yellow, turns at
    2030 − 1.5/(−1) = 2031.5.  100, 110, 125: f = 3.3333, 7.5, c = 0.8333 ≥ 0 → rising, not turning → red."""
    years = [2020.0, 2023.0, 2025.0]
    green = kpi.peak_outlook(years, [100, 130, 140], 2030)
    assert green.slope_at_peak_year == pytest.approx(-7) and green.curvature == pytest.approx(-1)
    assert green.turns_in == pytest.approx(2026.5) and green.peaks_by
    assert kpi.peak_status(2025, 2030, 140, green) == kpi.GREEN
    yellow = kpi.peak_outlook(years, [100, 130, 145], 2030)
    assert yellow.slope_at_peak_year == pytest.approx(1.5) and yellow.turns_in == pytest.approx(2031.5)
    assert not yellow.peaks_by and kpi.peak_status(2025, 2030, 145, yellow) == kpi.YELLOW
    red = kpi.peak_outlook(years, [100, 110, 125], 2030)
    assert red.curvature == pytest.approx(2.5 / 3) and red.turns_in is None
    assert kpi.peak_status(2025, 2030, 125, red) == kpi.RED
    # two values cannot show a turn: rising is yellow, falling green
    two = kpi.peak_outlook([2020.0, 2023.0], [100, 130], 2030)
    assert two.slope_at_peak_year == pytest.approx(10) and two.points == 2
    assert kpi.peak_status(2023, 2030, 130, two) == kpi.YELLOW
    # after the peak year: above the peak year's total is red, at or below it green
    assert kpi.peak_status(2031, 2030, 151, green, peak_value=150) == kpi.RED
    assert kpi.peak_status(2031, 2030, 149, green, peak_value=150) == kpi.GREEN
    with pytest.raises(InputError, match="two different years"):
        kpi.peak_outlook([2020.0], [100], 2030)


def test_late_report_rule_positive_and_negative() -> None:
    """December 2023's report is due on 2024-01-10: before or on that day nothing; after it, a report not filed is
    red, one filed on 2024-01-12 is two days late (yellow), one filed on 2024-01-09 is on time."""
    due = date(2024, 1, 10)
    assert detect.late_report("E1", "2023-12", due, date(2024, 1, 10), None) == []
    [missing] = detect.late_report("E1", "2023-12", due, date(2024, 1, 15), None)
    assert missing.severity == kpi.RED and missing.figures["days_late"] == 5 and "not been filed" in missing.message
    [late] = detect.late_report("E1", "2023-12", due, date(2024, 1, 15), date(2024, 1, 12))
    assert late.severity == kpi.YELLOW and late.figures["days_late"] == 2 and late.key == "2023-12"
    assert detect.late_report("E1", "2023-12", due, date(2024, 1, 15), date(2024, 1, 9)) == []


def _arrow(rows: list[tuple[str, str, object]], **extra: list[object]):  # type: ignore[no-untyped-def]
    """The rows as a CSV reader gives them: an Arrow table of text."""
    import pyarrow as pa

    frame = _frame(rows, **extra)
    return pa.table({c: pa.array(["" if v is None else str(v) for v in frame[c]], pa.string()) for c in frame})


def test_arrow_tables_are_checked_as_frames_are() -> None:
    """A plain table (interval meter, timestamps without an offset, one unsorted pair, blank unit cells) is checked
    in Arrow and gives the rows the row-by-row checks give; a table with any problem is refused as the frame is,
    naming the same rows and fields (2023-01-01T00:15 twice: CSV row 4; 'x' not a number: row 3)."""
    rows = [("E1", "2023-01-01T00:30", 1.5), (" E1", "2023-01-01 00:00", "2"), ("E1", "2023-01-01T00:15", 0.25)]
    plain = validate(_arrow(rows, unit=["", "", ""]), METERS, now=NOW, file="r.csv")
    slow = validate(_frame(rows, unit=["", "", ""]), METERS, now=NOW, file="r.csv")
    assert str(plain["meter"].dtype) == "category"  # the Arrow path ran
    pd.testing.assert_frame_equal(plain.assign(meter=plain["meter"].astype(str)),
                                  slow.assign(meter=slow["meter"].astype(str)), check_dtype=False)
    assert list(plain["start"]) == [pd.Timestamp("2023-01-01 00:30"), pd.Timestamp("2023-01-01 00:00"),
                                    pd.Timestamp("2023-01-01 00:15")] and list(plain["row"]) == [2, 3, 4]
    for bad, expected in (([rows[0], ("E1", "2023-01-01T00:00", "x")], {(3, "value")}),
                          ([rows[2], rows[2]], {(3, "timestamp")}),
                          ([rows[0], ("E1", "2030-01-01T00:00", 1)], {(3, "timestamp")}),
                          ([rows[0], ("C1", "2023-01-01T01:00", 5), ("C1", "2023-01-01T02:00", 1)], {(4, "value")})):
        for table in (_arrow(bad), _frame(bad)):
            with pytest.raises(ImportRejected) as refused:
                validate(table, METERS, now=NOW, file="r.csv")
            assert {(p.location.row, p.location.field) for p in refused.value.problems} == expected
    # an offset is not plain: the row-by-row path converts it (2023-01-01T00:15Z = 08:15 China Standard Time)
    out = validate(_arrow([("E1", "2023-01-01T00:15:00Z", 2.5)]), METERS, now=NOW, file="r.csv")
    assert list(out["start"]) == [pd.Timestamp("2023-01-01 08:15")]
