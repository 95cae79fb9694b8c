"""Importing template files into the database: every row checked, all or nothing, the same file twice changes nothing.

One pass per file inside one transaction: rows are checked as they stream in and the good ones are written in
chunks (activity records upserted by `record_key`); if any row was bad, the transaction is rolled back and
`ImportRejected` lists every problem, so the database is exactly as before.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from pathlib import Path, PurePath
from typing import TypeVar

import numpy as np
from sqlalchemy import Connection, bindparam
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict, ImportRejected, InputError, Location
from carbontrail.inventory.readers import (
    ENCODING_NAMES,
    ActivityRow,
    FacilityRow,
    MeterRow,
    OrganisationRow,
    ParsedRow,
    PeriodRow,
    RowChecker,
    TableFile,
)
from carbontrail.inventory.templates import IMPORT_ORDER, Template, detect_template, get_template
from carbontrail.inventory.words import fuel_word, unit_word
from carbontrail.services import tenancy
from carbontrail.services.work import PYTHON, Actor, JsonValue, unit_of_work
from carbontrail.store.limits import check_text
from carbontrail.store.models import ActivityRecord, Facility, ImportBatch, Meter, Organisation, ReportingPeriod
from carbontrail.store.models.base import utcnow
from carbontrail.store.repositories import activity as repo
from carbontrail.store.repositories import organisations as org_repo
from carbontrail.units import parse_unit

ProgressCallback = Callable[[int, int | None], None]

MAX_PROBLEMS = 1000
CHUNK_ROWS = 5000
MAX_UPLOAD = 200 * 1024 * 1024
PROGRESS_EVERY = 2000


@dataclass
class ImportReport:
    """What importing one file did."""

    file: str
    template: str
    sha256: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    blank_rows: int = 0
    batch_ids: list[int] = field(default_factory=list)
    same_as_batch: int | None = None  # nothing changed: the earlier import of the same content
    encoding: str | None = None  # a CSV's text encoding, as stated or detected (UTF-8, GB18030)
    delimiter: str | None = None  # a CSV's column separator (comma, semicolon or tab)
    mappings: list[WordMapping] = field(default_factory=list)


@dataclass(frozen=True)
class WordMapping:
    """A word of Chinese statistics that the import read as a unit or fuel of the factor library."""

    field: str
    written: str
    used: str
    rows: int
    basis: str


def import_file(sessions: sessionmaker[Session], path: Path, *, template: str | None = None,
                organisation: str | None = None, progress: ProgressCallback | None = None,
                display_name: str | None = None, chunk_rows: int = CHUNK_ROWS,
                actor: Actor | None = None, encoding: str | None = None) -> ImportReport:
    """Import one CSV or XLSX file of a template (detected from the header when not named).

    `organisation` limits the import to that organisation's rows (others are refused). Raises `ImportRejected`
    with every problem (file, row, field, reason) when any row is bad; then nothing is written.
    """
    return import_files(sessions, [path], templates=[template], organisation=organisation, progress=progress,
                        display_names=[display_name], chunk_rows=chunk_rows, actor=actor, encoding=encoding)[0]


def import_files(sessions: sessionmaker[Session], paths: Sequence[Path], *,
                 templates: Sequence[str | None] | None = None, organisation: str | None = None,
                 progress: ProgressCallback | None = None, display_names: Sequence[str | None] | None = None,
                 chunk_rows: int = CHUNK_ROWS, actor: Actor | None = None,
                 encoding: str | None = None) -> list[ImportReport]:
    """Import several files in one transaction, in template order (organisations, facilities, meters, periods,
    activity), so a row may name what an earlier file of the same import creates. All files or none.

    The import's one audit row (naming `actor`; a call from Python code without one is named `system:python`),
    with every file's figures, is written in the import's own transaction, so the trail and the data cannot
    disagree."""
    templates = list(templates) if templates is not None else [None] * len(paths)
    names = list(display_names) if display_names is not None else [None] * len(paths)
    jobs: list[tuple[Path, str, Template]] = []
    for path, wanted, name in zip(paths, templates, names, strict=True):
        shown = name or Path(path).name
        jobs.append((Path(path), shown, _template_of(Path(path), shown, wanted, encoding)))
    jobs.sort(key=lambda job: IMPORT_ORDER.index(job[2].name))

    def attempt() -> list[ImportReport]:
        run = _Run(organisation, progress, chunk_rows, encoding)
        with unit_of_work(sessions, actor or PYTHON) as work:
            session = work.session
            _take_turn(session)
            reports = [run.import_one(session, path, shown, tpl) for path, shown, tpl in jobs]
            if run.problems:
                session.rollback()
                problems = run.problems
                if run.unlisted:
                    problems = [*problems, InputError(f"{run.unlisted} more problem(s) not listed")]
                raise ImportRejected(", ".join(shown for _, shown, _ in jobs), problems,
                                     total_rows=sum(r.rows for r in reports))
            organisation_id = (repo.organisation_ids(session, organisation).get(organisation) if organisation
                               else None)
            files: list[dict[str, JsonValue]] = [
                {"file": r.file, "template": r.template, "sha256": r.sha256, "rows": r.rows, "inserted": r.inserted,
                 "updated": r.updated, "unchanged": r.unchanged, "batches": list(r.batch_ids),
                 "same_as_batch": r.same_as_batch} for r in reports]
            if len(files) == 1:
                work.audit("import", "file", reports[0].file, organisation_id=organisation_id,
                           detail={k: v for k, v in files[0].items() if k != "file"})
            else:  # one import, one audit row: every file's figures in it
                work.audit("import", "files", ", ".join(r.file for r in reports), organisation_id=organisation_id,
                           detail={"files": files})  # type: ignore[dict-item]
        return reports

    return _in_turn(attempt)


WAIT_FOR_TURN_SECONDS = 600.0
_IMPORT_LOCK = 0x43540001  # the PostgreSQL advisory lock imports queue on ("CT" 1)
BUSY = ("the database is busy with another change (an import, most likely) that has not finished; "
        "try again in a minute")


class _Busy(Exception):
    """Another writer holds the database; the import has done nothing yet and may simply start again."""


def _take_turn(session: Session) -> None:
    """Wait until no other import writes: imports run one at a time, so two of the same records never collide.

    PostgreSQL: a transaction-scoped advisory lock (waits, released at commit or rollback). SQLite: a write that
    changes nothing, so the transaction holds the database's write lock from its first statement (the driver's
    busy timeout waits for it) and never fails half-way for a lock another writer took after it started."""
    conn = session.connection()
    try:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_IMPORT_LOCK})")
        elif conn.dialect.name == "sqlite":
            conn.exec_driver_sql("UPDATE import_batch SET rows = rows WHERE 0")
    except OperationalError as exc:
        if _is_busy(exc):
            raise _Busy from None
        raise


def _is_busy(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "database table is locked" in text or "busy" in text


T = TypeVar("T")


def _in_turn(attempt: Callable[[], T], wait: float | None = None) -> T:
    """`attempt()`, started again while another writer holds the database, up to `wait` seconds; then, or when
    two writers clash on the same rows after all, one sentence saying what to retry (never the driver's error)."""
    deadline = time.monotonic() + (WAIT_FOR_TURN_SECONDS if wait is None else wait)
    pause = 0.05
    while True:
        try:
            return attempt()
        except _Busy:
            if time.monotonic() > deadline:
                raise Conflict(BUSY) from None
            time.sleep(pause)
            pause = min(pause * 2, 1.0)
        except OperationalError as exc:
            if _is_busy(exc):
                raise Conflict(BUSY) from None
            raise
        except IntegrityError:
            raise Conflict("another change saved the same records while this import ran; import the file again "
                           "(the records it saved are kept, so nothing is lost)") from None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def record_key(facility_id: int, kind: str, item: str, period_start: date, period_end: date, meter_id: int | None,
               supplier: str, instrument: str, instrument_ref: str, gas: str, category: str) -> str:
    """The identity of an activity record: the same values give the same key, so a re-import updates, never adds."""
    text = "\x1f".join((str(facility_id), kind, item, period_start.isoformat(), period_end.isoformat(),
                        "" if meter_id is None else str(meter_id), supplier, instrument, instrument_ref, gas, category))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()  # noqa: S324 - an identity digest, not a security one


#: what a form's refusals name in place of a file
FORM = "form"


def check_form(template: str, values: Mapping[str, str], organisation: str) -> ParsedRow:
    """A form's values (a template's columns as text; the organisation is the page's) read by the importer's own
    row checker: the parsed row, or `ImportRejected` with every problem as an import words it, placed at its field."""
    columns = get_template(template).column_names
    checker = RowChecker(get_template(template), list(columns), FORM)
    parsed, problems = checker.check(1, [organisation if name == "organisation" else str(values.get(name, "")).strip()
                                         for name in columns])
    if parsed is not None and (text := text_problem(parsed, FORM)) is not None:
        problems = [text]
    if problems or parsed is None:
        raise ImportRejected(FORM, [type(p)(p.reason, location=Location(field=p.location.field), expected=p.expected)
                                    for p in problems])
    return parsed


def no_facility(organisation: str, facility: str, location: Location) -> InputError:
    return InputError(f"organisation '{organisation}' has no facility '{facility}'", location=location,
                      expected="a facility in the database or in a facilities file of this import")


def no_meter(organisation: str, facility: str, meter: str, location: Location) -> InputError:
    return InputError(f"facility '{organisation}/{facility}' has no meter '{meter}'", location=location,
                      expected="a meter in the database or in a meters file of this import")


def not_the_meters_unit(unit: str, meter: str, meter_unit: str, location: Location) -> InputError:
    return InputError(f"'{unit}' does not measure what meter '{meter}' reads in '{meter_unit}'", location=location,
                      expected=f"a unit convertible to {meter_unit}")


def locked_period(spans: Iterable[tuple[str, date, date]], start: date, end: date) -> str | None:
    """The name of the first locked period (name, start, end) that the days `start`…`end` overlap, or None."""
    return next((name for name, first, last in spans if start <= last and end >= first), None)


def in_locked_period(name: str, location: Location | None = None) -> InputError:
    return InputError(f"reporting period '{name}' is locked for verification", location=location,
                      expected="activity data outside the locked period, or the period unlocked first")


def _template_of(path: Path, shown: str, wanted: str | None, encoding: str | None) -> Template:
    if wanted:
        return get_template(wanted)
    with TableFile(path, shown, encoding) as table:
        return detect_template(table.header, shown)


_RECORD = ActivityRecord.__table__
_INSERT_COLUMNS = ("record_key", "organisation_id", "facility_id", "meter_id", "kind", "item", "category", "gas",
                   "period_start", "period_end", "quantity", "unit", "supplier", "instrument", "instrument_ref",
                   "contract_factor", "source", "import_id", "created_at")
#: the text fields of an activity row and their column lengths: bulk inserts (COPY, executemany) skip the store's
#: flush-time check, so the importer checks them, row by row, the same way on SQLite and PostgreSQL
_TEXT_LIMITS = tuple((name, _RECORD.c[name].type.length) for name in ("kind", "item", "category", "gas", "unit",
                                                                     "supplier", "instrument", "instrument_ref",
                                                                     "source"))
_UPDATE = (_RECORD.update().where(_RECORD.c.id == bindparam("_id"))
           .values(quantity=bindparam("_quantity"), unit=bindparam("_unit"),
                   contract_factor=bindparam("_contract_factor"), source=bindparam("_source"),
                   import_id=bindparam("_import_id")))


class _Run:
    """One import: the problems found so far, and what is known to exist (from the database or earlier rows)."""

    def __init__(self, scope: str | None, progress: ProgressCallback | None, chunk_rows: int,
                 encoding: str | None = None):
        self.scope = scope
        self.encoding = encoding
        self.progress = progress
        self.chunk_rows = chunk_rows
        self.problems: list[InputError] = []
        self.unlisted = 0
        self.done = 0

    def problem(self, error: InputError) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(error)
        else:
            self.unlisted += 1

    # -- one file ---------------------------------------------------------------------------------------------

    def import_one(self, session: Session, path: Path, shown: str, template: Template) -> ImportReport:
        report = ImportReport(shown, template.name, file_sha256(path))
        self.session, self.file, self.report, self.template = session, shown, report, template
        self.batches: dict[int, ImportBatch] = {}
        self.started = utcnow()
        self._load_references()
        seen: dict[tuple[str, ...], int] = {}
        self.keys: list[np.ndarray] = []
        self.key_rows: list[np.ndarray] = []
        chunk: list[tuple[ActivityRow, int, int, int | None]] = []
        with TableFile(path, shown, self.encoding) as table:
            total = table.estimated_rows
            if table.kind == "csv":
                report.encoding, report.delimiter = ENCODING_NAMES.get(table.encoding or "", table.encoding), \
                    table.delimiter
            try:
                checker = RowChecker(template, table.header, shown)
            except InputError as exc:
                self.problem(exc)
                return report
            for number, cells in table.rows():
                if checker.is_blank(cells):
                    report.blank_rows += 1
                    continue
                report.rows += 1
                parsed, problems = checker.check(number, cells)
                for p in problems:
                    self.problem(p)
                if parsed is not None and (text := text_problem(parsed, shown)) is not None:
                    self.problem(text)
                elif parsed is not None:
                    if isinstance(parsed, ActivityRow):
                        resolved = self._activity_refs(parsed)
                        if resolved is not None:
                            chunk.append((parsed, *resolved))
                            if len(chunk) >= self.chunk_rows:
                                self._write_activity(chunk)
                                chunk = []
                    else:
                        self._small_row(parsed, seen)
                if self.progress and report.rows % PROGRESS_EVERY == 0:
                    self.progress(self.done + report.rows, _total(self.done, total, report.rows))
            report.mappings = [WordMapping(f, written, used, rows, _basis(f, written))
                               for (f, written, used), rows in sorted(checker.mappings.items())]
        if chunk:
            self._write_activity(chunk)
        self._report_duplicate_records()
        self.done += report.rows
        if self.progress:
            self.progress(self.done, self.done)
        for batch in self.batches.values():
            batch.rows = self.batch_rows.get(batch.organisation_id, 0)
        report.batch_ids = sorted(b.id for b in self.batches.values())
        if not report.batch_ids:
            earlier = repo.batch_with_digest(session, report.sha256, template.name, _single(self.batch_rows))
            report.same_as_batch = earlier.id if earlier is not None else None
        session.flush()
        return report

    def _load_references(self) -> None:
        s = self.session
        self.orgs: dict[str, int] = repo.organisation_ids(s, self.scope)
        self.facilities: dict[tuple[str, str], tuple[int, int]] = repo.facility_ids(s, self.orgs.values())
        self.meters: dict[tuple[str, str, str], tuple[int, str]] = repo.meter_ids(s, self.orgs.values())
        self.batch_rows: dict[int, int] = {}
        self.compatible: dict[tuple[str, str], bool] = {}
        self.locked = org_repo.locked_periods(s, list(self.orgs.values()))

    def _count(self, organisation_id: int) -> None:
        self.batch_rows[organisation_id] = self.batch_rows.get(organisation_id, 0) + 1

    def _batch(self, organisation_id: int) -> ImportBatch:
        """The organisation's batch of this file, made when the file first changes something of it (a file that
        changes nothing adds no batch)."""
        batch = self.batches.get(organisation_id)
        if batch is None:
            batch = ImportBatch(organisation_id=organisation_id, file_name=self.file[:500], sha256=self.report.sha256,
                                template=self.template.name, rows=0, inserted=0, updated=0, created_at=self.started)
            self.session.add(batch)
            self.session.flush()
            self.batches[organisation_id] = batch
        return batch

    # -- references -------------------------------------------------------------------------------------------

    def _org_id(self, code: str, row: int, field_name: str) -> int | None:
        if self.scope and code != self.scope:
            self.problem(InputError(f"the row is for organisation '{code}', but this import is for '{self.scope}'",
                                    location=Location(self.file, row, field_name),
                                    expected=f"organisation '{self.scope}'"))
            return None
        found = self.orgs.get(code)
        if found is None:
            self.problem(InputError(f"there is no organisation '{code}'", location=Location(self.file, row, field_name),
                                    expected="an organisation in the database or in an organisations file of this "
                                             "import"))
        return found

    def _facility_ids(self, org: str, fac: str, row: int) -> tuple[int, int] | None:
        if self._org_id(org, row, "organisation") is None:
            return None
        found = self.facilities.get((org, fac))
        if found is None:
            self.problem(no_facility(org, fac, Location(self.file, row, "facility")))
        return found

    def _activity_refs(self, r: ActivityRow) -> tuple[int, int, int | None] | None:
        ids = self._facility_ids(r.organisation, r.facility, r.row)
        if ids is None:
            return None
        meter_id = None
        if r.meter:
            meter = self.meters.get((r.organisation, r.facility, r.meter))
            if meter is None:
                self.problem(no_meter(r.organisation, r.facility, r.meter, Location(self.file, r.row, "meter")))
                return None
            meter_id, meter_unit = meter
            pair = (meter_unit, r.unit)
            if pair not in self.compatible:
                self.compatible[pair] = parse_unit(meter_unit).dimensionality == parse_unit(r.unit).dimensionality
            if not self.compatible[pair]:
                self.problem(not_the_meters_unit(r.unit, r.meter, meter_unit, Location(self.file, r.row, "unit")))
                return None
        return ids[0], ids[1], meter_id

    # -- organisations, facilities, meters, periods: few rows, one at a time ----------------------------------

    def _small_row(self, r: ParsedRow, seen: dict[tuple[str, ...], int]) -> None:
        ident: tuple[str, ...]
        if isinstance(r, OrganisationRow):
            ident = (r.code,)
        elif isinstance(r, FacilityRow):
            ident = (r.organisation, r.code)
        elif isinstance(r, MeterRow):
            ident = (r.organisation, r.facility, r.code)
        else:
            assert isinstance(r, PeriodRow)
            ident = (r.organisation, r.name)
        if ident in seen:
            self.problem(InputError(f"'{'/'.join(ident)}' is already given in row {seen[ident]}",
                                    location=Location(self.file, r.row, "code" if not isinstance(r, PeriodRow)
                                                      else "name"),
                                    expected="each one once per file"))
            return
        seen[ident] = r.row
        if isinstance(r, OrganisationRow):
            self._organisation(r)
        elif isinstance(r, FacilityRow):
            self._facility(r)
        elif isinstance(r, MeterRow):
            self._meter(r)
        else:
            self._period(r)

    def _upsert(self, existing: object | None, make: Callable[[], object], values: dict[str, object],
                organisation_id: Callable[[object], int]) -> object:
        if existing is None:
            obj = make()
            self.session.add(obj)
            self.session.flush()
            self.report.inserted += 1
            self._count(organisation_id(obj))
            self._batch(organisation_id(obj)).inserted += 1
            return obj
        changed = {k: v for k, v in values.items() if getattr(existing, k) != v}
        self._count(organisation_id(existing))
        if changed:
            for k, v in changed.items():
                setattr(existing, k, v)
            self.report.updated += 1
            self._batch(organisation_id(existing)).updated += 1
        else:
            self.report.unchanged += 1
        return existing

    def _organisation(self, r: OrganisationRow) -> None:
        if self.scope and r.code != self.scope:
            self.problem(InputError(f"the row is for organisation '{r.code}', but this import is for '{self.scope}'",
                                    location=Location(self.file, r.row, "code"),
                                    expected=f"organisation '{self.scope}'"))
            return
        values: dict[str, object] = dict(name=r.name, name_en=r.name_en, industry=r.industry, province=r.province,
                                         city=r.city, park=r.park)
        existing = org_repo.by_code(self.session, r.code)
        org = self._upsert(existing, lambda: Organisation(code=r.code, **values), values, lambda o: o.id)
        self.orgs[r.code] = org.id  # type: ignore[attr-defined]

    def _facility(self, r: FacilityRow) -> None:
        org_id = self._org_id(r.organisation, r.row, "organisation")
        if org_id is None:
            return
        values: dict[str, object] = dict(name=r.name, province=r.province, city=r.city, park=r.park)
        existing = org_repo.facility(self.session, org_id, r.code)
        fac = self._upsert(existing, lambda: Facility(organisation_id=org_id, code=r.code, **values), values,
                           lambda f: f.organisation_id)
        self.facilities[(r.organisation, r.code)] = (fac.id, org_id)  # type: ignore[attr-defined]

    def _meter(self, r: MeterRow) -> None:
        ids = self._facility_ids(r.organisation, r.facility, r.row)
        if ids is None:
            return
        fac_id, org_id = ids
        values: dict[str, object] = dict(medium=r.medium, unit=r.unit, supplier=r.supplier)
        existing = org_repo.meter(self.session, fac_id, r.code)
        meter = self._upsert(existing, lambda: Meter(facility_id=fac_id, code=r.code, **values), values,
                             lambda _m: org_id)
        self.meters[(r.organisation, r.facility, r.code)] = (meter.id, r.unit)  # type: ignore[attr-defined]

    def _period(self, r: PeriodRow) -> None:
        org_id = self._org_id(r.organisation, r.row, "organisation")
        if org_id is None:
            return
        values: dict[str, object] = dict(start=r.start, end=r.end, is_base_year=r.is_base_year)
        existing = org_repo.period(self.session, org_id, r.name)
        if existing is not None and existing.locked_at is not None and (existing.start, existing.end) != (r.start, r.end):
            self.problem(in_locked_period(r.name, Location(self.file, r.row, "start")))
            return
        self._upsert(existing, lambda: ReportingPeriod(organisation_id=org_id, name=r.name, **values), values,
                     lambda p: p.organisation_id)

    # -- activity records: many rows, written in chunks -------------------------------------------------------

    def _write_activity(self, chunk: list[tuple[ActivityRow, int, int, int | None]]) -> None:
        rows: dict[str, dict[str, object]] = {}
        numbers: list[int] = []
        digests: list[int] = []
        locked: dict[str, tuple[int, str]] = {}  # key → (row, locked period) of rows inside a locked period
        for r, facility_id, organisation_id, meter_id in chunk:
            key = record_key(facility_id, r.kind, r.item, r.period_start, r.period_end, meter_id, r.supplier,
                             r.instrument, r.instrument_ref, r.gas, r.category)
            numbers.append(r.row)
            digests.append(int(key[:16], 16))
            if key in rows:
                continue  # a repeat inside the file: reported with both row numbers once the file is read
            if self.locked and (name := locked_period(self.locked.get(organisation_id, ()), r.period_start,
                                                      r.period_end)) is not None:
                locked[key] = (r.row, name)
            rows[key] = dict(
                record_key=key, organisation_id=organisation_id, facility_id=facility_id, meter_id=meter_id,
                kind=r.kind, item=r.item, category=r.category, gas=r.gas, period_start=r.period_start,
                period_end=r.period_end, quantity=r.amount, unit=r.unit, supplier=r.supplier, instrument=r.instrument,
                instrument_ref=r.instrument_ref,
                contract_factor=r.contract_factor_kg_per_kwh,
                source=r.source)
        self.keys.append(np.array(digests, dtype=np.uint64))
        self.key_rows.append(np.array(numbers, dtype=np.int64))
        if self.problems:
            return  # the import is already lost: keep checking rows, stop writing
        conn = self.session.connection()
        stored = repo.stored_records(conn, list(rows))
        inserts: list[dict[str, object]] = []
        updates: list[dict[str, object]] = []
        for key, values in rows.items():
            organisation_id = int(values["organisation_id"])  # type: ignore[call-overload]
            self._count(organisation_id)
            old = stored.get(key)
            changes = old is None or (old[1], old[2], old[3], old[4]) != (
                values["quantity"], values["unit"], values["contract_factor"], values["source"])
            if key in locked and changes:  # a locked period's records stay as they are; the same row again is fine
                self.problem(in_locked_period(locked[key][1], Location(self.file, locked[key][0], "period_start")))
                continue
            if old is None:
                batch = self._batch(organisation_id)
                values["import_id"] = batch.id
                values["created_at"] = self.started
                inserts.append(values)
                batch.inserted += 1
            elif changes:
                batch = self._batch(organisation_id)
                updates.append({"_id": old[0], "_quantity": values["quantity"], "_unit": values["unit"],
                                "_contract_factor": values["contract_factor"], "_source": values["source"],
                                "_import_id": batch.id})
                batch.updated += 1
            else:
                self.report.unchanged += 1
        if self.problems:
            return
        if inserts:
            _insert_records(conn, inserts)
        if updates:
            conn.execute(_UPDATE, updates)
        self.report.inserted += len(inserts)
        self.report.updated += len(updates)

    def _report_duplicate_records(self) -> None:
        """Rows of this file that describe the same record (same facility, kind, item, period, meter, supplier,
        instrument, gas, category): ambiguous, so each is a problem. 12 bytes a row, sorted once at the end."""
        if not self.keys:
            return
        keys = np.concatenate(self.keys)
        rows = np.concatenate(self.key_rows)
        self.keys, self.key_rows = [], []
        order = np.argsort(keys, kind="stable")
        keys, rows = keys[order], rows[order]
        repeats = np.flatnonzero(keys[1:] == keys[:-1]) + 1
        if repeats.size == 0:
            return
        first_of = {}
        for i in repeats:
            j = i
            while j > 0 and keys[j - 1] == keys[i]:
                j -= 1
            first_of[int(rows[i])] = int(rows[j])
        for row in sorted(first_of):
            self.problem(InputError(
                f"the row repeats row {first_of[row]} (same facility, kind, item, period, meter, supplier, "
                "instrument, gas and category)", location=Location(self.file, row),
                expected="each activity record once per file"))


def text_problem(parsed: ParsedRow, shown: str) -> InputError | None:
    """The first text cell of a checked row that the database would refuse (too long for its column, or holding a
    NUL character), as a row error; None when every cell fits."""
    if isinstance(parsed, ActivityRow):
        limits: Iterable[tuple[str, int | None]] = _TEXT_LIMITS
    else:  # the other templates' rows are stored through the ORM, whose flush checks lengths; NULs are checked here
        limits = ((f.name, None) for f in fields(parsed) if isinstance(getattr(parsed, f.name), str))
    for name, length in limits:
        value = getattr(parsed, name)
        try:
            check_text(_RECORD.name if length is not None else "", name, value, length)
        except InputError as exc:
            return InputError(exc.reason, location=Location(shown, parsed.row, name), expected=exc.expected)
    return None


def _insert_records(conn: Connection, rows: list[dict[str, object]]) -> None:
    """Insert new activity records fast: COPY on PostgreSQL, a plain DB-API executemany elsewhere.

    SQLAlchemy's executemany costs more per row than reading and checking the row does; both paths below keep the
    statement inside the import's transaction and convert values with the column types' own bind processors."""
    columns = [_RECORD.c[name] for name in _INSERT_COLUMNS]
    if conn.dialect.name == "postgresql":
        names = ", ".join(_INSERT_COLUMNS)
        driver = conn.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(f"COPY {_RECORD.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row[name] for name in _INSERT_COLUMNS))
        return
    processors = [(i, proc) for i, col in enumerate(columns)
                  if (proc := col.type.bind_processor(conn.dialect)) is not None]
    params = []
    for row in rows:
        values = [row[name] for name in _INSERT_COLUMNS]
        for i, proc in processors:
            values[i] = proc(values[i])
        params.append(tuple(values))
    marks = ", ".join("?" if conn.dialect.paramstyle == "qmark" else "%s" for _ in columns)
    conn.exec_driver_sql(f"INSERT INTO {_RECORD.name} ({', '.join(_INSERT_COLUMNS)}) VALUES ({marks})", params)


def _basis(field_name: str, written: str) -> str:
    word = fuel_word(written) if field_name == "item" else unit_word(written)
    return word.basis if word is not None else ""


def _single(counts: dict[int, int]) -> int | None:
    return next(iter(counts)) if len(counts) == 1 else None


def _total(done_before: int, estimate: int | None, seen: int) -> int | None:
    if estimate is None:
        return None
    return done_before + max(estimate, seen)


def describe(reports: Iterable[ImportReport]) -> list[dict[str, object]]:
    """The reports as plain dictionaries (for JSON output)."""
    return [{"file": r.file, "template": r.template, "sha256": r.sha256, "rows": r.rows, "inserted": r.inserted,
             "updated": r.updated, "unchanged": r.unchanged, "blank_rows": r.blank_rows,
             "same_as_batch": r.same_as_batch, "encoding": r.encoding, "delimiter": r.delimiter,
             "mappings": [asdict(m) for m in r.mappings]} for r in reports]


# -- uploads (services/import_jobs.py runs them as jobs) -------------------------------------------------------


def upload_name(file_name: str, data: bytes) -> str:
    name = PurePath(file_name or "upload.csv").name or "upload.csv"
    if len(name.encode("utf-8")) > 255:
        raise InputError("the file name is longer than 255 bytes", location=Location(file=name[:60] + "…"),
                         expected="a shorter file name")
    if not name.lower().endswith((".csv", ".xlsx")):
        raise InputError(f"'{name}' is neither a CSV nor an XLSX file", location=Location(file=name),
                         expected="a .csv or .xlsx file")
    if len(data) > MAX_UPLOAD:
        raise InputError(f"'{name}' is larger than {MAX_UPLOAD // 2**20} MB", location=Location(file=name))
    return name


def may_upload(sessions: sessionmaker[Session], actor: Actor, code: str) -> str:
    """The organisation's code if `actor` may import its data (`NotFound` / `PermissionDenied` otherwise)."""
    with unit_of_work(sessions, actor) as work:
        return tenancy.access(work.session, actor, code, tenancy.DATA_WRITE).code


def upload(sessions: sessionmaker[Session], actor: Actor, code: str, file_name: str, data: bytes,
           template: str | None = None, progress: ProgressCallback | None = None,
           encoding: str | None = None) -> ImportReport:
    """Import uploaded bytes for organisation `code`, which `actor` must be allowed to write; rows naming
    another organisation are refused. All rows or none (`ImportRejected`)."""
    name = upload_name(file_name, data)
    with tempfile.TemporaryDirectory(prefix="carbontrail-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return import_upload(sessions, actor, code, path, name, template, progress, encoding)


def import_upload(sessions: sessionmaker[Session], actor: Actor, code: str, path: Path, name: str,
                  template: str | None = None, progress: ProgressCallback | None = None,
                  encoding: str | None = None) -> ImportReport:
    """Import an upload saved at `path` (shown as `name`) for organisation `code`, which `actor` must be allowed to
    write (checked now, when the import starts); rows naming another organisation are refused. All rows or none."""
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, code, tenancy.DATA_WRITE)
    return import_file(sessions, path, template=template, organisation=access.code, display_name=name,
                       actor=actor, progress=progress, encoding=encoding)


__all__ = ["ImportReport", "ProgressCallback", "describe", "file_sha256", "import_file", "import_files",
           "import_upload", "record_key", "upload", "upload_name"]
