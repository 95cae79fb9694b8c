"""The footprint API: products, a footprint with supplier primary data entered by hand, contributions, tree,
Monte Carlo, comparison, model upload, roles and tenants."""

from __future__ import annotations

import pytest

import footprint_world
from footprint_world import FootprintWorld

fp_world = footprint_world.fp_world

BASE = "/api/organisations/CD-PACK"
# Pack per kWh (battery-pack.yaml): 60 (cell, secondary) + 1.2·16 + 0.5·2 + 0.05·100 + 2.32·0.1404 + 0.028358.
PACK = 60 + 1.2 * 16 + 0.5 * 2 + 0.05 * 100 + 2.32 * 0.1404 + 0.028358  # 85.554086 kg CO2e


def test_products_footprint_and_supplier_data(fp_world: FootprintWorld) -> None:
    """With CD-CELL's own 43.4 kg/kWh for the cell (entered by hand, DQR 1,1,1), the pack is
    85.554086 − 60 + 43.4 = 68.954086 kg/kWh and its primary share is (43.4 + 0.028358) / 68.954086 = 0.62981:
    the cell is primary data and the plant's own LPG CO2 is a primary process (data: primary)."""
    h = fp_world.auth("manager@pack.example")
    r = fp_world.client.get(f"{BASE}/products", headers=h)
    assert r.status_code == 200, r.text
    [row] = r.json()
    assert row["product"] == "battery-pack" and row["fossil_kg_per_unit"] == pytest.approx(PACK, rel=1e-9)
    grave = fp_world.client.get(f"{BASE}/products?boundary=cradle-to-grave", headers=h).json()
    assert {p["product"]: p["fossil_kg_per_unit"] for p in grave}["battery-pack-eu"] == pytest.approx(PACK + 1.25)
    body = {"product_key": "lfp-cell", "supplier": "CD-CELL", "fossil_kg_per_unit": 43.4, "unit": "kWh",
            "reference": "CD-CELL PCF 2023", "dqr": [1, 1, 1], "year": 2023}
    r = fp_world.client.post(f"{BASE}/supplier-footprints", json=body, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["source"] == "manual" and r.json()["dqr"] == [1, 1, 1]
    r = fp_world.client.get(f"{BASE}/products/battery-pack/battery-pack?amount=60", headers=h)
    assert r.status_code == 200, r.text
    data = r.json()
    total = PACK - 60 + 43.4
    assert data["fossil_kg"] == pytest.approx(60 * total, rel=1e-9)
    assert data["fossil_kg_per_unit"] == pytest.approx(total, rel=1e-9)
    assert data["data_quality"]["primary_data_share"] == pytest.approx((43.4 + 0.028358) / total, rel=1e-9)
    [cell] = [e for e in data["external"] if e["flow"] == "lfp-cell"]
    assert cell["primary"] and cell["supplier"] == "CD-CELL" and cell["amount"] == pytest.approx(60)
    stages = {c["label"]: c["fossil_kg"] for c in fp_world.client.get(
        f"{BASE}/products/battery-pack/battery-pack/contributions?by=stage", headers=h).json()}
    # The cell keeps the stage the model gives its secondary factor (main product production).
    assert stages["main product production"] == pytest.approx(43.4 + 2.32 * 0.1404 + 0.028358, rel=1e-9)
    assert stages["raw material acquisition and pre-processing"] == pytest.approx(1.2 * 16 + 0.5 * 2 + 5, rel=1e-9)
    tree = fp_world.client.get(f"{BASE}/products/battery-pack/battery-pack-eu/tree?boundary=cradle-to-grave&cutoff=0",
                               headers=h).json()
    assert tree[0]["total_kg"] == pytest.approx(total + 1.25, rel=1e-9) and tree[1]["process"] == "pack-chengdu"


def test_monte_carlo_and_compare(fp_world: FootprintWorld) -> None:
    """The cell model's two triangular entries: same seed, same numbers; a unit against itself has difference 0."""
    h = fp_world.auth("admin@cell.example")
    url = "/api/organisations/CD-CELL/products/lfp-cell/lfp-cell/monte-carlo?iterations=300&seed=11"
    first, again = fp_world.client.get(url, headers=h), fp_world.client.get(url, headers=h)
    assert first.status_code == 200, first.text
    assert first.json() == again.json() and first.json()["uncertain_entries"] == 2
    assert sum(first.json()["histogram_counts"]) == 300
    other = fp_world.client.get(url.replace("seed=11", "seed=12"), headers=h).json()
    assert other["mean"] != first.json()["mean"]
    r = fp_world.client.get("/api/organisations/CD-CELL/products/lfp-cell/lfp-cell/compare?other=lfp-cell"
                            "&iterations=50", headers=h)
    assert r.status_code == 200 and r.json()["difference_mean"] == 0 and r.json()["probability_a_lower"] == 0


def test_model_upload_conflict_replace_and_errors(fp_world: FootprintWorld) -> None:
    """A one-process model: 1 kg of p emits 2 kg CO2 and buys 3 kg q at 0.5 kg CO2e/kg → 3.5 kg CO2e/kg."""
    h = fp_world.auth("manager@pack.example")
    model = {"name": "tiny", "flows": [{"id": "p", "unit": "kg"}, {"id": "q", "unit": "kg"},
                                       {"id": "co2", "name": "Carbon dioxide, fossil", "kind": "elementary",
                                        "unit": "kg", "category": "air"}],
             "processes": [{"id": "P", "outputs": [{"flow": "p", "amount": 1}, {"flow": "co2", "amount": 2}],
                            "inputs": [{"flow": "q", "amount": 3000, "unit": "g"}]}],
             "factors": [{"flow": "q", "fossil": 0.5, "source": "test"}]}
    r = fp_world.client.post(f"{BASE}/product-models", json={"key": "tiny", "model": model}, headers=h)
    assert r.status_code == 201, r.text
    assert fp_world.client.post(f"{BASE}/product-models", json={"key": "tiny", "model": model},
                                headers=h).status_code == 409
    r = fp_world.client.get(f"{BASE}/products/tiny/p", headers=h)
    assert r.json()["fossil_kg"] == pytest.approx(3.5, rel=1e-12)
    model["factors"][0]["fossil"] = 1.0
    r = fp_world.client.put(f"{BASE}/product-models/tiny", json=model, headers=h)
    assert r.status_code == 200 and not r.json()["created"]
    assert fp_world.client.get(f"{BASE}/products/tiny/p", headers=h).json()["fossil_kg"] == pytest.approx(5.0)
    stored = fp_world.client.get(f"{BASE}/product-models/tiny", headers=h).json()
    assert stored["processes"][0]["inputs"][0]["amount"] == pytest.approx(3.0)  # converted g → kg
    bad = dict(model, processes=[{"id": "P", "outputs": [{"flow": "nope", "amount": 1}]}])
    r = fp_world.client.put(f"{BASE}/product-models/tiny", json=bad, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "processes[0].outputs[0].flow"
    assert fp_world.client.get(f"{BASE}/products/tiny/nothing", headers=h).status_code == 404
    assert fp_world.client.delete(f"{BASE}/product-models/tiny", headers=h).status_code == 204
    assert fp_world.client.get(f"{BASE}/products/tiny/p", headers=h).status_code == 404


def test_roles_and_tenants(fp_world: FootprintWorld) -> None:
    """Data entry reads models but not results; a supplier sees neither; another tenant gets 404."""
    entry, supplier = fp_world.auth("entry@pack.example"), fp_world.auth("supplier@pack.example")
    assert fp_world.client.get(f"{BASE}/product-models", headers=entry).status_code == 200
    assert fp_world.client.get(f"{BASE}/products", headers=entry).status_code == 403
    assert fp_world.client.get(f"{BASE}/product-models", headers=supplier).status_code == 403
    assert fp_world.client.get(f"{BASE}/products/battery-pack/battery-pack", headers=supplier).status_code == 403
    other = fp_world.auth("admin@cell.example")
    for tail in ("/product-models", "/product-models/battery-pack", "/products", "/supplier-footprints",
                 "/products/battery-pack/battery-pack", "/products/battery-pack/battery-pack/report.pdf"):
        r = fp_world.client.get(f"{BASE}{tail}", headers=other)
        assert r.status_code == 404 and "Battery pack" not in r.text, tail
