"""One set of limits on SQLite and PostgreSQL: a NUL byte or a text longer than its column is one clear 422
naming the field on both (PostgreSQL used to answer a traceback, SQLite to store it); a file name over 255 bytes
is refused before any upload handler runs; an id too large for the database is a 404 or 422, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from carbontrail.errors import InputError
from carbontrail.store.db import transaction
from carbontrail.store.models import ActivityRecord, Facility, Meter
from platform_world import World

CSV = ("organisation,facility,period_start,period_end,kind,item,quantity,unit,category,gas,meter,supplier,"
       "instrument,instrument_ref,contract_factor,source\n"
       "ORG-A,A-PLANT,2024-01-01,2024-01-31,electricity,grid electricity,1000,kWh,,,,,,,,limits test\n")


def _count(world: World, model: type) -> int:
    with world.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_nul_byte_is_one_clear_error_on_both_databases(world: World) -> None:
    before = _count(world, Facility)
    r = world.client.post("/api/organisations/ORG-A/facilities", headers=world.auth("data_entry"),
                          json={"code": "NUL1", "name": "a\u0000b", "province": "Sichuan"})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "name" and "NUL" in r.json()["message"]
    assert _count(world, Facility) == before


def test_a_text_longer_than_its_column_is_refused_alike(world: World) -> None:
    """Meter.medium is String(64) in the store; the request model does not bound it, the store does."""
    before = _count(world, Meter)
    with pytest.raises(InputError) as exc, transaction(world.sessions) as s:
        fac = s.scalars(select(Facility).where(Facility.code == "A-PLANT")).one()
        s.add(Meter(facility_id=fac.id, code="LONG", medium="m" * 65, unit="kWh"))
    assert exc.value.location.field == "medium" and "65 characters" in str(exc.value)
    assert _count(world, Meter) == before
    with transaction(world.sessions) as s:  # exactly at the limit is fine on both
        fac = s.scalars(select(Facility).where(Facility.code == "A-PLANT")).one()
        s.add(Meter(facility_id=fac.id, code="EDGE", medium="m" * 64, unit="kWh"))
    assert _count(world, Meter) == before + 1


def test_a_file_name_over_255_bytes_is_refused(world: World) -> None:
    name = "é" * 127 + ".csv"  # 258 bytes in UTF-8, 131 characters
    r = world.client.post("/api/organisations/ORG-A/imports", headers=world.auth("data_entry"),
                          files={"file": (name, CSV.encode(), "text/csv")})
    assert r.status_code == 422, r.text
    assert "258 bytes" in r.json()["message"] and r.json()["field"] == "file"
    ok = world.client.post("/api/organisations/ORG-A/imports", headers=world.auth("data_entry"),
                           files={"file": ("é" * 125 + ".csv", CSV.encode(), "text/csv")})  # 254 bytes
    assert ok.status_code < 300, ok.text


def test_very_large_ids_are_not_server_errors(world: World) -> None:
    h = world.auth("org_admin")
    for path in ("/api/organisations/ORG-A/audit?before=99999999999999999999999",
                 "/api/organisations/ORG-A/audit?before=-1",
                 "/api/organisations/99999999999999999999999999/facilities"):
        r = world.client.get(path, headers=h)
        assert r.status_code in (404, 422), (path, r.status_code, r.text)


@pytest.mark.parametrize("cell, field", [("x" * 201, "item"), ("grid\u0000electricity", "item"),
                                         ("s" * 501, "source")])
def test_an_imported_cell_too_long_or_with_a_nul_is_a_row_error_on_both_databases(world: World, cell: str,
                                                                                    field: str) -> None:
    """Bulk inserts (COPY on PostgreSQL, executemany on SQLite) bypass the flush check, so the importer checks each
    cell against its column: one row error naming the row and the field, nothing stored, on both databases."""
    before = _count(world, ActivityRecord)
    text = CSV.replace("grid electricity", cell) if field == "item" else CSV.replace("limits test", cell)
    r = world.client.post("/api/organisations/ORG-A/imports", headers=world.auth("data_entry"),
                          files={"file": ("long.csv", text.encode(), "text/csv")})
    assert r.status_code == 422, r.text
    body = r.text
    assert field in body and ("NUL" in body or "characters" in body), body
    assert _count(world, ActivityRecord) == before
