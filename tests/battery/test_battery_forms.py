"""Battery pages that write, on SQLite and PostgreSQL: register units and record their events from forms (the
service's own refusals shown on the page, in either language, each change audited under the signed-in user); the
residual-value page answers for an organisation that has valued nothing yet (it was a 404) and values the tested
units it holds."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from battery_world import PACK, PACK2, BWorld
from carbontrail.store.models import AuditEvent


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_register_and_record_from_the_pages(bworld: BWorld, lang: str) -> None:
    w = bworld
    w.sign_in("maker")
    w.client.cookies.set("ct_lang", lang)
    page = w.client.get("/org/MAKER/battery")
    assert page.status_code == 200 and 'id="register-form"' in page.text and "<script>" not in page.text
    r = w.client.post("/org/MAKER/battery/units", data={"csrf_token": "t", "codes": f"{PACK}\n{PACK2}\n",
                                                        "at": "2025-01-01T08:00"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert PACK in w.client.get("/org/MAKER/battery").text
    # a malformed code: the registry's own message (positions named), nothing stored
    r = w.client.post("/org/MAKER/battery/units", data={"csrf_token": "t", "codes": PACK[:-1] + "X\n" + PACK[:-3],
                                                        "at": "2025-01-01T08:00"})
    assert r.status_code == 422 and 'id="register-error"' in r.text and "none was registered" in r.text
    # an event from the unit's page; then one dated in the future, refused with the reason
    r = w.client.post(f"/org/MAKER/battery/units/{PACK}/events", data={
        "csrf_token": "t", "kind": "sold", "at": "2025-02-01T08:00", "to_actor": "CARCO", "deposit_cny": "300"},
        follow_redirects=False)
    assert r.status_code == 303, r.text
    r = w.client.post(f"/org/MAKER/battery/units/{PACK2}/events", data={
        "csrf_token": "t", "kind": "retired", "at": "2099-01-01T08:00"})
    assert r.status_code == 422 and "after the time it is recorded" in r.text
    r = w.client.post(f"/org/MAKER/battery/units/{PACK2}/events", data={"csrf_token": "wrong", "kind": "retired",
                                                                         "at": "2025-02-01T08:00"})
    assert r.status_code == 403
    w.sign_in("carco")
    held = w.client.get(f"/org/CARCO/battery/units/{PACK}")
    assert held.status_code == 200 and 'id="event-form"' in held.text
    with w.sessions() as s:
        trail = s.execute(select(AuditEvent.actor, AuditEvent.action, AuditEvent.object_type)
                          .where(AuditEvent.object_type.like("battery%")).order_by(AuditEvent.id)).all()
    assert [tuple(t) for t in trail] == [("maker@example.com", "create", "battery_units"),
                                         ("maker@example.com", "create", "battery_event")]


def test_residual_page_without_a_batch_and_from_tests(bworld: BWorld) -> None:
    """One pack tested at 80 % capacity, +20 % resistance, 1,000 cycles, 60 kWh: cascade use, 60 × 0.8 × (400 − 150)
    = 12,000 CNY with the illustrative prices."""
    w = bworld
    w.sign_in("maker")
    page = w.client.get("/org/MAKER/battery/residual")
    assert page.status_code == 200 and 'id="no-batch"' in page.text and 'id="assess-form"' not in page.text
    w.client.post("/org/MAKER/battery/units", data={"csrf_token": "t", "codes": PACK, "at": "2025-01-01T08:00"})
    soh = {"capacity": "0.8", "resistance_increase": "0.2", "cycles": "1000", "rated_energy_kwh": "60",
           "mass_kg": "380"}
    for kind, at in (("retired", "2025-02-01T08:00"), ("tested", "2025-02-02T08:00")):
        r = w.client.post(f"/org/MAKER/battery/units/{PACK}/events",
                          data={"csrf_token": "t", "kind": kind, "at": at, **(soh if kind == "tested" else {})},
                          follow_redirects=False)
        assert r.status_code == 303, r.text
    assert 'id="assess-form"' in w.client.get("/org/MAKER/battery/residual").text
    r = w.client.post("/org/MAKER/battery/residual", data={"csrf_token": "t"})
    assert r.status_code == 200 and 'id="n-cascade">1<' in r.text and 'id="total-value">12,000<' in r.text
