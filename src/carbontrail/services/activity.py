"""One activity record at a time: read it, change it, delete it. A change is checked by the importer's own row
checker, so it is refused with the import's messages; each change writes an audit row with the values before and
after, and a record inside a reporting period locked for verification stays as it is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict, ImportRejected, Location, NotFound
from carbontrail.inventory.readers import ActivityRow
from carbontrail.inventory.templates import ACTIVITY
from carbontrail.services import tenancy
from carbontrail.services.imports import (
    FORM,
    check_form,
    in_locked_period,
    locked_period,
    no_facility,
    no_meter,
    not_the_meters_unit,
    record_key,
)
from carbontrail.services.work import Actor, JsonValue, unit_of_work
from carbontrail.store.models import ActivityRecord
from carbontrail.store.repositories import activity as repo
from carbontrail.store.repositories import organisations as org_repo
from carbontrail.units import parse_unit

#: the columns of the activity template a record's form shows (the organisation is the page's own)
FIELDS: tuple[str, ...] = tuple(c for c in ACTIVITY.column_names if c != "organisation")


@dataclass(frozen=True)
class ActivityRecordView:
    """One stored activity record with its number; `locked` names the locked period it lies in ("" if none)."""

    id: int
    facility: str
    period_start: date
    period_end: date
    kind: str
    item: str
    quantity: float
    unit: str
    category: str
    gas: str
    meter: str
    supplier: str
    instrument: str
    instrument_ref: str
    contract_factor: float | None
    source: str
    import_id: int | None
    locked: str = ""

    def form_values(self) -> dict[str, str]:
        """The record as the template's text cells (what the edit form shows)."""
        out = {name: "" if (v := getattr(self, name)) is None else str(v) for name in FIELDS}
        out["quantity"] = repr(self.quantity) if not self.quantity.is_integer() else str(int(self.quantity))
        return out

    def audited(self) -> dict[str, JsonValue]:
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(self).items() if k != "locked"}


def _view(session: Session, access: tenancy.Access, record_id: int) -> tuple[ActivityRecordView, ActivityRecord]:
    found = repo.record_of(session, access.organisation_id, record_id)
    if found is None:
        raise NotFound(f"organisation '{access.code}' has no activity record {record_id}")
    r, facility, meter = found
    spans = org_repo.locked_periods(session, [access.organisation_id]).get(access.organisation_id, [])
    view = ActivityRecordView(r.id, facility, r.period_start, r.period_end, r.kind, r.item, r.quantity, r.unit,
                              r.category, r.gas, meter, r.supplier, r.instrument, r.instrument_ref,
                              r.contract_factor, r.source, r.import_id,
                              locked_period(spans, r.period_start, r.period_end) or "")
    return view, r


def get_record(sessions: sessionmaker[Session], actor: Actor, code: str, record_id: int) -> ActivityRecordView:
    """Record `record_id` of organisation `code` (readers of its data)."""
    with sessions() as s:
        access = tenancy.access(s, actor, code, tenancy.DATA_READ)
        return _view(s, access, record_id)[0]


def count(sessions: sessionmaker[Session], actor: Actor, code: str, kind: str | None = None) -> int:
    """How many activity records organisation `code` holds (of `kind`, when given)."""
    with sessions() as s:
        access = tenancy.access(s, actor, code, tenancy.DATA_READ)
        return repo.count_of_records(s, access.organisation_id, kind)


def edit_record(sessions: sessionmaker[Session], actor: Actor, code: str, record_id: int,
                values: Mapping[str, str]) -> ActivityRecordView:
    """Change record `record_id` to `values` (the activity template's columns as text, the organisation aside).

    Refused with `ImportRejected` listing every problem, as the import words them; `Conflict` when the record, or
    what it would become, lies in a locked period, or another record already has the identifying values."""
    with unit_of_work(sessions, actor) as work:
        s = work.session
        access = tenancy.access(s, actor, code, tenancy.DATA_WRITE)
        row = check_form(ACTIVITY.name, values, code)
        assert isinstance(row, ActivityRow)
        before, record = _view(s, access, record_id)
        if before.locked:
            raise Conflict(in_locked_period(before.locked).message)
        fac = org_repo.facility(s, access.organisation_id, row.facility)
        if fac is None:
            raise ImportRejected(FORM, [no_facility(access.code, row.facility, Location(field="facility"))])
        meter_id = None
        if row.meter:
            meter = org_repo.meter(s, fac.id, row.meter)
            if meter is None:
                raise ImportRejected(FORM, [no_meter(access.code, row.facility, row.meter, Location(field="meter"))])
            if parse_unit(meter.unit).dimensionality != parse_unit(row.unit).dimensionality:
                raise ImportRejected(FORM, [not_the_meters_unit(row.unit, row.meter, meter.unit,
                                                                Location(field="unit"))])
            meter_id = meter.id
        spans = org_repo.locked_periods(s, [access.organisation_id]).get(access.organisation_id, [])
        if (name := locked_period(spans, row.period_start, row.period_end)) is not None:
            raise Conflict(in_locked_period(name, Location(field="period_start")).message)
        key = record_key(fac.id, row.kind, row.item, row.period_start, row.period_end, meter_id, row.supplier,
                         row.instrument, row.instrument_ref, row.gas, row.category)
        other = repo.record_id_with_key(s, key)
        if other is not None and other != record.id:
            raise Conflict(f"activity record {other} already has this facility, kind, item, period, meter, "
                           "supplier, instrument, gas and category")
        for name, value in dict(record_key=key, facility_id=fac.id, meter_id=meter_id, kind=row.kind, item=row.item,
                                category=row.category, gas=row.gas, period_start=row.period_start,
                                period_end=row.period_end, quantity=row.amount, unit=row.unit, supplier=row.supplier,
                                instrument=row.instrument, instrument_ref=row.instrument_ref,
                                contract_factor=row.contract_factor_kg_per_kwh, source=row.source).items():
            setattr(record, name, value)
        s.flush()
        after = _view(s, access, record_id)[0]
        changed = [k for k in FIELDS if getattr(before, k) != getattr(after, k)]
        if changed:
            work.audit("update", "activity_record", f"{access.code}/{record_id}",
                       organisation_id=access.organisation_id, detail={"changed": list(changed)},
                       before=before.audited(), after=after.audited())
        return after


def delete_record(sessions: sessionmaker[Session], actor: Actor, code: str, record_id: int) -> ActivityRecordView:
    """Remove record `record_id` (its values stay in the audit row); `Conflict` inside a locked period."""
    with unit_of_work(sessions, actor) as work:
        s = work.session
        access = tenancy.access(s, actor, code, tenancy.DATA_WRITE)
        before, record = _view(s, access, record_id)
        if before.locked:
            raise Conflict(in_locked_period(before.locked).message)
        s.delete(record)
        work.audit("delete", "activity_record", f"{access.code}/{record_id}", organisation_id=access.organisation_id,
                   before=before.audited())
        return before
