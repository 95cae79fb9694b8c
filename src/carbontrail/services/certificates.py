"""Green-electricity traceability: register instruments from a registry export, transfer them, claim them against
an organisation's consumption, and match claims to consumption hour by hour, month by month or over the year.

Every issuance, transfer, claim and release writes one transparency-log entry body (`log_entry`), stored with its
canonical bytes and SHA-256 in `certificate_event`, in the same transaction as the change and its audit row.
The guarantees against double counting are held by the database (see store/repositories/certificates.py).

Matching itself, and the claims' effect on the market-based scope 2, live in services/certificate_matching.py.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
import tempfile
from pathlib import Path, PurePath

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict, ImportRejected, InputError, Location, NotFound, PermissionDenied
from carbontrail.inventory.readers import TableFile
from carbontrail.ledger.certificates import (
    BOUNDARIES,
    DEFAULT_BOUNDARY,
    KINDS,
    Holding,
    Instrument,
    check_instrument,
    claim_refusal,
    market_of,
    transfer_refusal,
)
from carbontrail.ledger import bundle as bundles
from carbontrail.ledger.entries import Entry
from carbontrail.ledger.matching import hours_between
from carbontrail.services import tenancy
from carbontrail.services.certificate_matching import (
    MatchReport,
    claimed_mwh,
    claimed_production,
    hourly_consumption,
    matched_report,
    with_claims,
)
from carbontrail.services.tenancy import Access
from carbontrail.services.ledger import log
from carbontrail.services.work import Actor, Work, unit_of_work
from carbontrail.store.models import CertificateEvent, CertificateTransfer, EnergyInstrument
from carbontrail.store.models import GenerationProfile, Organisation
from carbontrail.store.repositories import certificates as repo
from carbontrail.store.repositories import ledger as ledger_repo
from carbontrail.units import read_number

LOG_TYPE = bundles.CERTIFICATE_EVENT_TYPE
EVENT_KINDS = ("issuance", "transfer", "claim", "release")
MAX_REFERENCES = 100_000
Period = tuple[date, date]


def parse_period(text: str) -> Period:
    """A period from '2025' (the year), '2025-01' (the month) or '2025-01-01..2025-03-31'."""
    value = text.strip()
    try:
        if ".." in value:
            first, last = value.split("..", 1)
            start, end = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
        elif len(value) == 4:
            start, end = date(int(value), 1, 1), date(int(value), 12, 31)
        elif len(value) == 7:
            start = date(int(value[:4]), int(value[5:]), 1)
            end = _month_end(start)
        else:
            raise ValueError(value)
    except ValueError:
        raise InputError(f"'{value[:40]}' is not a period", location=Location(field="period"),
                         expected="YYYY, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD") from None
    if end < start:
        raise InputError("the period ends before it starts", location=Location(field="period"))
    return start, end


# -- what the use cases return -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstrumentView:
    kind: str
    reference: str
    generator: str
    technology: str
    province: str
    production_start: date
    production_end: date
    face_mwh: float
    claimed_mwh: float
    status: str
    valid_until: date | None
    owner: str


@dataclass(frozen=True)
class ClaimView:
    id: int
    kind: str
    reference: str
    mwh: float
    period_start: date
    period_end: date
    market: str
    status: str
    log_sha256: str


@dataclass(frozen=True)
class TransferView:
    reference: str
    from_org: str
    to_org: str
    at: datetime


@dataclass(frozen=True)
class LogEntryView:
    kind: str
    reference: str
    sha256: str
    body: str


@dataclass(frozen=True)
class ImportReport:
    file: str
    instruments: int
    profiles: int
    mwh: float
    events: int
    log_seq: tuple[int, ...] = ()  # the transparency-log entries written (with the signing key given)


@dataclass(frozen=True)
class ChangeReport:
    """What a transfer, claim or release did: the instruments, the MWh, and the log entries written."""

    action: str
    organisation: str
    references: tuple[str, ...]
    mwh: float
    log_sha256: tuple[str, ...]
    claim_ids: tuple[int, ...] = ()
    log_seq: tuple[int, ...] = ()  # the transparency-log entries written (with the signing key given)


@dataclass(frozen=True)
class Overview:
    organisation: str
    holdings: tuple[InstrumentView, ...]
    totals: tuple[tuple[str, str, int, float, float], ...]  # kind, status, count, face MWh, claimed MWh
    claims: tuple[ClaimView, ...]
    transfers: tuple[TransferView, ...]
    expiring: tuple[InstrumentView, ...]
    log: tuple[LogEntryView, ...]


# -- log entries -------------------------------------------------------------------------------------------------


def log_entry(kind: str, *, instrument: EnergyInstrument, organisation: str, at: datetime,
              counterparty: str | None = None, kwh: int | None = None, period: Period | None = None,
              market: str | None = None, claim_id: int | None = None) -> dict[str, object]:
    """The transparency-log entry body of one issuance, transfer, claim or release: a plain dict of strings,
    integers and nulls (no floats, so any canonical-JSON encoder writes the same bytes)."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown certificate event '{kind}'")
    body: dict[str, object] = {
        "type": LOG_TYPE,
        "event": kind,
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "organisation": organisation,
        "instrument": {
            "kind": instrument.kind, "reference": instrument.reference, "generator": instrument.generator,
            "technology": instrument.technology, "province": instrument.province,
            "production_start": instrument.production_start.isoformat(),
            "production_end": instrument.production_end.isoformat(), "face_kwh": int(instrument.face_kwh),
        },
    }
    if counterparty is not None:
        body["to" if kind == "transfer" else "issued_to"] = counterparty
    if kwh is not None:
        body["kwh"] = int(kwh)
    if period is not None:
        body["period"] = {"start": period[0].isoformat(), "end": period[1].isoformat()}
    if market is not None:
        body["market"] = market
    if claim_id is not None:
        body["claim"] = int(claim_id)
    return body


def canonical_bytes(body: dict[str, object]) -> bytes:
    """Keys sorted, no whitespace, UTF-8: for bodies of ASCII keys, strings, integers and nulls this is exactly the
    RFC 8785 (JCS) encoding."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _event(kind: str, instrument: EnergyInstrument, organisation_id: int, body: dict[str, object],
           at: datetime) -> dict[str, object]:
    """A `certificate_event` row for a log entry body: its canonical bytes and their SHA-256."""
    data = canonical_bytes(body)
    return {"kind": kind, "instrument_id": instrument.id, "organisation_id": organisation_id,
            "body": data.decode("utf-8"), "canonical": data, "sha256": hashlib.sha256(data).hexdigest(), "at": at}


EVENT_URN = bundles.CERTIFICATE_EVENT_URN


def seal_in(work: Work, key: bytes) -> tuple[int, ...]:
    """Append every certificate event not yet in the transparency log to it, oldest first, inside the caller's
    work, and return their positions. The log's lock is taken before the pending events are read, so two requests
    never append the same event; an event written without the key (a library call) is appended by the next change
    made with it. Each entry commits to the event body's SHA-256 (its RFC 8785 bytes) and names the event by URN."""
    s = work.session
    ledger_repo.log_key(s, lock=True)
    newest = ledger_repo.newest_entry_credential(s, "certificate", EVENT_URN)
    last = int(newest.removeprefix(EVENT_URN)) if newest else 0
    seqs: list[int] = []
    while pending := repo.events_after(s, last, limit=log.MAX_BATCH):
        last = pending[-1].id
        entries = []
        for event in pending:
            body = json.loads(event.body)
            instrument = body["instrument"]
            entries.append(Entry("certificate", str(body["organisation"]), str(body["at"]),
                                 subject=bundles.certificate_subject(str(instrument["kind"]), str(instrument["reference"])),
                                 credential=f"{EVENT_URN}{event.id}", digest=event.sha256,
                                 detail=(("event", event.kind), ("reference", str(instrument["reference"])))))
        appended = log.append_in(work, key, entries)
        seqs.extend(range(appended.first, appended.first + len(entries)))
    return tuple(seqs)


# -- who may act ---------------------------------------------------------------------------------------------------


def _span(seqs: tuple[int, ...]) -> list[int] | None:
    """The first and last log entry a change appended, for its audit row."""
    return [seqs[0], seqs[-1]] if seqs else None


def _now() -> datetime:
    return datetime.now(UTC)


def _mwh(kwh: int | float) -> float:
    return float(kwh) / 1000.0


def _kwh(mwh: float, field: str = "mwh") -> int:
    kwh = round(mwh * 1000)
    if abs(kwh - mwh * 1000) > 1e-6 or kwh <= 0:
        raise InputError(f"{mwh:g} MWh is not a positive whole number of kWh", location=Location(field=field),
                         expected="a positive amount in MWh with at most three decimals")
    return int(kwh)


def _view(row: EnergyInstrument, owner: str) -> InstrumentView:
    return InstrumentView(row.kind, row.reference, row.generator, row.technology, row.province,
                          row.production_start, row.production_end, _mwh(row.face_kwh), _mwh(row.claimed_kwh),
                          row.status, row.valid_until, owner)


def _holding(row: EnergyInstrument, owner: str, boundary: str) -> Holding:
    return Holding(row.kind, row.reference, row.status, owner, _mwh(row.face_kwh), _mwh(row.claimed_kwh),
                   row.valid_until, row.ccer, market_of(row.province, boundary), row.tradable)


# -- issuance: a registry export --------------------------------------------------------------------------------

INSTRUMENT_COLUMNS = ("kind", "serial", "generator", "technology", "province", "production_start", "production_end",
                      "mwh")
OPTIONAL_COLUMNS = ("valid_until", "ccer", "holder")
PROFILE_COLUMNS = ("generator", "date", "hour", "mwh")


@dataclass(frozen=True)
class _Row:
    row: int
    instrument: Instrument
    holder: str


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _cell_date(value: object, where: Location) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell_text(value)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"'{text[:40]}' is not a date", location=where, expected="a date as YYYY-MM-DD") from None


def _columns(header: list[object], needed: Sequence[str], optional: Sequence[str], file: str) -> dict[str, int]:
    names = [_cell_text(h).lower() for h in header]
    missing = [c for c in needed if c not in names]
    if missing:
        raise InputError(f"the header lacks {', '.join(missing)}", location=Location(file=file, row=1),
                         expected=", ".join((*needed, *optional)))
    return {name: i for i, name in enumerate(names) if name in (*needed, *optional)}


def read_registry_export(path: Path, display_name: str | None = None, *, today: date | None = None
                         ) -> tuple[list[_Row], dict[tuple[str, date], list[float]]]:
    """Rows of a registry export (instruments) or of an hourly production file (generator, date, hour, mwh).

    Every bad row is collected; any bad row raises `ImportRejected` with all of them (file, row, field)."""
    name = display_name or path.name
    problems: list[InputError] = []
    instruments: list[_Row] = []
    hourly: dict[tuple[str, date], list[float]] = {}
    seen: dict[tuple[str, str], int] = {}
    with TableFile(path, name) as table:
        header = [_cell_text(h).lower() for h in table.header]
        is_profile = "hour" in header
        cols = (_columns(table.header, PROFILE_COLUMNS, (), name) if is_profile
                else _columns(table.header, INSTRUMENT_COLUMNS, OPTIONAL_COLUMNS, name))
        for number, cells in table.rows():
            if all(_cell_text(c) == "" for c in cells):
                continue
            if len(problems) >= 200:
                break

            def cell(column: str) -> object:
                i = cols.get(column)
                return cells[i] if i is not None and i < len(cells) else None

            try:
                if is_profile:
                    _profile_row(number, name, cell, hourly)
                else:
                    row = _instrument_row(number, name, cell, today)
                    key = (row.instrument.kind, row.instrument.reference)
                    if key in seen:
                        raise InputError(f"{key[0]} {key[1]} is listed twice (first in row {seen[key]})",
                                         location=Location(file=name, row=number, field="serial"))
                    seen[key] = number
                    instruments.append(row)
            except InputError as exc:
                problems.append(exc.at(file=name, row=number))
    if problems:
        raise ImportRejected(name, problems)
    return instruments, hourly


def _instrument_row(number: int, file: str, cell: Callable[[str], object], today: date | None) -> _Row:
    def where(field: str) -> Location:
        return Location(file=file, row=number, field=field)

    try:
        mwh = read_number(cell("mwh"), location=where("mwh"))
        start = _cell_date(cell("production_start"), where("production_start"))
        end = _cell_date(cell("production_end"), where("production_end"))
        until_text = _cell_text(cell("valid_until"))
        until = _cell_date(until_text, where("valid_until")) if until_text else None
        ccer_text = _cell_text(cell("ccer")).lower()
        if ccer_text not in ("", "0", "false", "no", "否", "1", "true", "yes", "是"):
            raise InputError(f"'{ccer_text}' is not yes or no", location=where("ccer"), expected="yes | no")
        instrument = check_instrument(_cell_text(cell("kind")), _cell_text(cell("serial")),
                                      _cell_text(cell("generator")), _cell_text(cell("technology")),
                                      _cell_text(cell("province")), start, end, mwh, valid_until=until,
                                      ccer=ccer_text in ("1", "true", "yes", "是"), today=today)
        _kwh(instrument.face_mwh)
    except InputError as exc:
        raise exc.at(file=file, row=number) from None
    return _Row(number, instrument, _cell_text(cell("holder")))


def _profile_row(number: int, file: str, cell: Callable[[str], object],
                 hourly: dict[tuple[str, date], list[float]]) -> None:
    generator = _cell_text(cell("generator"))
    if not generator:
        raise InputError("the generator is empty", location=Location(file=file, row=number, field="generator"))
    day = _cell_date(cell("date"), Location(file=file, row=number, field="date"))
    hour = read_number(cell("hour"), location=Location(file=file, row=number, field="hour"))
    if hour != int(hour) or not 0 <= hour <= 23:
        raise InputError(f"hour {hour:g}", location=Location(file=file, row=number, field="hour"),
                         expected="a whole hour 0-23 (the hour starting then, China Standard Time)")
    mwh = read_number(cell("mwh"), location=Location(file=file, row=number, field="mwh"))
    if mwh < 0:
        raise InputError(f"{mwh:g} MWh is negative", location=Location(file=file, row=number, field="mwh"))
    month = day.replace(day=1)
    series = hourly.setdefault((generator, month), [])
    if not series:
        series.extend([0.0] * hours_between(month, _month_end(month)))
    series[(day.day - 1) * 24 + int(hour)] += mwh * 1000.0


def _month_end(month: date) -> date:
    nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def import_registry(sessions: sessionmaker[Session], actor: Actor, organisation: str, path: Path, *,
                    display_name: str | None = None, today: date | None = None,
                    key: bytes | None = None) -> ImportReport:
    """Register the instruments of a registry export as issued to `organisation` (or to each row's `holder`), or
    store a generator's hourly production. All rows or none; each instrument's issuance is a log entry."""
    name = display_name or Path(path).name
    rows, hourly = read_registry_export(Path(path), name, today=today)
    return issue(sessions, actor, organisation, [(r.row, r.instrument, r.holder) for r in rows], hourly,
                 source=name, key=key)


MAX_UPLOAD = 64 * 1024 * 1024


def import_upload(sessions: sessionmaker[Session], actor: Actor, organisation: str, file_name: str,
                  data: bytes, *, key: bytes | None = None) -> ImportReport:
    """`import_registry` for uploaded bytes (API and pages)."""
    name = PurePath(file_name or "upload.csv").name
    if not name.lower().endswith((".csv", ".xlsx")):
        raise InputError(f"'{name}' is neither a CSV nor an XLSX file", location=Location(file=name),
                         expected="a .csv or .xlsx file")
    if len(data) > MAX_UPLOAD:
        raise InputError(f"'{name}' is larger than {MAX_UPLOAD // 2**20} MB", location=Location(file=name))
    with tempfile.TemporaryDirectory(prefix="carbontrail-certificates-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return import_registry(sessions, actor, organisation, path, display_name=name, key=key)


def issue(sessions: sessionmaker[Session], actor: Actor, organisation: str,
          instruments: Sequence[tuple[int, Instrument, str]], hourly: dict[tuple[str, date], list[float]] | None = None,
          *, source: str = "", key: bytes | None = None) -> ImportReport:
    """Register instruments (row number, checked instrument, holder code or "" for `organisation`) and hourly
    production in one transaction; a reference already registered refuses the whole batch.

    With the installation's `key`, the events are appended to the transparency log in the same transaction (so in
    every change below)."""
    hourly = hourly or {}
    at = _now()
    with unit_of_work(sessions, actor) as work:
        s = work.session
        access = tenancy.access(s, actor, organisation, tenancy.DATA_WRITE)
        repo.begin_write(s)
        problems: list[InputError] = []
        by_kind: dict[str, list[str]] = {}
        for _, ins, _ in instruments:
            by_kind.setdefault(ins.kind, []).append(ins.reference)
        taken = {(k, r) for k, refs in by_kind.items() for r in repo.existing_references(s, k, refs)}
        holders: dict[str, int] = {}
        for number, ins, holder in instruments:
            if (ins.kind, ins.reference) in taken:
                problems.append(InputError(f"{ins.kind} {ins.reference} is already registered",
                                           location=Location(file=source or None, row=number, field="serial")))
            if holder and holder not in holders:
                org = repo.organisation_by_code(s, holder)
                if org is None:
                    problems.append(InputError(f"no organisation with code '{holder}'",
                                               location=Location(file=source or None, row=number, field="holder")))
                else:
                    holders[holder] = org.id
        if problems:
            raise ImportRejected(source or "instruments", problems)
        rows = []
        for _, ins, holder in instruments:
            row = EnergyInstrument(kind=ins.kind, reference=ins.reference, generator=ins.generator,
                                   technology=ins.technology, province=ins.province,
                                   production_start=ins.production_start, production_end=ins.production_end,
                                   face_kwh=_kwh(ins.face_mwh), claimed_kwh=0, valid_until=ins.valid_until,
                                   ccer=ins.ccer, tradable=ins.tradable, status="frozen" if ins.ccer else "active",
                                   owner_id=holders.get(holder, access.organisation_id),
                                   issuer_id=access.organisation_id, source=source[:500])
            rows.append((row, holder or access.code))
        s.add_all([r for r, _ in rows])
        try:
            s.flush()
        except IntegrityError:
            raise Conflict("an instrument of this batch was registered by another request meanwhile; "
                           "nothing was imported") from None
        for (generator, month), series in hourly.items():
            existing = repo.profile(s, generator, month)
            if existing is not None and existing.organisation_id != access.organisation_id:
                raise Conflict(f"the hourly production of '{generator}' in {month:%Y-%m} was registered by another "
                               "organisation")
            if existing is None:
                s.add(GenerationProfile(generator=generator, month=month, hourly_kwh=series,
                                        organisation_id=access.organisation_id, source=source[:500]))
            else:
                existing.hourly_kwh = series
        s.flush()
        repo.add_rows(s, CertificateEvent, [
            _event("issuance", row, access.organisation_id,
                   log_entry("issuance", instrument=row, organisation=access.code, at=at, counterparty=holder_code), at)
            for row, holder_code in rows])
        mwh = sum(_mwh(r.face_kwh) for r, _ in rows)
        seqs = seal_in(work, key) if key is not None else ()
        work.audit("certificates.issue", "energy_instrument", source or f"{len(rows)} instruments",
                   organisation_id=access.organisation_id,
                   detail={"instruments": len(rows), "mwh": mwh, "profiles": len(hourly), "log_seq": _span(seqs)})
    return ImportReport(source, len(rows), len(hourly), mwh, len(rows), seqs)


# -- transfers, claims and releases ---------------------------------------------------------------------------


def _references(references: Sequence[str]) -> list[str]:
    refs = [r.strip() for r in references if r.strip()]
    if not refs:
        raise InputError("no instrument named", location=Location(field="serial"))
    if len(refs) > MAX_REFERENCES:
        raise InputError(f"{len(refs):,} instruments in one request", location=Location(field="serial"),
                         expected=f"at most {MAX_REFERENCES:,}")
    if len(set(refs)) != len(refs):
        raise InputError("an instrument is named twice", location=Location(field="serial"))
    return refs


def _locked(s: Session, kind: str, refs: list[str]) -> list[EnergyInstrument]:
    if kind not in KINDS:
        raise InputError(f"unknown instrument kind '{kind}'", location=Location(field="kind"),
                         expected=" | ".join(KINDS))
    rows = repo.lock_instruments(s, kind, refs)
    missing = sorted(set(refs) - {r.reference for r in rows})
    if missing:
        raise NotFound(f"no {kind} with reference '{missing[0]}'"
                       + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
    return rows


def transfer(sessions: sessionmaker[Session], actor: Actor, organisation: str, to: str, references: Sequence[str],
             *, kind: str = "GEC", on: date | None = None, key: bytes | None = None) -> ChangeReport:
    """Hand instruments held by `organisation` to organisation `to`; all or none."""
    refs = _references(references)
    at = _now()
    on = on or at.date()
    with unit_of_work(sessions, actor) as work:
        s = work.session
        access = tenancy.access(s, actor, organisation, tenancy.DATA_WRITE)
        target = repo.organisation_by_code(s, to)
        if target is None:
            raise NotFound(f"no organisation with code '{to}'")
        if target.id == access.organisation_id:
            raise InputError("an instrument cannot be transferred to its own holder", location=Location(field="to"))
        rows = _locked(s, kind, refs)
        owners = repo.organisation_codes(s, [r.owner_id for r in rows])
        for row in rows:
            reason = transfer_refusal(_holding(row, owners[row.owner_id], "country"), access.code, on)
            if reason:
                raise Conflict(reason)
        if repo.move_owners(s, [r.id for r in rows], access.organisation_id, target.id) != len(rows):
            raise Conflict("an instrument changed while it was being transferred; nothing was transferred")
        repo.add_rows(s, CertificateTransfer, [{"instrument_id": r.id, "from_id": access.organisation_id,
                                                "to_id": target.id, "at": at} for r in rows])
        events = [_event("transfer", r, access.organisation_id,
                         log_entry("transfer", instrument=r, organisation=access.code, at=at, counterparty=target.code),
                         at) for r in rows]
        repo.add_rows(s, CertificateEvent, events)
        digests = [str(e["sha256"]) for e in events]
        mwh = sum(_mwh(r.face_kwh) for r in rows)
        seqs = seal_in(work, key) if key is not None else ()
        work.audit("certificates.transfer", "energy_instrument", f"{kind} × {len(rows)} → {target.code}",
                   organisation_id=access.organisation_id,
                   detail={"to": target.code, "kind": kind, "references": refs[:50], "mwh": mwh,
                           "log_seq": _span(seqs)})
    return ChangeReport("transfer", access.code, tuple(refs), mwh, tuple(digests), log_seq=seqs)


def claim(sessions: sessionmaker[Session], actor: Actor, organisation: str, references: Sequence[str],
          period: Period, *, kind: str = "GEC", mwh: float | None = None, province: str | None = None,
          boundary: str | None = None, on: date | None = None, key: bytes | None = None) -> ChangeReport:
    """Claim (cancel) instruments against `organisation`'s consumption in `period`: the whole remaining amount of
    each, or `mwh` of a single contract. The consumption lies in `province` (the organisation's province by
    default); the instrument must lie in the same market under `boundary` (the kind's default). All or none."""
    refs = _references(references)
    start, end = period
    if end < start:
        raise InputError("the period ends before it starts", location=Location(field="period"))
    boundary = boundary or DEFAULT_BOUNDARY.get(kind, "country")
    if boundary not in BOUNDARIES:
        raise InputError(f"unknown market boundary '{boundary}'", location=Location(field="boundary"),
                         expected=" | ".join(BOUNDARIES))
    if mwh is not None and len(refs) != 1:
        raise InputError("an amount can be given only when claiming one instrument", location=Location(field="mwh"))
    at = _now()
    on = on or at.date()
    with unit_of_work(sessions, actor) as work:
        s = work.session
        access = tenancy.access(s, actor, organisation, tenancy.DATA_WRITE)
        consumption_market = market_of(province or _home_province(s, access), boundary)
        rows = _locked(s, kind, refs)
        owners = repo.organisation_codes(s, [r.owner_id for r in rows])
        amounts = []
        for row in rows:
            kwh = _kwh(mwh) if mwh is not None else row.face_kwh - row.claimed_kwh
            holding = _holding(row, owners[row.owner_id], boundary)
            reason = claim_refusal(holding, access.code, _mwh(kwh) if kwh > 0 else 0.0, on, consumption_market)
            if reason:
                raise Conflict(reason)
            amounts.append((row, kwh, holding.market))
        if mwh is not None:
            claimable = repo.claim_kwh(s, rows[0].id, access.organisation_id, amounts[0][1])
        else:
            claimable = repo.claim_rest(s, [r.id for r in rows], access.organisation_id) == len(rows)
        if not claimable:
            raise Conflict("an instrument changed while it was being claimed; nothing was claimed")
        ids = repo.add_claims(s, [
            {"instrument_id": row.id, "organisation_id": access.organisation_id, "kwh": kwh, "period_start": start,
             "period_end": end, "boundary": boundary, "instrument_market": market,
             "consumption_market": consumption_market, "claimed_on": on, "valid_until": row.valid_until,
             "status": "active", "at": at} for row, kwh, market in amounts])
        events = [_event("claim", row, access.organisation_id,
                         log_entry("claim", instrument=row, organisation=access.code, at=at, kwh=kwh, period=period,
                                   market=consumption_market, claim_id=claim_id), at)
                  for (row, kwh, _), claim_id in zip(amounts, ids, strict=True)]
        repo.add_rows(s, CertificateEvent, events)
        digests = [str(e["sha256"]) for e in events]
        total = sum(kwh for _, kwh, _ in amounts)
        seqs = seal_in(work, key) if key is not None else ()
        work.audit("certificates.claim", "energy_instrument", f"{kind} × {len(rows)} for {start}…{end}",
                   organisation_id=access.organisation_id,
                   detail={"kind": kind, "references": refs[:50], "mwh": _mwh(total), "market": consumption_market,
                           "period": [start.isoformat(), end.isoformat()], "log_seq": _span(seqs)})
    return ChangeReport("claim", access.code, tuple(refs), _mwh(total), tuple(digests), tuple(ids), seqs)


def release(sessions: sessionmaker[Session], actor: Actor, organisation: str, claim_id: int, *,
            key: bytes | None = None) -> ChangeReport:
    """Withdraw one of the organisation's claims (made in error): its kWh become claimable again."""
    at = _now()
    with unit_of_work(sessions, actor) as work:
        s = work.session
        access = tenancy.access(s, actor, organisation, tenancy.DATA_WRITE)
        repo.begin_write(s)
        record = repo.active_claim(s, claim_id, access.organisation_id)
        if record is None:
            raise NotFound(f"organisation '{access.code}' has no active claim {claim_id}")
        row = s.get(EnergyInstrument, record.instrument_id, with_for_update=True)
        assert row is not None  # the foreign key holds it
        if not repo.release_kwh(s, row.id, access.organisation_id, record.kwh):
            raise Conflict(f"{row.kind} {row.reference} has changed hands or state; the claim cannot be released")
        record.status = "released"
        body = log_entry("release", instrument=row, organisation=access.code, at=at, kwh=record.kwh,
                         period=(record.period_start, record.period_end), claim_id=record.id)
        event = _event("release", row, access.organisation_id, body, at)
        repo.add_rows(s, CertificateEvent, [event])
        sha256 = str(event["sha256"])
        seqs = seal_in(work, key) if key is not None else ()
        work.audit("certificates.release", "certificate_claim", str(claim_id), organisation_id=access.organisation_id,
                   detail={"reference": row.reference, "mwh": _mwh(record.kwh), "log_seq": _span(seqs)})
    return ChangeReport("release", access.code, (row.reference,), _mwh(record.kwh), (sha256,), (claim_id,), seqs)


def _home_province(s: Session, access: Access) -> str:
    org = s.get(Organisation, access.organisation_id)
    if org is not None and org.province:
        return org.province
    provinces = repo.facility_provinces(s, access.organisation_id)
    if len(provinces) == 1:
        return provinces[0]
    raise InputError(f"organisation '{access.code}' has no single province; name the consumption's province",
                     location=Location(field="province"), expected="a province such as 四川 or CN-SC")


# -- reading -------------------------------------------------------------------------------------------------------


def overview(sessions: sessionmaker[Session], actor: Actor, organisation: str, *, today: date | None = None,
             warn_days: int = 90) -> Overview:
    """Holdings, totals, claims, transfers, instruments expiring within `warn_days`, and log entries."""
    today = today or _now().date()
    with sessions() as s:
        access = tenancy.access(s, actor, organisation, tenancy.DATA_READ)
        if not access.allows(tenancy.DATA_READ):
            raise PermissionDenied(f"your role does not allow this on organisation '{access.code}'")
        org = access.organisation_id
        held = tuple(_view(r, access.code) for r in repo.holdings(s, org))
        totals = tuple((k, st, n, _mwh(f), _mwh(c)) for k, st, n, f, c in repo.holding_totals(s, org))
        claim_events = {e.instrument_id: e.sha256 for e in repo.events(s, org) if e.kind == "claim"}
        claims_ = tuple(ClaimView(c.id, i.kind, i.reference, _mwh(c.kwh), c.period_start, c.period_end,
                                  c.consumption_market, c.status, claim_events.get(i.id, ""))
                        for c, i in repo.claims(s, org, active_only=False))
        moves = tuple(TransferView(ref, a, b, t.at) for t, ref, a, b in repo.transfers(s, org))
        soon = date.fromordinal(today.toordinal() + warn_days)
        expiring = tuple(_view(r, access.code) for r in repo.expiring(s, org, soon))
        refs = {r.id: r.reference for r in repo.holdings(s, org)}
        log = tuple(LogEntryView(e.kind, refs.get(e.instrument_id, json.loads(e.body)["instrument"]["reference"]),
                                 e.sha256, e.body) for e in repo.events(s, org))
    return Overview(access.code, held, totals, claims_, moves, expiring, log)


# -- consumption and matching ----------------------------------------------------------------------------------


def match_report(sessions: sessionmaker[Session], actor: Actor, organisation: str, period: Period) -> MatchReport:
    """The organisation's claims in `period` matched to its consumption hour by hour, by month and annually."""
    start, end = period
    if end < start:
        raise InputError("the period ends before it starts", location=Location(field="period"))
    if hours_between(start, end) > 24 * 366:
        raise InputError("a matching period is at most a year", location=Location(field="period"))
    with sessions() as s:
        access = tenancy.access(s, actor, organisation, tenancy.DATA_READ)
        if not access.allows(tenancy.DATA_READ):
            raise PermissionDenied(f"your role does not allow this on organisation '{access.code}'")
        shaped, timed, total, no_profile, _ = claimed_production(s, access.organisation_id, period)
    consumption, source = hourly_consumption(sessions, access.code, period)
    return matched_report(access.code, period, consumption, shaped, timed, total, no_profile, source)


@dataclass(frozen=True)
class EventProof:
    """A certificate event body and the proof bundle that shows the transparency log holds it."""

    body: dict[str, object]
    bundle: dict[str, object]
    log_seq: int


def event_proof(sessions: sessionmaker[Session], actor: Actor, organisation: str, reference: str, *,
                kind: str = "GEC", event: str | None = None) -> EventProof:
    """The newest event (of kind `event`, if given) that `organisation` made on an instrument, with its inclusion
    proof against the latest checkpoint: saved beside each other, `carbontrail verify` checks them offline."""
    with sessions() as s:
        access = tenancy.access(s, actor, organisation, tenancy.DATA_READ)
        if not access.allows(tenancy.DATA_READ):
            raise PermissionDenied(f"your role does not allow this on organisation '{access.code}'")
        row = repo.newest_event(s, kind, reference, event, organisation_id=access.organisation_id)
        if row is None:
            what = f"{event} event" if event else "event"
            raise NotFound(f"organisation '{access.code}' has no {what} on {kind} {reference}")
        seq = ledger_repo.entry_seq(s, "certificate", f"{EVENT_URN}{row.id}")
        if seq is None:
            raise NotFound(f"the {row.kind} of {kind} {reference} is not in the transparency log yet (it was made "
                           "without the installation's key; the next change made with it appends it)")
        head = ledger_repo.latest_checkpoint(s)
        log_row = ledger_repo.log_key(s)
        assert head is not None and log_row is not None  # the entry was logged
        found = log.inclusion_in(s, seq, head.size)
        proof = bundles.make(inclusion={"entry": found.entry, "index": found.index, "treeSize": found.tree_size,
                                        "hashes": found.hashes}, checkpoint=head.note, log_key=log_row.verifier_key)
        return EventProof(json.loads(row.body), proof, seq)


def verify_log(sessions: sessionmaker[Session]) -> tuple[int, list[str]]:
    """Recompute every stored log entry's hash from its canonical bytes, and compare each instrument's claimed kWh
    with its active claims: (entries checked, problems)."""
    problems = []
    with sessions() as s:
        entries = repo.events(s, limit=10_000_000)
        for e in entries:
            if hashlib.sha256(e.canonical).hexdigest() != e.sha256 or canonical_bytes(json.loads(e.body)) != e.canonical:
                problems.append(f"log entry {e.id} does not match its hash")
        for ins_id, face, claimed, active in repo.claimed_by_instrument(s):
            if claimed != active or claimed > face:
                problems.append(f"instrument {ins_id}: {claimed} kWh claimed on the instrument, {active} kWh in its "
                                f"active claims, face {face} kWh")
    return len(entries), problems


__all__ = [
    "ChangeReport", "EventProof", "ImportReport", "InstrumentView", "MatchReport", "Overview", "canonical_bytes",
    "claim", "claimed_mwh", "event_proof", "hourly_consumption", "import_registry", "issue", "log_entry",
    "match_report", "overview", "release", "seal_in", "transfer", "verify_log", "with_claims",
]
