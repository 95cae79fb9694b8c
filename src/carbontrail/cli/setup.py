"""`carbontrail init`, `demo` and `serve`: set up the database, load the demo data set, run the server."""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Annotated

import typer

from carbontrail.cli._common import (
    EXIT_ADDRESS_IN_USE,
    JsonOption,
    console,
    err_console,
    installation_key,
    print_json,
    show,
    user_errors,
)
from carbontrail.config import Settings
from carbontrail.services.database import migrate
from carbontrail.services.database import open_sessions
from carbontrail.services.demo import load_demo
from carbontrail.services.tls import development_certificate

demo_app = typer.Typer(help="The Sichuan power-battery demo data set.", no_args_is_help=True)

DEMO_DIR = Path(__file__).resolve().parents[3] / "examples" / "sichuan-battery-chain"


def init_command(as_json: JsonOption = False) -> None:
    """Create the database (SQLite under var/ unless CARBONTRAIL_DATABASE_URL is set) and migrate it."""
    with user_errors(as_json):
        url = migrate(Settings.from_env())
        show(as_json, {"database": url, "status": "migrated"}, f"database ready: {url}")


@demo_app.command("load")
def demo_load(
    path: Annotated[Path, typer.Option(help="Folder of the demo data set.")] = DEMO_DIR,
    as_json: JsonOption = False,
) -> None:
    """Load the demo data set (organisations, facilities, meters, periods, activity); loading twice changes nothing."""
    # loaded by the command that uses it: the CLI starts fast
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with user_errors(as_json):
        if as_json:
            print_json(load_demo(open_sessions(), path, key=installation_key()))
            return
        with Progress(TextColumn("loading demo"), BarColumn(), MofNCompleteColumn(), TextColumn("rows"),
                      console=err_console, transient=True) as bar:
            task = bar.add_task("demo", total=None)
            report = load_demo(open_sessions(), path, key=installation_key(),
                               progress=lambda done, total: bar.update(task, completed=done, total=total))
        for f in report["files"]:  # type: ignore[union-attr]
            console.print(f"{f['file']}: {f['rows']} rows, {f['inserted']} inserted, {f['updated']} updated, "
                          f"{f['unchanged']} unchanged")
        pact = report.get("pact")
        if isinstance(pact, dict) and pact.get("client_id"):
            console.print(f"PACT API client for {pact['customer']}: id {pact['client_id']}  secret "
                          f"{pact['client_secret']}  (serve with --tls; see examples/pact/README.md)")
        sign_in = report["sign_in"]
        console.print(f"demo sign-ins (password {sign_in['password']}):")  # type: ignore[index]
        for user in sign_in["users"]:  # type: ignore[index]
            console.print(f"  {user}", highlight=False)


def _address_taken(host: str, port: int) -> str:
    """Why `host:port` cannot be listened on (e.g. another server holds it), or "" when it is free."""

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"the address cannot be resolved ({exc.strerror})"
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no obstacle
        try:
            probe.bind(address)
        except OSError as exc:
            return "the port is already in use" if exc.errno == errno.EADDRINUSE else exc.strerror or str(exc)
    return ""


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    tls: Annotated[bool, typer.Option("--tls", help="Serve HTTPS with a self-signed development certificate.")] = False,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Run the API and pages (uvicorn)."""
    # loaded by `serve` only: every other command starts fast
    import uvicorn

    settings = Settings.from_env()
    taken = _address_taken(host, port)
    if taken:
        err_console.print(f"[bold red]error:[/] cannot serve on {host}:{port}: {taken}; stop the other server or "
                          f"choose another --port", highlight=False)
        raise typer.Exit(EXIT_ADDRESS_IN_USE)
    kwargs: dict[str, object] = {}
    scheme = "http"
    if tls:
        cert, key = development_certificate(settings.home / "tls")
        kwargs.update(ssl_certfile=str(cert), ssl_keyfile=str(key))
        scheme = "https"
        console.print(f"development certificate: {cert}")
    console.print(f"carbontrail serving on {scheme}://{host}:{port}/  (API docs: {scheme}://{host}:{port}/docs)")
    uvicorn.run("carbontrail.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info", **kwargs)  # type: ignore[arg-type]
