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
