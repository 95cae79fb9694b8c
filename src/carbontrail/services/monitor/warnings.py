"""Early warnings: rules configured per level, evaluated into warnings that name the entity, the rule, the figures
and the readings behind them; delivered in the app, by e-mail and by signed webhook; acknowledged or resolved with
a note, the trail kept. A breach that already has an open or acknowledged warning raises no new one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict, InputError, Location, NotFound, PermissionDenied
from carbontrail.monitor import detect, quality
from carbontrail.services import tenancy
from carbontrail.services.jurisdictions import overseen, subtree_ids
from carbontrail.services.monitor import delivery, report
from carbontrail.services.monitor.access import Scope, jurisdiction, key_unit_tce, organisation, reading_store
from carbontrail.services.monitor.figures import EntityKpis, _oversight
from carbontrail.services.work import Actor, SystemActor, unit_of_work
from carbontrail.store.models import MonitorWarning, WarningEvent, WarningRule
from carbontrail.store.readings import ReadingStore
from carbontrail.store.repositories import certificates as certificate_repo
from carbontrail.store.repositories import monitor as repo

PACT_DEFAULT_VALIDITY_YEARS = 3  # PACT Technical Specifications v2: valid 3 years from the reference period's end


@dataclass(frozen=True)
class RuleOut:
    id: int
    level: str
    rule: str
    params: dict[str, float]
    email_to: str
    webhook_url: str
    enabled: bool


@dataclass(frozen=True)
class EventOut:
    action: str
    actor: str
    note: str
    at: datetime


@dataclass(frozen=True)
class WarningOut:
    id: int
    rule: str
    entity: str
    key: str
    severity: str
    message: str
    figures: dict[str, object]
    readings: list[str]
    status: str
    created_at: datetime
    trail: tuple[EventOut, ...] = ()


def _out(s: Session, w: MonitorWarning, with_trail: bool = False) -> WarningOut:
    trail = tuple(EventOut(e.action, e.actor, e.note, e.at) for e in repo.trail(s, w.id)) if with_trail else ()
    return WarningOut(w.id, w.rule, w.entity, w.key, w.severity, w.message, dict(w.figures), list(w.readings),
                      w.status, w.created_at, trail)


# -- rules ----------------------------------------------------------------------------------------------------


def add_rule(sessions: sessionmaker[Session], actor: Actor, rule: str, *, jurisdiction_code: str | None = None,
             organisation_code: str | None = None, params: dict[str, float] | None = None, email_to: str = "",
             webhook_url: str = "", webhook_secret: str = "") -> RuleOut:
    """A warning rule for a jurisdiction's subtree (its overseers) or for one enterprise (its managers)."""
    if rule not in detect.RULES:
        raise InputError(f"'{rule}' is not a warning rule", location=Location(field="rule"),
                         expected=", ".join(detect.RULES))
    if (jurisdiction_code is None) == (organisation_code is None):
        raise InputError("a rule is for one jurisdiction or one enterprise", location=Location(field="level"))
    if webhook_url and not webhook_url.startswith(("https://", "http://")):
        raise InputError("a webhook is an http(s) URL", location=Location(field="webhook_url"))
    if webhook_url and len(webhook_secret) < 16:
        raise InputError("a webhook needs a secret of at least 16 characters to sign with",
                         location=Location(field="webhook_secret"))
    with unit_of_work(sessions, actor) as work:
        s = work.session
        jid = oid = None
        if organisation_code:
            oid = organisation(s, actor, organisation_code, tenancy.DATA_WRITE).organisation_id
        else:
            assert jurisdiction_code is not None
            jid = jurisdiction(s, actor, jurisdiction_code).id
        row = WarningRule(jurisdiction_id=jid, organisation_id=oid, rule=rule, params=dict(params or {}),
                          email_to=email_to[:1000], webhook_url=webhook_url[:1000], webhook_secret=webhook_secret,
                          enabled=True, created_by=actor.actor[:300])
        s.add(row)
        s.flush()
        level = organisation_code or jurisdiction_code or ""
        work.audit("create", "monitor_rule", f"{level}:{rule}", organisation_id=oid,
                   detail={"rule": rule, "params": dict(params or {}), "email_to": email_to,
                           "webhook_url": webhook_url})
        return RuleOut(row.id, level, rule, dict(row.params), row.email_to, row.webhook_url, row.enabled)


# -- evaluation -----------------------------------------------------------------------------------------------


def _scope_orgs(s: Session, rule: WarningRule) -> list[tuple[int, str, str, str, int | None]]:
    if rule.organisation_id is not None:
        org = repo.organisation(s, rule.organisation_id)
        return [(org.id, org.code, org.name, org.industry, org.jurisdiction_id)] if org else []

    assert rule.jurisdiction_id is not None
    return repo.organisations_in(s, subtree_ids(s, rule.jurisdiction_id))


def _kpi_findings(s: Session, rule: WarningRule, year: int) -> list[tuple[int | None, int | None, detect.Finding]]:

    out: list[tuple[int | None, int | None, detect.Finding]] = []
    if rule.jurisdiction_id is not None:
        j = next(j for j in repo.jurisdictions(s) if j.id == rule.jurisdiction_id)
        view = _oversight(s, Scope(j.id, j.code, j.kind, j.name, j.name_en,
                                   frozenset(subtree_ids(s, j.id))), year, 2015)
        codes = {j.code: j.id for j in repo.jurisdictions(s)}
        orgs = {o[1]: o[0] for o in repo.organisations_in(s, subtree_ids(s, j.id))}
        entities: list[tuple[EntityKpis, int | None, int | None]] = [(view.entity, None, j.id)]
        entities += [(c, None, codes.get(c.code)) for c in view.children]
        entities += [(e, orgs.get(e.code), None) for e in view.enterprises]
    else:
        org = repo.organisation(s, rule.organisation_id)  # type: ignore[arg-type]
        if org is None or org.jurisdiction_id is None:
            return []
        j = next(x for x in repo.jurisdictions(s) if x.id == org.jurisdiction_id)
        view = _oversight(s, Scope(j.id, j.code, j.kind, j.name, j.name_en,
                                   frozenset(subtree_ids(s, j.id))), year, 2015)
        entities = [(e, org.id, None) for e in view.enterprises if e.code == org.code]
    wanted = rule.params.get("kpi")
    for entity, oid, jid in entities:
        for k in entity.kpis:
            if wanted and k.kpi != wanted:
                continue
            if rule.rule == "off_trajectory":
                found = detect.off_trajectory(entity.code, k.kpi, year, k.status, k.value, k.on_track, k.previous,
                                              peak_year=k.target_year if k.peak else None,
                                              peak_slope=k.peak.slope_at_peak_year if k.peak else None)
            elif "cap" in rule.params and k.value is not None:
                found = detect.above_cap(entity.code, k.kpi, year, k.value, float(rule.params["cap"]))
            else:
                found = []
            out.extend((oid, jid, f) for f in found)
    return out


def _reading_findings(s: Session, rule: WarningRule, store: ReadingStore, today: date
                      ) -> list[tuple[int | None, int | None, detect.Finding]]:
    out: list[tuple[int | None, int | None, detect.Finding]] = []
    days = int(rule.params.get("days", 30))
    end = datetime(today.year, today.month, today.day)
    for org_id, code, _name, _ind, _jid in _scope_orgs(s, rule):
        meters = {m.id: (f"{fac}/{m.code}", m) for m, fac in repo.meters(s, org_id)}
        if rule.rule == "reading_jump":
            totals = store.totals([org_id], list(meters), period="day", start=end - timedelta(days=days), end=end)
            for meter_id, group in totals.groupby("meter"):
                name = meters[int(meter_id)][0]
                found = detect.reading_jumps(code, name, [p.date() for p in group["period"]],
                                             group["total"].tolist(), limit=float(rule.params.get("limit",
                                                                                                 detect.Z_LIMIT)))
                out.extend((org_id, None, f) for f in found)
        else:  # missing_data, for the last complete month
            first = (end.replace(day=1) - timedelta(days=1)).replace(day=1)
            month = quality.month_of(first.date())
            begin, stop = quality.month_bounds(month)
            totals = store.totals([org_id], list(meters), period="month", start=begin, end=stop)
            counts = {int(m): int(n) for m, n in zip(totals["meter"], totals["intervals"], strict=True)}
            for meter_id, (name, meter) in meters.items():
                if not store.files([org_id], [meter_id]):
                    continue  # a meter that never sent readings is not monitored by readings
                share = counts.get(meter_id, 0) / quality.expected_intervals(month, meter.interval_s)
                found = detect.missing_data(code, name, month, share,
                                            float(rule.params.get("minimum", quality.COMPLETENESS_MIN)))
                out.extend((org_id, None, f) for f in found)
    return out


def _other_findings(s: Session, rule: WarningRule, today: date
                    ) -> list[tuple[int | None, int | None, detect.Finding]]:
    out: list[tuple[int | None, int | None, detect.Finding]] = []
    orgs = _scope_orgs(s, rule)
    if rule.rule == "supplier_expired":
        for org_id, _product, _supplier, year in repo.supplier_footprint_years(s, [o[0] for o in orgs]):
            code = next(o[1] for o in orgs if o[0] == org_id)
            until = date(year + PACT_DEFAULT_VALIDITY_YEARS, 12, 31) if year else None
            out.extend((org_id, None, f) for f in detect.supplier_expired(code, f"{_product} ({_supplier})", until,
                                                                           today))
    elif rule.rule == "certificate_expiring":
        days = int(rule.params.get("days", detect.CERTIFICATE_DAYS))
        for org_id, code, *_ in orgs:
            for ins in certificate_repo.expiring(s, org_id, date.fromordinal(today.toordinal() + days)):
                assert ins.valid_until is not None  # the query asks for it
                out.extend((org_id, None, f) for f in detect.certificate_expiring(
                    code, ins.kind, ins.reference, ins.valid_until, (ins.face_kwh - ins.claimed_kwh) / 1000.0,
                    today, days))
    elif rule.rule == "late_report":
        # last month's report, due on day `due_day` of this month; a unit is key by its latest year of figures
        last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        due = report.due_date(last_month, int(rule.params.get("due_day", report.DEFAULT_DUE_DAY)))
        ids = [o[0] for o in orgs]
        latest: dict[int, tuple[int, float]] = {}
        for o, y, e, _c, _v, _n in repo.yearly_sums(s, ids, last_month.year - 5, last_month.year - 1):
            if o not in latest or y > latest[o][0]:
                latest[o] = (y, e)
        filed = {f.organisation_id: report.filed_on(f) for f in repo.filings(s, ids, last_month, last_month)}
        for org_id, code, *_ in orgs:
            if latest.get(org_id, (0, 0.0))[1] >= key_unit_tce():
                out.extend((org_id, None, f) for f in detect.late_report(code, f"{last_month:%Y-%m}", due, today,
                                                                         filed.get(org_id)))
    return out


def evaluate(sessions: sessionmaker[Session], actor: Actor, *, year: int, today: date | None = None,
             store: ReadingStore | None = None) -> list[WarningOut]:
    """Run every enabled rule (a command on this machine, or a scheduler); raise and deliver the new warnings."""
    if not isinstance(actor, SystemActor):
        raise PermissionDenied("warnings are evaluated by the platform itself")
    today = today or date.today()
    store = store or reading_store(sessions)
    raised: list[tuple[int, WarningRule]] = []
    found: list[dict[str, object]] = []
    with unit_of_work(sessions, actor) as work:
        s = work.session
        for rule in repo.all_rules(s):
            if rule.rule in ("off_trajectory", "above_cap"):
                findings = _kpi_findings(s, rule, year)
            elif rule.rule in ("reading_jump", "missing_data"):
                findings = _reading_findings(s, rule, store, today)
            else:
                findings = _other_findings(s, rule, today)
            for oid, jid, f in findings:
                if repo.live_warning(s, rule.id, f.entity, f.key) is not None:
                    continue  # open or acknowledged: not repeated
                w = MonitorWarning(rule_id=rule.id, organisation_id=oid, jurisdiction_id=jid, entity=f.entity,
                                   rule=f.rule, key=f.key[:200], severity=f.severity, message=f.message,
                                   figures=dict(f.figures), readings=list(f.readings), status="open")
                s.add(w)
                s.flush()
                s.add(WarningEvent(warning_id=w.id, action="raised", actor=actor.actor, note=""))
                raised.append((w.id, rule))
                found.append({"warning": w.id, "rule": f.rule, "entity": f.entity, "key": f.key,
                              "organisation_id": oid})
        if raised:  # one run, one audit row naming every warning it raised
            orgs = {entry["organisation_id"] for entry in found}
            work.audit("raise", "monitor_warning", ", ".join(str(i) for i, _r in raised),
                       organisation_id=next(iter(orgs)) if len(orgs) == 1 else None,  # type: ignore[arg-type]
                       detail={"year": year, "today": today.isoformat(), "raised": found})  # type: ignore[dict-item]
    _deliver(sessions, actor, raised)
    out = []
    for warning_id, _rule in raised:
        with sessions() as s:
            w = repo.warning(s, warning_id)
            assert w is not None
            out.append(_out(s, w, with_trail=True))
    return out


def _deliver(sessions: sessionmaker[Session], actor: Actor, raised: Sequence[tuple[int, WarningRule]]) -> None:
    """E-mail and webhook for the new warnings; each attempt is a trail event (a failure is recorded, not raised),
    and the attempts of one run are kept in one transaction with one audit row (after the warnings are committed:
    a receiver is never told of a warning that is not stored)."""
    attempts: list[tuple[int, str, str]] = []
    for warning_id, rule in raised:
        attempts += [(warning_id, action, note) for action, note in _send(sessions, warning_id, rule)]
    if attempts:
        with unit_of_work(sessions, actor) as work:
            for warning_id, action, note in attempts:
                work.session.add(WarningEvent(warning_id=warning_id, action=action, actor=actor.actor, note=note))
            delivered: dict[str, list[str]] = {}
            for warning_id, action, _note in attempts:
                delivered.setdefault(str(warning_id), []).append(action)
            work.audit("deliver", "monitor_warning", ", ".join(delivered),
                       detail={"events": delivered})  # type: ignore[dict-item]


def _send(sessions: sessionmaker[Session], warning_id: int, rule: WarningRule) -> list[tuple[str, str]]:
    """Send one warning by e-mail and webhook as its rule says; the (action, note) of each attempt."""
    with sessions() as s:
        w = repo.warning(s, warning_id)
        assert w is not None
        payload = {"id": w.id, "rule": w.rule, "entity": w.entity, "key": w.key, "severity": w.severity,
                   "message": w.message, "figures": dict(w.figures), "readings": list(w.readings),
                   "status": w.status, "raised_at": w.created_at.isoformat()}
    events: list[tuple[str, str]] = []
    smtp = delivery.SmtpSettings.from_env()
    recipients = [a.strip() for a in rule.email_to.split(",") if a.strip()]
    if recipients and smtp is not None:
        try:
            delivery.send_email(smtp, recipients, f"[carbontrail] {payload['severity']} warning: {payload['entity']}",
                                f"{payload['message']}\n\nrule: {payload['rule']}\nkey: {payload['key']}\n"
                                f"figures: {payload['figures']}\nreadings: {payload['readings']}\n")
            events.append(("emailed", ", ".join(recipients)))
        except (OSError, delivery.smtplib.SMTPException) as exc:
            events.append(("email_failed", str(exc)[:500]))
    if rule.webhook_url:
        try:
            status = delivery.post_webhook(rule.webhook_url, rule.webhook_secret, payload)
            events.append(("webhook" if status < 300 else "webhook_failed", f"{rule.webhook_url} → {status}"))
        except delivery.httpx.HTTPError as exc:
            events.append(("webhook_failed", str(exc)[:500]))
    return events


# -- reading and handling warnings ----------------------------------------------------------------------------


def _visible(s: Session, actor: Actor, w: MonitorWarning) -> bool:
    if isinstance(actor, SystemActor):
        return True
    places = overseen(s, actor.grants)
    if w.jurisdiction_id is not None and w.jurisdiction_id in places:
        return True
    if w.organisation_id is not None:
        org = repo.organisation(s, w.organisation_id)
        if org is not None and org.jurisdiction_id in places:
            return True
        held = tenancy.permissions(s, actor, w.organisation_id)
        return tenancy.AGGREGATE in held or tenancy.DATA_READ in held
    return False


def list_warnings(sessions: sessionmaker[Session], actor: Actor, *, status: str | None = None,
                  jurisdiction_code: str | None = None, organisation_code: str | None = None,
                  limit: int | None = None) -> list[WarningOut]:
    """The warnings the actor may see (optionally those of one jurisdiction's subtree or one enterprise; the newest
    `limit` of a jurisdiction's)."""
    with sessions() as s:
        if jurisdiction_code:
            scope = jurisdiction(s, actor, jurisdiction_code)
            rows = repo.warnings(s, jurisdiction_ids=scope.subtree, placed_in=scope.subtree, status=status,
                                 limit=limit)
        elif organisation_code:
            access = organisation(s, actor, organisation_code, tenancy.AGGREGATE)
            rows = repo.warnings(s, organisation_ids=[access.organisation_id], status=status)
        else:
            rows = repo.warnings(s, status=status)
        return [_out(s, w) for w in rows if _visible(s, actor, w)]


def get_warning(sessions: sessionmaker[Session], actor: Actor, warning_id: int) -> WarningOut:
    with sessions() as s:
        w = repo.warning(s, warning_id)
        if w is None or not _visible(s, actor, w):
            raise NotFound(f"no warning {warning_id}")
        return _out(s, w, with_trail=True)


def handle(sessions: sessionmaker[Session], actor: Actor, warning_id: int, action: str, note: str) -> WarningOut:
    """Acknowledge or resolve a warning with a note; the step joins its trail."""
    if action not in ("acknowledge", "resolve"):
        raise InputError(f"'{action}' is not something one does with a warning",
                         location=Location(field="action"), expected="acknowledge, resolve")
    if not note.strip():
        raise InputError("say why, in a note", location=Location(field="note"))
    with unit_of_work(sessions, actor) as work:
        s = work.session
        w = repo.warning(s, warning_id)
        if w is None or not _visible(s, actor, w):
            raise NotFound(f"no warning {warning_id}")
        if w.status == "resolved":
            raise Conflict(f"warning {warning_id} is already resolved")
        if action == "acknowledge" and w.status == "acknowledged":
            raise Conflict(f"warning {warning_id} is already acknowledged")
        before = w.status
        w.status = "acknowledged" if action == "acknowledge" else "resolved"
        s.add(WarningEvent(warning_id=w.id, action=w.status, actor=actor.actor, note=note[:5000]))
        work.audit(action, "monitor_warning", str(w.id), organisation_id=w.organisation_id,
                   before={"status": before}, after={"status": w.status}, detail={"note": note[:500]})
        s.flush()
        return _out(s, w, with_trail=True)
