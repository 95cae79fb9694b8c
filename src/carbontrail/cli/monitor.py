"""`carbontrail readings` (import, list) and `carbontrail monitor` (quality, derive, figures, oversight, report,
targets, rules, warnings): the monitoring area from this machine's console, acting as its operator."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from carbontrail.cli._common import JsonOption, OrgArgument, console, print_json, show_rows, user_errors
from carbontrail.services.database import open_sessions
from carbontrail.services.work import cli_actor
from carbontrail.services.monitor import readings
from carbontrail.services.monitor import derive
from carbontrail.services.monitor import figures
from carbontrail.services.monitor import report
from carbontrail.errors import InputError, Location
from carbontrail.services.monitor import prices
from carbontrail.services.monitor import warnings

readings_app = typer.Typer(help="Meter readings: import CSV, XLSX or Parquet files; list a meter's readings.",
                           no_args_is_help=True)
app = typer.Typer(help="Monitoring: data quality, KPIs against targets, oversight, warnings.", no_args_is_help=True)

Jur = Annotated[str, typer.Argument(help="Jurisdiction code (province, city or park).")]
Year = Annotated[int, typer.Option(help="Calendar year.")]


def _sessions():  # type: ignore[no-untyped-def]
    return open_sessions()


def _actor():  # type: ignore[no-untyped-def]
    return cli_actor()


@readings_app.command("import")
def import_readings(organisation: OrgArgument,
                    files: Annotated[list[Path], typer.Argument(help="CSV, XLSX or Parquet.")],
                    correction: Annotated[str | None, typer.Option(help="A reason: changed values become new "
                                                                       "versions instead of being refused.")] = None,
                    as_json: JsonOption = False) -> None:
    """Import readings (columns meter, timestamp, value[, unit, reset]); one bad row in any file adds nothing."""
    with user_errors(as_json):
        reports = readings.import_files(_sessions(), _actor(), organisation, files, correction=correction)
        if as_json:
            print_json([asdict(r) for r in reports])
            return
        for r in reports:
            note = " (the same file was imported before: nothing added)" if r.repeated else ""
            console.print(f"{r.source}: {r.rows} rows, {r.inserted} new, {r.unchanged} unchanged, "
                          f"{r.corrected} corrected{note}")


@readings_app.command("list")
def list_readings(organisation: OrgArgument,
                  meter: Annotated[str, typer.Argument(help="Meter code (or facility/code).")],
                  start: Annotated[datetime, typer.Option(help="From (China Standard Time).")],
                  end: Annotated[datetime, typer.Option(help="Until, exclusive.")],
                  limit: Annotated[int, typer.Option(min=1, max=1_000_000)] = 1000,
                  as_json: JsonOption = False) -> None:
    """A meter's current readings."""
    with user_errors(as_json):
        show_rows(as_json, readings.list_readings(_sessions(), _actor(), organisation, meter, start=start, end=end,
                                                  limit=limit),
                  ("start", "value", "counter"),
                  lambda r: (f"{r.start:%Y-%m-%d %H:%M}", f"{r.value:g}",
                             "" if r.counter is None else f"{r.counter:g}"))


@app.command("quality")
def quality(organisation: OrgArgument, meter: Annotated[str, typer.Argument(help="Meter code.")],
            month: Annotated[str, typer.Argument(help="YYYY-MM")], as_json: JsonOption = False) -> None:
    """Completeness, daily vs monthly, clock drift, gaps and flat lines of one meter's month."""
    with user_errors(as_json):
        q = readings.month_quality(_sessions(), _actor(), organisation, meter, month)
        if as_json:
            print_json({**asdict(q), "complete": q.complete, "daily_vs_monthly": q.daily_vs_monthly,
                        "consistent": q.consistent, "clock_ok": q.clock_ok})
            return
        dev = "no monthly figure" if q.daily_vs_monthly is None else f"{q.daily_vs_monthly:.2%}"
        console.print(f"{q.meter} {q.month}: completeness {q.completeness:.1%} ({q.present}/{q.expected}), "
                      f"daily vs monthly {dev}, drift {q.drift_s:+.0f} s, {len(q.gaps)} gap(s), "
                      f"{len(q.flat_lines)} flat line(s)")


@app.command("derive")
def derive_records(organisation: OrgArgument, year: Year, as_json: JsonOption = False) -> None:
    """Derive monthly activity records from readings; where another source has one, show the difference."""
    with user_errors(as_json):
        rows = derive.derive(_sessions(), _actor(), organisation, year)
        if as_json:
            print_json([{**asdict(r), "difference": r.difference} for r in rows])
            return
        table = Table("meter", "month", "readings", "record", "difference", "action")
        for r in rows:
            table.add_row(r.meter, r.month, f"{r.from_readings:g} {r.unit}",
                          "" if r.recorded is None else f"{r.recorded:g}",
                          "" if r.difference is None else f"{r.difference:+g}", r.action)
        console.print(table)


@app.command("figures")
def refresh_figures(years: Annotated[list[int], typer.Argument(help="Years to recompute.")],
                    organisation: Annotated[str | None, typer.Option(help="Only this enterprise.")] = None) -> None:
    """Recompute monthly figures (energy, CO2, value added) from the inventories, for the KPIs."""
    with user_errors():
        for problem in figures.refresh_all(_sessions(), _actor(), years, organisation):
            console.print(f"[yellow]not computed[/]: {problem}")


@app.command("oversight")
def oversight(jurisdiction: Jur, year: Year, as_json: JsonOption = False) -> None:
    """KPIs of a jurisdiction, its sub-jurisdictions and its enterprises, with barometer colours."""
    with user_errors(as_json):
        view = figures.oversight(_sessions(), _actor(), jurisdiction, year)
        if as_json:
            print_json(view)
            return
        table = Table("entity", "kind", "energy tce", "tce/10⁴ yuan", "vs base", "on track", "status", "grade")
        for e in (view.entity, *view.children, *view.enterprises):
            if e.figures is None:
                table.add_row(e.code, e.kind, f"suppressed (< {view.minimum_count})", "", "", "", "", "")
                continue
            k = next((x for x in e.kpis if x.kpi == "energy_intensity"), None)
            table.add_row(e.code, e.kind, f"{e.figures.energy_tce:,.1f}",
                          _num(k.value if k else None), _pct(k.change if k else None),
                          _num(k.on_track if k else None), (k.status if k else None) or "", e.grade or "")
        console.print(table)
        for k in view.entity.kpis:
            if k.peak is not None:
                turns = f", turning in {k.peak.turns_in:.1f}" if k.peak.turns_in is not None else ""
                console.print(f"{k.kpi} peak by {k.peak.peak_year}: {k.value:,.0f} in {year}, the trend's slope at "
                              f"{k.peak.peak_year} {k.peak.slope_at_peak_year:+,.0f} a year{turns} → {k.status} "
                              f"({k.peak.method})")


def _num(v: float | None) -> str:
    return "" if v is None else f"{v:.4f}"


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v:+.1%}"


@app.command("report")
def monthly_report(organisation: OrgArgument, month: Annotated[str, typer.Argument(help="YYYY-MM")]) -> None:
    """The key energy-using unit's monthly report (JSON, in the online monitoring system's structure)."""
    with user_errors(True):
        print_json(report.report_dict(report.monthly_report(_sessions(), _actor(), organisation, month)))


@app.command("file")
def file_report(organisation: OrgArgument, month: Annotated[str, typer.Argument(help="YYYY-MM")],
                as_json: JsonOption = False) -> None:
    """File the key energy-using unit's monthly report as it stands now (once a month)."""
    with user_errors(as_json):
        f = report.file_report(_sessions(), _actor(), organisation, month)
        if as_json:
            print_json(asdict(f))
            return
        when = "on time" if f.on_time else "after the deadline"
        console.print(f"{f.organisation} {f.month}: filed {f.filed_at:%Y-%m-%d %H:%M} UTC, due {f.due}, {when}")


@app.command("filings")
def list_filings(organisation: OrgArgument, as_json: JsonOption = False) -> None:
    """The enterprise's filed monthly reports and their deadlines."""
    with user_errors(as_json):
        show_rows(as_json, report.filings(_sessions(), _actor(), organisation),
                  ("month", "filed (UTC)", "by", "due", "on time", "tce"),
                  lambda f: (f.month, f"{f.filed_at:%Y-%m-%d %H:%M}", f.filed_by, f.due.isoformat(),
                             "yes" if f.on_time else "no", f"{f.total_energy_tce:,.1f}"))


@app.command("target")
def target(kpi: Annotated[str, typer.Argument(help="energy_intensity, co2_intensity, energy_total, co2_total")],
           base_year: Annotated[int, typer.Option()], target_year: Annotated[int, typer.Option()],
           change: Annotated[float | None, typer.Option(help="-0.14 for 14 % lower than the base year")] = None,
           cap: Annotated[float | None, typer.Option(help="An absolute cap instead")] = None,
           peak: Annotated[bool, typer.Option("--peak", help="A peak year instead: the total (energy_total, "
                                                          "co2_total) must not rise after --target-year")] = False,
           jurisdiction: Annotated[str | None, typer.Option()] = None,
           organisation: Annotated[str | None, typer.Option()] = None,
           source: Annotated[str, typer.Option(help="The plan or decision that sets it")] = "") -> None:
    """Set a target for a jurisdiction or an enterprise."""
    with user_errors():
        t = figures.set_target(_sessions(), _actor(), kpi_name=kpi, base_year=base_year, target_year=target_year,
                               change=change, cap=cap, peak=peak, jurisdiction_code=jurisdiction,
                               organisation_code=organisation, source=source)
        console.print(f"target {t.id}: {t.level} {t.kpi} {t.base_year}→{t.target_year}"
                      + (f" (peak by {t.target_year})" if t.peak else ""))


@app.command("price-index")
def price_index(jurisdiction: Jur, year: Year,
                index: Annotated[float, typer.Option(help="Industrial value-added price index, 2020 = 100")],
                source: Annotated[str, typer.Option(help="The statistical release, or 'demo value'")]) -> None:
    """Enter or correct a jurisdiction's value-added price index of a year (deflates value added at current prices)."""
    with user_errors():
        p = prices.set_index(_sessions(), _actor(), jurisdiction, year, index, source=source)
        console.print(f"{p.jurisdiction} {p.year}: {p.value:g} ({p.base_year} = 100), {p.change}")


@app.command("price-indices")
def price_indices(jurisdiction: Jur,
                  file: Annotated[Path | None, typer.Option("--import", help="A CSV to import first (columns "
                                                                             "jurisdiction, year, index, source)")]
                  = None, as_json: JsonOption = False) -> None:
    """The value-added price indices that apply inside a jurisdiction; `--import FILE` imports a CSV first."""
    with user_errors(as_json):
        sessions = _sessions()
        changes = prices.import_csv(sessions, _actor(), file.name, file.read_bytes()) if file else []
        rows = prices.list_indices(sessions, _actor(), jurisdiction)
        if as_json:
            print_json({"imported": [asdict(c) for c in changes], "indices": [asdict(r) for r in rows]})
            return
        if file:
            counts = {k: sum(1 for c in changes if c.change == k) for k in ("created", "updated", "unchanged")}
            console.print(f"{file.name}: {counts['created']} new, {counts['updated']} updated, "
                          f"{counts['unchanged']} unchanged")
        table = Table("jurisdiction", "year", "index", "source")
        for r in rows:
            table.add_row(r.jurisdiction, str(r.year), f"{r.value:g}", r.source)
        console.print(table)


@app.command("rule")
def rule(name: Annotated[str, typer.Argument(help="off_trajectory, above_cap, reading_jump, missing_data, "
                                                   "late_report, supplier_expired, certificate_expiring "
                                                   "(days=N ahead, default 60)")],
         jurisdiction: Annotated[str | None, typer.Option()] = None,
         organisation: Annotated[str | None, typer.Option()] = None,
         param: Annotated[list[str], typer.Option(help="name=number, e.g. cap=1.2 or limit=3.5")] = [],  # noqa: B006
         kpi: Annotated[str | None, typer.Option(help="The KPI an off-trajectory/cap rule watches")] = None,
         email: Annotated[str, typer.Option(help="Comma-separated recipients")] = "",
         webhook: Annotated[str, typer.Option(help="URL to POST signed warnings to")] = "",
         secret: Annotated[str, typer.Option(help="The webhook's HMAC secret (≥ 16 characters)")] = "") -> None:
    """Add a warning rule."""
    with user_errors():
        params: dict[str, float | str] = {}
        for p in param:
            key, _, value = p.partition("=")
            try:
                params[key.strip()] = float(value)
            except ValueError:
                raise InputError(f"'{p}' is not name=number", location=Location(field="param")) from None
        if kpi:
            params["kpi"] = kpi
        r = warnings.add_rule(_sessions(), _actor(), name, jurisdiction_code=jurisdiction,
                              organisation_code=organisation, params=params,  # type: ignore[arg-type]
                              email_to=email, webhook_url=webhook, webhook_secret=secret)
        console.print(f"rule {r.id}: {r.rule} on {r.level}")


@app.command("evaluate")
def evaluate(year: Year, today: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default today)")] = None,
             as_json: JsonOption = False) -> None:
    """Run every warning rule; raise and deliver the new warnings."""
    with user_errors(as_json):
        day = date.fromisoformat(today) if today else None
        raised = warnings.evaluate(_sessions(), _actor(), year=year, today=day)
        if as_json:
            print_json(raised)
            return
        for w in raised:
            console.print(f"#{w.id} [{w.severity}] {w.entity} {w.rule}: {w.message}")
        console.print(f"{len(raised)} new warning(s)")


@app.command("warnings")
def list_warnings(status: Annotated[str | None, typer.Option(help="open, acknowledged, resolved")] = None,
                  as_json: JsonOption = False) -> None:
    """The warnings inbox."""
    with user_errors(as_json):
        rows = warnings.list_warnings(_sessions(), _actor(), status=status)
        if as_json:
            print_json(rows)
            return
        for w in rows:
            console.print(f"#{w.id} [{w.severity}] {w.status} {w.entity} {w.rule}: {w.message}")


@app.command("handle")
def handle(warning_id: Annotated[int, typer.Argument()],
           action: Annotated[str, typer.Argument(help="acknowledge or resolve")],
           note: Annotated[str, typer.Option(help="Why")]) -> None:
    """Acknowledge or resolve a warning with a note."""
    with user_errors():
        w = warnings.handle(_sessions(), _actor(), warning_id, action, note)
        console.print(f"#{w.id} is {w.status}")
