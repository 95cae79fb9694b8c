"""Activity records changed one at a time (issue 17, item 2): the form is read by the importer's own row checker
(the same messages), each change leaves an audit row with the values before and after, the inventory follows, and a
reporting period locked for verification keeps its records as they are, whichever door asks."""

from __future__ import annotations

import json
from datetime import date
import re

import pytest
from sqlalchemy import func, select

from carbontrail.errors import Conflict, ImportRejected
from carbontrail.services import activity, imports, inventory, organisations
from carbontrail.services.accounts import principal_of
from carbontrail.store.models import ActivityRecord, AuditEvent, User
from carbontrail.web import i18n
from platform_world import PASSWORD, World

HEADER = ("organisation,facility,period_start,period_end,kind,item,quantity,unit,category,gas,meter,supplier,"
          "instrument,instrument_ref,contract_factor,source\n")


def _principal(world: World, email: str):  # type: ignore[no-untyped-def]
    with world.sessions() as s:
        return principal_of(s, s.scalar(select(User.id).where(User.email == email)))


def _january(world: World) -> int:
    with world.sessions() as s:
        return int(s.scalar(select(ActivityRecord.id).where(ActivityRecord.item == "grid electricity",
                                                            ActivityRecord.period_start == date(2023, 1, 1))))


def _values(view: activity.ActivityRecordView, **change: str) -> dict[str, str]:
    return {**view.form_values(), **change}


def test_an_edit_is_checked_like_an_imported_row_and_audited(world: World) -> None:
    """ORG-A burns 1,000,000 kWh of grid electricity each month of 2023: doubling January makes the year's
    location-based scope 2 13/12 of what it was (same grid factor every month)."""
    who = _principal(world, "carbon_manager@a.example")
    record = _january(world)
    before = inventory.inventory(world.sessions, who, "ORG-A", period="2023").summary()["scope2_location_t_co2e"]
    shown = activity.get_record(world.sessions, who, "ORG-A", record)
    assert (shown.kind, shown.quantity, shown.unit) == ("electricity", 1_000_000, "kWh")

    # the same bad values in a file and in the form: the same reasons, field by field
    bad = {"quantity": "lots", "period_end": "2022-12-31", "unit": "t"}
    with pytest.raises(ImportRejected) as form:
        activity.edit_record(world.sessions, who, "ORG-A", record, _values(shown, **bad))
    row = ",".join(["ORG-A", *(_values(shown, **bad)[name] for name in activity.FIELDS)])
    with pytest.raises(ImportRejected) as upload:
        imports.upload(world.sessions, who, "ORG-A", "bad.csv", (HEADER + row + "\n").encode())
    assert [(p.location.field, p.reason, p.expected) for p in form.value.problems] == \
        [(p.location.field, p.reason, p.expected) for p in upload.value.problems]
    assert {p.location.field for p in form.value.problems} == {"quantity", "period_end", "unit"}

    after = activity.edit_record(world.sessions, who, "ORG-A", record, _values(shown, quantity="2,000,000"))
    assert after.quantity == 2_000_000
    now = inventory.inventory(world.sessions, who, "ORG-A", period="2023").summary()["scope2_location_t_co2e"]
    assert now == pytest.approx(before * 13 / 12, rel=1e-9)
    with world.sessions() as s:
        row_ = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    detail = json.loads(row_.detail)
    assert (row_.actor, row_.action, row_.object_key) == ("carbon_manager@a.example", "update", f"ORG-A/{record}")
    assert (detail["changed"], detail["before"]["quantity"], detail["after"]["quantity"]) == \
        (["quantity"], 1_000_000, 2_000_000)

    activity.delete_record(world.sessions, who, "ORG-A", record)
    with world.sessions() as s:
        assert s.get(ActivityRecord, record) is None
        gone = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert (gone.action, json.loads(gone.detail)["before"]["quantity"]) == ("delete", 2_000_000)
    eleven = inventory.inventory(world.sessions, who, "ORG-A", period="2023").summary()["scope2_location_t_co2e"]
    assert eleven == pytest.approx(before * 11 / 12, rel=1e-9)


def test_a_locked_period_keeps_its_records(world: World) -> None:
    manager = _principal(world, "carbon_manager@a.example")
    entry = _principal(world, "data_entry@a.example")
    record = _january(world)
    with pytest.raises(Exception) as refused:  # data entry writes data but does not read the inventory
        organisations.lock_period(world.sessions, entry, "ORG-A", "2023")
    assert type(refused.value).__name__ == "PermissionDenied"
    locked = organisations.lock_period(world.sessions, manager, "ORG-A", "2023")
    assert locked.locked_by == "carbon_manager@a.example" and locked.locked_at is not None
    shown = activity.get_record(world.sessions, manager, "ORG-A", record)
    assert shown.locked == "2023"
    with pytest.raises(Conflict, match="locked for verification"):
        activity.edit_record(world.sessions, manager, "ORG-A", record, _values(shown, quantity="5"))
    with pytest.raises(Conflict, match="locked for verification"):
        activity.delete_record(world.sessions, manager, "ORG-A", record)
    in_2023 = "ORG-A,A-PLANT,2023-03-01,2023-03-31,electricity,another meter,10,kWh,,,,,,,,file\n"
    with pytest.raises(ImportRejected) as rejected:
        imports.upload(world.sessions, manager, "ORG-A", "late.csv", (HEADER + in_2023).encode())
    assert [(p.location.row, p.location.field, p.reason) for p in rejected.value.problems] == \
        [(2, "period_start", "reporting period '2023' is locked for verification")]
    report = imports.upload(world.sessions, manager, "ORG-A", "next.csv",
                            (HEADER + in_2023.replace("2023-03", "2024-03")).encode())
    assert report.inserted == 1
    with pytest.raises(Conflict):
        organisations.lock_period(world.sessions, manager, "ORG-A", "2023")
    with pytest.raises(Exception, match="does not allow"):  # opening it again is the administrator's
        organisations.unlock_period(world.sessions, manager, "ORG-A", "2023")
    organisations.unlock_period(world.sessions, _principal(world, "org_admin@a.example"), "ORG-A", "2023")
    assert activity.edit_record(world.sessions, manager, "ORG-A", record, _values(shown, quantity="5")).quantity == 5
    with world.sessions() as s:
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "reporting_period")))
    assert actions == ["lock", "unlock"]


def test_the_api_edits_deletes_and_locks(world: World) -> None:
    record = _january(world)
    auth = world.auth("carbon_manager")
    listed = world.client.get("/api/organisations/ORG-A/activity?limit=1", headers=auth).json()
    assert listed[0]["id"] == record
    got = world.client.get(f"/api/organisations/ORG-A/activity/{record}", headers=auth).json()
    body = {k: ("" if got[k] is None else str(got[k])) for k in activity.FIELDS}
    bad = world.client.put(f"/api/organisations/ORG-A/activity/{record}", headers=auth,
                           json={**body, "quantity": "-3"})
    assert bad.status_code == 422 and "the quantity -3 is negative" in bad.text
    ok = world.client.put(f"/api/organisations/ORG-A/activity/{record}", headers=auth,
                          json={**body, "quantity": "1500000"})
    assert ok.status_code == 200 and ok.json()["quantity"] == 1_500_000
    assert world.client.post("/api/organisations/ORG-A/periods/2023/lock", headers=auth).json()["locked_by"] == \
        "carbon_manager@a.example"
    assert world.client.delete(f"/api/organisations/ORG-A/activity/{record}", headers=auth).status_code == 409
    assert world.client.get(f"/api/organisations/ORG-B/activity/{record}", headers=auth).status_code == 404


def _page(world: World, email: str, locale: str) -> str:
    """Sign in through the form; the session's CSRF token as the pages carry it."""
    world.client.cookies.clear()
    world.client.cookies.set("ct_lang", locale)
    form = world.client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    world.client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/"})
    page = world.client.get("/org/ORG-A")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def test_forms_keep_what_was_typed_and_answer_in_the_readers_language(world: World) -> None:
    record = _january(world)
    csrf = _page(world, "carbon_manager@a.example", "zh_CN")
    shown = world.client.get(f"/org/ORG-A/activity/{record}")
    assert shown.status_code == 200 and 'value="1000000"' in shown.text
    values = {**activity.get_record(world.sessions, _principal(world, "carbon_manager@a.example"), "ORG-A",
                                    record).form_values(), "quantity": "lots", "csrf_token": csrf}
    refused = world.client.post(f"/org/ORG-A/activity/{record}", data=values)
    assert refused.status_code == 422
    assert 'value="lots"' in refused.text  # the input as typed
    assert "字段 quantity：“lots”不是数字（应为：数字）" in refused.text
    period = world.client.post("/org/ORG-A/periods", data={"name": "2024", "start": "2024-13-01", "end": "2024-12-31",
                                                           "csrf_token": csrf})
    assert period.status_code == 422 and "“2024-13-01”不是日期" in period.text and 'value="2024-13-01"' in period.text
    meter = world.client.post("/org/ORG-A/meters", data={"facility": "A-PLANT", "code": "M1", "medium": "electricity",
                                                         "unit": "kWhh", "csrf_token": csrf})
    assert meter.status_code == 422 and "未知的单位“kWhh”" in meter.text and 'value="M1"' in meter.text
    world.client.cookies.set("ct_lang", "en")
    english = world.client.post(f"/org/ORG-A/activity/{record}", data=values)
    assert "field &#39;quantity&#39;: &#39;lots&#39; is not a number (expected a number)" in english.text
    expired = world.client.post(f"/org/ORG-A/activity/{record}", data={**values, "csrf_token": "old"})
    assert expired.status_code == 403
    with world.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.object_type == "activity_record")) == 0


def test_templates_download_as_the_cli_writes_them(world: World) -> None:
    from carbontrail.inventory.templates import TEMPLATES

    _page(world, "data_entry@a.example", "en")
    for name, template in TEMPLATES.items():
        csv = world.client.get(f"/templates/{name}.csv")
        assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
        assert csv.content.decode("utf-8-sig").splitlines() == [",".join(template.column_names)]
        xlsx = world.client.get(f"/templates/{name}.xlsx?example=1")
        assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert world.client.get("/templates/nothing.csv").status_code == 404
    world.client.cookies.clear()
    assert world.client.get("/templates/activity.csv", follow_redirects=False).status_code == 303


def test_error_messages_translate_whole_values() -> None:
    assert i18n.message("organisation 'ORG-A' has no facility 'X'", "zh_CN") == "组织“ORG-A”没有设施“X”"
    assert i18n.message("a unit convertible to MWh", "zh_CN") == "可换算为 MWh 的单位"
    assert i18n.message("something no catalogue knows", "zh_CN") == "something no catalogue knows"
