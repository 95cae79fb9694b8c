"""CBAM services on SQLite and PostgreSQL: models kept per organisation and period, results kept per period,
default-value tables, permissions."""

from __future__ import annotations

import pytest

from carbontrail.errors import Conflict, NotFound, PermissionDenied
from carbontrail.services import cbam, tenancy
from cbam_world import EXAMPLES, CbamWorld

SMELTER = (EXAMPLES / "sichuan-aluminium-smelter.yaml").read_text()


def test_periods_are_kept_apart(cbam_world: CbamWorld) -> None:
    """The same installation for 2025 and 2026 (production 200,000 → 250,000 t with the same electricity):
    indirect SEE of smelting 2,700,000 × 0.5306 / 200,000 = 7.1631 t/t in 2025, / 250,000 = 5.73048 t/t in 2026;
    each period keeps its own result."""
    w = cbam_world
    writer = w.access("entry@alu.example", "ALU", tenancy.DATA_WRITE)
    reader = w.access("manager@alu.example", "ALU")
    y2026 = (SMELTER.replace("{start: 2025-01-01, end: 2025-12-31}", "{start: 2026-01-01, end: 2026-12-31}")
             .replace("activity_level: 200000 t", "activity_level: 250000 t"))
    _, new = cbam.save_installation(w.sessions, *writer, "GY", SMELTER.encode())
    assert new
    _, new = cbam.save_installation(w.sessions, *writer, "GY", y2026.encode())
    assert new  # another period is another model
    _, new = cbam.save_installation(w.sessions, *writer, "GY", SMELTER.encode())
    assert not new  # the same file again changes nothing
    with w.sessions() as s:
        assert [i.period_end.year for i in cbam.list_installations(w.sessions, *reader)] == [2025, 2026]
        assert cbam.get_installation(w.sessions, *reader, "GY").period_end.year == 2026  # the latest by default
    latest = cbam.compute(w.sessions, *reader, "GY").result.process("smelting")
    older = cbam.compute(w.sessions, *reader, "GY", year=2025).result.process("smelting")
    assert latest.see_indirect.to("t/t").magnitude == pytest.approx(5.73048)
    assert older.see_indirect.to("t/t").magnitude == pytest.approx(7.1631)
    with w.sessions() as s:
        kept = cbam.stored_results(w.sessions, *reader, "GY")
    assert [(k["period"], k["markup_year"]) for k in kept] == [("2025-01-01/2025-12-31", 2025),
                                                                ("2026-01-01/2026-12-31", 2026)]
    with pytest.raises(NotFound):
        cbam.compute(w.sessions, *reader, "GY", year=2024)
    cbam.delete_installation(w.sessions, *writer, "GY", 2026)
    with w.sessions() as s:
        assert [i.period_end.year for i in cbam.list_installations(w.sessions, *reader)] == [2025]


def test_permissions_are_checked_in_the_service(cbam_world: CbamWorld) -> None:
    w = cbam_world
    entry = w.access("entry@alu.example", "ALU", tenancy.DATA_WRITE)
    cbam.save_installation(w.sessions, *entry, "GY", SMELTER.encode())
    with pytest.raises(PermissionDenied):
        cbam.compute(w.sessions, *entry, "GY")  # data entry may not see results
    supplier = w.access("supplier@alu.example", "ALU", tenancy.PROFILE)
    with pytest.raises(PermissionDenied), w.sessions() as s:
        cbam.list_installations(w.sessions, *supplier)
    with pytest.raises(PermissionDenied):
        cbam.save_installation(w.sessions, *supplier, "X", SMELTER.encode())
    other = w.access("admin@steel.example", "STEEL")
    with pytest.raises(NotFound):
        cbam.compute(w.sessions, *other, "GY")  # another tenant's code is simply not there


def test_default_tables(cbam_world: CbamWorld) -> None:
    w = cbam_world
    writer = w.access("entry@alu.example", "ALU", tenancy.DATA_WRITE)
    reader = w.access("manager@alu.example", "ALU")
    csv = "cn_code,country,see_direct,see_indirect,route,source,confidence\n7601,CN,2.5,,,test table,low\n"
    cbam.add_defaults(w.sessions, *writer, "mine", "1", csv.encode())
    cbam.add_defaults(w.sessions, *writer, "mine", "2", csv.replace("2.5", "2.7").encode())
    with pytest.raises(Conflict):
        cbam.add_defaults(w.sessions, *writer, "cbam-default-values", "x", csv.encode())
    with w.sessions() as s:
        assert cbam.defaults_table(w.sessions, *reader, "mine").lookup("76011000", "CN").see_direct.magnitude == 2.7
        assert cbam.defaults_table(w.sessions, *reader, "mine", "1").lookup("76011000", "cn").see_direct.magnitude == 2.5
        assert len(cbam.defaults_table(w.sessions, *reader)) == 14  # the shipped table's rows
        with pytest.raises(NotFound):
            cbam.defaults_table(w.sessions, *reader, None, "1999")
        other = w.access("admin@steel.example", "STEEL")
        with pytest.raises(NotFound):
            cbam.defaults_table(w.sessions, *other, "mine")
