"""CBAM use cases for a tenant: store installation models and default-value tables, compute SEE per period (results
kept), the communication, the importer's annual view, the certificate cost and the grid comparison."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pint
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.cbam import (
    Communication,
    DefaultValue,
    DefaultValues,
    ImportLine,
    ImporterView,
    Installation,
    InstallationResult,
    build_communication,
    carbon_price_per_tonne,
    compare_grids,
    compute_see,
    estimate_cost,
    free_allocation_share,
    importer_view,
    library_grid_factors,
    parse_installation,
)
from carbontrail.cbam.comparison import GridComparison
from carbontrail.cbam.cost import CostEstimate
from carbontrail.cbam.defaults import SHIPPED_DEFAULTS, SHIPPED_DEFAULTS_VERSION
from carbontrail.cbam.emissions import ProcessResult
from carbontrail.cbam.model import Amount, InventoryLink, fill_linked_amounts, has_links
from carbontrail.errors import CarbontrailError, Conflict, InputError, Location, NotFound
from carbontrail.services import tenancy, uploads
from carbontrail.services.tenancy import Access
from carbontrail.services.work import Actor, SystemActor, Work, unit_of_work
from carbontrail.store.models import CbamDefaultDataset, CbamDefaultValue, CbamInstallation, CbamResult
from carbontrail.store.repositories import cbam as repo
from carbontrail.store.models.base import utcnow
from carbontrail.units import convert, magnitude, quantity

MAX_MODEL_BYTES = 5 * 2**20
MAX_DEFAULTS_BYTES = 20 * 2**20
_CODE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def check_code(code: str, field: str = "installation") -> str:
    """An installation code: 1–64 letters, digits, '-', '_' or '.'."""
    code = code.strip()
    if not code or len(code) > 64 or not set(code) <= _CODE_CHARS:
        raise InputError(f"'{code[:80]}' is not a usable code", location=Location(field=field),
                         expected="1–64 letters, digits, '-', '_' or '.'")
    return code


# -- installation models --------------------------------------------------------------------------------------


def read_model(data: bytes, file_name: str) -> Installation:
    """An installation from the bytes of a YAML or JSON file; every problem names the file and the field."""
    return parse_installation(_document(data, file_name), file=file_name)


def _document(data: bytes, file_name: str) -> dict[str, object]:
    """The parsed YAML or JSON mapping of an installation file, not yet checked as an installation."""
    parsed = uploads.read_document(file_name, data, max_bytes=MAX_MODEL_BYTES,
                                   expected="a YAML or JSON installation model such as examples/cbam/*.yaml")
    if not isinstance(parsed, dict):
        raise InputError("the file does not hold an installation", location=Location(file=file_name),
                         expected="a mapping with name, operator, reporting_period, processes")
    return parsed


def _period(data: dict[str, object], file_name: str) -> tuple[date, date]:
    period = data.get("reporting_period")
    try:
        assert isinstance(period, dict)
        return date.fromisoformat(str(period["start"])), date.fromisoformat(str(period["end"]))
    except (AssertionError, KeyError, ValueError):
        raise InputError("the reporting period is not two dates", location=Location(file=file_name,
                                                                                   field="reporting_period"),
                         expected="reporting_period: {start: 2025-01-01, end: 2025-12-31}") from None


def _linked(session: Session, facility_id: int | None, facility: str | None, data: dict[str, object],
            file_name: str, *, check_stated: bool = True) -> dict[str, object]:
    """`data` with the amount of every source stream and electricity use that names `from_inventory` drawn from
    the facility's activity records for the reporting period (summed in the first record's unit, times the share).
    An amount the file states beside a link must agree with the records; without a facility it is used as stated.
    A stored model's amounts are those drawn when it was stored: `check_stated=False` draws them again."""
    if not has_links(data):
        return data
    records = []
    if facility_id is not None:
        start, end = _period(data, file_name)
        records = repo.facility_activity(session, facility_id, start, end)

    def amount_of(link: InventoryLink, place: str, stated: object) -> object:
        where = Location(file=file_name, field=place)
        if facility_id is None:
            if stated is None:
                raise InputError("an amount drawn from the inventory needs the facility whose activity records "
                                 "hold it", location=where, expected="the installation stored with its facility")
            return stated  # checked as any amount when the installation is parsed
        picked = [r for r in records if link.matches(r[0] or "", r[1], r[2])]
        if not picked:
            raise InputError(f"facility '{facility}' has no activity records of {link.describe()} from {start} to "
                             f"{end}", location=where, expected="the facility's activity records for the period, "
                             "imported first")
        unit = picked[0][4]
        total = sum(magnitude(convert(quantity(r[3], r[4]), unit), unit) for r in picked) * link.share
        if stated is not None and check_stated:
            try:
                said = Amount.model_validate(stated)
                agrees = math.isclose(magnitude(convert(said.q, unit), unit), total, rel_tol=1e-9, abs_tol=1e-12)
            except (ValidationError, CarbontrailError):
                agrees = False
            if not agrees:
                raise InputError(f"the file states {stated} but the facility's records of {link.describe()} hold "
                                 f"{total:g} {unit}", location=where,
                                 expected="the amount the records hold, or no amount beside the link")
        return f"{total!r} {unit}"

    return fill_linked_amounts(data, amount_of)


@dataclass(frozen=True)
class InstallationHead:
    """Which installation of a tenant, run by whom, at which of its facilities, for which period."""

    code: str
    name: str
    operator: str
    facility: str | None
    period_start: date
    period_end: date


@dataclass(frozen=True)
class StoredInstallation(InstallationHead):
    """An installation as stored for a tenant: its code, period and facility, and the model."""

    sha256: str
    file_name: str
    installation: Installation

    @property
    def period(self) -> str:
        return f"{self.period_start.isoformat()}/{self.period_end.isoformat()}"


def save_installation(sessions: sessionmaker[Session], actor: Actor, organisation: str, code: str, data: bytes, *,
                      file_name: str = "installation.yaml",
                      facility: str | None = None) -> tuple[StoredInstallation, bool]:
    """Store (or replace, for the same code and period) an installation model; returns it and whether it is new."""
    with unit_of_work(sessions, actor) as work:
        s = work.session
        access = tenancy.access(s, actor, organisation, tenancy.DATA_WRITE)  # before the file: its problems are
        code = check_code(code)  # only told to those who may store it
        document = _document(data, file_name)
        fac_id = None
        if facility:
            fac_id = tenancy.facility_of(s, access, facility).id
        model = parse_installation(_linked(s, fac_id, facility, document, file_name), file=file_name)
        body = json.dumps(model.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(body.encode()).hexdigest()
        start, end = model.reporting_period.start, model.reporting_period.end
        row = repo.installation(s, access.organisation_id, code, start)
        created = row is None
        if row is not None and row.sha256 == digest and row.facility_id == fac_id:
            return _stored(s, row, facility), False  # the same model again: nothing to change
        if row is None:
            row = CbamInstallation(organisation_id=access.organisation_id, code=code, period_start=start)
            s.add(row)
        elif row.sha256 != digest:
            repo.drop_results(s, row.id)
        row.facility_id = fac_id
        row.name, row.operator, row.period_end = model.name[:300], model.operator[:300], end
        row.model, row.sha256, row.file_name = body, digest, file_name[:300]
        row.updated_at = utcnow()
        work.audit("create" if created else "update", "cbam_installation",
                   f"{access.code}/{code}/{start.isoformat()}", organisation_id=access.organisation_id,
                   detail={"file": file_name, "sha256": digest, "processes": len(model.processes),
                           "facility": facility})
    return StoredInstallation(code, model.name, model.operator, facility, start, end, digest, file_name,
                              model), created


def list_installations(sessions: sessionmaker[Session], actor: Actor, organisation: str) -> list[StoredInstallation]:
    """Every stored installation model of the organisation, by code then period."""
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, organisation, tenancy.DATA_READ)
        s = work.session
        return [_stored(s, row, fac) for row, fac in repo.installations(s, access.organisation_id)]


def _stored(session: Session, row: CbamInstallation, facility: str | None) -> StoredInstallation:
    """The stored model, its amounts linked to the inventory drawn from the facility's records as they are now (so
    its digest, the key of kept results, changes when they do)."""
    where = f"stored installation {row.code}"
    document = json.loads(row.model)
    if not has_links(document):
        return StoredInstallation(row.code, row.name, row.operator, facility, row.period_start, row.period_end,
                                  row.sha256, row.file_name, parse_installation(document, file=where))
    model = parse_installation(_linked(session, row.facility_id, facility, document, where, check_stated=False),
                               file=where)
    body = json.dumps(model.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    return StoredInstallation(row.code, row.name, row.operator, facility, row.period_start, row.period_end,
                              hashlib.sha256(body.encode()).hexdigest(), row.file_name, model)


def _row(session: Session, access: Access, code: str, year: int | None) -> tuple[CbamInstallation, str | None]:
    for row, fac in repo.installations(session, access.organisation_id, code):
        if year is None or row.period_end.year == year:
            return row, fac
    period = f" for a period ending in {year}" if year is not None else ""
    raise NotFound(f"organisation '{access.code}' has no CBAM installation '{code}'{period}")


def get_installation(sessions: sessionmaker[Session], actor: Actor, organisation: str, code: str,
                     year: int | None = None) -> StoredInstallation:
    """A stored installation: the period ending in `year`, else the latest."""
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, organisation, tenancy.DATA_READ)
        row, fac = _row(work.session, access, code, year)
        return _stored(work.session, row, fac)


def delete_installation(sessions: sessionmaker[Session], actor: Actor, organisation: str, code: str,
                        year: int | None) -> None:
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, organisation, tenancy.DATA_WRITE)
        row, _ = _row(work.session, access, code, year)
        key = f"{access.code}/{code}/{row.period_start.isoformat()}"
        repo.drop_results(work.session, row.id)
        work.session.delete(row)
        work.audit("delete", "cbam_installation", key, organisation_id=access.organisation_id)


@dataclass(frozen=True)
class InstallationsPage:
    """What an organisation's CBAM page shows: its profile, installations, default-value tables and facilities,
    and whether the reader may add or change installations."""

    profile: tenancy.Profile
    installations: list[StoredInstallation]
    tables: list[DefaultsInfo]
    facilities: list[tuple[str, str]]  # code, name
    writable: bool


def installations_page(sessions: sessionmaker[Session], actor: Actor, organisation: str) -> InstallationsPage:
    with unit_of_work(sessions, actor) as work:
        s = work.session
        access = tenancy.access(s, actor, organisation, tenancy.DATA_READ)
        return InstallationsPage(tenancy.profile(s, access),
                                 [_stored(s, row, fac) for row, fac in repo.installations(s, access.organisation_id)],
                                 _defaults(s, access), [(f.code, f.name) for f in tenancy.facilities(s, access)],
                                 access.allows(tenancy.DATA_WRITE))


def overview(sessions: sessionmaker[Session], actor: Actor) -> list[tuple[tenancy.Profile, int]]:
    """The organisations whose CBAM installations a principal may see, with how many each has."""
    if isinstance(actor, SystemActor):
        raise NotFound("a system actor has no list of organisations it may read")
    with sessions() as s:
        return [(tenancy.profile(s, a), repo.count_installations(s, a.organisation_id))
                for a in tenancy.visible_organisations(s, actor) if a.allows(tenancy.DATA_READ)]


# -- default-value tables ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DefaultsInfo:
    """A default-value table one may use: the shipped one, or one the organisation loaded."""

    name: str
    version: str
    values: int
    shipped: bool
    description: str


def _defaults(session: Session, access: Access) -> list[DefaultsInfo]:
    out = [DefaultsInfo(SHIPPED_DEFAULTS, SHIPPED_DEFAULTS_VERSION, len(DefaultValues.shipped()), True,
                        "values of Implementing Regulation (EU) 2025/2621 shipped with carbontrail (partial; "
                        "see cbam/data/README.md)")]
    out += [DefaultsInfo(d.name, d.version, n, False, d.description)
            for d, n in repo.default_datasets(session, access.organisation_id)]
    return out


def list_defaults(sessions: sessionmaker[Session], actor: Actor, organisation: str) -> list[DefaultsInfo]:
    """The shipped table and the organisation's own tables, newest version of each name last."""
    with unit_of_work(sessions, actor) as work:
        return _defaults(work.session, tenancy.access(work.session, actor, organisation, tenancy.DATA_READ))


def add_defaults(sessions: sessionmaker[Session], actor: Actor, organisation: str, name: str, version: str,
                 data: bytes, *, file_name: str = "default_values.csv", description: str = "") -> DefaultsInfo:
    """Store a version of a default-value table from CSV (the layout of cbam/data/default_values.csv: every row
    with its source); any bad row rejects the file, and a stored version is never replaced."""
    with unit_of_work(sessions, actor) as work:
        tenancy.access(work.session, actor, organisation, tenancy.DATA_WRITE)  # before the file is read
    name, version = name.strip(), version.strip()
    if not name or not version or len(name) > 200 or len(version) > 64:
        raise InputError("a default-value table needs a name (≤ 200 characters) and a version (≤ 64)",
                         location=Location(field="name"))
    if name == SHIPPED_DEFAULTS:
        raise Conflict(f"'{SHIPPED_DEFAULTS}' is the name of the shipped table; choose another name")
    if len(data) > MAX_DEFAULTS_BYTES:
        raise InputError(f"the file is larger than {MAX_DEFAULTS_BYTES // 2**20} MB",
                         location=Location(file=file_name))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("the file is not UTF-8 text", location=Location(file=file_name),
                         expected="a CSV file") from None
    table = DefaultValues.from_csv(text, name=name, version=version, file=file_name)
    if len(table) == 0:
        raise InputError("the file holds no default values", location=Location(file=file_name, row=2),
                         expected="cn_code,country,see_direct,see_indirect,route,source,confidence rows")
    values = list(table.values())
    with unit_of_work(sessions, actor) as work:
        s = work.session
        access = tenancy.access(s, actor, organisation, tenancy.DATA_WRITE)
        found = repo.default_dataset(s, access.organisation_id, name, version)
        if found is not None and found.version == version:
            raise Conflict(f"default-value table {name} {version} is already stored; give a new version")
        ds = CbamDefaultDataset(organisation_id=access.organisation_id, name=name, version=version,
                                description=description[:2000], file_name=file_name[:300],
                                sha256=hashlib.sha256(data).hexdigest())
        s.add(ds)
        s.flush()
        s.add_all(CbamDefaultValue(dataset_id=ds.id, cn_code=v.cn_code, country=v.country,
                                   see_direct=magnitude(v.see_direct, "t/t"),
                                   see_indirect=magnitude(v.see_indirect, "t/t") if v.see_indirect is not None
                                   else None, route=v.route[:64], source=v.source, confidence=v.confidence[:64])
                  for v in values)
        work.audit("create", "cbam_default_values", f"{name}@{version}", organisation_id=access.organisation_id,
                   detail={"values": len(values), "file": file_name})
    return DefaultsInfo(name, version, len(values), False, description)


def _table(session: Session, access: Access, name: str | None = None, version: str | None = None) -> DefaultValues:
    if not name or name == SHIPPED_DEFAULTS:
        if version and version != SHIPPED_DEFAULTS_VERSION:
            raise NotFound(f"the shipped default values have version {SHIPPED_DEFAULTS_VERSION}, not '{version}'")
        return DefaultValues.shipped()
    ds = repo.default_dataset(session, access.organisation_id, name, version)
    if ds is None:
        shown = f"{name} {version}" if version else name
        raise NotFound(f"organisation '{access.code}' has no default-value table '{shown}'")
    return DefaultValues(ds.name, ds.version, (
        DefaultValue(r.cn_code, r.country, quantity(r.see_direct, "t/t"),
                     quantity(r.see_indirect, "t/t") if r.see_indirect is not None else None,
                     r.route, r.source, r.confidence, ds.name, ds.version) for r in repo.default_values(session, ds.id)))


def defaults_table(sessions: sessionmaker[Session], actor: Actor, organisation: str, name: str | None = None,
                   version: str | None = None) -> DefaultValues:
    """The table called `name` (the newest version unless `version` is given); the shipped one when no name."""
    with unit_of_work(sessions, actor) as work:
        return _table(work.session, tenancy.access(work.session, actor, organisation, tenancy.DATA_READ), name,
                      version)


# -- computing ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Computed:
    """A stored installation with its SEE for a mark-up year and default-value table."""

    stored: StoredInstallation
    result: InstallationResult


def compute(sessions: sessionmaker[Session], actor: Actor, organisation: str, code: str, *,
            year: int | None = None, markup_year: int | None = None, defaults: str | None = None,
            defaults_version: str | None = None) -> Computed:
    """SEE of every process of a stored installation (the period ending in `year`, else the latest); the result is
    kept per period, mark-up year and default-value table until the model changes."""
    if markup_year is not None and not 2000 <= markup_year <= 2100:
        raise InputError(f"{markup_year} is not a year of import", location=Location(field="markup_year"),
                         expected="a year such as 2026")
    with unit_of_work(sessions, actor) as work:
        s = work.session
        access = tenancy.access(s, actor, organisation, tenancy.INVENTORY)
        row, fac = _row(s, access, code, year)
        stored = _stored(s, row, fac)
        table = _table(s, access, defaults, defaults_version)
        result = compute_see(stored.installation, defaults=table, markup_year=markup_year)
        _keep(work, row.id, stored.sha256, table, result)
    return Computed(stored, result)


def _keep(work: Work, row_id: int, sha256: str, table: DefaultValues, result: InstallationResult) -> None:
    """Keep the result of a period, mark-up year and table (once per model: a stored table never changes).

    A kept result is a cache of a computation anyone with the right may repeat, not a change of the data: it is
    written without an audit row of its own, under the read's name."""
    s = work.session
    kept = repo.kept_result(s, row_id, result.markup_year, table.name, table.version)
    if kept is not None and kept.model_sha256 == sha256:
        return
    try:
        with s.begin_nested():
            if kept is None:
                kept = CbamResult(installation_id=row_id, markup_year=result.markup_year, defaults_name=table.name,
                                  defaults_version=table.version)
                s.add(kept)
            kept.model_sha256 = sha256
            kept.result = json.dumps(see_summary(result), ensure_ascii=False)
            kept.computed_at = utcnow()
    except IntegrityError:
        return  # a concurrent request kept the same result first
    work.audit("compute", "cbam_result", f"{row_id}/{result.markup_year}/{table.name}@{table.version}",
               detail={"model_sha256": sha256})


def stored_results(sessions: sessionmaker[Session], actor: Actor, organisation: str,
                   code: str) -> list[dict[str, object]]:
    """Every result kept for the installation's periods (only those computed from the model now stored)."""
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, organisation, tenancy.INVENTORY)
        return [{**json.loads(r.result), "computed_at": r.computed_at.isoformat()}
                for r in repo.current_results(work.session, access.organisation_id, code)]


def see_summary(result: InstallationResult) -> dict[str, object]:
    """The SEE of every process as plain numbers (t, t/t), with what counts toward the obligation."""
    return {
        "installation": result.installation, "period": result.period, "gwp_assessment": result.gwp_assessment,
        "markup_year": result.markup_year, "default_values": result.defaults,
        "processes": [process_summary(p) for p in result.processes],
    }


def process_summary(p: ProcessResult) -> dict[str, object]:
    return {
        "process_id": p.process_id, "name": p.name, "category": p.category, "sector": p.sector,
        "cn_codes": list(p.cn_codes), "route": p.route,
        "activity_level_t": magnitude(p.activity_level, "t"),
        "attributed_direct_t": magnitude(p.attributed_direct, "t"),
        "attributed_indirect_t": magnitude(p.attributed_indirect, "t"),
        "embedded_direct_t": magnitude(p.embedded_direct, "t"),
        "embedded_indirect_t": magnitude(p.embedded_indirect, "t"),
        "see_direct_t_per_t": magnitude(p.see_direct, "t/t"),
        "see_indirect_t_per_t": magnitude(p.see_indirect, "t/t"),
        "see_obligation_t_per_t": magnitude(p.see_obligation, "t/t"),
        "default_share": p.default_share,
        "components_t": {k: magnitude(v, "t") for k, v in p.components.items()},
        "precursors": [{"name": c.name, "category": c.category, "origin": c.origin,
                        "mass_t": magnitude(c.mass, "t"),
                        "see_direct_t_per_t": magnitude(c.see_direct, "t/t"),
                        "see_indirect_t_per_t": magnitude(c.see_indirect, "t/t"), "markup": c.markup,
                        "source": c.source} for c in p.precursors],
        "methods": list(p.methods), "electricity": list(p.electricity),
        "source_streams": [{"name": name, "method": method, "co2_t": magnitude(co2, "t")}
                           for name, method, co2 in p.streams],
        "pfc": None if p.pfc is None else {
            "cf4_t": magnitude(p.pfc.cf4, "t"), "c2f6_t": magnitude(p.pfc.c2f6, "t"),
            "gwp_cf4": p.pfc.gwp_cf4, "gwp_c2f6": p.pfc.gwp_c2f6, "co2e_t": magnitude(p.pfc.co2e, "t")},
        "see_indirect_counted_t_per_t": magnitude(p.see_indirect_counted, "t/t"),
    }


def communication(sessions: sessionmaker[Session], actor: Actor, organisation: str, code: str, *,
                  year: int | None = None, markup_year: int | None = None, defaults: str | None = None,
                  defaults_version: str | None = None) -> tuple[Computed, Communication]:
    """The operator → importer emissions communication of a stored installation."""
    done = compute(sessions, actor, organisation, code, year=year, markup_year=markup_year, defaults=defaults,
                   defaults_version=defaults_version)
    return done, build_communication(done.stored.installation, done.result)


#: Yuan per euro a rate must lie in to be believed: the euro has never been worth less than 4 or more than 16 yuan,
#: so a figure outside is a slip (most often the rate the other way round, EUR per CNY).
PLAUSIBLE_CNY_PER_EUR = (4.0, 16.0)


def exchange_rate(*, cny_per_eur: float | None = None, eur_per_cny: float | None = None) -> float | None:
    """The exchange rate as yuan per euro, from either direction; an implausible rate is refused with the reason."""
    if cny_per_eur is not None and eur_per_cny is not None:
        raise InputError("give the exchange rate once, as CNY per EUR", location=Location(field="cny_per_eur"),
                         expected="CNY per EUR, e.g. 7.8")
    if eur_per_cny is not None:
        if not math.isfinite(eur_per_cny) or eur_per_cny <= 0:
            raise InputError(f"{eur_per_cny} EUR per CNY is not an exchange rate",
                             location=Location(field="eur_per_cny"), expected="a positive number")
        cny_per_eur, field = 1.0 / eur_per_cny, "eur_per_cny"
    else:
        field = "cny_per_eur"
    if cny_per_eur is None:
        return None
    low, high = PLAUSIBLE_CNY_PER_EUR
    if not math.isfinite(cny_per_eur) or not low <= cny_per_eur <= high:
        hint = (f"; {cny_per_eur:g} looks like EUR per CNY — the same rate is {1 / cny_per_eur:.4g} CNY per EUR"
                if field == "cny_per_eur" and 0 < cny_per_eur and low <= 1 / cny_per_eur <= high else "")
        raise InputError(f"{cny_per_eur:.4g} CNY per EUR is outside the plausible {low:g}–{high:g} CNY per EUR{hint}",
                         location=Location(field=field), expected=f"CNY per EUR between {low:g} and {high:g}")
    return cny_per_eur


@dataclass(frozen=True)
class CostAnswer:
    """A certificate cost estimate for a mass of a process's goods, with the SEE it rests on."""

    process_id: str
    mass: pint.Quantity
    see_obligation: pint.Quantity
    estimate: CostEstimate


def cost(sessions: sessionmaker[Session], actor: Actor, organisation: str, code: str, *, process: str, mass_t: float,
         price_eur_per_t: float, import_year: int, free_allocation: float | None = None,
         benchmark_t_per_t: float | None = None, eur_per_cny: float | None = None,
         cny_per_eur: float | None = None, year: int | None = None,
         defaults: str | None = None, defaults_version: str | None = None) -> CostAnswer:
    """Certificates and euros for importing `mass_t` of a process's goods in `import_year`, net of the carbon price
    the installation paid (converted with the exchange rate, given as `cny_per_eur` or `eur_per_cny`, when it was
    paid in yuan)."""
    rate = exchange_rate(cny_per_eur=cny_per_eur, eur_per_cny=eur_per_cny)
    for name, value in (("mass_t", mass_t), ("price_eur_per_t", price_eur_per_t)):
        if not math.isfinite(value) or value < 0 or (name == "mass_t" and value == 0):
            raise InputError(f"{value} is not a usable {name.replace('_', ' ')}", location=Location(field=name),
                             expected="a positive number")
    if (free_allocation is None) == (benchmark_t_per_t is None):
        raise InputError("give either a free-allocation share or a benchmark",
                         location=Location(field="free_allocation_share"))
    done = compute(sessions, actor, organisation, code, year=year, markup_year=import_year, defaults=defaults,
                   defaults_version=defaults_version)
    return cost_of(done.stored.installation, done.result, process=process, imported=quantity(mass_t, "t"),
                   certificate_price=quantity(price_eur_per_t, "EUR/t"), import_year=import_year,
                   free_allocation=free_allocation,
                   benchmark=quantity(benchmark_t_per_t, "t/t") if benchmark_t_per_t is not None else None,
                   rates={"CNY": quantity(1.0 / rate, "EUR/CNY")} if rate is not None else {})


def cost_of(installation: Installation, result: InstallationResult, *, process: str, imported: pint.Quantity,
            certificate_price: pint.Quantity, import_year: int, free_allocation: float | None = None,
            benchmark: pint.Quantity | None = None, rates: Mapping[str, pint.Quantity] | None = None) -> CostAnswer:
    """`cost` for an installation already computed (a stored one, or a model file the command line reads): the
    free-allocation share as given or derived from `benchmark`, net of the carbon price paid (`rates`: EUR per unit
    of each currency the installation paid it in)."""
    p = result.process(installation.process(process).id)
    see = p.see_obligation
    if free_allocation is None:
        if benchmark is None:
            raise InputError("give either a free-allocation share or a benchmark",
                             location=Location(field="free_allocation_share"))
        free_allocation = free_allocation_share(see, benchmark, import_year)
    paid = carbon_price_per_tonne(installation, p, dict(rates or {})) * imported if installation.carbon_prices else None
    estimate = estimate_cost(imported * see, year=import_year, certificate_price=certificate_price,
                             free_allocation_share=free_allocation, carbon_price_paid=paid)
    return CostAnswer(p.process_id, imported, see, estimate)


def grid(sessions: sessionmaker[Session], actor: Actor, organisation: str, code: str, *, process: str,
         grid_year: int, local: str = "Sichuan", reference: str = "China", year: int | None = None) -> GridComparison:
    """Indirect SEE of a process with its electricity on the local grid and on the reference grid."""
    done = compute(sessions, actor, organisation, code, year=year)
    return grid_of(done.stored.installation, done.result, process=process, grid_year=grid_year, local=local,
                   reference=reference)


def grid_of(installation: Installation, result: InstallationResult, *, process: str, grid_year: int,
            local: str = "Sichuan", reference: str = "China") -> GridComparison:
    """`grid` for an installation already computed (a stored one, or a model file the command line reads)."""
    proc = installation.process(process)
    loc, ref = library_grid_factors(grid_year, local, reference)
    return compare_grids(proc, result.process(proc.id), loc, ref)


@dataclass(frozen=True)
class ImportIn:
    """One line of an importer's year: either its own SEE, or an installation of this organisation and a process
    (its computed SEE), or nothing (the default value of the country with the year's mark-up)."""

    supplier: str
    cn_code: str
    country: str
    mass_t: float
    see_direct: float | None = None
    see_indirect: float | None = None
    installation: str | None = None
    process: str | None = None
    source: str = ""


def importer(sessions: sessionmaker[Session], actor: Actor, organisation: str, import_year: int,
             lines: Sequence[ImportIn], *, defaults: str | None = None,
             defaults_version: str | None = None) -> ImporterView:
    """The importer's year across suppliers: embedded and obligation emissions and the 50 t de minimis check."""
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, organisation, tenancy.INVENTORY)
        table = _table(work.session, access, defaults, defaults_version)
    out: list[ImportLine] = []
    for n, line in enumerate(lines, start=1):
        see_d = quantity(line.see_direct, "t/t") if line.see_direct is not None else None
        see_i = quantity(line.see_indirect, "t/t") if line.see_indirect is not None else None
        source = line.source
        installation = ""
        if line.installation:
            if not line.process:
                raise InputError("a line naming an installation names its process too",
                                 location=Location(row=n, field="process"))
            done = compute(sessions, actor, organisation, line.installation, markup_year=import_year, defaults=defaults,
                           defaults_version=defaults_version)
            p = done.result.process(done.stored.installation.process(line.process).id)
            if line.cn_code.replace(" ", "") not in p.cn_codes:
                raise InputError(f"process '{p.process_id}' makes CN {', '.join(p.cn_codes)}, not {line.cn_code}",
                                 location=Location(row=n, field="cn_code"))
            see_d, see_i = p.see_direct, p.see_indirect
            installation = done.stored.name
            source = source or f"{done.stored.name}, process {p.process_id}, period {done.stored.period}"
        out.append(ImportLine(line.supplier, installation, line.cn_code, line.country, quantity(line.mass_t, "t"),
                              see_d, see_i, source))
    return importer_view(out, import_year, table)


# -- CBAM beside the facility's inventory -----------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One cause of the gap between the CBAM direct emissions and the facility's scope 1 (t CO2e, inventory −
    CBAM): `cause` is boundary, method or factor."""

    cause: str
    item: str
    t: float
    explanation: str


@dataclass(frozen=True)
class Reconciliation:
    """The installation's direct emissions beside the scope 1 of its facility's inventory for the same period, and
    what makes them differ; `unexplained_t` is what no listed cause accounts for."""

    installation: str
    facility: str
    period: str
    cbam_direct_t: float
    inventory_scope1_t: float
    differences: tuple[Difference, ...]

    @property
    def difference_t(self) -> float:
        return self.inventory_scope1_t - self.cbam_direct_t

    @property
    def unexplained_t(self) -> float:
        return self.difference_t - sum(d.t for d in self.differences)


def reconcile(sessions: sessionmaker[Session], actor: Actor, organisation: str, code: str, *,
              year: int | None = None) -> Reconciliation | None:
    """The CBAM direct emissions of a stored installation beside the scope 1 of the facility it sits at, for the
    same period, with the gap split by cause; None when the installation names no facility."""
    from carbontrail.services.inventory import organisation_inventory  # the inventory's own use case, called as is

    done = compute(sessions, actor, organisation, code, year=year)
    stored = done.stored
    if stored.facility is None:
        return None
    inventory = organisation_inventory(sessions, organisation, start=stored.period_start, end=stored.period_end,
                                       facility=stored.facility)
    scope1 = [line for line in inventory.lines if line.scope == 1]
    gwp = {"CF4": None, "C2F6": None}
    cbam_streams: dict[str, float] = {}
    for p in done.result.processes:
        for _name, method, co2 in p.streams:
            cbam_streams[method] = cbam_streams.get(method, 0.0) + magnitude(co2, "t")
        if p.pfc is not None:
            gwp = {"CF4": p.pfc.gwp_cf4, "C2F6": p.pfc.gwp_c2f6}
    assessment = done.result.gwp_assessment
    out: list[Difference] = []
    fuel_co2 = sum(line.co2e_t for line in scope1 if line.category != "process" and line.gas == "CO2")
    out.append(Difference("factor", "fuel combustion CO2", fuel_co2 - cbam_streams.get("combustion", 0.0),
                          "the inventory applies the factor library's NCV and emission factor to the fuels it "
                          "records; the installation its own NCV and emission factor"))
    other_gases = sum(line.co2e_t for line in scope1 if line.category != "process" and line.gas != "CO2")
    out.append(Difference("boundary", "CH4 and N2O of fuel combustion", other_gases,
                          "the inventory counts all greenhouse gases of combustion; the installation's combustion "
                          "streams count CO2 (the CBAM rules' gases for these goods)"))
    process_co2 = sum(line.co2e_t for line in scope1 if line.category == "process" and line.gas == "CO2")
    out.append(Difference("method", "process CO2", process_co2 - cbam_streams.get("mass_balance", 0.0)
                          - cbam_streams.get("process", 0.0),
                          "the inventory takes the process CO2 the enterprise reports; the installation computes it "
                          "by mass balance and process streams"))
    for gas in ("CF4", "C2F6"):
        lines = [line for line in scope1 if line.category == "process" and line.gas == gas]
        if lines and gwp[gas] is not None:
            mass = sum(line.gas_t for line in lines)
            out.append(Difference("method", f"{gas} GWP", sum(line.co2e_t for line in lines) - mass * gwp[gas],
                                  f"the inventory's GWP100 for {gas} ({lines[0].gwp:g}, {inventory.options.gwp}) "
                                  f"against the one the CBAM rules fix ({gwp[gas]:g}, {assessment})"))
    pfc_cbam = sum(magnitude(p.pfc.co2e, "t") for p in done.result.processes if p.pfc is not None)
    pfc_inventory_at_cbam = sum(line.gas_t * (gwp[line.gas] or 0.0) for line in scope1
                                if line.category == "process" and line.gas in ("CF4", "C2F6"))
    if pfc_cbam or pfc_inventory_at_cbam:
        out.append(Difference("boundary", "PFC masses", pfc_inventory_at_cbam - pfc_cbam,
                              "PFC masses the inventory records against those the installation computes"))
    other_direct = sum(magnitude(v, "t") for p in done.result.processes for k, v in p.components.items()
                       if k not in ("combustion", "mass_balance", "process", "pfc"))
    if other_direct:
        out.append(Difference("boundary", "measured emissions and heat", -other_direct,
                              "emissions the installation counts (measured, heat imported or exported) that the "
                              "inventory has no record of"))
    cbam_direct = sum(magnitude(p.attributed_direct, "t") for p in done.result.processes)
    return Reconciliation(stored.code, stored.facility, stored.period, cbam_direct, inventory.scope1_t,
                          tuple(d for d in out if abs(d.t) > 1e-9))


def reconciliations_in(sessions: sessionmaker[Session], actor: Actor, organisation: str, start: date,
                       end: date) -> list[Reconciliation]:
    """Each of the organisation's installations stored with a facility for exactly this period, beside that
    facility's inventory (what the inventory page shows next to its totals)."""
    with sessions() as s:
        access = tenancy.access(s, actor, organisation, tenancy.INVENTORY)
        codes = [row.code for row, fac in repo.installations(s, access.organisation_id)
                 if fac is not None and row.period_start == start and row.period_end == end]
    found = [reconcile(sessions, actor, organisation, code, year=end.year) for code in codes]
    return [r for r in found if r is not None]
