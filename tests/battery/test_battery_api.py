"""The battery API on SQLite and PostgreSQL: registration with code checks, a pack's life through three actors with
its history in one call, custody-based visibility, deposits, declarations beside ISO 14067, residual sorting."""

from __future__ import annotations

import pytest
from battery_world import MODULES, PACK, PACK2, VIN, BWorld, small_document

U = "/api/organisations/{org}/battery"


def url(org: str, tail: str = "") -> str:
    return U.format(org=org) + tail


def event(w: BWorld, who: str, org: str, code: str, **body: object) -> object:
    return w.client.post(url(org, f"/units/{code}/events"), json=body, headers=w.auth(who))


def test_malformed_codes_are_refused_with_position_and_reason(bworld: BWorld) -> None:
    w = bworld
    bad = "01APBAASC00001R3F00000"  # 22 characters
    r = w.client.post(url("MAKER", "/units"), json={"codes": [PACK, bad], "at": "2025-01-01T08:00:00Z"},
                      headers=w.auth("maker"))
    assert r.status_code == 422, r.text
    assert "has 22 characters, not 24" in r.json()["message"]
    r = w.client.post(url("MAKER", "/units"), json={"codes": ["01APBAASC00001RD00000042"],
                                                    "at": "2025-01-01T08:00:00Z"}, headers=w.auth("maker"))
    assert r.status_code == 422 and "position 16 (production month)" in r.json()["message"]
    # nothing of the refused batch was stored
    assert w.client.get(url("MAKER", f"/units/{PACK}"), headers=w.auth("maker")).status_code == 404


def test_a_pack_through_three_actors_and_its_history_in_one_call(bworld: BWorld) -> None:
    """MAKER sells PACK to CARCO (300 CNY deposit) and PACK2 (250 CNY); CARCO installs PACK in a car, retires it,
    hands it to RECYCLER, who recycles it and recovers 3.1 kg lithium: PACK's deposit is refunded, so MAKER still
    holds 250 CNY on one unit."""
    w = bworld
    r = w.client.post(url("MAKER", "/units"), json={"codes": [PACK, PACK2], "at": "2025-01-01T08:00:00Z"},
                      headers=w.auth("maker"))
    assert r.status_code == 201 and r.json()["registered"] == 2, r.text
    r = w.client.post(url("MAKER", "/units"), json={"codes": MODULES, "parent": PACK, "at": "2025-01-01T08:00:00Z"},
                      headers=w.auth("maker"))
    assert r.status_code == 201, r.text
    assert event(w, "maker", "MAKER", PACK, kind="sold", at="2025-01-02T08:00:00Z", to_actor="CARCO",
                 deposit_cny=300).status_code == 201
    assert event(w, "maker", "MAKER", PACK2, kind="sold", at="2025-01-02T08:00:00Z", to_actor="CARCO",
                 deposit_cny=250).status_code == 201
    # the maker no longer holds PACK: it may read its history but not record its events
    r = event(w, "maker", "MAKER", PACK, kind="retired", at="2025-01-03T08:00:00Z")
    assert r.status_code == 403 and "does not hold" in r.json()["message"]
    assert event(w, "carco", "CARCO", PACK, kind="installed", at="2025-01-03T08:00:00Z", vin=VIN).status_code == 201
    # the recycler has never touched PACK: it does not exist for it
    assert w.client.get(url("RECYCLER", f"/units/{PACK}"), headers=w.auth("recycler")).status_code == 404
    assert event(w, "carco", "CARCO", PACK, kind="retired", at="2025-05-01T08:00:00Z").status_code == 201
    r = event(w, "carco", "CARCO", PACK, kind="handed_over", at="2025-05-02T08:00:00Z", to_actor="NOBODY")
    assert r.status_code == 422 and r.json()["field"] == "to_actor"
    assert event(w, "carco", "CARCO", PACK, kind="handed_over", at="2025-05-02T08:00:00Z",
                 to_actor="RECYCLER").status_code == 201
    r = event(w, "recycler", "RECYCLER", PACK, kind="recycled", at="2025-06-01T08:00:00Z",
              recovered_kg={"lithium": 3.1})
    assert r.status_code == 201 and r.json()["status"] == "recycled" and r.json()["deposit_refunded"] is True
    r = event(w, "recycler", "RECYCLER", PACK, kind="sold", at="2025-06-02T08:00:00Z", to_actor="CARCO")
    assert r.status_code == 409

    expected = [(1, "produced", "MAKER", "MAKER"), (2, "sold", "MAKER", "CARCO"), (3, "installed", "CARCO", "CARCO"),
                (4, "retired", "CARCO", "CARCO"), (5, "handed_over", "CARCO", "RECYCLER"),
                (6, "recycled", "RECYCLER", "RECYCLER")]
    for who, org in (("maker", "MAKER"), ("carco", "CARCO"), ("recycler", "RECYCLER")):
        r = w.client.get(url(org, f"/units/{PACK}"), headers=w.auth(who))
        assert r.status_code == 200, (who, r.text)
        h = r.json()
        assert [(e["seq"], e["kind"], e["actor"], e["holder_after"]) for e in h["events"]] == expected, who
        assert [e["at"][:10] for e in h["events"]] == sorted(e["at"][:10] for e in h["events"])
        assert all(e["responsible_producer"] == "MAKER" for e in h["events"])
        assert h["unit"]["vin"] == VIN and h["children"] == MODULES and h["parent"] is None
        assert h["events"][-1]["recovered_kg"] == {"lithium": pytest.approx(3.1)}
    r = w.client.get(url("MAKER", f"/units/{MODULES[0]}"), headers=w.auth("maker"))
    assert r.json()["parent"] == PACK
    # the maker no longer holds PACK: it may not put more modules in it; for the outsider PACK does not exist
    more = {"codes": ["01AMBAASC00001R3F0000003"], "parent": PACK, "at": "2025-07-01T08:00:00Z"}
    assert w.client.post(url("MAKER", "/units"), json=more, headers=w.auth("maker")).status_code == 403
    assert w.client.post(url("OUTSIDER", "/units"), json=more, headers=w.auth("outsider")).status_code == 404
    # an organisation outside the chain sees nothing, even through its own path
    r = w.client.get(url("OUTSIDER", f"/units/{PACK}"), headers=w.auth("outsider"))
    assert r.status_code == 404 and "RECYCLER" not in r.text
    assert w.client.get(url("MAKER", f"/units/{PACK}"), headers=w.auth("outsider")).status_code == 404

    r = w.client.get(url("MAKER", "/deposits"), headers=w.auth("maker"))
    assert r.json() == {"producer": "MAKER", "outstanding_cny": pytest.approx(250.0), "units_with_deposit": 1}
    held = w.client.get(url("CARCO", "/units"), headers=w.auth("carco")).json()
    assert [u["code"] for u in held] == [PACK2]


def test_declaration_beside_iso14067(bworld: BWorld) -> None:
    """Hand calculation in test_declaration.py: declaration 3,453.8 kg / 28,800 kWh = 0.119924 kg/kWh (class B),
    ISO 14067 2,163.8 / 28,800 = 0.075132 kg/kWh; the gap 0.044792 comes from the grid line
    (2,000 kWh × (0.5 − 0.10) = 800 kg) and the PPA line (1,000 × (0.5 − 0.01) = 490 kg)."""
    w = bworld
    r = w.client.post(url("MAKER", "/declarations"), json=small_document(), headers=w.auth("maker"))
    assert r.status_code == 201, r.text
    body = r.json()
    res = body["result"]
    assert res["declaration"]["per_kwh"] == pytest.approx(0.119924, abs=1e-6)
    assert res["iso14067"]["per_kwh"] == pytest.approx(0.075132, abs=1e-6)
    assert res["gap_per_kwh"] == pytest.approx(1290 / 28_800, abs=1e-9)
    assert res["performance_class"] == "B"
    assert {g["item"]: round(g["declaration_kg"] - g["iso14067_kg"], 6) for g in res["gap_lines"]} == {
        "cell plant grid supply": 800.0, "hydropower PPA": 490.0}
    assert [s["absolute_kg"] for s in res["declaration"]["stages"]] == pytest.approx([2090, 1570, 60, -266.2])
    # stored per model and plant: a second input for the same pair is its revision 2, linked to revision 1 (which
    # stays readable), not a second declaration
    again = w.client.post(url("MAKER", "/declarations"), json=small_document(), headers=w.auth("maker")).json()
    assert again["id"] != body["id"] and again["revision"] == 2 and again["previous_id"] == body["id"]
    listed = w.client.get(url("MAKER", "/declarations"), headers=w.auth("maker")).json()
    assert [(d["model"], d["plant"], d["performance_class"], d["id"]) for d in listed] == [
        ("LFP-60", "Chengdu plant 1", "B", again["id"])]
    first = w.client.get(url("MAKER", f"/declarations/{body['id']}"), headers=w.auth("maker")).json()
    assert (first["revision"], first["next_id"], first["freshness"]) == (1, again["id"], None)
    assert w.client.get(url("MAKER", f"/declarations/{body['id']}"), headers=w.auth("verifier")).status_code == 200
    assert w.client.get(url("OUTSIDER", f"/declarations/{body['id']}"), headers=w.auth("outsider")).status_code == 404

    doc = small_document()
    for m in doc["materials"]:  # type: ignore[union-attr]
        if m["component"] in ("anode", "separator"):
            m["company_specific"] = False
    r = w.client.post(url("MAKER", "/declarations"), json=doc, headers=w.auth("maker"))
    assert r.status_code == 422 and "company-specific data for anode, separator" in r.json()["message"]


def test_residual_batch_by_hand(bworld: BWorld) -> None:
    """Prices: cascade 500 − 200 CNY/kWh; recycling 0.01×0.9×600 + 0.10×0.95×70 − 3 = 9.05 CNY/kg.
    U0 (0.80, 0.20, 1500) → cascade 50 × 0.80 × 300 = 12,000; U1 (0.65 …) → recycling 300 × 9.05 = 2,715."""
    w = bworld
    prices = {"cascade_price_cny_per_kwh": 500, "repurposing_cost_cny_per_kwh": 200,
              "material_content": {"lithium": 0.01, "copper": 0.10}, "recovery_rate": {"lithium": 0.9, "copper": 0.95},
              "material_price_cny_per_kg": {"lithium": 600, "copper": 70}, "recycling_cost_cny_per_kg": 3}
    units = [{"code": "U0", "capacity": 0.80, "resistance_increase": 0.2, "cycles": 1500, "rated_energy_kwh": 50,
              "mass_kg": 300},
             {"code": "U1", "capacity": 0.65, "resistance_increase": 0.1, "cycles": 800, "rated_energy_kwh": 50,
              "mass_kg": 300}]
    r = w.client.post(url("RECYCLER", "/residual"), json={"units": units, "prices": prices},
                      headers=w.auth("recycler"))
    assert r.status_code == 201, r.text
    out = r.json()
    assert [(u["code"], u["route"], u["value_cny"]) for u in out["units"]] == [
        ("U0", "cascade", pytest.approx(12_000)), ("U1", "recycling", pytest.approx(2_715))]
    assert out["summary"]["total_value_cny"] == pytest.approx(14_715)
    assert out["summary"]["expected_recovery_kg"]["lithium"] == pytest.approx(300 * 0.01 * 0.9)
    assert w.client.get(url("RECYCLER", "/residual"), headers=w.auth("recycler")).json() == out
    assert w.client.get(url("MAKER", "/residual"), headers=w.auth("maker")).status_code == 404


def test_thousands_of_units_in_one_batch(bworld: BWorld) -> None:
    """5,000 units through the API with the illustrative prices: even rows (0.80 capacity) go to cascade use at
    60 kWh × 0.80 × (400 − 150) = 12,000 CNY, odd rows (0.60) to recycling at 420 kg × 7.82 = 3,284.4 CNY
    (7.82 = 0.012×0.85×500 + 0.08×0.95×60 + 0.15×0.90×16 − 4). Total 2,500 × 15,284.4 = 38,211,000 CNY."""
    units = [{"code": f"U{i:05d}", "capacity": 0.80 if i % 2 == 0 else 0.60, "resistance_increase": 0.2,
              "cycles": 1000, "rated_energy_kwh": 60, "mass_kg": 420} for i in range(5000)]
    r = bworld.client.post(url("RECYCLER", "/residual"), json={"units": units, "name": "5k"},
                           headers=bworld.auth("recycler"))
    assert r.status_code == 201, r.text[:300]
    out = r.json()
    assert (out["summary"]["cascade"], out["summary"]["recycling"]) == (2500, 2500)
    assert out["summary"]["total_value_cny"] == pytest.approx(2500 * (12_000 + 3_284.4))
    assert out["units"][0]["value_cny"] == pytest.approx(12_000) and out["units"][-1]["route"] == "recycling"
