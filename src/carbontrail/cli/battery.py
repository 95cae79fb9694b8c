"""`carbontrail battery`: register coded units (CSV), record life events, show a unit's history, compute a
declaration beside ISO 14067, create and export passports (validated against the Battery Pass schemas), sort
retired units by residual value, and list outstanding deposits."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from carbontrail.cli._common import (
    JsonOption,
    OrgArgument,
    console,
    print_json,
    read_document,
    read_text,
    show,
    user_errors,
)
from carbontrail.errors import InputError, Location
from carbontrail.services.database import open_sessions
from carbontrail.services.work import cli_actor
from carbontrail.services import battery_units as units
from carbontrail.battery.traceability import Event
from carbontrail.units import magnitude, quantity
from carbontrail.battery.document import parse_document
from carbontrail.services import battery_declarations as declarations
from carbontrail.services import battery_passports as passports
from carbontrail.services import battery_residual as residual

app = typer.Typer(help="Power batteries: units and life events, EU declaration, passport, residual value.",
                  no_args_is_help=True)
passport_app = typer.Typer(help="Battery passports (Battery Pass v1.2).", no_args_is_help=True)
app.add_typer(passport_app, name="passport")



def _when(text: str | None, option: str) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        try:
            value = datetime.combine(date.fromisoformat(text), datetime.min.time())
        except ValueError:
            raise InputError(f"'{text}' is not a date", location=Location(field=option),
                             expected="YYYY-MM-DD or an ISO 8601 time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _sessions():  # type: ignore[no-untyped-def]
    return open_sessions()


def _actor():  # type: ignore[no-untyped-def]
    return cli_actor()


def _pairs(items: list[str], option: str) -> dict[str, float]:
    """NAME=NUMBER options (repeatable) as a mapping."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            number = float(value)
        except ValueError:
            raise InputError(f"'{item}' is not NAME=NUMBER", location=Location(field=option)) from None
        if not sep or not name.strip():
            raise InputError(f"'{item}' is not NAME=NUMBER", location=Location(field=option))
        out[name.strip()] = number
    return out


@app.command("register")
def register(
    file: Annotated[Path, typer.Argument(help="CSV with a 'code' column and an optional 'parent' column.")],
    producer: Annotated[str, typer.Option(help="Organisation code of the producer.")],
    at: Annotated[str | None, typer.Option(help="Production time (default: now).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Register GB/T 34014-coded packs, modules and cells in bulk; nothing is stored if one code is wrong."""
    with user_errors(as_json):
        rows = list(csv.DictReader(read_text(file).splitlines()))
        if not rows or "code" not in rows[0]:
            raise InputError("the file has no 'code' column", location=Location(file=str(file), row=1),
                             expected="code[,parent]")
        counts = units.register_tree(_sessions(), _actor(), [(r["code"], r.get("parent") or None) for r in rows],
                                     producer, _when(at, "--at"))
        total = sum(counts.values())
        show(as_json, {"registered": total, "producer": producer, "by_parent": counts},
             f"registered {total} units for {escape(producer)}")


@app.command("event")
def event(
    code: Annotated[str, typer.Argument(help="The unit's code.")],
    kind: Annotated[str, typer.Argument(help="sold, installed, maintained, handed_over, retired, tested, "
                                             "repacked or recycled.")],
    actor: Annotated[str, typer.Option(help="Organisation recording the event (it must hold the unit).")],
    to: Annotated[str | None, typer.Option("--to", help="Receiving organisation (sold, handed_over).")] = None,
    vin: Annotated[str | None, typer.Option(help="Vehicle identification number (installed).")] = None,
    deposit: Annotated[float | None, typer.Option(help="Deposit in CNY paid at sale.")] = None,
    new_code: Annotated[str | None, typer.Option(help="New code of a repacked (cascade-use) unit.")] = None,
    recovered: Annotated[list[str], typer.Option(help="Recovered material, MATERIAL=KG (repeatable).")] = [],  # noqa: B006
    note: Annotated[str, typer.Option(help="Free text.")] = "",
    measured: Annotated[list[str], typer.Option(help="A test's state of health, NAME=VALUE (repeatable): capacity, "
                                                     "resistance_increase (fractions), cycles, rated_energy_kwh, "
                                                     "mass_kg.")] = [],  # noqa: B006
    at: Annotated[str | None, typer.Option(help="When it happened (default: now).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record one life event under the traceability rules (order, holder, handovers, deposits)."""
    with user_errors(as_json):
        masses = {name: quantity(kg, "kg") for name, kg in _pairs(recovered, "--recovered").items()}
        allowed = ("sold", "installed", "maintained", "handed_over", "retired", "tested", "repacked", "recycled")
        if kind not in allowed:
            raise InputError(f"unknown event '{kind}'", location=Location(field="kind"), expected=", ".join(allowed))
        state = units.record_event(_sessions(), _actor(), code, Event(
            kind, actor, _when(at, "--at"), to_actor=to, vin=vin,  # type: ignore[arg-type]
            deposit=quantity(deposit, "yuan") if deposit is not None else None, new_code=new_code,
            recovered=masses, note=note, measured=_pairs(measured, "--measured")))
        out = {"code": state.code, "status": state.status, "holder": state.holder,
               "responsible_producer": state.responsible_producer,
               "deposit_cny": magnitude(state.deposit, "yuan") if state.deposit is not None else None}
        show(as_json, out, f"{escape(code)}: {state.status}, held by {escape(state.holder)}")


@app.command("history")
def history(code: Annotated[str, typer.Argument(help="The unit's code.")], as_json: JsonOption = False) -> None:
    """A unit's whole history (with the unit it was re-coded from), oldest first."""
    with user_errors(as_json):
        h = units.history(_sessions(), _actor(), code)
        events = [{"code": e.code, "seq": e.seq, "kind": e.kind, "actor": e.actor, "at": e.at,
                   "holder_after": e.holder_after, "responsible_producer": e.responsible_producer,
                   "to_actor": e.to_actor, "vin": e.vin, "new_code": e.new_code,
                   "deposit_cny": magnitude(e.deposit, "yuan") if e.deposit is not None else None,
                   "recovered_kg": {m: magnitude(q, "kg") for m, q in e.recovered.items()}, "note": e.note}
                  for e in h.events]
        if as_json:
            print_json({"code": code, "status": h.state.status, "holder": h.state.holder,
                        "responsible_producer": h.state.responsible_producer, "original_code": h.original_code,
                        "events": events})
            return
        table = Table(title=f"{code}: {h.state.status}, held by {h.state.holder}")
        for col in ("code", "#", "date", "event", "actor", "holder after", "details"):
            table.add_column(col)
        for e in events:
            detail = " ".join(str(x) for x in (e["to_actor"], e["vin"], e["new_code"], e["note"]) if x)
            table.add_row(str(e["code"]), str(e["seq"]), f"{e['at']:%Y-%m-%d}", str(e["kind"]), str(e["actor"]),
                          str(e["holder_after"]), escape(detail))
        console.print(table)


@app.command("deposits")
def deposits(as_json: JsonOption = False) -> None:
    """Deposits still held per responsible producer (paid at sale, refunded on recycling)."""
    with user_errors(as_json):
        out = {p: magnitude(q, "yuan") for p, q in units.outstanding_deposits(_sessions(), _actor()).items()}
        if as_json:
            print_json(out)
        else:
            for producer, cny in out.items():
                console.print(f"{escape(producer)}: {cny:,.2f} CNY")


@app.command("declaration")
def declaration(
    file: Annotated[Path, typer.Argument(help="Declaration input (YAML or JSON), see examples/battery/.")],
    save: Annotated[str | None, typer.Option(help="Store it for this organisation (code).")] = None,
    organisation: Annotated[str | None, typer.Option(
        help="Compute it as this organisation would store it (stored footprints it may read), without storing.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The EU Art. 7 declaration beside the ISO 14067 footprint of the same battery, and why they differ."""
    with user_errors(as_json):
        doc = parse_document(read_document(file), file=str(file))
        if save:
            result = declarations.save(_sessions(), _actor(), save, doc).result
        else:
            result = declarations.preview(_sessions(), _actor(), organisation, doc)
        if as_json:
            print_json(result)
            return
        d, iso = result["declaration"], result["iso14067"]
        table = Table(title=f"{result['model']} at {result['plant']}: class {result['performance_class']}")
        for col in ("stage", "EU declaration kg/kWh", "share", "ISO 14067 kg/kWh"):
            table.add_column(col)
        for s, i in zip(d["stages"], iso["stages"], strict=True):  # type: ignore[call-overload]
            table.add_row(s["label"], f"{s['per_kwh']:.4f}", f"{100 * s['share']:.1f} %", f"{i['per_kwh']:.4f}")
        table.add_row("total", f"{d['per_kwh']:.4f}", "100 %", f"{iso['per_kwh']:.4f}")  # type: ignore[index]
        console.print(table)
        for g in result["gap_lines"]:  # type: ignore[attr-defined]
            console.print(f"- {escape(g['item'])}: {g['gap_per_kwh']:+.4f} kg/kWh — {escape(g['reason'])}")


def _show_declaration(d: declarations.StoredDeclaration, as_json: bool) -> None:
    """A stored revision: its total, its revisions, what changed since and the passports made from it."""
    if as_json:
        print_json({**asdict(d), "stale": d.freshness.stale if d.freshness else None})
        return
    console.print(f"declaration {d.id}: {escape(d.model)} at {escape(d.plant)}, revision {d.revision} — "
                  f"{d.per_kwh:.4f} kg CO2e/kWh, class {d.performance_class}")
    if len(d.revisions) > 1:
        console.print("revisions: " + " → ".join(f"{r.revision} (declaration {r.id}, {r.per_kwh:.4f})"
                                                 for r in d.revisions))
    if d.next_id is not None:
        console.print(f"replaced by declaration {d.next_id}")
    f = d.freshness
    if f is not None and f.stale:
        table = Table(title="out of date: inputs changed since")
        for col in ("material", "footprint of", "used kg/kg", "now kg/kg", "why"):
            table.add_column(col)
        for i in f.stale_inputs:
            now = "—" if i.current_kg_per_kg is None else f"{i.current_kg_per_kg:.4f}"
            table.add_row(escape(i.material), escape(f"{i.organisation} {i.product}"), f"{i.used_kg_per_kg:.4f}",
                          now, escape(i.reason))
        console.print(table)
        if f.per_kwh is not None:
            console.print(f"re-declared it would become {f.per_kwh:.4f} kg CO2e/kWh (class {f.performance_class})"
                          f": carbontrail battery redeclare {escape(d.organisation)} {d.id}")
    elif f is not None:
        console.print(escape(f.note) if f.note else "up to date: every stored footprint it used is still current")
    if f is not None and f.note and f.stale:
        console.print(escape(f.note))
    for p in d.passports:
        older = " (an older revision: the published passport is not changed)" if p.revision < d.revision else ""
        console.print(f"passport {escape(p.identifier)} shows revision {p.revision}{older}")


@app.command("declaration-show")
def declaration_show(
    organisation: OrgArgument,
    declaration_id: Annotated[int, typer.Argument(help="Declaration number (any revision).")],
    as_json: JsonOption = False,
) -> None:
    """A stored declaration: its revisions, each input changed since (used → now) with the total it would
    become, and the passports that show it."""
    with user_errors(as_json):
        _show_declaration(declarations.get(_sessions(), _actor(), organisation, declaration_id), as_json)


@app.command("redeclare")
def redeclare(
    organisation: OrgArgument,
    declaration_id: Annotated[int, typer.Argument(help="Declaration number (its newest revision).")],
    as_json: JsonOption = False,
) -> None:
    """The next revision from the current stored results (refused when nothing changed); the old one stays."""
    with user_errors(as_json):
        _show_declaration(declarations.redeclare(_sessions(), _actor(), organisation, declaration_id), as_json)


@passport_app.command("create")
def passport_create(
    organisation: Annotated[str, typer.Argument(help="Owner organisation code.")],
    file: Annotated[Path, typer.Argument(help="Passport file (YAML/JSON), see examples/battery/.")],
    as_json: JsonOption = False,
) -> None:
    """Store a passport: sub-models from the file, carbon footprint from the stored declaration."""
    with user_errors(as_json):
        spec = read_document(file)
        full = passports.create_from_spec(_sessions(), _actor(), organisation, spec, file=str(file))
        show(as_json, full, f"passport {escape(str(spec['identifier']))} stored and valid against Battery Pass v1.2")


@passport_app.command("export")
def passport_export(
    identifier: Annotated[str, typer.Argument(help="Passport identifier (urn).")],
    organisation: Annotated[str, typer.Option(help="Owner organisation code.")],
    tier: Annotated[str, typer.Option(help="full, public, legitimate_interest or authority.")] = "full",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """The passport as JSON, every sub-model validated against the shipped v1.2 JSON Schemas."""
    with user_errors(False):
        if tier not in ("full", "public", "legitimate_interest", "authority"):
            raise InputError(f"unknown tier '{tier}'", location=Location(field="--tier"),
                             expected="full, public, legitimate_interest or authority")
        doc = passports.owner_view(_sessions(), _actor(), organisation, identifier,
                                   None if tier == "full" else tier)  # type: ignore[arg-type]
        text = json.dumps(doc, ensure_ascii=False, indent=2)
        if output is None:
            print_json(doc)
        else:
            output.write_text(text + "\n", encoding="utf-8")
            console.print(f"wrote {escape(str(output))}")


@app.command("residual")
def residual_command(
    file: Annotated[Path, typer.Argument(help="CSV: code, capacity, resistance_increase, cycles, "
                                              "rated_energy_kwh, mass_kg (fractions for capacity and resistance).")],
    organisation: Annotated[str, typer.Option(help="Organisation whose latest batch this becomes.")],
    min_capacity: Annotated[float, typer.Option(help="Cascade use needs at least this capacity.")] = 0.70,
    max_resistance_increase: Annotated[float, typer.Option(help="… at most this resistance increase.")] = 0.50,
    max_cycles: Annotated[float, typer.Option(help="… at most this many cycles.")] = 3000.0,
    prices: Annotated[Path | None, typer.Option(help="Price model (YAML/JSON) instead of the illustrative one.")] = None,
    top: Annotated[int, typer.Option(help="Rows to show.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Sort retired units into cascade use or material recycling and value each, best first."""
    with user_errors(as_json):
        rows = residual.read_soh_csv(read_text(file), str(file))
        price_model = read_document(prices) if prices else dict(residual.ILLUSTRATIVE_PRICES)
        if not isinstance(price_model, dict):
            raise InputError("the price model is not a mapping", location=Location(file=str(prices)))
        result = residual.sort_units(_sessions(), _actor(), organisation, rows, residual.Settings(
            min_capacity, max_resistance_increase, max_cycles, price_model), name=file.name)
        if as_json:
            print_json(result)
            return
        s = result["summary"]
        console.print(f"{s['units']} units: {s['cascade']} to cascade use, {s['recycling']} to recycling; "  # type: ignore[index]
                      f"total value {s['total_value_cny']:,.0f} CNY")  # type: ignore[index]
        table = Table()
        for col in ("code", "route", "value CNY", "capacity", "resistance +", "cycles"):
            table.add_column(col)
        for u in result["units"][:top]:  # type: ignore[index]
            table.add_row(u["code"], u["route"], f"{u['value_cny']:,.0f}", f"{100 * u['capacity']:.0f} %",
                          f"{100 * u['resistance_increase']:.0f} %", f"{u['cycles']:.0f}")
        console.print(table)
