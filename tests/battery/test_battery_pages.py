"""Battery pages on SQLite and PostgreSQL: a unit's whole history on one page, the declaration with its stage
chart beside ISO 14067, the owner's passport per tier, the residual batch, and the refusals."""

from __future__ import annotations

from datetime import UTC, datetime

from battery_world import MODULES, PACK, VIN, BWorld, small_document

from carbontrail.services.work import SystemActor
from carbontrail.battery.traceability import Event
from carbontrail.services import battery_residual, battery_units
from carbontrail.units import quantity

PY = SystemActor("test")


def life(w: BWorld) -> None:
    at = datetime(2025, 3, 1, tzinfo=UTC)
    battery_units.register_units(w.sessions, PY, [PACK], "MAKER", at)
    battery_units.register_units(w.sessions, PY, MODULES, "MAKER", at, parent=PACK)
    for e in (Event("sold", "MAKER", at, to_actor="CARCO", deposit=quantity(300, "yuan")),
              Event("installed", "CARCO", at, vin=VIN), Event("retired", "CARCO", at),
              Event("handed_over", "CARCO", at, to_actor="RECYCLER"),
              Event("recycled", "RECYCLER", at, recovered={"lithium": quantity(3.1, "kg")})):
        battery_units.record_event(w.sessions, PY, PACK, e)


def test_unit_history_page(bworld: BWorld) -> None:
    w = bworld
    life(w)
    w.sign_in("carco")
    w.client.cookies.set("ct_lang", "en")
    page = w.client.get(f"/org/CARCO/battery/units/{PACK}")
    assert page.status_code == 200, page.text
    text = page.text
    kinds = ["event-produced", "event-sold", "event-installed", "event-retired", "event-handed_over",
             "event-recycled"]
    positions = [text.index(k) for k in kinds]
    assert positions == sorted(positions)  # oldest first
    assert VIN in text and MODULES[0] in text and "lithium 3.1 kg" in text
    w.client.cookies.set("ct_lang", "zh_CN")
    assert "全生命周期记录" in w.client.get(f"/org/CARCO/battery/units/{PACK}").text
    w.sign_in("outsider")
    assert w.client.get(f"/org/OUTSIDER/battery/units/{PACK}").status_code == 404
    assert w.client.get(f"/org/CARCO/battery/units/{PACK}").status_code == 404
    w.sign_in(None)
    assert w.client.get(f"/org/CARCO/battery/units/{PACK}", follow_redirects=False).status_code == 303


def test_declaration_page_and_overview(bworld: BWorld) -> None:
    """The declaration page shows 0.1199 (EU) beside 0.0751 (ISO 14067), class B, the two gap lines, and the
    stage shares for the chart: 2,090 / 3,453.8 = 0.60513 for raw material."""
    w = bworld
    r = w.client.post("/api/organisations/MAKER/battery/declarations", json=small_document(), headers=w.auth("maker"))
    did = r.json()["id"]
    life(w)
    w.sign_in("maker")
    w.client.cookies.set("ct_lang", "en")
    page = w.client.get(f"/org/MAKER/battery/declarations/{did}")
    assert page.status_code == 200, page.text
    assert 'id="decl-per-kwh">0.1199<' in page.text and 'id="iso-per-kwh">0.0751<' in page.text
    assert 'id="performance-class">B<' in page.text
    assert "hydropower PPA" in page.text and "PPAs are not recognised" in page.text
    assert '"shares": [0.6051' in page.text and "echarts-5.6.0.min.js" in page.text
    overview = w.client.get("/org/MAKER/battery")
    assert overview.status_code == 200
    assert f"/org/MAKER/battery/declarations/{did}" in overview.text
    assert 'id="deposits">0.00 CNY' in overview.text  # the only deposit was refunded on recycling
    assert w.client.get("/org/MAKER/battery/declarations/999").status_code == 404
    assert w.client.get("/battery").status_code == 200
    w.sign_in("outsider")
    assert w.client.get(f"/org/MAKER/battery/declarations/{did}").status_code == 404


def test_residual_page(bworld: BWorld) -> None:
    w = bworld
    rows = [battery_residual.SoHRow("U0", 0.8, 0.2, 1500, 50, 300), battery_residual.SoHRow("U1", 0.65, 0.1, 800, 50, 300)]
    battery_residual.sort_units(w.sessions, PY, "RECYCLER", rows, battery_residual.Settings(), name="march")
    w.sign_in("recycler")
    w.client.cookies.set("ct_lang", "en")
    page = w.client.get("/org/RECYCLER/battery/residual")
    assert page.status_code == 200, page.text
    assert 'id="n-cascade">1<' in page.text and 'id="n-recycling">1<' in page.text
    assert page.text.index(">U0<") < page.text.index(">U1<")  # most valuable first
    w.sign_in("carco")
    assert w.client.get("/org/RECYCLER/battery/residual").status_code == 404
