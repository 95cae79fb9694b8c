"""`carbontrail suppliers`: connect to the independent fake PACT host, pull its pages, request, list as JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carbontrail.cli.suppliers import app
from carbontrail.services.tls import development_certificate
from carbontrail.store.db import make_engine, transaction, session_factory
from carbontrail.store.models import Base, Organisation
from supply_chain_fakes import FakeHost, https_server, pf_v3

runner = CliRunner()


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeHost, str, Path]]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with transaction(session_factory(engine)) as s:
        s.add(Organisation(code="CELL", name="成都电芯"))
    monkeypatch.setenv("CARBONTRAIL_DATABASE_URL", url)
    monkeypatch.setenv("CARBONTRAIL_SECRET_KEY", "cli-test-key")
    monkeypatch.delenv("CARBONTRAIL_PUBLIC_URL", raising=False)
    cert, key = development_certificate(tmp_path / "tls")
    fake = FakeHost()
    fake.footprints["3"] = [pf_v3(f"urn:pact:fake.example:product:{n}", f"{n}.25") for n in range(3)]
    with https_server(fake.app(), cert, key) as host:
        yield fake, host, cert
    engine.dispose()


def test_add_pull_request_list(setup: tuple[FakeHost, str, Path]) -> None:
    """3 footprints at 0.25, 1.25 and 2.25 kg CO2e/kg; product 1 is mapped to our flow 'cathode'."""
    fake, host, cert = setup
    out = runner.invoke(app, ["add", "CELL", "FAKE", "--host", host, "--client-id", "fake-client", "--ca", str(cert),
                              "--name", "Fake Co.", "--secret-stdin", "--json"], input="fake-secret\n")
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["host_url"] == host
    out = runner.invoke(app, ["pull", "CELL", "FAKE", "--map", "urn:pact:fake.example:product:1=cathode", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == {"supplier": "FAKE", "listed": 3, "stored": 3, "recorded": 3,
                                      "fulfilled_requests": 0}
    out = runner.invoke(app, ["request", "CELL", "FAKE", "urn:pact:fake.example:product:9"])
    assert out.exit_code == 1 and "CARBONTRAIL_PUBLIC_URL" in out.output
    out = runner.invoke(app, ["request", "CELL", "FAKE", "urn:pact:fake.example:product:9", "--key", "separator",
                              "--callback", "https://cell.example"])
    assert out.exit_code == 0, out.output
    assert fake.events[-1]["data"] == {"productId": ["urn:pact:fake.example:product:9"]}
    assert fake.events[-1]["source"] == "https://cell.example/3/events"
    out = runner.invoke(app, ["list", "CELL", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [s["supplier"] for s in data["suppliers"]] == ["FAKE"]
    assert [(r["product_key"], r["status"]) for r in data["requests"]] == [("separator", "pending")]
    got = {r["product_key"]: r["pcf_excluding_biogenic"] for r in data["received"]}
    assert got == {"urn:pact:fake.example:product:0": 0.25, "cathode": 1.25, "urn:pact:fake.example:product:2": 2.25}
    out = runner.invoke(app, ["add", "CELL", "FAKE", "--host", host, "--client-id", "x", "--secret-stdin"],
                        input="y\n")
    assert out.exit_code == 1 and "exists already" in out.output
    assert runner.invoke(app, ["list", "NOPE"]).exit_code == 3
