"""KPIs against targets: intensities at constant prices, change against the base year, the straight-line
trajectory to the target, the projection of the current trend, the barometer status and the carbon-efficiency grade.

- Intensity of a group (park, city, province) = Σ energy ÷ Σ value added of its members — never the mean of the
  members' ratios, which would weigh a small enterprise like a large one.
- Value added at constant prices = value added at current prices ÷ (price index ÷ 100), the index being the
  industrial value-added deflator with the base year = 100.
- The trajectory is the straight line from the base-year value to the target-year value; a year's on-track value is
  that line at the year.
- The projection is an ordinary least-squares line through the yearly values, extrapolated to the target year,
  with the two-sided 95 % prediction interval ŷ ± t(0.975, n−2) · s · √(1 + 1/n + (x₀ − x̄)² / Σ(x − x̄)²)
  (s the residual standard error); at least three yearly values are needed.
- Status (the grading of the NDRC barometer of energy-saving targets, 节能目标完成情况晴雨表, e.g. 发改办环资〔2021〕629号:
  一级预警 red "very severe", 二级预警 yellow "fairly severe", 三级 green "on track"): red where an intensity did not
  fall year on year (or a cap is exceeded), yellow where it fell but by less than the trajectory requires, green
  otherwise.
- Carbon-efficiency grade (carbontrail's convention, configurable): within a peer group (same industry, or same
  park) the enterprises are ranked by CO2 per 10⁴ yuan of value added; A for the lowest quarter, then B, C, D.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from scipy import stats

from carbontrail.errors import InputError, Location

RED, YELLOW, GREEN = "red", "yellow", "green"
GRADES = ("A", "B", "C", "D")


@dataclass(frozen=True)
class Figures:
    """What an entity used and made in a period: energy (tce), CO2 (t) and value added (10⁴ yuan, constant prices)."""

    energy_tce: float = 0.0
    co2_t: float = 0.0
    value_added: float = 0.0

    def __add__(self, other: Figures) -> Figures:
        return Figures(self.energy_tce + other.energy_tce, self.co2_t + other.co2_t,
                       self.value_added + other.value_added)

    @property
    def energy_intensity(self) -> float | None:
        """tce per 10⁴ yuan of value added."""
        return self.energy_tce / self.value_added if self.value_added else None

    @property
    def co2_intensity(self) -> float | None:
        """t CO2 per 10⁴ yuan of value added."""
        return self.co2_t / self.value_added if self.value_added else None

    def value(self, kpi: str) -> float | None:
        return {"energy_intensity": self.energy_intensity, "co2_intensity": self.co2_intensity,
                "energy_total": self.energy_tce, "co2_total": self.co2_t}[kpi]


KPIS = ("energy_intensity", "co2_intensity", "energy_total", "co2_total")


def total(members: Iterable[Figures]) -> Figures:
    """The figures of a group: the sums of its members (intensities follow as Σ ÷ Σ)."""
    out = Figures()
    for f in members:
        out = out + f
    return out


def constant_prices(value_added_current: float, price_index: float) -> float:
    """Value added at base-year prices, from current prices and the deflator (base year = 100)."""
    if price_index <= 0:
        raise InputError("a price index must be positive", location=Location(field="price_index"),
                         expected="the deflator with the base year = 100")
    return value_added_current / (price_index / 100.0)


def change(current: float | None, base: float | None) -> float | None:
    """Relative change against the base: current ÷ base − 1 (−0.14 is a 14 % fall)."""
    if current is None or base in (None, 0):
        return None
    assert base is not None
    return current / base - 1.0


@dataclass(frozen=True)
class Target:
    """A target set by the level above: a KPI, a base year and value (or a relative change), a target year.

    `change` is the relative change the target asks for (−0.14 = 14 % lower than the base year); `cap` an absolute
    upper limit (an intensity cap or a total) instead.
    """

    kpi: str
    base_year: int
    target_year: int
    change: float | None = None
    cap: float | None = None

    def __post_init__(self) -> None:
        if self.kpi not in KPIS:
            raise InputError(f"'{self.kpi}' is not a KPI", location=Location(field="kpi"), expected=", ".join(KPIS))
        if self.target_year <= self.base_year:
            raise InputError("the target year must come after the base year", location=Location(field="target_year"))
        if (self.change is None) == (self.cap is None):
            raise InputError("a target is either a relative change or a cap", location=Location(field="change"))

    def target_value(self, base_value: float) -> float:
        if self.cap is not None:
            return self.cap
        assert self.change is not None
        return base_value * (1.0 + self.change)


def trajectory(target: Target, base_value: float, year: float) -> float:
    """The straight line from the base-year value to the target-year value, at `year`."""
    goal = target.target_value(base_value)
    share = (year - target.base_year) / (target.target_year - target.base_year)
    return base_value + (goal - base_value) * share


@dataclass(frozen=True)
class Projection:
    year: int
    value: float
    low: float
    high: float
    slope: float  # per year
    points: int


def project(years: Sequence[float], values: Sequence[float], to_year: int, *, level: float = 0.95) -> Projection:
    """The OLS trend through (year, value) at `to_year`, with its prediction interval (see the module docstring)."""
    n = len(years)
    if n != len(values) or n < 3:
        raise InputError("a projection needs at least three yearly values", location=Location(field="values"))
    mx = sum(years) / n
    my = sum(values) / n
    sxx = sum((x - mx) ** 2 for x in years)
    if sxx == 0:
        raise InputError("a projection needs values of different years", location=Location(field="years"))
    slope = sum((x - mx) * (y - my) for x, y in zip(years, values, strict=True)) / sxx
    icpt = my - slope * mx
    resid = [y - (icpt + slope * x) for x, y in zip(years, values, strict=True)]
    s = math.sqrt(sum(r * r for r in resid) / (n - 2))
    t = float(stats.t.ppf(0.5 + level / 2, n - 2))
    y0 = icpt + slope * to_year
    half = t * s * math.sqrt(1 + 1 / n + (to_year - mx) ** 2 / sxx)
    return Projection(to_year, y0, y0 - half, y0 + half, slope, n)


def status(value: float | None, on_track: float | None, previous: float | None = None, *,
           cap: float | None = None) -> str | None:
    """Barometer colour of a KPI that should fall: red, yellow or green (None without a value)."""
    if value is None:
        return None
    if (cap is not None and value > cap) or (previous is not None and value >= previous):
        return RED
    if on_track is not None and value > on_track:
        return YELLOW
    return GREEN


def grades(intensities: Mapping[str, float | None]) -> dict[str, str]:
    """A/B/C/D by quarter of the peer group, lowest CO2 intensity best; ties share the better grade."""
    known = {k: v for k, v in intensities.items() if v is not None}
    ordered = sorted(known.values())
    n = len(ordered)
    out: dict[str, str] = {}
    for name, v in known.items():
        below = sum(1 for o in ordered if o < v)  # ties take the first rank of their value
        out[name] = GRADES[min(3, int(4 * below / n))]
    return out
