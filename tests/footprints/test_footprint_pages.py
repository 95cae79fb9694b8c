"""Footprint pages: the organisation's products, one product's page, model upload and supplier form."""

from __future__ import annotations

import footprint_world
from footprint_world import PRODUCTS, FootprintWorld

fp_world = footprint_world.fp_world


def test_product_list_and_page(fp_world: FootprintWorld) -> None:
    """The pack's page shows 85.554 kg CO2e per kWh (60 + 19.2 + 1 + 5 + 0.325728 + 0.028358), its stages and the
    Monte Carlo section; the Chinese page uses the catalogue."""
    fp_world.sign_in_page("manager@pack.example")
    r = fp_world.client.get("/org/CD-PACK/products")
    assert r.status_code == 200 and "/org/CD-PACK/products/battery-pack/battery-pack" in r.text
    r = fp_world.client.get("/org/CD-PACK/products/battery-pack/battery-pack")
    assert r.status_code == 200, r.text
    assert 'id="footprint-per-unit">85.554<' in r.text
    assert "raw material acquisition and pre-processing" in r.text and 'id="chart-histogram"' in r.text
    assert "report.pdf?" in r.text
    fp_world.client.cookies.set("ct_lang", "zh_CN")
    r = fp_world.client.get("/org/CD-PACK/products/battery-pack/battery-pack")
    assert "数据质量" in r.text and "供应链树" in r.text
    bad = fp_world.client.get("/org/CD-PACK/products/battery-pack/battery-pack?iterations=0")
    assert bad.status_code == 422
    assert fp_world.client.get("/org/CD-CELL/products").status_code == 404


def test_upload_and_supplier_form(fp_world: FootprintWorld) -> None:
    csrf = fp_world.sign_in_page("manager@pack.example")
    data = (PRODUCTS / "lfp-cathode.yaml").read_bytes()
    r = fp_world.client.post("/org/CD-PACK/products", data={"csrf_token": csrf, "key": "cathode"},
                             files={"file": ("lfp-cathode.yaml", data, "application/yaml")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "/org/CD-PACK/products/cathode/lfp-cathode" in fp_world.client.get("/org/CD-PACK/products").text
    r = fp_world.client.post("/org/CD-PACK/products", data={"csrf_token": csrf},
                             files={"file": ("broken.yaml", b"name: [", "application/yaml")})
    assert r.status_code == 422 and "broken.yaml" in r.text
    r = fp_world.client.post("/org/CD-PACK/supplier-footprints", follow_redirects=False, data={
        "csrf_token": csrf, "product_key": "lfp-cell", "supplier": "CD-CELL", "fossil": "43.4", "unit": "kWh",
        "reference": "form", "dqr": "1,2,1"})
    assert r.status_code == 303, r.text
    assert "CD-CELL" in fp_world.client.get("/org/CD-PACK/products").text
    r = fp_world.client.post("/org/CD-PACK/supplier-footprints", data={
        "csrf_token": csrf, "product_key": "lfp-cell", "supplier": "CD-CELL", "fossil": "x", "unit": "kWh",
        "reference": "form"})
    assert r.status_code == 422 and "not a number" in r.text
    r = fp_world.client.post("/org/CD-PACK/supplier-footprints", data={
        "csrf_token": "wrong", "product_key": "a", "supplier": "b", "fossil": "1", "unit": "kg", "reference": "c"})
    assert r.status_code == 403
