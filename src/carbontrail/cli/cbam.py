"""`carbontrail cbam`: SEE of an installation model file, the emissions communication, certificate cost,
the Sichuan-vs-China grid comparison and an importer's annual view; storing models and default-value tables in the
database for an organisation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pint
import typer
from rich.markup import escape
from rich.table import Table

from carbontrail.cbam import (
    LAYOUTS,
    DefaultValues,
    ImportLine,
    Installation,
    InstallationResult,
    build_communication,
    communication_to_json,
    communication_workbook,
    compute_see,
    importer_view,
    parse_installation,
)
from carbontrail.cli._common import JsonOption, OrgArgument, console, print_json, read_document, user_errors
from carbontrail.errors import InputError, Location
from carbontrail.units import magnitude, quantity
from carbontrail.services.cbam import see_summary
from carbontrail.services.database import open_sessions
from carbontrail.services.work import cli_actor
from carbontrail.services import cbam as service

app = typer.Typer(help="EU CBAM: embedded emissions, communication to importers, certificate cost.",
                  no_args_is_help=True)

ModelFile = Annotated[Path, typer.Argument(help="Installation model (YAML or JSON), see examples/cbam/.")]
YearOption = Annotated[int | None, typer.Option(help="Year of import: sets the mark-up on default values "
                                                     "(default: the year the reporting period ends).")]
DefaultsOption = Annotated[Path | None, typer.Option(help="A default-value table (CSV in the layout of "
                                                          "cbam/data/default_values.csv) instead of the shipped one.")]
DefaultsVersion = Annotated[str, typer.Option(help="Version label of --defaults.")]


def _installation(path: Path) -> Installation:
    data = read_document(path, "an installation model such as examples/cbam/*.yaml")
    if not isinstance(data, dict):
        raise InputError("the file does not hold an installation", location=Location(file=str(path)))
    return parse_installation(data, file=str(path))


def _defaults(path: Path | None, version: str) -> DefaultValues | None:
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", location=Location(file=str(path))) from None
    return DefaultValues.from_csv(text, name=path.stem, version=version, file=str(path))


def _amount(text: str, unit: str, option: str) -> pint.Quantity:
    number, _, given = text.strip().partition(" ")
    return quantity(number, given or unit, location=Location(field=option))


def _see_json(result: InstallationResult) -> dict[str, object]:
    return see_summary(result)


@app.command("see")
def see_command(path: ModelFile, year: YearOption = None, defaults: DefaultsOption = None,
                defaults_version: DefaultsVersion = "user", as_json: JsonOption = False) -> None:
    """Specific embedded emissions of every process, direct and indirect, with the share from default values."""
    with user_errors(as_json):
        result = compute_see(_installation(path), defaults=_defaults(defaults, defaults_version), markup_year=year)
        if as_json:
            print_json(_see_json(result))
            return
        table = Table(title=f"{escape(result.installation)} — {result.period} (GWP {result.gwp_assessment}, "
                            f"mark-up year {result.markup_year})")
        for col in ("process", "category", "t produced", "SEE direct", "SEE indirect", "counts", "from defaults"):
            table.add_column(col, justify="left" if col in ("process", "category") else "right")
        for p in result.processes:
            counted = p.see_obligation
            table.add_row(escape(p.process_id), escape(p.category), f"{magnitude(p.activity_level, 't'):,.0f}",
                          f"{magnitude(p.see_direct, 't/t'):.4f}", f"{magnitude(p.see_indirect, 't/t'):.4f}",
                          f"{magnitude(counted, 't/t'):.4f}", f"{p.default_share:.1%}")
        console.print(table)
        console.print("SEE in t CO2e per t of good; 'counts' = the part toward the CBAM obligation.")


@app.command("communication")
def communication_command(
    path: ModelFile,
    out: Annotated[Path, typer.Option(help="Where to write it: a .xlsx or .json file.")],
    year: YearOption = None, defaults: DefaultsOption = None, defaults_version: DefaultsVersion = "user",
    as_json: JsonOption = False,
    layout: Annotated[str, typer.Option(
        help="XLSX layout: carbontrail (reopens in carbontrail) or commission (the tabs and field names of the "
             "Commission's communication template).")] = "carbontrail",
) -> None:
    """Write the operator → importer emissions communication as XLSX or JSON."""
    with user_errors(as_json):
        if out.suffix.lower() not in (".xlsx", ".json"):
            raise InputError(f"cannot write '{out.suffix}' files", location=Location(field="--out"),
                             expected="a path ending in .xlsx or .json")
        if layout not in LAYOUTS:
            raise InputError(f"unknown layout '{layout}'", location=Location(field="--layout"),
                             expected=" or ".join(LAYOUTS))
        installation = _installation(path)
        comm = build_communication(installation, compute_see(
            installation, defaults=_defaults(defaults, defaults_version), markup_year=year))
        content = (communication_workbook(comm, layout) if out.suffix.lower() == ".xlsx"
                   else communication_to_json(comm).encode("utf-8"))
        try:
            out.write_bytes(content)
        except OSError as exc:
            raise InputError(f"cannot write the file ({exc.strerror})", location=Location(file=str(out))) from None
        if as_json:
            print_json({"written": str(out), "goods": len(comm.goods), "precursors": len(comm.precursors)})
        else:
            console.print(f"wrote {escape(str(out))}: {len(comm.goods)} CN code(s), "
                          f"{len(comm.precursors)} precursor(s)")


@app.command("cost")
def cost_command(
    path: ModelFile,
    process: Annotated[str, typer.Option(help="Process id whose goods are imported.")],
    mass: Annotated[str, typer.Option(help="Net mass imported, e.g. '1000 t'.")],
    price: Annotated[str, typer.Option(help="Certificate price, e.g. '75.36 EUR/t' (a quarterly average).")],
    year: Annotated[int, typer.Option(help="Year of import (2026 onward).")],
    free_allocation: Annotated[float | None, typer.Option(
        "--free-allocation-share", help="Share of obligation emissions offset by the free-allocation adjustment.")]
    = None,
    benchmark: Annotated[str | None, typer.Option(help="Benchmark (t CO2e/t) to derive that share from, "
                                                       "e.g. '1.423 t/t' (Implementing Reg. 2025/2620).")] = None,
    exchange_rate: Annotated[list[str], typer.Option(help="EUR per unit of a currency of the installation's "
                                                          "carbon prices, e.g. CNY=0.128.")] = [],  # noqa: B006
    defaults: DefaultsOption = None, defaults_version: DefaultsVersion = "user", as_json: JsonOption = False,
) -> None:
    """Certificate cost of importing `mass` of a process's goods in `year`, net of the carbon price paid."""
    with user_errors(as_json):
        if (free_allocation is None) == (benchmark is None):
            raise InputError("give either --free-allocation-share or --benchmark",
                             location=Location(field="--free-allocation-share"))
        installation = _installation(path)
        result = compute_see(installation, defaults=_defaults(defaults, defaults_version), markup_year=year)
        installation.process(process)  # an unknown process is named before the amounts are read
        given = _amount(benchmark, "t/t", "--benchmark") if benchmark is not None else None
        imported = _amount(mass, "t", "--mass")
        rates = {}
        for item in exchange_rate:
            code, sep, value = item.partition("=")
            if not sep:
                raise InputError(f"'{item}' is not an exchange rate", location=Location(field="--exchange-rate"),
                                 expected="CURRENCY=EUR_PER_UNIT, e.g. CNY=0.128")
            rates[code.strip()] = quantity(value, f"EUR/{code.strip()}", location=Location(field="--exchange-rate"))
        answer = service.cost_of(installation, result, process=process, imported=imported,
                                 certificate_price=_amount(price, "EUR/t", "--price"), import_year=year,
                                 free_allocation=free_allocation, benchmark=given, rates=rates)
        est = answer.estimate
        data = {"process": answer.process_id, "year": year, "mass_t": magnitude(imported, "t"),
                "see_obligation_t_per_t": magnitude(answer.see_obligation, "t/t"),
                "obligation_emissions_t": magnitude(est.obligation_emissions, "t"),
                "free_allocation_share": est.free_allocation_share,
                "certificates_t": magnitude(est.certificates, "t"),
                "certificate_price_eur_per_t": magnitude(est.certificate_price, "EUR/t"),
                "gross_cost_eur": magnitude(est.gross_cost, "EUR"),
                "carbon_price_deduction_eur": magnitude(est.carbon_price_deduction, "EUR"),
                "net_cost_eur": magnitude(est.net_cost, "EUR"), "basis": est.basis}
        if as_json:
            print_json(data)
            return
        for key, value in data.items():
            console.print(f"{key}: {value:,.4f}" if isinstance(value, float) else f"{key}: {escape(str(value))}")


@app.command("grid")
def grid_command(
    path: ModelFile,
    process: Annotated[str, typer.Option(help="Process id.")],
    year: Annotated[int, typer.Option(help="Year of the grid factors (most recent on or before).")],
    local: Annotated[str, typer.Option(help="Local grid (province).")] = "Sichuan",
    reference: Annotated[str, typer.Option(help="Reference grid.")] = "China",
    as_json: JsonOption = False,
) -> None:
    """Indirect SEE of a process on the local (Sichuan) grid and on the China-average grid."""
    with user_errors(as_json):
        installation = _installation(path)
        installation.process(process)  # an unknown process is named before the model is computed
        cmp = service.grid_of(installation, compute_see(installation), process=process, grid_year=year, local=local,
                              reference=reference)
        loc, ref = cmp.local, cmp.reference
        data = {"process": cmp.process_id, "electricity_mwh": magnitude(cmp.electricity, "MWh"),
                "local": {"geography": loc.geography, "t_per_mwh": magnitude(loc.value, "t/MWh"), "year": loc.year,
                          "source": loc.source, "dataset": loc.dataset_version},
                "reference": {"geography": ref.geography, "t_per_mwh": magnitude(ref.value, "t/MWh"),
                              "year": ref.year, "source": ref.source, "dataset": ref.dataset_version},
                "see_indirect_local_t_per_t": magnitude(cmp.see_indirect_local, "t/t"),
                "see_indirect_reference_t_per_t": magnitude(cmp.see_indirect_reference, "t/t"),
                "advantage_t_per_t": magnitude(cmp.advantage, "t/t"),
                "counts_in_obligation": cmp.counts_in_obligation}
        if as_json:
            print_json(data)
            return
        console.print(f"{escape(cmp.process_id)}: {magnitude(cmp.electricity, 'MWh'):,.0f} MWh of electricity")
        pairs = (("local", loc, cmp.see_indirect_local), ("reference", ref, cmp.see_indirect_reference))
        for label, grid, see in pairs:
            console.print(f"  {label} grid {escape(grid.geography)} {grid.year}: {magnitude(grid.value, 't/MWh'):.4f} "
                          f"t/MWh → indirect SEE {magnitude(see, 't/t'):.4f} t/t ({escape(grid.dataset_version)})")
        console.print(f"  advantage {magnitude(cmp.advantage, 't/t'):.4f} t CO2 per t of good; "
                      + ("counts toward the CBAM obligation" if cmp.counts_in_obligation
                         else "indirect emissions do not count toward this good's CBAM obligation"))


@app.command("importer")
def importer_command(
    path: Annotated[Path, typer.Argument(help="YAML/JSON list of imports: supplier, installation, cn_code, "
                                              "country, mass ('12 t'), optional see_direct / see_indirect "
                                              "('1.2 t/t') and source.")],
    year: Annotated[int, typer.Option(help="Calendar year of the imports.")],
    defaults: DefaultsOption = None, defaults_version: DefaultsVersion = "user", as_json: JsonOption = False,
) -> None:
    """An importer's year across suppliers: embedded and obligation emissions, and the 50 t de minimis check."""
    with user_errors(as_json):
        raw = read_document(path)
        if not isinstance(raw, list):
            raise InputError("the file does not hold a list of imports", location=Location(file=str(path)))
        lines = [_import_line(item, str(path), n) for n, item in enumerate(raw, start=1)]
        view = importer_view(lines, year, _defaults(defaults, defaults_version))
        data = {"year": view.year, "mass_under_threshold_t": magnitude(view.mass_under_threshold, "t"),
                "de_minimis_exempt": view.exempt, "embedded_t": magnitude(view.embedded, "t"),
                "obligation_t": magnitude(view.obligation, "t"), "default_share": view.default_share,
                "lines": [{"supplier": r.line.supplier, "cn_code": r.line.cn_code, "category": r.category,
                           "mass_t": magnitude(r.line.mass, "t"), "basis": r.basis,
                           "see_direct_t_per_t": magnitude(r.see_direct, "t/t"),
                           "see_indirect_t_per_t": magnitude(r.see_indirect, "t/t"),
                           "embedded_t": magnitude(r.embedded, "t"), "obligation_t": magnitude(r.obligation, "t"),
                           "source": r.source} for r in view.lines]}
        if as_json:
            print_json(data)
            return
        table = Table(title=f"imports {view.year}")
        for col in ("supplier", "CN code", "category", "t", "basis", "embedded t", "obligation t"):
            table.add_column(col, justify="right" if col.endswith("t") and col != "basis" else "left")
        for r in view.lines:
            table.add_row(escape(r.line.supplier), escape(r.line.cn_code), escape(r.category),
                          f"{magnitude(r.line.mass, 't'):,.2f}", escape(r.basis), f"{magnitude(r.embedded, 't'):,.2f}",
                          f"{magnitude(r.obligation, 't'):,.2f}")
        console.print(table)
        verdict = ("exempt (≤ 50 t: de minimis)" if view.exempt else "above 50 t: every good counts")
        console.print(f"goods under the threshold: {magnitude(view.mass_under_threshold, 't'):,.2f} t — {verdict}; "
                      f"obligation {magnitude(view.obligation, 't'):,.2f} t CO2e; "
                      f"{view.default_share:.1%} of embedded emissions on default values")


def _import_line(item: object, file: str, row: int) -> ImportLine:
    if not isinstance(item, dict):
        raise InputError("an import is not a mapping", location=Location(file=file, row=row))

    def text(key: str, required: bool = True) -> str:
        value = item.get(key)
        if value is None or not str(value).strip():
            if required:
                raise InputError(f"'{key}' is missing", location=Location(file=file, row=row, field=key))
            return ""
        return str(value).strip()

    def amount(key: str, unit: str) -> pint.Quantity | None:
        value = text(key, required=(key == "mass"))
        if not value:
            return None
        number, _, given = value.partition(" ")
        return quantity(number, given or unit, location=Location(file=file, row=row, field=key))

    mass = amount("mass", "t")
    if mass is None:
        raise InputError("'mass' is missing", location=Location(file=file, row=row, field="mass"))
    return ImportLine(text("supplier"), text("installation", False), text("cn_code"), text("country"), mass,
                      amount("see_direct", "t/t"), amount("see_indirect", "t/t"), text("source", False))




def _bytes_of(path: Path):  # type: ignore[no-untyped-def]
    """The database and the command line's actor, once `path` is known to be a file to store."""
    if not path.is_file():
        raise InputError(f"there is no file '{path}'", location=Location(file=str(path)))
    return open_sessions(), cli_actor()


@app.command("store")
def store_command(
    organisation: OrgArgument, path: ModelFile,
    installation: Annotated[str, typer.Option(help="Installation code (letters, digits, '-', '_', '.').")],
    facility: Annotated[str | None, typer.Option(help="Facility code of the organisation it sits at.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Store an installation model for an organisation (the same code and period again replaces it)."""
    with user_errors(as_json):
        sessions, actor = _bytes_of(path)
        stored, created = service.save_installation(sessions, actor, organisation, installation, path.read_bytes(),
                                                    file_name=path.name, facility=facility)
        data = {"organisation": organisation, "installation": stored.code, "period": stored.period,
                "processes": [p.id for p in stored.installation.processes], "created": created}
        if as_json:
            print_json(data)
            return
        console.print(f"{'stored' if created else 'kept'} {escape(organisation)}/{escape(stored.code)} "
                      f"for {stored.period}: {len(data['processes'])} process(es)")  # type: ignore[arg-type]


@app.command("list")
def list_command(organisation: OrgArgument, as_json: JsonOption = False) -> None:
    """The installation models stored for an organisation."""
    with user_errors(as_json):
        found = service.list_installations(open_sessions(), cli_actor(), organisation)
        rows = [{"installation": i.code, "name": i.name, "period": i.period, "facility": i.facility,
                 "processes": [p.id for p in i.installation.processes]} for i in found]
        if as_json:
            print_json(rows)
            return
        table = Table("installation", "name", "period", "facility", "processes")
        for r in rows:
            table.add_row(escape(str(r["installation"])), escape(str(r["name"])), str(r["period"]),
                          escape(str(r["facility"] or "")), escape(", ".join(r["processes"])))  # type: ignore[arg-type]
        console.print(table)


@app.command("load-defaults")
def load_defaults_command(
    organisation: OrgArgument,
    path: Annotated[Path, typer.Argument(help="CSV in the layout of cbam/data/default_values.csv.")],
    name: Annotated[str, typer.Option(help="Name of the table.")],
    version: Annotated[str, typer.Option(help="Version of the table (a stored version never changes).")],
    description: Annotated[str, typer.Option(help="What the table is.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Store a version of a default-value table for an organisation (every value with its source)."""
    with user_errors(as_json):
        sessions, actor = _bytes_of(path)
        info = service.add_defaults(sessions, actor, organisation, name, version, path.read_bytes(),
                                    file_name=path.name, description=description)
        if as_json:
            print_json(info.__dict__)
            return
        console.print(f"stored {escape(info.name)} {escape(info.version)}: {info.values} value(s)")
