"""`carbontrail certificates` on SQLite and PostgreSQL: import, list, transfer, claim (and the refusal's exit code
and reason), match and verify."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from certificates_world import PROJECT, electricity, seed
from typer.testing import CliRunner

from carbontrail.cli import app
from carbontrail.ledger.certificates import gec_serial

runner = CliRunner()


@pytest.fixture
def cli(db_url: str, sessions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CARBONTRAIL_DATABASE_URL", db_url)
    monkeypatch.setenv("CARBONTRAIL_HOME", str(tmp_path / "home"))
    seed(sessions)

    def run(*args: str) -> tuple[int, object]:
        result = runner.invoke(app, ["certificates", *args])
        try:
            return result.exit_code, json.loads(result.stdout)
        except ValueError:
            return result.exit_code, result.stdout + result.stderr
    return run


def test_certificates_cli(cli, sessions, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    month = date(2026, 11, 1)  # claims are made today: certificates valid until October 2028
    serials = [gec_serial(PROJECT, month, n) for n in (1, 2, 3)]
    export = tmp_path / "export.csv"
    export.write_text("kind,serial,generator,technology,province,production_start,production_end,mwh\n" + "".join(
        f"GEC,{s},Aba hydro,hydro,四川,2026-11-01,2026-11-30,1\n" for s in serials), encoding="utf-8")
    code, out = cli("import", str(export), "--org", "SC-HYDRO", "--json")
    assert code == 0 and out["instruments"] == 3 and out["events"] == 3  # type: ignore[index]
    code, out = cli("transfer", "CD-CELL", *serials, "--org", "SC-HYDRO", "--json")
    assert code == 0 and out["mwh"] == 3.0  # type: ignore[index]
    electricity(sessions, "CD-CELL", date(2026, 11, 1), date(2026, 11, 30), 720_000)  # 1 MWh an hour
    code, out = cli("claim", *serials[:2], "--org", "CD-CELL", "--period", "2026-11", "--json")
    assert code == 0 and out["mwh"] == 2.0  # type: ignore[index]
    code, out = cli("claim", serials[0], "--org", "SH-LFP", "--period", "2026-11", "--json")
    assert code == 1 and "already fully claimed" in out["error"]["message"]  # type: ignore[index]
    code, out = cli("match", "--org", "CD-CELL", "--period", "2026-11", "--json")
    assert code == 0 and out["consumption_mwh"] == pytest.approx(720.0)  # type: ignore[index]
    assert out["annual_mwh"] == 2.0 and out["residual_mwh"]["annual"] == pytest.approx(718.0)  # type: ignore[index]
    code, out = cli("list", "--org", "CD-CELL", "--json")
    assert code == 0 and len(out["claims"]) == 2 and len(out["holdings"]) == 3  # type: ignore[index]
    code, out = cli("verify", "--json")
    assert code == 0 and out == {"entries": 3 + 3 + 2, "problems": []}
    code, text = cli("claim", serials[2], "--org", "CD-CELL", "--period", "2026-13")
    assert code == 1 and "'2026-13' is not a period" in str(text)
