"""The CBAM API on SQLite and PostgreSQL: installations stored per organisation, SEE, communication (JSON and an
XLSX that reopens with the same numbers), cost, grid comparison, importer view, default-value tables, tenancy."""

from __future__ import annotations

import pytest

from carbontrail.cbam import communication_from_xlsx
from cbam_world import EXAMPLES, CbamWorld

MANAGER, ENTRY, SUPPLIER, OTHER = "manager@alu.example", "entry@alu.example", "supplier@alu.example", \
    "admin@steel.example"
BASE = "/api/organisations/ALU/cbam/installations"


def test_upload_list_and_see_of_the_smelter(cbam_world: CbamWorld) -> None:
    """examples/cbam/sichuan-aluminium-smelter.yaml, process 'smelting' (200,000 t Al), by hand:
    anodes 82,000 t × 0.976 × 3.664 = 293,237.248 t CO2
    gas 6,000,000 Nm3 × 0.038931 GJ/Nm3 = 233.586 TJ × 56.1 t/TJ = 13,104.1746 t CO2
    CF4 = 0.143 kg/t × 0.05 × 200,000 t = 1.43 t; C2F6 = 0.17303 t; AR5 1.43 × 6,630 + 0.17303 × 11,100
        = 9,480.9 + 1,920.633 = 11,401.533 t CO2e
    direct = 317,742.9556 t → SEE direct 1.588714778 t/t
    electricity 2,700,000 MWh × 0.5306 t/MWh = 1,432,620 t → SEE indirect 7.1631 t/t; aluminium counts direct only."""
    w = cbam_world
    out = w.upload(ENTRY, "ALU", "sichuan-aluminium-smelter.yaml", "GY-SMELTER", facility="GY-SMELTER")
    assert out["processes"] == ["smelting", "wire_rod"] and out["facility"] == "GY-SMELTER"
    assert out["period_end"] == "2025-12-31"
    listed = w.client.get(BASE, headers=w.auth(MANAGER)).json()
    assert [i["code"] for i in listed] == ["GY-SMELTER"]
    r = w.client.get(f"{BASE}/GY-SMELTER/see", headers=w.auth(MANAGER))
    assert r.status_code == 200, r.text
    smelting = r.json()["processes"][0]
    assert smelting["components_t"]["mass_balance"] == pytest.approx(293_237.248)
    assert smelting["components_t"]["combustion"] == pytest.approx(13_104.1746)
    assert smelting["components_t"]["pfc"] == pytest.approx(11_401.533)
    assert smelting["see_direct_t_per_t"] == pytest.approx(1.588714778)
    assert smelting["see_indirect_t_per_t"] == pytest.approx(7.1631)
    assert smelting["see_obligation_t_per_t"] == pytest.approx(1.588714778)
    assert smelting["default_share"] == 0.0
    # the result is kept for the period
    kept = w.client.get(f"{BASE}/GY-SMELTER/results", headers=w.auth(MANAGER)).json()
    assert len(kept) == 1 and kept[0]["markup_year"] == 2025
    assert kept[0]["processes"][0]["see_direct_t_per_t"] == pytest.approx(1.588714778)


def test_replacing_the_model_drops_old_results(cbam_world: CbamWorld) -> None:
    w = cbam_world
    w.upload(ENTRY, "ALU", "sichuan-aluminium-smelter.yaml", "GY")
    assert w.client.get(f"{BASE}/GY/see", headers=w.auth(MANAGER)).status_code == 200
    text = (EXAMPLES / "sichuan-aluminium-smelter.yaml").read_text()
    changed = text.replace("activity_level: 200000 t", "activity_level: 250000 t")
    assert changed != text
    r = w.client.post(BASE, headers=w.auth(ENTRY), data={"installation": "GY"},
                      files={"file": ("smelter.yaml", changed.encode(), "application/yaml")})
    assert r.status_code == 200, r.text  # same code and period: replaced
    assert w.client.get(f"{BASE}/GY/results", headers=w.auth(MANAGER)).json() == []
    smelting = w.client.get(f"{BASE}/GY/see", headers=w.auth(MANAGER)).json()["processes"][0]
    # PFCs scale with production (slope × AEM × Pr_Al): 11,401.533 × 1.25; the rest is unchanged
    assert smelting["components_t"]["pfc"] == pytest.approx(11_401.533 * 1.25)
    assert smelting["see_indirect_t_per_t"] == pytest.approx(1_432_620 / 250_000)


def test_communication_xlsx_reopens_with_the_api_numbers(cbam_world: CbamWorld) -> None:
    """The XLSX downloaded through the API reopens (communication_from_xlsx) equal to the JSON communication, and
    its goods rows carry the SEE of the SEE endpoint (wire rod: 7605 11 00)."""
    w = cbam_world
    w.upload(ENTRY, "ALU", "sichuan-aluminium-smelter.yaml", "GY")
    as_json = w.client.get(f"{BASE}/GY/communication", headers=w.auth(MANAGER))
    assert as_json.status_code == 200, as_json.text
    xlsx = w.client.get(f"{BASE}/GY/communication.xlsx", headers=w.auth(MANAGER))
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    reopened = communication_from_xlsx(xlsx.content)
    assert reopened.model_dump(mode="json") == as_json.json()
    see = w.client.get(f"{BASE}/GY/see", headers=w.auth(MANAGER)).json()["processes"]
    by_code = {g.cn_code: g for g in reopened.goods}
    assert by_code["76011000"].see_direct_t_per_t == pytest.approx(see[0]["see_direct_t_per_t"], rel=1e-11)
    assert by_code["76051100"].see_indirect_t_per_t == pytest.approx(see[1]["see_indirect_t_per_t"], rel=1e-11)
    assert reopened.installation.name == "Sichuan hydro aluminium smelter (illustrative)"


def test_cost_estimate(cbam_world: CbamWorld) -> None:
    """1,000 t of unwrought aluminium in 2026 at 75.36 EUR/t, free-allocation share 0.5 (by hand):
    obligation = 1,000 × 1.588714778 (direct only) = 1,588.714778 t; certificates × 0.5 = 794.357389 t;
    gross = 794.357389 × 75.36 = 59,862.77283 EUR; carbon price paid: 85 CNY/t × 5,000 t / 200,000 t = 2.125 CNY
    per t Al × 1,000 t × 0.128 EUR/CNY = 272 EUR; net = 59,590.77283 EUR."""
    w = cbam_world
    w.upload(ENTRY, "ALU", "sichuan-aluminium-smelter.yaml", "GY")
    r = w.client.get(f"{BASE}/GY/cost", headers=w.auth(MANAGER), params={
        "process": "smelting", "mass_t": 1000, "price_eur_per_t": 75.36, "import_year": 2026,
        "free_allocation_share": 0.5, "eur_per_cny": 0.128})
    assert r.status_code == 200, r.text
    c = r.json()
    assert c["obligation_emissions_t"] == pytest.approx(1_588.714778)
    assert c["certificates_t"] == pytest.approx(794.357389)
    assert c["gross_cost_eur"] == pytest.approx(59_862.77283)
    assert c["carbon_price_deduction_eur"] == pytest.approx(272.0)
    assert c["net_cost_eur"] == pytest.approx(59_590.77283)
    # a carbon price in yuan needs its exchange rate: one sentence, field named
    r = w.client.get(f"{BASE}/GY/cost", headers=w.auth(MANAGER), params={
        "process": "smelting", "mass_t": 1000, "price_eur_per_t": 75.36, "import_year": 2026,
        "free_allocation_share": 0.5})
    assert r.status_code == 422 and r.json()["field"] == "exchange_rate"
    r = w.client.get(f"{BASE}/GY/cost", headers=w.auth(MANAGER), params={
        "process": "no-such", "mass_t": 1, "price_eur_per_t": 1, "import_year": 2026, "free_allocation_share": 0})
    assert r.status_code == 422 and "smelting" in r.json()["message"]


def test_grid_comparison(cbam_world: CbamWorld) -> None:
    """Smelting, 2,700,000 MWh on 200,000 t: Sichuan 2022 0.1404 t/MWh → 1.8954 t/t; China 2022 (the library's
    latest national average on or before 2023) read from the response, advantage = difference; aluminium's indirect
    emissions do not count toward the obligation."""
    w = cbam_world
    w.upload(ENTRY, "ALU", "sichuan-aluminium-smelter.yaml", "GY")
    r = w.client.get(f"{BASE}/GY/grid", headers=w.auth(MANAGER), params={"process": "smelting", "grid_year": 2023})
    assert r.status_code == 200, r.text
    g = r.json()
    assert g["local"]["t_per_mwh"] == pytest.approx(0.1404)
    assert g["see_indirect_local_t_per_t"] == pytest.approx(2_700_000 * 0.1404 / 200_000)
    assert g["see_indirect_reference_t_per_t"] == pytest.approx(2_700_000 * g["reference"]["t_per_mwh"] / 200_000)
    assert g["advantage_t_per_t"] > 0 and g["counts_in_obligation"] is False


def test_importer_view_de_minimis_below_and_above(cbam_world: CbamWorld) -> None:
    """Below: 30 t aluminium (1.53 t/t direct) + 15 t steel (2.3 t/t) = 45 t ≤ 50 t → exempt, obligation 0,
    embedded = 30 × (1.53 + 7.16) + 15 × (2.3 + 0.2) = 260.7 + 37.5 = 298.2 t.
    Above: + 12 t of CN 7211 14 00 from China with no values → default 3.19 × 1.10 = 3.509 t/t (2026);
    57 t > 50 t → every line counts: obligation = 30 × 1.53 + 15 × 2.3 + 12 × 3.509 = 45.9 + 34.5 + 42.108
    = 122.508 t; the default line is 42.108 of 340.308 t embedded."""
    w = cbam_world
    lines = [{"supplier": "smelter", "cn_code": "7601 10 00", "country": "CN", "mass_t": 30,
              "see_direct_t_per_t": 1.53, "see_indirect_t_per_t": 7.16},
             {"supplier": "steel", "cn_code": "7208 39 00", "country": "CN", "mass_t": 15,
              "see_direct_t_per_t": 2.3, "see_indirect_t_per_t": 0.2}]
    below = w.client.post("/api/organisations/ALU/cbam/importer", headers=w.auth(MANAGER),
                          json={"year": 2026, "lines": lines})
    assert below.status_code == 200, below.text
    b = below.json()
    assert b["de_minimis_exempt"] is True and b["mass_under_threshold_t"] == pytest.approx(45)
    assert b["obligation_t"] == 0 and b["embedded_t"] == pytest.approx(298.2)
    lines.append({"supplier": "trader", "cn_code": "7211 14 00", "country": "CN", "mass_t": 12})
    above = w.client.post("/api/organisations/ALU/cbam/importer", headers=w.auth(MANAGER),
                          json={"year": 2026, "lines": lines}).json()
    assert above["de_minimis_exempt"] is False
    assert above["lines"][2]["see_direct_t_per_t"] == pytest.approx(3.509)
    assert above["obligation_t"] == pytest.approx(122.508)
    assert above["default_share"] == pytest.approx(42.108 / 340.308)


def test_importer_line_from_a_stored_installation(cbam_world: CbamWorld) -> None:
    """A line naming the stored smelter and its process takes the computed SEE (1.588714778 t/t direct)."""
    w = cbam_world
    w.upload(ENTRY, "ALU", "sichuan-aluminium-smelter.yaml", "GY")
    r = w.client.post("/api/organisations/ALU/cbam/importer", headers=w.auth(MANAGER), json={"year": 2026, "lines": [
        {"supplier": "own", "cn_code": "76011000", "country": "CN", "mass_t": 60, "installation": "GY",
         "process": "smelting"}]})
    assert r.status_code == 200, r.text
    v = r.json()
    assert v["lines"][0]["basis"] == "actual" and v["de_minimis_exempt"] is False
    assert v["obligation_t"] == pytest.approx(60 * 1.588714778)


CSV = ("cn_code,country,see_direct,see_indirect,route,source,confidence\n"
       "72061000,CN,1.80,,C,official table (test copy),high\n"
       "25231000,CN,0.90,0.05,,official table (test copy),high\n")


def test_default_value_tables_are_versioned_and_used(cbam_world: CbamWorld) -> None:
    """A loaded table replaces the shipped one where named: the V-Ti works' bought ingots (50,000 t of CN 7206 10 00
    from China) at 1.80 t/t instead of 1.74 → the strip mill's embedded direct emissions rise by
    50,000 × (1.80 − 1.74) × 1.10 (2026 mark-up) = 3,300 t."""
    w = cbam_world
    up = w.client.post("/api/organisations/ALU/cbam/default-values", headers=w.auth(ENTRY),
                       data={"name": "official", "version": "2026-1"},
                       files={"file": ("defaults.csv", CSV.encode(), "text/csv")})
    assert up.status_code == 201, up.text
    assert up.json()["values"] == 2
    again = w.client.post("/api/organisations/ALU/cbam/default-values", headers=w.auth(ENTRY),
                          data={"name": "official", "version": "2026-1"},
                          files={"file": ("defaults.csv", CSV.encode(), "text/csv")})
    assert again.status_code == 409
    names = [(d["name"], d["shipped"]) for d in
             w.client.get("/api/organisations/ALU/cbam/default-values", headers=w.auth(MANAGER)).json()]
    assert names == [("cbam-default-values", True), ("official", False)]
    table = w.client.get("/api/organisations/ALU/cbam/default-values/official", headers=w.auth(MANAGER)).json()
    assert {v["cn_code"]: v["source"] for v in table["values"]}["72061000"] == "official table (test copy)"
    w.upload(ENTRY, "ALU", "panzhihua-vti-steel.yaml", "PZH")
    shipped = w.client.get(f"{BASE}/PZH/see?markup_year=2026", headers=w.auth(MANAGER)).json()["processes"][2]
    own = w.client.get(f"{BASE}/PZH/see?markup_year=2026&defaults=official",
                       headers=w.auth(MANAGER)).json()["processes"][2]
    assert own["embedded_direct_t"] - shipped["embedded_direct_t"] == pytest.approx(3_300.0)
    assert "official 2026-1" in own["precursors"][1]["source"]
    bad = "cn_code,country,see_direct,see_indirect,route,source,confidence\n72061000,CN,1.8,,C,,high\n"
    r = w.client.post("/api/organisations/ALU/cbam/default-values", headers=w.auth(ENTRY),
                      data={"name": "nosource", "version": "1"},
                      files={"file": ("bad.csv", bad.encode(), "text/csv")})
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "source"


def test_bad_model_names_file_and_field(cbam_world: CbamWorld) -> None:
    w = cbam_world
    text = (EXAMPLES / "sichuan-aluminium-smelter.yaml").read_text()
    broken = text.replace("activity_level: 200000 t", "activity_level: 200000")
    r = w.client.post(BASE, headers=w.auth(ENTRY), data={"installation": "GY"},
                      files={"file": ("smelter.yaml", broken.encode(), "application/yaml")})
    assert r.status_code == 422
    body = r.json()
    assert body["field"] == "processes[0].activity_level" and "smelter.yaml" in body["message"]
    r = w.client.post(BASE, headers=w.auth(ENTRY), data={"installation": "GY"},
                      files={"file": ("x.yaml", b"\xff\xfe\x00bad", "application/yaml")})
    assert r.status_code == 422 and "UTF-8" in r.json()["message"]
    assert w.client.get(BASE, headers=w.auth(MANAGER)).json() == []


def test_roles_and_other_tenant(cbam_world: CbamWorld) -> None:
    """data_entry uploads but sees no results; a supplier sees neither; the other tenant gets 404 everywhere."""
    w = cbam_world
    w.upload(ENTRY, "ALU", "sichuan-aluminium-smelter.yaml", "GY")
    assert w.client.get(f"{BASE}/GY/see", headers=w.auth(ENTRY)).status_code == 403
    assert w.client.get(BASE, headers=w.auth(SUPPLIER)).status_code == 403
    assert w.client.get(f"{BASE}/GY/communication", headers=w.auth(SUPPLIER)).status_code == 403
    for tail in ("", "/GY", "/GY/see", "/GY/communication", "/GY/communication.xlsx", "/GY/results"):
        r = w.client.get(f"{BASE}{tail}", headers=w.auth(OTHER))
        assert r.status_code == 404 and "smelter" not in r.text.lower(), tail
    assert w.client.get("/api/organisations/STEEL/cbam/installations/GY/see",
                        headers=w.auth(OTHER)).status_code == 404
