"""KPIs of enterprises, parks and the province against targets; suppression below the minimum count; warnings that
fire exactly on a hand-made breach, reach a real SMTP server and a webhook (signature checked), and are not
repeated while acknowledged."""

from __future__ import annotations

import json
import socket
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller

from carbontrail.errors import Conflict, PermissionDenied
from carbontrail.services.monitor import delivery, figures, warnings
from carbontrail.services.work import SystemActor
from carbontrail.store.db import transaction
from carbontrail.store.models import MonthlyFigure

ACTOR = SystemActor("test")
#: enterprise → year → (energy tce, CO2 t, value added 10⁴ yuan at 2020 prices); all counted in January
FIGURES = {
    "E1": {2020: (1000, 2000, 2000), 2022: (1150, 2300, 2400), 2023: (1150, 2200, 2500)},
    "E2": {2020: (3000, 6000, 1000), 2022: (2900, 5800, 1150), 2023: (2700, 5000, 1200)},
    "E3": {2020: (500, 1000, 500), 2022: (600, 1200, 500), 2023: (700, 1400, 500)},
}


def _seed_figures(sessions) -> None:
    from sqlalchemy import select

    from carbontrail.store.models import Organisation

    with transaction(sessions) as s:
        ids = dict(s.execute(select(Organisation.code, Organisation.id)).all())
        for code, years in FIGURES.items():
            for year, (e, c, v) in years.items():
                s.add(MonthlyFigure(organisation_id=ids[code], month=date(year, 1, 1), energy_tce=e, co2_t=c,
                                    value_added=v, source="test"))


@pytest.fixture
def kworld(mworld, monkeypatch):
    monkeypatch.setenv("CARBONTRAIL_MONITOR_MIN_COUNT", "2")
    _seed_figures(mworld.sessions)
    figures.set_target(mworld.sessions, SystemActor("plan"), kpi_name="energy_intensity", base_year=2020,
                       target_year=2025, change=-0.14, jurisdiction_code="PROV", source="provincial plan: -14 %")
    return mworld


def _kpi(entity, name):
    return next(k for k in entity.kpis if k.kpi == name)


def test_park_and_province_kpis(kworld) -> None:
    """P1 = E1 + E2. 2020: 4000/3000 = 1.333333; 2023: (1150+2700)/(2500+1200) = 3850/3700 = 1.040541; change
    −21.96 %; on track 1.333333 × (1 − 0.14 × 3/5) = 1.221333; 2022: 4050/3550 = 1.140845, so it fell → green.
    E1: 0.46 in 2023, on track 0.5 × 0.916 = 0.458, 2022 0.479167 → fell but behind → yellow.
    E3: 1.4 in 2023 against 1.2 in 2022 → rose → red. P2 holds only E3 (below the minimum count 2) → suppressed.
    Province: (1150+2700+700)/(2500+1200+500) = 4550/4200 = 1.083333 (not the mean of 0.46, 2.25, 1.4 = 1.37)."""
    view = figures.oversight(kworld.sessions, ACTOR, "PROV", 2023)
    e = _kpi(view.entity, "energy_intensity")
    assert e.value == pytest.approx(1.083333, rel=1e-6)
    assert e.base == pytest.approx(4500 / 3500)
    city = view.children[0]
    assert city.code == "CITY" and city.members == 3
    park_view = figures.oversight(kworld.sessions, ACTOR, "CITY", 2023)
    p1, p2 = park_view.children
    p1e = _kpi(p1, "energy_intensity")
    assert p1e.value == pytest.approx(1.040541, rel=1e-6)
    assert p1e.change == pytest.approx(1.040541 / 1.333333 - 1, rel=1e-5)
    assert p1e.on_track == pytest.approx(1.221333, rel=1e-6)
    assert p1e.previous == pytest.approx(1.140845, rel=1e-6) and p1e.status == "green"
    assert p2.suppressed and p2.members == 1 and p2.kpis == ()
    status = {x.code: _kpi(x, "energy_intensity").status for x in view.enterprises}
    assert status == {"E1": "yellow", "E2": "green", "E3": "red"}
    assert _kpi(view.enterprises[0], "energy_intensity").on_track == pytest.approx(0.458)
    # projection through 2020, 2022, 2023 for E2: 3.0, 2.521739, 2.25 — a falling trend
    proj = _kpi(view.enterprises[1], "energy_intensity").projection
    assert proj is not None and proj.slope < 0 and proj.low < proj.value < proj.high


def test_grades_and_anonymous_benchmarks(kworld) -> None:
    """CO2 intensity 2023: E1 2200/2500 = 0.88, E2 5000/1200 = 4.1667, E3 1400/500 = 2.8 → the shares of peers below
    each are 0, 1/3 (E3), 2/3 (E2), so the quarters give A (E1), B (E3), C (E2). Park P1 for E1: (2200+5000)/(2500+1200) = 1.945946, no names."""
    view = figures.oversight(kworld.sessions, ACTOR, "PROV", 2023)
    assert {e.code: e.grade for e in view.enterprises} == {"E1": "A", "E2": "C", "E3": "B"}
    bench = figures.enterprise(kworld.sessions, ACTOR, "E1", 2023)
    assert bench.park_co2_intensity == pytest.approx(1.945946, rel=1e-6) and bench.park_members == 2
    assert bench.grade_in_park == "A"
    solo = figures.enterprise(kworld.sessions, ACTOR, "E3", 2023)
    assert solo.park_co2_intensity is None and solo.park_members == 1  # below the minimum count


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope.content)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def receivers(monkeypatch):
    box = _Mailbox()
    port = _free_port()
    smtp = Controller(box, hostname="127.0.0.1", port=port)
    smtp.start()
    monkeypatch.setenv("CARBONTRAIL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CARBONTRAIL_SMTP_PORT", str(port))
    posts: list[tuple[bytes, dict[str, str]]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            posts.append((body, dict(self.headers)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    http = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield box, posts, f"http://127.0.0.1:{http.server_port}/hook"
    http.shutdown()
    smtp.stop()


SECRET = "a-webhook-secret-of-some-length"


def test_warning_fires_is_delivered_and_not_repeated_while_acknowledged(kworld, receivers) -> None:
    """The off-trajectory rule on the province fires exactly for E1 (yellow) and E3 (red); P1, the city and the
    province are green; P2 is suppressed. Each warning reaches the SMTP server and the webhook."""
    box, posts, url = receivers
    warnings.add_rule(kworld.sessions, ACTOR, "off_trajectory", jurisdiction_code="PROV",
                      email_to="energy@prov.example", webhook_url=url, webhook_secret=SECRET)
    raised = warnings.evaluate(kworld.sessions, ACTOR, year=2023, today=date(2024, 1, 20))
    assert sorted((w.entity, w.severity, w.key) for w in raised) == [
        ("E1", "yellow", "energy_intensity:2023"), ("E3", "red", "energy_intensity:2023")]
    e3 = next(w for w in raised if w.entity == "E3")
    assert e3.figures["value"] == pytest.approx(1.4) and e3.figures["previous"] == pytest.approx(1.2)
    assert [e.action for e in e3.trail] == ["raised", "emailed", "webhook"]
    assert len(box.messages) == 2 and b"E3" in b"".join(box.messages)
    assert len(posts) == 2
    for body, headers in posts:
        assert delivery.verify(SECRET, body, headers[delivery.SIGNATURE_HEADER])
        assert not delivery.verify("another secret entirely", body, headers[delivery.SIGNATURE_HEADER])
    assert {json.loads(b)["entity"] for b, _ in posts} == {"E1", "E3"}
    # acknowledged (E3) and open (E1): nothing new
    warnings.handle(kworld.sessions, ACTOR, e3.id, "acknowledge", "talking to the plant manager")
    assert warnings.evaluate(kworld.sessions, ACTOR, year=2023, today=date(2024, 1, 21)) == []
    with pytest.raises(Conflict):
        warnings.handle(kworld.sessions, ACTOR, e3.id, "acknowledge", "again")
    # resolving E1 while the breach lasts: the next run raises it again; E3 stays acknowledged, unrepeated
    e1 = next(w for w in raised if w.entity == "E1")
    warnings.handle(kworld.sessions, ACTOR, e1.id, "resolve", "new kiln commissioned")
    again = warnings.evaluate(kworld.sessions, ACTOR, year=2023, today=date(2024, 1, 22))
    assert [(w.entity, w.key) for w in again] == [("E1", "energy_intensity:2023")]
    trail = warnings.get_warning(kworld.sessions, ACTOR, e3.id).trail
    assert [(e.action, e.note) for e in trail][-1] == ("acknowledged", "talking to the plant manager")
    assert len(box.messages) == 3


def test_rule_outside_breach_stays_silent(kworld, receivers) -> None:
    """A cap of 5 tce/10⁴ yuan on energy intensity: no enterprise's 2023 value (≤ 2.25) is above it."""
    warnings.add_rule(kworld.sessions, ACTOR, "above_cap", jurisdiction_code="P1",
                      params={"kpi": "energy_intensity", "cap": 5.0})
    assert warnings.evaluate(kworld.sessions, ACTOR, year=2023, today=date(2024, 1, 20)) == []
    warnings.add_rule(kworld.sessions, ACTOR, "above_cap", jurisdiction_code="P1",
                      params={"kpi": "energy_intensity", "cap": 2.0})
    [w] = warnings.evaluate(kworld.sessions, ACTOR, year=2023, today=date(2024, 1, 20))
    assert (w.entity, w.figures["value"], w.figures["cap"]) == ("E2", 2.25, 2.0)


def test_targets_are_set_by_the_level_above(kworld) -> None:
    from monitor_world import principal

    park = principal(kworld.sessions, "park@p1.example", "park_admin", jurisdiction="P1")
    out = figures.set_target(kworld.sessions, park, kpi_name="energy_intensity", base_year=2020, target_year=2025,
                             change=-0.2, organisation_code="E1", source="park agreement")
    assert out.level == "E1" and out.set_by == park.actor
    with pytest.raises(PermissionDenied, match="level above"):
        figures.set_target(kworld.sessions, park, kpi_name="energy_intensity", base_year=2020, target_year=2025,
                           change=-0.2, jurisdiction_code="P1")
    # E1's own target (−20 %) now applies instead of the province's: on track 0.5 × (1 − 0.2 × 0.6) = 0.44 → yellow
    view = figures.oversight(kworld.sessions, ACTOR, "P1", 2023)
    e1 = next(e for e in view.enterprises if e.code == "E1")
    assert _kpi(e1, "energy_intensity").on_track == pytest.approx(0.44)


def test_peak_target_applies_to_its_own_level_and_warns(kworld) -> None:
    """Province CO2 (Σ of E1–E3): 2020 9000, 2022 9300, 2023 8600 t. Quadratic by divided differences: f[20,22] =
    150, f[22,23] = −700, c = (−700 − 150)/3 = −283.333; slope at 2030 = 150 + c·((2030−2020) + (2030−2022)) =
    150 − 5100 = −4950 ≤ 0 → peaks by 2030, green. The enterprises do not inherit the province's total.
    E3's own peak target: 1000, 1200, 1400: f = 100, 200, c = 33.333 ≥ 0, slope at 2030 = 100 + 33.333·18 = 700
    → rising with no turn → red, and the off-trajectory rule says so."""
    figures.set_target(kworld.sessions, SystemActor("plan"), kpi_name="co2_total", base_year=2020, target_year=2030,
                       peak=True, jurisdiction_code="PROV", source="plan: CO2 peak by 2030")
    view = figures.oversight(kworld.sessions, ACTOR, "PROV", 2023)
    prov = _kpi(view.entity, "co2_total")
    assert prov.value == pytest.approx(8600) and prov.target is None and prov.on_track is None
    assert prov.peak is not None and prov.peak.slope_at_peak_year == pytest.approx(-4950)
    assert prov.peak.curvature == pytest.approx(-850 / 3) and prov.status == "green"
    assert all(_kpi(e, "co2_total").status is None for e in view.enterprises)
    out = figures.set_target(kworld.sessions, ACTOR, kpi_name="co2_total", base_year=2020, target_year=2030,
                             peak=True, organisation_code="E3", source="park agreement: peak by 2030")
    assert out.peak and [t.peak for t in figures.targets(kworld.sessions, ACTOR, "PROV")] == [False, True, True]
    e3 = _kpi(next(e for e in figures.oversight(kworld.sessions, ACTOR, "PROV", 2023).enterprises
                   if e.code == "E3"), "co2_total")
    assert e3.peak.slope_at_peak_year == pytest.approx(700) and e3.status == "red"
    warnings.add_rule(kworld.sessions, ACTOR, "off_trajectory", jurisdiction_code="PROV", params={"kpi": "co2_total"})
    [w] = warnings.evaluate(kworld.sessions, ACTOR, year=2023, today=date(2024, 1, 20))
    assert (w.entity, w.severity, w.figures["peak_year"]) == ("E3", "red", 2030)
    assert w.figures["trend_slope_at_peak_year"] == pytest.approx(700) and "peak year 2030" in w.message


def test_key_units_file_monthly_reports_and_late_ones_warn(kworld, monkeypatch) -> None:
    """Key units by their latest year of figures (2023): E1 1,150 and E2 2,700 tce reach a threshold of 1,000, E3
    (700) does not. This month's report is due on day 10 of the next month; E1 files it now (on time), E2 does not.
    On the due day nothing is raised; the day after, E2 alone is warned, red (not filed)."""
    from monitor_world import principal

    from carbontrail.services.monitor import report

    monkeypatch.setenv("CARBONTRAIL_KEY_UNIT_TCE", "1000")
    month = date.today().replace(day=1)
    due = report.due_date(month)
    assert due.day == 10 and (due.year, due.month) == ((month.year, month.month + 1) if month.month < 12
                                                       else (month.year + 1, 1))
    filed = report.file_report(kworld.sessions, ACTOR, "E1", f"{month:%Y-%m}", store=kworld.store)
    assert filed.on_time and filed.due == due and filed.filed_by == ACTOR.actor
    with pytest.raises(Conflict, match="was filed on"):
        report.file_report(kworld.sessions, ACTOR, "E1", f"{month:%Y-%m}", store=kworld.store)
    assert [f.month for f in report.filings(kworld.sessions, ACTOR, "E1")] == [f"{month:%Y-%m}"]
    verifier = principal(kworld.sessions, "verifier@e2.example", "verifier", organisation="E2")
    with pytest.raises(PermissionDenied, match="data-entry rights"):
        report.file_report(kworld.sessions, verifier, "E2", f"{month:%Y-%m}", store=kworld.store)
    warnings.add_rule(kworld.sessions, ACTOR, "late_report", jurisdiction_code="PROV", params={"due_day": 10})
    assert warnings.evaluate(kworld.sessions, ACTOR, year=month.year, today=due) == []
    [w] = warnings.evaluate(kworld.sessions, ACTOR, year=month.year, today=due + timedelta(days=1))
    assert (w.entity, w.rule, w.severity, w.key) == ("E2", "late_report", "red", f"{month:%Y-%m}")
    assert w.figures["days_late"] == 1 and w.figures["filed_on"] is None
