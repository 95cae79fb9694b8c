"""`carbontrail certificates`: import a registry export, list holdings, transfer, claim and release instruments,
match claims to consumption hour by hour, and check the stored log entries."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from carbontrail.cli._common import (
    JsonOption,
    bundle_path,
    console,
    installation_key,
    print_json,
    show,
    user_errors,
    write_json,
)
from carbontrail.services.database import open_sessions
from carbontrail.errors import InputError, Location
from carbontrail.services import certificates as certs
from carbontrail.services.work import cli_actor
from carbontrail.errors import CalculationError

app = typer.Typer(help="Green-electricity certificates (GEC, I-REC), green-power trades, PPAs: holdings, transfers, "
                       "claims and hourly matching.", no_args_is_help=True)

OrgOption = Annotated[str, typer.Option("--org", help="Organisation code acting (the holder).")]
KindOption = Annotated[str, typer.Option("--kind", help="GEC, I-REC, green_power_trade, PPA or direct_line.")]
PeriodOption = Annotated[str, typer.Option("--period", help="YYYY, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD.")]



def _sessions():  # type: ignore[no-untyped-def]
    return open_sessions()


def _refs(serials: list[str], file: Path | None) -> list[str]:
    refs = list(serials)
    if file is not None:
        try:
            refs += [line.strip() for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
        except OSError as exc:
            raise InputError(f"cannot read the file ({exc.strerror})", location=Location(file=str(file))) from None
    return refs


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="Registry export (CSV/XLSX: kind, serial, generator, technology, "
                                              "province, production_start, production_end, mwh[, valid_until, ccer, "
                                              "holder]) or hourly production (generator, date, hour, mwh).")],
    org: OrgOption,
    as_json: JsonOption = False,
) -> None:
    """Register the instruments of a registry export as issued by ORG; all rows or none."""
    with user_errors(as_json):
        report = certs.import_registry(_sessions(), cli_actor(), org, file, key=installation_key())
        show(as_json, asdict(report), f"{escape(report.file)}: {report.instruments} instruments ({report.mwh:g} MWh), "
                                      f"{report.profiles} monthly production profiles, {report.events} log entries")


@app.command("list")
def list_command(org: OrgOption, as_json: JsonOption = False) -> None:
    """Holdings, claims, transfers and expiry warnings of ORG."""
    with user_errors(as_json):
        view = certs.overview(_sessions(), cli_actor(), org)
        if as_json:
            print_json(asdict(view))
            return
        table = Table("kind", "status", "count", "MWh", "claimed MWh", title=f"holdings of {escape(view.organisation)}")
        for kind, status, count, face, claimed in view.totals:
            table.add_row(kind, status, str(count), f"{face:g}", f"{claimed:g}")
        console.print(table)
        if view.claims:
            claims = Table("claim", "instrument", "MWh", "period", "market", "status", "log entry (SHA-256)")
            for c in view.claims:
                claims.add_row(str(c.id), f"{c.kind} {c.reference}", f"{c.mwh:g}", f"{c.period_start}…{c.period_end}",
                               c.market, c.status, c.log_sha256[:16])
            console.print(claims)
        for item in view.expiring:
            console.print(f"[yellow]expires {item.valid_until}[/]: {item.kind} {escape(item.reference)}")


@app.command("transfer")
def transfer_command(
    to: Annotated[str, typer.Argument(help="Organisation code receiving the instruments.")],
    org: OrgOption,
    serials: Annotated[list[str], typer.Argument(help="Serials or contract numbers.")] = [],  # noqa: B006
    kind: KindOption = "GEC",
    file: Annotated[Path | None, typer.Option("--file", help="A text file of serials, one a line.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Hand instruments held by ORG to another organisation; all or none."""
    with user_errors(as_json):
        report = certs.transfer(_sessions(), cli_actor(), org, to, _refs(serials, file), kind=kind,
                                key=installation_key())
        _changed(report, as_json)


@app.command("claim")
def claim_command(
    org: OrgOption,
    period: PeriodOption,
    serials: Annotated[list[str], typer.Argument(help="Serials or contract numbers.")] = [],  # noqa: B006
    kind: KindOption = "GEC",
    mwh: Annotated[float | None, typer.Option(help="Part of one contract to claim, in MWh.")] = None,
    province: Annotated[str | None, typer.Option(help="Province of the consumption (default: ORG's).")] = None,
    boundary: Annotated[str | None, typer.Option(help="Market boundary: country, grid or province.")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="A text file of serials, one a line.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Claim (cancel) instruments against ORG's consumption in a period; refused with the reason if any cannot be."""
    with user_errors(as_json):
        report = certs.claim(_sessions(), cli_actor(), org, _refs(serials, file), certs.parse_period(period),
                             kind=kind, mwh=mwh, province=province, boundary=boundary, key=installation_key())
        _changed(report, as_json)


@app.command("release")
def release_command(claim_id: Annotated[int, typer.Argument(help="The claim's number (see `list`).")],
                    org: OrgOption, as_json: JsonOption = False) -> None:
    """Withdraw a claim made in error; its MWh become claimable again."""
    with user_errors(as_json):
        _changed(certs.release(_sessions(), cli_actor(), org, claim_id, key=installation_key()), as_json)


def _changed(report, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    show(as_json, asdict(report), f"{report.action}: {len(report.references)} instrument(s), {report.mwh:g} MWh, "
                                  f"{len(report.log_sha256)} log entries")


@app.command("match")
def match_command(org: OrgOption, period: PeriodOption,
                  matching: Annotated[str, typer.Option(help="Level shown first: hourly, monthly or annual.")] = "hourly",
                  as_json: JsonOption = False) -> None:
    """ORG's claims matched to its consumption hour by hour, monthly and annually, with the unmatched residual."""
    with user_errors(as_json):
        report = certs.match_report(_sessions(), cli_actor(), org, certs.parse_period(period))
        chosen = report.matched(matching)
        if as_json:
            out = asdict(report)
            out["residual_mwh"] = report.residual_mwh
            out["chosen"] = {"matching": matching, "matched_mwh": chosen}
            print_json(out)
            return
        console.print(f"{escape(report.organisation)} {report.period_start}…{report.period_end}: consumption "
                      f"{report.consumption_mwh:,.3f} MWh, claimed {report.claimed_mwh:,.3f} MWh")
        table = Table("matching", "matched MWh", "share", "residual MWh")
        for level in ("hourly", "monthly", "annual"):
            got = report.matched(level)
            share = got / report.consumption_mwh if report.consumption_mwh else 0.0
            table.add_row(level + (" (chosen)" if level == matching else ""), f"{got:,.3f}", f"{share:.1%}",
                          f"{report.consumption_mwh - got:,.3f}")
        console.print(table)
        if report.not_hourly_mwh:
            console.print(f"{report.not_hourly_mwh:,.3f} MWh claimed have no hourly production and match only "
                          "monthly or annually")
        console.print(f"consumption: {report.consumption_source}")


@app.command("proof")
def proof_command(
    serial: Annotated[str, typer.Argument(help="The instrument's serial number or reference.")],
    org: OrgOption,
    out: Annotated[Path, typer.Option(help="Where to write the event (its proof bundle NAME.proof.json beside it).")],
    event: Annotated[str | None, typer.Option(help="issuance, transfer, claim or release (default: the newest).")]
    = None,
    kind: Annotated[str, typer.Option(help="GEC, I-REC, contract, PPA or direct line.")] = "GEC",
) -> None:
    """Save an event ORG made on an instrument with its transparency-log proof; `carbontrail verify` checks it."""
    with user_errors():
        proof = certs.event_proof(_sessions(), cli_actor(), org, serial, kind=kind, event=event)
        write_json(out, proof.body)
        write_json(bundle_path(out), proof.bundle)
    console.print(f"{proof.body['event']} of {kind} {escape(serial)}: entry {proof.log_seq} of the log; saved {out} "
                  f"and {bundle_path(out).name}", highlight=False)


@app.command("verify")
def verify_command(as_json: JsonOption = False) -> None:
    """Recompute every certificate log entry's hash and compare each instrument's claimed MWh with its claims."""
    with user_errors(as_json):
        entries, problems = certs.verify_log(_sessions())
        show(as_json, {"entries": entries, "problems": problems},
             f"{entries} log entries checked, {len(problems)} problem(s)")
        if problems:
            raise CalculationError("; ".join(problems[:5]))
