"""Price indices of industrial value added per jurisdiction and year (the deflator, 2020 = 100): entered or imported
from CSV by the level that publishes them, each change audited. Value added given at current prices is divided by
the index of the enterprise's nearest jurisdiction (park, then city, then province) that has one for the year."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import ImportRejected, InputError, Location, PermissionDenied
from carbontrail.services.jurisdictions import overseen
from carbontrail.services.monitor.access import jurisdiction
from carbontrail.services.work import Actor, SystemActor, unit_of_work
from carbontrail.store.models import PriceIndex
from carbontrail.store.repositories import monitor as repo

BASE_YEAR = 2020  # the plan's base year: indices are stated with 2020 = 100
COLUMNS = ("jurisdiction", "year", "index", "source")
READ_ONLY_ROLES = frozenset({"government_viewer"})


@dataclass(frozen=True)
class PriceIndexOut:
    jurisdiction: str
    year: int
    base_year: int
    value: float
    source: str
    set_by: str
    change: str = ""  # created | updated | unchanged (when entered)


def _out(code: str, row: PriceIndex, change: str = "") -> PriceIndexOut:
    return PriceIndexOut(code, row.year, row.base_year, row.value, row.source, row.set_by, change)


def _checked(year: object, value: object, source: str, where: Location) -> tuple[int, float]:
    try:
        y = int(str(year).strip())
    except ValueError:
        raise InputError(f"'{year}' is not a year", location=Location(where.file, where.row, "year"),
                         expected="a year such as 2023") from None
    if not 1990 <= y <= 2100:
        raise InputError(f"{y} is not a year carbontrail keeps", location=Location(where.file, where.row, "year"),
                         expected="1990–2100")
    try:
        v = float(str(value).strip().replace(",", ""))
    except ValueError:
        raise InputError(f"'{value}' is not a number", location=Location(where.file, where.row, "index"),
                         expected=f"the price index with {BASE_YEAR} = 100, e.g. 104.2") from None
    if not 0 < v <= 1000:
        raise InputError(f"the index {v:g} is not positive or is implausibly large",
                         location=Location(where.file, where.row, "index"), expected="0 < index ≤ 1000")
    if y == BASE_YEAR and v != 100:
        raise InputError(f"the {BASE_YEAR} index is {v:g}", location=Location(where.file, where.row, "index"),
                         expected=f"100: indices are stated with {BASE_YEAR} = 100")
    if not source.strip():
        raise InputError("say where the index comes from", location=Location(where.file, where.row, "source"),
                         expected="the statistical release, or 'demo value' for an illustrative one")
    return y, v


def _may_enter(s: Session, actor: Actor, code: str) -> int:
    """The jurisdiction's id if the actor may enter its indices: a command on this machine, or an overseer of it
    holding more than a viewer's role (a viewer reads them)."""
    scope = jurisdiction(s, actor, code)  # NotFound when not overseen at all
    if isinstance(actor, SystemActor):
        return scope.id
    if scope.id not in overseen(s, [g for g in actor.grants if g.role not in READ_ONLY_ROLES]):
        raise PermissionDenied(f"the price indices of '{code}' are entered by its administrators; a viewer reads them")
    return scope.id


def _put(s: Session, actor: Actor, jid: int, code: str, year: int, value: float,
         source: str) -> tuple[PriceIndexOut, dict[str, object] | None]:
    """Store one index; returns it and, when it changed, the before/after its audit row records."""
    row = repo.price_index(s, jid, year)
    if row is not None and row.value == value and row.source == source[:500]:
        return _out(code, row, "unchanged"), None
    change = "created" if row is None else "updated"
    before = None if row is None else {"value": row.value, "source": row.source}
    if row is None:
        row = PriceIndex(jurisdiction_id=jid, year=year, base_year=BASE_YEAR)
        s.add(row)
    row.value, row.source, row.set_by = value, source[:500], actor.actor[:300]
    s.flush()
    return _out(code, row, change), {"index": f"{code}:{year}", "before": before,
                                     "after": {"value": value, "source": source[:500], "base_year": BASE_YEAR}}


def set_index(sessions: sessionmaker[Session], actor: Actor, jurisdiction_code: str, year: int, value: float, *,
              source: str) -> PriceIndexOut:
    """Enter (or correct) one jurisdiction's index for one year."""
    y, v = _checked(year, value, source, Location(field="index"))
    with unit_of_work(sessions, actor) as work:
        jid = _may_enter(work.session, actor, jurisdiction_code)
        out, changed = _put(work.session, actor, jid, jurisdiction_code, y, v, source)
        if changed is not None:
            work.audit("create" if out.change == "created" else "update", "price_index", f"{jurisdiction_code}:{y}",
                       before=changed["before"], after=changed["after"])  # type: ignore[arg-type]
        return out


def import_csv(sessions: sessionmaker[Session], actor: Actor, file_name: str, data: bytes) -> list[PriceIndexOut]:
    """Import indices from a CSV (columns jurisdiction, year, index, source; UTF-8 or GBK): every row is checked
    first, and one bad row imports nothing."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(f"the header lacks {', '.join(missing)}", location=Location(file=file_name, row=1),
                         expected=", ".join(COLUMNS))
    rows: list[tuple[int, str, int, float, str]] = []
    problems: list[InputError] = []
    for n, raw in enumerate(reader, start=2):
        item = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        try:
            if not item["jurisdiction"]:
                raise InputError("no jurisdiction", location=Location(file_name, n, "jurisdiction"),
                                 expected="a jurisdiction code such as SC")
            y, v = _checked(item["year"], item["index"], item["source"], Location(file_name, n))
            rows.append((n, item["jurisdiction"], y, v, item["source"]))
        except InputError as exc:
            problems.append(exc)
    seen: dict[tuple[str, int], int] = {}
    for n, code, y, _v, _s in rows:
        if (code, y) in seen:
            problems.append(InputError(f"{code} {y} is given twice (rows {seen[(code, y)]} and {n})",
                                       location=Location(file_name, n, "year"), expected="one index a year"))
        seen[(code, y)] = n
    if problems:
        raise ImportRejected(file_name, problems, len(rows) + len(problems))
    with unit_of_work(sessions, actor) as work:
        out = []
        changes = []
        ids: dict[str, int] = {}
        for n, code, y, v, source in rows:
            try:
                if code not in ids:
                    ids[code] = _may_enter(work.session, actor, code)
            except InputError as exc:
                raise exc.at(file=file_name, row=n, field="jurisdiction") from None
            index, changed = _put(work.session, actor, ids[code], code, y, v, source)
            out.append(index)
            if changed is not None:
                changes.append(changed)
        if changes:  # one file, one audit row naming every index it created or changed, with its before/after
            work.audit("import", "price_index", file_name, detail={"changes": changes})  # type: ignore[dict-item]
        return out


def list_indices(sessions: sessionmaker[Session], actor: Actor, jurisdiction_code: str) -> list[PriceIndexOut]:
    """The indices that apply inside a jurisdiction: its own, those of the levels above it and of its subtree."""
    with sessions() as s:
        scope = jurisdiction(s, actor, jurisdiction_code)
        tree = {j.id: j for j in repo.jurisdictions(s)}
        ids = set(scope.subtree)
        parent = tree[scope.id].parent_id
        while parent is not None and parent in tree:
            ids.add(parent)
            parent = tree[parent].parent_id
        return [_out(tree[p.jurisdiction_id].code, p) for p in repo.price_indices(s, ids)]


def deflators(session: Session, chain: Iterable[int], years: Iterable[int]) -> dict[int, tuple[str, PriceIndex]]:
    """Per year: the index of the nearest jurisdiction of `chain` (own first) that has one, with its code."""
    order = list(chain)
    codes = {j.id: j.code for j in repo.jurisdictions(session)}
    found: dict[int, tuple[int, str, PriceIndex]] = {}
    for p in repo.price_indices(session, order, years):
        rank = order.index(p.jurisdiction_id)
        if p.year not in found or rank < found[p.year][0]:
            found[p.year] = (rank, codes.get(p.jurisdiction_id, ""), p)
    return {y: (code, p) for y, (_r, code, p) in found.items()}
