"""`carbontrail cbam` commands on the example installations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from carbontrail.cbam import communication_from_xlsx
from carbontrail.cli.cbam import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cbam"
runner = CliRunner()


def test_see_json() -> None:
    """Smelter: (anodes 293,237.248 + gas 13,104.1746 + PFC 11,401.533) / 200,000 = 1.588714778 t/t direct;
    2,700,000 × 0.5306 / 200,000 = 7.1631 t/t indirect; wire rod: (50,500 × 1.588714778 + gas 1,500,000 Nm3 ×
    0.038931 GJ/Nm3 × 56.1 t/TJ = 3,276.04365 t) / 50,000 = 1.67012279878 t/t."""
    out = runner.invoke(app, ["see", str(EXAMPLES / "sichuan-aluminium-smelter.yaml"), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    smelting, wire = data["processes"]
    assert smelting["see_direct_t_per_t"] == pytest.approx(1.588714778)
    assert smelting["see_indirect_t_per_t"] == pytest.approx(7.1631)
    assert smelting["see_obligation_t_per_t"] == pytest.approx(1.588714778)
    gas = 1_500_000 * 0.038931e-3 * 56.1
    assert gas == pytest.approx(3_276.04365)
    assert wire["see_direct_t_per_t"] == pytest.approx(1.67012279878)


def test_communication_file(tmp_path: Path) -> None:
    out_file = tmp_path / "steel.xlsx"
    out = runner.invoke(app, ["communication", str(EXAMPLES / "panzhihua-vti-steel.yaml"), "--out", str(out_file),
                              "--year", "2026"])
    assert out.exit_code == 0, out.output
    comm = communication_from_xlsx(out_file.read_bytes())
    assert {g.cn_code for g in comm.goods} == {"72015010", "72071114", "72083900", "72083800"}
    template = tmp_path / "steel-template.xlsx"
    out = runner.invoke(app, ["communication", str(EXAMPLES / "panzhihua-vti-steel.yaml"), "--out", str(template),
                              "--year", "2026", "--layout", "commission"])
    assert out.exit_code == 0, out.output
    assert load_workbook(template).sheetnames == ["A_InstData", "Summary_Products", "Summary_Communication"]
    out = runner.invoke(app, ["communication", str(EXAMPLES / "panzhihua-vti-steel.yaml"), "--out", str(template),
                              "--layout", "excel"])
    assert out.exit_code != 0 and "--layout" in out.output and "carbontrail or commission" in " ".join(out.output.split())


def test_cost_json() -> None:
    """Aluminium wire rod, 1,000 t in 2026, free-allocation share 0.5, 75.36 EUR/t, carbon price paid on wire rod
    none (the example's carbon price is on the smelting process): 1,000 × 1.6701 × 0.5 × 75.36 EUR."""
    out = runner.invoke(app, ["cost", str(EXAMPLES / "sichuan-aluminium-smelter.yaml"), "--process", "wire_rod",
                              "--mass", "1000 t", "--price", "75.36 EUR/t", "--year", "2026",
                              "--free-allocation-share", "0.5", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    see = data["see_obligation_t_per_t"]
    assert see == pytest.approx(1.6701, abs=1e-4)
    assert data["net_cost_eur"] == pytest.approx(1000 * see * 0.5 * 75.36)
    assert data["carbon_price_deduction_eur"] == 0.0


def test_importer_json() -> None:
    """examples/cbam/imports-2026.yaml: 30 + 15 + 12 = 57 t > 50 t, so not exempt; obligation 30 × 1.53 + 15 × 2.3
    + 12 × 3.19 × 1.10 = 45.9 + 34.5 + 42.108 = 122.508 t."""
    out = runner.invoke(app, ["importer", str(EXAMPLES / "imports-2026.yaml"), "--year", "2026", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["de_minimis_exempt"] is False
    assert data["obligation_t"] == pytest.approx(122.508)


def test_bad_file_is_one_message_and_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\noperator: y\nreporting_period: {start: 2025-01-01, end: 2025-12-31}\n"
                   "processes:\n  - {id: a, name: a, category: Cement clinker, cn_codes: ['2523 10 00'],\n"
                   "     system_boundary: kiln, activity_level: 1000}\n", encoding="utf-8")
    out = runner.invoke(app, ["see", str(bad), "--json"])
    assert out.exit_code == 1
    error = json.loads(out.output)["error"]
    assert error["code"] == "invalid_input"
    assert "processes[0].activity_level" in error["message"] and "has no unit" in error["message"]


def test_grid_json() -> None:
    """Library factors for 2023: Sichuan (2022, latest) 0.1404 and China 0.5306 t/MWh on 2,700,000 MWh / 200,000 t."""
    out = runner.invoke(app, ["grid", str(EXAMPLES / "sichuan-aluminium-smelter.yaml"), "--process", "smelting",
                              "--year", "2023", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["see_indirect_local_t_per_t"] == pytest.approx(2_700_000 * 0.1404 / 200_000)
    assert data["see_indirect_reference_t_per_t"] == pytest.approx(2_700_000 * 0.5306 / 200_000)
    assert data["counts_in_obligation"] is False


def test_unknown_process_is_exit_1() -> None:
    out = runner.invoke(app, ["grid", str(EXAMPLES / "sichuan-aluminium-smelter.yaml"), "--process", "potline",
                              "--year", "2023", "--json"])
    assert out.exit_code == 1
    assert "expected smelting, wire_rod" in json.loads(out.output)["error"]["message"]


def test_store_list_and_load_defaults_in_the_database(db_url: str, engine: object, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """`cbam store` keeps the model for the organisation; storing it again keeps it unchanged; `cbam list` shows it;
    `cbam load-defaults` stores a table and refuses the same version again (exit 1, one sentence)."""
    from carbontrail.services.database import open_sessions
    from carbontrail.services.demo.cbam import load_cbam_demo

    monkeypatch.setenv("CARBONTRAIL_DATABASE_URL", db_url)
    load_cbam_demo(open_sessions(), EXAMPLES, "demo password for cli")
    out = runner.invoke(app, ["store", "GY-ALU", str(EXAMPLES / "sichuan-aluminium-smelter.yaml"),
                              "--installation", "SECOND", "--facility", "GY-SMELTER", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == {"organisation": "GY-ALU", "installation": "SECOND",
                                      "period": "2025-01-01/2025-12-31", "processes": ["smelting", "wire_rod"],
                                      "created": True}
    again = runner.invoke(app, ["store", "GY-ALU", str(EXAMPLES / "sichuan-aluminium-smelter.yaml"),
                                "--installation", "SECOND", "--facility", "GY-SMELTER", "--json"])
    assert json.loads(again.output)["created"] is False
    listed = json.loads(runner.invoke(app, ["list", "GY-ALU", "--json"]).output)
    assert [r["installation"] for r in listed] == ["GY-SMELTER", "SECOND"]
    csv = tmp_path / "defaults.csv"
    csv.write_text("cn_code,country,see_direct,see_indirect,route,source,confidence\n7601,CN,2.5,,,test,low\n")
    out = runner.invoke(app, ["load-defaults", "GY-ALU", str(csv), "--name", "t", "--version", "1", "--json"])
    assert out.exit_code == 0 and json.loads(out.output)["values"] == 1, out.output
    out = runner.invoke(app, ["load-defaults", "GY-ALU", str(csv), "--name", "t", "--version", "1"])
    assert out.exit_code == 1 and "already stored" in out.output
    out = runner.invoke(app, ["list", "NO-SUCH"])
    assert out.exit_code == 3 and "NO-SUCH" in out.output  # not found


def test_see_json_shows_every_intermediate_for_a_verifier() -> None:
    """Smelter example (hand calculation), every figure behind SEE direct:
    anode CO2 (mass balance, 2023/1773 Annex III): 82,000 t × 0.976 t C/t × 3.664 = 293,237.248 t CO2
    CF4 (slope method, IPCC 2006 Vol.3 Ch.4 Eq. 4.26): 0.143 kg/t × 0.05 AE-min/cell-day × 200,000 t = 1.43 t
    C2F6 (Eq. 4.27): 1.43 × 0.121 = 0.17303 t
    PFC CO2e (AR5 GWP100, 2023/1773 Annex VIII): 1.43 × 6,630 + 0.17303 × 11,100 = 11,401.533 t."""
    out = runner.invoke(app, ["see", str(EXAMPLES / "sichuan-aluminium-smelter.yaml"), "--json"])
    assert out.exit_code == 0, out.output
    smelting = json.loads(out.output)["processes"][0]
    anodes = next(s for s in smelting["source_streams"] if s["method"] == "mass_balance")
    assert anodes["co2_t"] == pytest.approx(293_237.248)
    assert smelting["pfc"]["cf4_t"] == pytest.approx(1.43)
    assert smelting["pfc"]["c2f6_t"] == pytest.approx(0.17303)
    assert (smelting["pfc"]["gwp_cf4"], smelting["pfc"]["gwp_c2f6"]) == (6630, 11100)
    assert smelting["pfc"]["co2e_t"] == pytest.approx(11_401.533)
    assert smelting["see_indirect_counted_t_per_t"] == pytest.approx(0.0)
    assert json.loads(out.output)["processes"][1]["pfc"] is None
