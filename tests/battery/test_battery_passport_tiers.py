"""Passports over the API on SQLite and PostgreSQL: stored from the declaration and the recycler's recovered
materials, every export valid against the v1.2 schemas, and served by identifier with the Annex XIII tier of
whoever asks (a public answer never carries a field of another point)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from battery_world import PACK, BWorld, small_document
from test_passport import other_submodels

from carbontrail.services.work import SystemActor
from carbontrail.battery.passport import FIELD_POINTS, SUBMODELS, field_point, validate_submodel
from carbontrail.battery.traceability import Event
from carbontrail.services import battery_units
from carbontrail.units import quantity

PY = SystemActor("test")

ID = "urn:maker:lfp60pack42"


def _paths(obj: object, prefix: str = "") -> list[str]:
    if isinstance(obj, dict):
        out = []
        for k, v in obj.items():
            out.append(prefix + k)
            out += _paths(v, prefix + k + ".")
        return out
    return []


def only_public_fields(doc: dict) -> bool:  # type: ignore[type-arg]
    for name in SUBMODELS:
        for path in _paths(doc.get(name, {})):
            deeper = any(s == name and p.startswith(path + ".") for s, p in FIELD_POINTS)
            if field_point(name, path) != 1 and not deeper:
                return False
    return True


def recycled_pool(w: BWorld) -> None:
    """Two packs recycled by RECYCLER: 2.0 + 2.2 = 4.2 kg lithium recovered."""
    at = datetime(2025, 1, 1, tzinfo=UTC)
    codes = ["01APBAASC00001R3F0000101", "01APBAASC00001R3F0000102"]
    battery_units.register_units(w.sessions, PY, codes, "MAKER", at)
    for code, kg in zip(codes, (2.0, 2.2), strict=True):
        battery_units.record_event(w.sessions, PY, code, Event("retired", "MAKER", at))
        battery_units.record_event(w.sessions, PY, code, Event("handed_over", "MAKER", at, to_actor="RECYCLER"))
        battery_units.record_event(w.sessions, PY, code, Event("recycled", "RECYCLER", at,
                                                           recovered={"lithium": quantity(kg, "kg")}))


def make_passport(w: BWorld) -> dict:  # type: ignore[type-arg]
    assert w.client.post("/api/organisations/MAKER/battery/declarations", json=small_document(),
                         headers=w.auth("maker")).status_code == 201
    recycled_pool(w)
    subs = other_submodels()
    subs["generalProductInformation"]["batteryPassportIdentifier"] = ID
    body = {"identifier": ID, "model": "LFP-60", "plant": "Chengdu plant 1", "unit_code": PACK,
            "study_url": "https://example.org/cf-study.pdf", "submodels": subs, "grants": ["CARCO"],
            "recycled_content": {"used_kg": {"lithium": 4.2, "cobalt": 0.5}, "pre_consumer_kg": {"lithium": 0.21},
                                 "recycler": "RECYCLER", "batteries": 10}}
    r = w.client.post("/api/organisations/MAKER/battery/passports", json=body, headers=w.auth("maker"))
    assert r.status_code == 201, r.text
    return r.json()


def test_stored_passport_carries_declaration_and_recovered_materials(bworld: BWorld) -> None:
    """Carbon footprint from the stored declaration: 0.119924 → 0.12 kg/kWh, class B, 3,453.8 kg.
    Recycled lithium: pre-consumer 0.21 / 4.2 = 5 %; post-consumer = 4.2 kg recovered / 10 batteries = 0.42 kg
    per battery → 0.42 / 4.2 = 10 %; cobalt 0 %."""
    full = make_passport(bworld)
    for name in SUBMODELS:
        validate_submodel(name, full[name])
    cf = full["carbonFootprint"]
    assert (cf["batteryCarbonFootprint"], cf["carbonFootprintPerformanceClass"], cf["absoluteCarbonFootprint"]) == (
        0.12, "B", 3453.8)
    assert full["circularity"]["recycledContent"] == [
        {"recycledMaterial": "Cobalt", "preConsumerShare": 0.0, "postConsumerShare": 0.0},
        {"recycledMaterial": "Lithium", "preConsumerShare": 5.0, "postConsumerShare": 10.0}]
    w = bworld
    r = w.client.post("/api/organisations/MAKER/battery/passports", json={
        "identifier": ID, "model": "LFP-60", "plant": "Chengdu plant 1", "submodels": {}}, headers=w.auth("maker"))
    assert r.status_code == 409
    bad = other_submodels()
    bad["generalProductInformation"]["batteryCategory"] = "car"
    r = w.client.post("/api/organisations/MAKER/battery/passports", json={
        "identifier": "urn:maker:other", "model": "LFP-60", "plant": "Chengdu plant 1", "submodels": bad},
        headers=w.auth("maker"))
    assert r.status_code == 422 and r.json()["field"] == "generalProductInformation.batteryCategory"


@pytest.mark.parametrize("who, tier", [
    (None, "public"), ("outsider", "public"), ("faraway_government", "public"),
    ("carco", "legitimate_interest"), ("maker", "legitimate_interest"),
    ("verifier", "authority"), ("government", "authority"),
])
def test_tier_follows_who_asks(bworld: BWorld, who: str | None, tier: str) -> None:
    w = bworld
    make_passport(w)
    r = w.client.get(f"/api/battery/passports/{ID}", headers=w.auth(who) if who else {})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["audience"] == tier
    gpi = doc["generalProductInformation"]
    assert gpi["productIdentifier"] == "01APBAASC00001R3F0000042"
    if tier == "public":
        assert only_public_fields(doc)
        assert "batteryMaterials" not in doc["materialComposition"] and "batteryStatus" not in gpi
        assert "resultOfTestReport" not in doc["labels"] and "sparePartSources" not in doc["circularity"]
    elif tier == "legitimate_interest":
        assert gpi["batteryStatus"] == "Original" and "batteryMaterials" in doc["materialComposition"]
        assert "resultOfTestReport" not in doc["labels"]
    else:
        assert doc["labels"]["resultOfTestReport"] == "https://example.org/tests.pdf"
        assert "batteryStatus" not in gpi
    # the page shows the same tier
    w.sign_in(who)
    page = w.client.get(f"/battery/passport/{ID}")
    assert page.status_code == 200
    assert ("7439-93-2" in page.text) == (tier != "public")  # a batteryMaterials value (Annex XIII point 2)


def test_owner_views_and_grants(bworld: BWorld) -> None:
    w = bworld
    make_passport(w)
    listed = w.client.get("/api/organisations/MAKER/battery/passports", headers=w.auth("maker")).json()
    assert listed == [{"identifier": ID, "model": "LFP-60", "plant": "Chengdu plant 1", "unit_code": PACK,
                       "granted": ["CARCO"]}]
    pub = w.client.get(f"/api/organisations/MAKER/battery/passports/{ID}?audience=public",
                       headers=w.auth("maker")).json()
    assert pub == w.client.get(f"/api/battery/passports/{ID}").json()
    assert w.client.get(f"/api/battery/passports/{ID}", headers=w.auth("recycler")).json()["audience"] == "public"
    r = w.client.post(f"/api/organisations/MAKER/battery/passports/{ID}/grants", json={"organisation": "RECYCLER"},
                      headers=w.auth("maker"))
    assert r.status_code == 204
    assert w.client.get(f"/api/battery/passports/{ID}",
                        headers=w.auth("recycler")).json()["audience"] == "legitimate_interest"
    assert w.client.get(f"/api/organisations/OUTSIDER/battery/passports/{ID}",
                        headers=w.auth("outsider")).status_code == 404
    assert w.client.get("/api/battery/passports/urn:maker:nothing").status_code == 404
