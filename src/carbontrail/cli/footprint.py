"""`carbontrail footprint`: product models and their footprints — import, compute, explain, bound, report.

Works on the configured database as its operator (no tenancy checks: the CLI is the server's own console).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from carbontrail.cli._common import (
    JsonOption,
    OrgArgument,
    console,
    err_console,
    print_json,
    show,
    show_rows,
    user_errors,
)
from carbontrail.errors import InputError, Location
from carbontrail.services import footprints as fps
from carbontrail.services.database import open_sessions
from carbontrail.services.work import cli_actor
from carbontrail.reports.pcf import pcf_report
from carbontrail.services.pact.supplier_data import enter_supplier_footprint, supplier_footprints_of

app = typer.Typer(help="Product carbon footprints: models, results, contributions, uncertainty, PCF reports.",
                  no_args_is_help=True)
supplier_app = typer.Typer(help="Suppliers' own footprints (primary data) of what the organisation buys.",
                           no_args_is_help=True)
app.add_typer(supplier_app, name="supplier")

ModelKey = Annotated[str, typer.Argument(help="Product model key (see `carbontrail footprint models`).")]
Product = Annotated[str, typer.Argument(help="Product flow id (or the id of the process making it).")]
Amount = Annotated[float | None, typer.Option(help="Amount of the product in its unit (default 1).")]
Allocation = Annotated[str, typer.Option(help="Co-product allocation: physical, mass, economic, substitution.")]
BoundaryOpt = Annotated[str, typer.Option(help="cradle-to-gate or cradle-to-grave.")]
Gwp = Annotated[str, typer.Option(help="IPCC assessment report for GWP100: AR6 or AR5.")]
T = TypeVar("T")


def _loaded(organisation: str, key: str, allocation: str, boundary: str, gwp: str):  # type: ignore[no-untyped-def]
    return fps.open_model(open_sessions(), cli_actor(), organisation, key,
                          fps.Options(allocation, boundary, gwp))  # type: ignore[arg-type]


@contextmanager
def _busy(what: str, quiet: bool) -> Iterator[None]:
    """A spinner with elapsed time on stderr while long work runs (not in --json mode)."""
    if quiet:
        yield
        return
    with Progress(SpinnerColumn(), TextColumn(what), TimeElapsedColumn(), console=err_console,
                  transient=True) as bar:
        bar.add_task(what, total=None)
        yield


def _run(what: str, quiet: bool, work: Callable[[], T]) -> T:
    with _busy(what, quiet):
        return work()


def _kg(value: float) -> str:
    return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.1f}"


@app.command("import")
def import_command(organisation: OrgArgument,
                   path: Annotated[Path, typer.Argument(help="Product model (.yaml/.json), openLCA JSON-LD (zip or "
                                                             "folder) or EcoSpold 1 (.xml).")],
                   key: Annotated[str | None, typer.Option(help="Key to store it under (default: file name).")] = None,
                   name: Annotated[str | None, typer.Option(help="Name to show (default: the model's).")] = None,
                   as_json: JsonOption = False) -> None:
    """Import (or replace) a product model of the organisation."""
    with user_errors(as_json):
        summary = _run(f"importing {path.name}", as_json, lambda: fps.store_model(
            open_sessions(), cli_actor(), organisation, key=key or "", path=path, name=name))
        if as_json:
            print_json(asdict(summary))
            return
        m = summary.model
        console.print(f"{'created' if summary.created else 'replaced'} model [bold]{escape(m.key)}[/] "
                      f"({escape(m.source_format)}): {m.processes} processes, {m.products} products, "
                      f"{summary.secondary_factors} secondary factors; linked {summary.linked}, unlinked "
                      f"{summary.unlinked}, duplicate producers {summary.duplicates}")
        for note in summary.notes:
            console.print(f"  note: {escape(note)}")


@app.command("models")
def models_command(organisation: OrgArgument, as_json: JsonOption = False) -> None:
    """The organisation's product models."""
    with user_errors(as_json):
        show_rows(as_json, fps.models_of(open_sessions(), cli_actor(), organisation),
                  ("key", "name", "format", "processes", "products", "updated"),
                  lambda r: (escape(r.key), escape(r.name), r.source_format, str(r.processes), str(r.products),
                             r.updated_at[:19]))


@app.command("products")
def products_command(organisation: OrgArgument, key: ModelKey, allocation: Allocation = "physical",
                     boundary: BoundaryOpt = "cradle-to-gate", gwp: Gwp = "AR6", as_json: JsonOption = False) -> None:
    """Every product of a model with its footprint per unit (all at once: one adjoint solve)."""
    with user_errors(as_json):
        rows = _run("computing", as_json,
                    lambda: fps.products(_loaded(organisation, key, allocation, boundary, gwp)))
        if as_json:
            print_json([asdict(r) for r in rows])
            return
        table = Table("product", "process", "unit", "kg CO2e/unit", "biogenic", "stage")
        for r in rows[:500]:
            table.add_row(escape(r.product), escape(r.name), r.unit, _kg(r.fossil_kg_per_unit),
                          _kg(r.biogenic_kg_per_unit), escape(r.stage))
        console.print(table)
        if len(rows) > 500:
            console.print(f"… and {len(rows) - 500} more (use --json for all)")


@app.command("compute")
def compute_command(organisation: OrgArgument, key: ModelKey, product: Product, amount: Amount = None,
                    allocation: Allocation = "physical", boundary: BoundaryOpt = "cradle-to-gate", gwp: Gwp = "AR6",
                    as_json: JsonOption = False) -> None:
    """The footprint of an amount of one product, with data quality, cut-off and provenance."""
    with user_errors(as_json):
        report = _run("computing", as_json, lambda: fps.compute(
            _loaded(organisation, key, allocation, boundary, gwp), product, amount))
        if as_json:
            print_json(asdict(report))
            return
        dq = report.data_quality
        table = Table(show_header=False)
        table.add_row("product", f"{escape(report.product_name)} [{escape(report.process)}]")
        table.add_row("amount", f"{report.amount:g} {report.unit}")
        table.add_row("GWP100 (fossil, kg CO2e)", _kg(report.fossil_kg))
        table.add_row("biogenic (kg CO2e)", _kg(report.biogenic_kg))
        table.add_row("per unit", f"{_kg(report.fossil_kg_per_unit)} kg CO2e/{report.unit}")
        table.add_row("cut-off estimate", f"{_kg(report.cutoff_kg)} kg ({report.cutoff_share:.2%})")
        table.add_row("primary data share", f"{dq.primary_data_share:.1%}")
        table.add_row("PACT DQR (tech/temp/geo)", "/".join("-" if v is None else f"{v:.2f}"
                                                           for v in (dq.technological, dq.temporal, dq.geographical)))
        p = report.provenance
        table.add_row("method", f"{p.characterisation}; {p.allocation} allocation; {p.boundary}")
        console.print(table)
        if report.cutoff_unestimated:
            console.print("cut off without an estimate: " + escape(", ".join(report.cutoff_unestimated)))


@app.command("contributions")
def contributions_command(organisation: OrgArgument, key: ModelKey, product: Product, amount: Amount = None,
                          by: Annotated[str, typer.Option(help="process, stage, supplier or gas.")] = "process",
                          allocation: Allocation = "physical", boundary: BoundaryOpt = "cradle-to-gate",
                          gwp: Gwp = "AR6", as_json: JsonOption = False) -> None:
    """Where the footprint comes from: by process, life-cycle stage, supplier or gas."""
    with user_errors(as_json):
        rows = _run("computing", as_json, lambda: fps.contributions(
            _loaded(organisation, key, allocation, boundary, gwp), product, amount, by))  # type: ignore[arg-type]
        if as_json:
            print_json([asdict(r) for r in rows])
            return
        table = Table(by, "kg CO2e", "biogenic", "share")
        for r in rows[:100]:
            table.add_row(escape(r.label), _kg(r.fossil_kg), _kg(r.biogenic_kg), f"{r.share:.1%}")
        console.print(table)


@app.command("tree")
def tree_command(organisation: OrgArgument, key: ModelKey, product: Product, amount: Amount = None,
                 cutoff: Annotated[float, typer.Option(help="Hide inputs below this share of the total.")] = 0.01,
                 depth: Annotated[int, typer.Option(help="Deepest tier shown.")] = 6,
                 allocation: Allocation = "physical", boundary: BoundaryOpt = "cradle-to-gate", gwp: Gwp = "AR6",
                 as_json: JsonOption = False) -> None:
    """The upstream supply-chain tree, inputs below the cut-off summed as 'pruned'."""
    with user_errors(as_json):
        rows = _run("computing", as_json, lambda: fps.tree(
            _loaded(organisation, key, allocation, boundary, gwp), product, amount, cutoff=cutoff, max_depth=depth))
        if as_json:
            print_json([asdict(r) for r in rows])
            return
        table = Table("process", "amount", "total kg CO2e", "direct", "pruned")
        for r in rows:
            table.add_row("  " * r.depth + escape(r.name), f"{r.amount:.4g} {r.unit}", _kg(r.total_kg),
                          _kg(r.direct_kg), _kg(r.pruned_kg))
        console.print(table)


@app.command("monte-carlo")
def monte_carlo_command(organisation: OrgArgument, key: ModelKey, product: Product, amount: Amount = None,
                        iterations: Annotated[int, typer.Option(help="Number of draws.")] = 1000,
                        seed: Annotated[int, typer.Option(help="Random seed (same seed, same numbers).")] = 1,
                        scheduler: Annotated[str | None, typer.Option(
                            help="Dask scheduler address (default: CARBONTRAIL_DASK_SCHEDULER, else in-process).")] = None,
                        allocation: Allocation = "physical", boundary: BoundaryOpt = "cradle-to-gate",
                        gwp: Gwp = "AR6", as_json: JsonOption = False) -> None:
    """Monte Carlo of a product's footprint from the distributions stored with the model."""
    with user_errors(as_json):
        loaded = _run("preparing", as_json, lambda: _loaded(organisation, key, allocation, boundary, gwp))
        report = _run(f"{iterations:,} draws", as_json, lambda: fps.uncertainty(
            loaded, product, amount, iterations=iterations, seed=seed, scheduler=scheduler))
        if as_json:
            print_json(asdict(report))
            return
        table = Table("", "kg CO2e")
        for label, value in (("deterministic", report.deterministic), ("mean", report.mean), ("sd", report.sd),
                             ("median", report.median), ("2.5 %", report.p2_5), ("97.5 %", report.p97_5)):
            table.add_row(label, _kg(value))
        console.print(table)
        console.print(f"{report.iterations} draws, seed {report.seed}, {report.uncertain_entries} uncertain entries, "
                      f"{'Dask' if report.on_dask else 'in-process'}")


@app.command("compare")
def compare_command(organisation: OrgArgument, key: ModelKey, a: Product, b: Product,
                    iterations: Annotated[int, typer.Option(help="Number of draws.")] = 1000,
                    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
                    allocation: Allocation = "physical", boundary: BoundaryOpt = "cradle-to-gate", gwp: Gwp = "AR6",
                    as_json: JsonOption = False) -> None:
    """Two products of one model on the same Monte Carlo draws: difference and the chance a is lower."""
    with user_errors(as_json):
        loaded = _run("preparing", as_json, lambda: _loaded(organisation, key, allocation, boundary, gwp))
        report = _run(f"{iterations:,} draws", as_json,
                      lambda: fps.compare(loaded, a, b, iterations=iterations, seed=seed))
        if as_json:
            print_json(asdict(report))
            return
        console.print(f"{escape(a)}: {_kg(report.a_deterministic)} kg CO2e; {escape(b)}: "
                      f"{_kg(report.b_deterministic)} kg CO2e per unit")
        console.print(f"a − b: mean {_kg(report.difference_mean)} kg, 95 % interval "
                      f"[{_kg(report.difference_p2_5)}, {_kg(report.difference_p97_5)}]; "
                      f"P(a lower) = {report.probability_a_lower:.1%}")


@app.command("report")
def report_command(organisation: OrgArgument, key: ModelKey, product: Product,
                   output: Annotated[Path, typer.Option("--output", "-o", help="PDF file to write.")],
                   amount: Amount = None,
                   lang: Annotated[str, typer.Option(help="zh_CN or en.")] = "zh_CN",
                   iterations: Annotated[int, typer.Option(help="Monte Carlo draws for the uncertainty section "
                                                                 "(0: leave it out).")] = 1000,
                   seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
                   allocation: Allocation = "physical", boundary: BoundaryOpt = "cradle-to-gate",
                   gwp: Gwp = "AR6") -> None:
    """The PCF report (ISO 14067 / GB/T 24067 elements) as a PDF in Chinese or English."""
    with user_errors(False):
        if lang not in ("zh_CN", "en"):
            raise InputError(f"unknown language '{lang}'", location=Location(field="--lang"), expected="zh_CN or en")

        def work() -> bytes:
            loaded = _loaded(organisation, key, allocation, boundary, gwp)
            who = fps.names_of(open_sessions(), cli_actor(), organisation)
            name = who.name if lang == "zh_CN" else (who.name_en or who.name)
            return pcf_report(loaded, product, amount, organisation_name=name, locale=lang, iterations=iterations,
                              seed=seed)

        data = _run("writing the report", False, work)
        output.write_bytes(data)
        console.print(f"wrote {output}")


@supplier_app.command("add")
def supplier_add(organisation: OrgArgument,
                 product: Annotated[str, typer.Option(help="Product key: the flow id the models buy it as.")],
                 supplier: Annotated[str, typer.Option(help="Supplier's name.")],
                 fossil: Annotated[float, typer.Option(help="kg CO2e per unit, excluding biogenic.")],
                 unit: Annotated[str, typer.Option(help="Unit the figures are per, e.g. kg, t, kWh.")],
                 reference: Annotated[str, typer.Option(help="The footprint's id or document number.")],
                 biogenic: Annotated[float | None, typer.Option(help="Biogenic kg CO2e per unit.")] = None,
                 dqr: Annotated[str | None, typer.Option(help="PACT ratings tech,temporal,geo (1–5), e.g. 2,1,2.")] = None,
                 year: Annotated[int | None, typer.Option(help="Reference year.")] = None,
                 geography: Annotated[str, typer.Option(help="Where it is made.")] = "",
                 as_json: JsonOption = False) -> None:
    """Record a supplier's footprint by hand (replaces one with the same product, supplier and reference)."""
    with user_errors(as_json):
        ratings = _dqr(dqr)
        info = enter_supplier_footprint(open_sessions(), cli_actor(), organisation, product_key=product,
                                        supplier=supplier, fossil_kg_per_unit=fossil, biogenic_kg_per_unit=biogenic,
                                        unit=unit, reference=reference, dqr=ratings, year=year, geography=geography)
        show(as_json, {"id": info.id}, f"recorded supplier footprint {info.id}")


@supplier_app.command("list")
def supplier_list(organisation: OrgArgument, as_json: JsonOption = False) -> None:
    """The supplier footprints the organisation holds, newest first per product."""
    with user_errors(as_json):
        rows = supplier_footprints_of(open_sessions(), cli_actor(), organisation)
        data = [{"id": r.id, "product_key": r.product_key, "supplier": r.supplier,
                 "fossil_kg_per_unit": r.fossil_kg_per_unit, "biogenic_kg_per_unit": r.biogenic_kg_per_unit,
                 "unit": r.unit, "source": r.source, "reference": r.reference, "year": r.year,
                 "dqr": list(r.dqr)} for r in rows]
        if as_json:
            print_json(data)
            return
        table = Table("product", "supplier", "kg CO2e/unit", "unit", "source", "reference")
        for r in data:
            table.add_row(escape(str(r["product_key"])), escape(str(r["supplier"])), _kg(float(r["fossil_kg_per_unit"])),
                          escape(str(r["unit"])), escape(str(r["source"])), escape(str(r["reference"])))
        console.print(table)


def _dqr(text: str | None) -> tuple[int, int, int] | None:
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise InputError(f"'{text}' is not three ratings", location=Location(field="--dqr"),
                         expected="technological,temporal,geographical, e.g. 2,1,2")
    a, b, c = (int(p) for p in parts)
    return a, b, c
