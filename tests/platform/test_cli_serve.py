"""`carbontrail serve` on an address another server holds: one sentence and its own exit code (5), without the
"serving on" banner and without a traceback."""

from __future__ import annotations

import socket

from typer.testing import CliRunner

from carbontrail.cli import app as cli
from carbontrail.cli._common import EXIT_ADDRESS_IN_USE


def test_a_port_in_use_is_one_sentence_and_exit_code_5(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CARBONTRAIL_HOME", str(tmp_path))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--host", "127.0.0.1", "--port", str(port)])
    assert result.exit_code == EXIT_ADDRESS_IN_USE == 5
    text = " ".join(result.output.split())
    assert f"cannot serve on 127.0.0.1:{port}: the port is already in use" in text
    assert "serving on" not in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
