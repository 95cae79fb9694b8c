"""The operator → importer communication: built from the SEE, written as XLSX / JSON, reopened with the same numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from carbontrail.cbam import (
    Communication,
    build_communication,
    communication_from_json,
    communication_from_xlsx,
    communication_to_json,
    communication_to_xlsx,
    communication_workbook,
    compute_see,
    parse_installation,
)
from carbontrail.errors import InputError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cbam"


def _communication(name: str, year: int | None = None) -> Communication:
    inst = parse_installation(yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8")))
    return build_communication(inst, compute_see(inst, markup_year=year))


def test_xlsx_reopens_with_the_same_numbers(tmp_path: Path) -> None:
    """Every cell written is read back equal (numbers carry 12 significant digits, which XLSX keeps), and the
    smelter's SEE direct is (anodes 82,000 t × 0.976 × 3.664 = 293,237.248 t + gas 233.586 TJ × 56.1 = 13,104.1746 t
    + PFC 1.43 t CF4 × 6,630 + 0.17303 t C2F6 × 11,100 = 11,401.533 t) / 200,000 t = 1.588714778 t/t."""
    comm = _communication("sichuan-aluminium-smelter.yaml")
    data = communication_to_xlsx(comm)
    (tmp_path / "c.xlsx").write_bytes(data)
    again = communication_from_xlsx((tmp_path / "c.xlsx").read_bytes())
    assert again == comm
    smelting = next(g for g in again.goods if g.process_id == "smelting")
    assert smelting.see_direct_t_per_t == pytest.approx((82_000 * 0.976 * 3.664 + 233.586 * 56.1
                                                         + 0.143e-3 * 0.05 * 200_000 * (6630 + 0.121 * 11100))
                                                        / 200_000)
    assert smelting.see_direct_t_per_t == pytest.approx(1.588714778)
    # the sheet an importer opens shows the number itself, not a formula
    wb = load_workbook(tmp_path / "c.xlsx")
    goods = wb["Goods"]
    header = [c.value for c in goods[1]]
    assert goods.cell(row=2, column=header.index("see_direct_t_per_t") + 1).value == smelting.see_direct_t_per_t


def test_json_round_trip_and_content() -> None:
    """Steel example, 2026 mark-up: two CN codes of the hot strip mill share one SEE; the bought ingots carry the
    default 1.74 × 1.10 = 1.914 t/t; the supplier's ferro-manganese 1.9 / 2.6 t/t."""
    comm = _communication("panzhihua-vti-steel.yaml", 2026)
    again = communication_from_json(communication_to_json(comm))
    assert again == comm
    hsm = [g for g in again.goods if g.process_id == "hot_strip_mill"]
    assert [g.cn_code for g in hsm] == ["72083900", "72083800"]
    assert hsm[0].see_direct_t_per_t == hsm[1].see_direct_t_per_t
    assert hsm[0].data_basis == "mixed"
    ingots = next(p for p in again.precursors if p.origin == "default")
    assert ingots.see_direct_t_per_t == pytest.approx(1.914)
    assert ingots.markup == pytest.approx(0.10)
    femn = next(p for p in again.precursors if p.origin == "supplier")
    assert (femn.see_direct_t_per_t, femn.see_indirect_t_per_t) == (1.9, 2.6)
    assert again.carbon_prices[0].price_unit == "CNY/t"


def test_not_a_workbook() -> None:
    with pytest.raises(InputError, match="not an XLSX workbook"):
        communication_from_xlsx(b"hello", file="x.xlsx")


def test_hand_edited_bad_cell_names_sheet_and_row(tmp_path: Path) -> None:
    comm = _communication("sichuan-aluminium-smelter.yaml")
    path = tmp_path / "c.xlsx"
    path.write_bytes(communication_to_xlsx(comm))
    wb = load_workbook(path)
    goods = wb["Goods"]
    header = [c.value for c in goods[1]]
    goods.cell(row=3, column=header.index("see_direct_t_per_t") + 1).value = "lots"
    wb.save(path)
    with pytest.raises(InputError) as info:
        communication_from_xlsx(path.read_bytes(), file="c.xlsx")
    assert info.value.location.file == "c.xlsx [Goods]"
    assert info.value.location.row == 3
    assert info.value.location.field == "see_direct_t_per_t"


def _rows(sheet: object) -> list[tuple[object, ...]]:
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]  # type: ignore[attr-defined]


def _table_under(rows: list[tuple[object, ...]], first_column: str) -> list[dict[str, object]]:
    """The records of the table whose header row starts with `first_column`, up to the first empty row."""
    start = next(i for i, r in enumerate(rows) if r and r[0] == first_column)
    header = [str(c) for c in rows[start] if c is not None]
    out = []
    for r in rows[start + 1:]:
        if not r or all(v is None for v in r):
            break
        out.append(dict(zip(header, r, strict=False)))
    return out


def test_commission_template_layout(tmp_path: Path) -> None:
    """The Commission-template workbook has the template's importer-facing tabs, and each product's SEE there equals
    the communication's (one source for the JSON, carbontrail's XLSX and this one). The smelter's carbon price due per
    tonne of primary aluminium is 85 CNY/t × 5,000 t covered / 200,000 t produced = 2.125 CNY per t."""
    comm = _communication("sichuan-aluminium-smelter.yaml")
    (tmp_path / "t.xlsx").write_bytes(communication_workbook(comm, "commission"))
    wb = load_workbook(tmp_path / "t.xlsx")
    assert wb.sheetnames == ["A_InstData", "Summary_Products", "Summary_Communication"]
    inst = dict(r[:2] for r in _rows(wb["A_InstData"]) if r and r[0] and r[1] is not None)
    assert inst["Name of the installation (English)"] == comm.installation.name
    assert inst["Country"] == comm.installation.country
    assert inst["Start"] == comm.installation.period_start.isoformat()
    products = _table_under(_rows(wb["Summary_Products"]), "Production process from which the products arise")
    assert [p["CN Code"] for p in products] == [g.cn_code for g in comm.goods]
    for row, good in zip(products, comm.goods, strict=True):
        assert (row["SEE (direct)"], row["SEE (indirect)"], row["SEE (total)"]) == (
            good.see_direct_t_per_t, good.see_indirect_t_per_t, good.see_total_t_per_t)
        assert row["Type of aggregated good or precursor"] == good.category
    smelting = next(p for p in products if p["Production process from which the products arise"] == "smelting")
    assert smelting["SEE (direct)"] == pytest.approx(1.588714778)
    assert smelting["Carbon price due (per t of product)"] == pytest.approx(85 * 5000 / 200_000)
    assert smelting["Currency of the carbon price"] == "CNY"
    electricity = [m.description for m in comm.methods if m.process_id == "smelting" and m.kind == "electricity"]
    assert electricity and smelting["Source for the electricity emission factor"] == "; ".join(electricity)
    summary = _rows(wb["Summary_Communication"])
    details = dict(r[:2] for r in summary if r and r[0] and r[1] is not None)
    assert details["Name"] == comm.installation.name and details["Country"] == comm.installation.country
    listed = _table_under(summary, "Production process from which the products arise")
    assert [(r["CN Code"], r["SEE (total)"]) for r in listed] == [(g.cn_code, g.see_total_t_per_t)
                                                                 for g in comm.goods]
    with pytest.raises(ValueError, match="unknown layout"):
        communication_workbook(comm, "excel")
