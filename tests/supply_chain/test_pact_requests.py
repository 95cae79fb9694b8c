"""Supplier connections, requests, answers and pulls against the independent fake PACT host, on SQLite and
PostgreSQL: received footprints become supplier primary data with their PACT source."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict, InputError, NotFound
from carbontrail.services.pact import requests as pr, secrets
from carbontrail.services.pact.supplier_data import supplier_footprints
from carbontrail.services.tls import development_certificate
from carbontrail.store.db import transaction
from carbontrail.store.models import Organisation, SupplierConnection
from carbontrail.units import magnitude
from supply_chain_fakes import FakeHost, https_server, pf_v2, pf_v3

KEY = b"supply-chain-test-key"
CATHODE = "urn:pact:fake.example:product:lfp-cathode"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return development_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def host(tls: tuple[Path, Path]) -> Iterator[tuple[FakeHost, str]]:
    fake = FakeHost()
    with https_server(fake.app(), *tls) as url:
        yield fake, url


@pytest.fixture
def org(sessions: sessionmaker[Session]) -> int:
    with transaction(sessions) as s:
        o = Organisation(code="CELL", name="电芯厂")
        s.add(o)
        s.flush()
        return o.id


def _connect(sessions: sessionmaker[Session], org: int, url: str, tls: tuple[Path, Path], version: str = "3") -> None:
    with transaction(sessions) as s:
        pr.add_connection(s, org, KEY, supplier="CATHODE", name="Fake Cathode Co.", host_url=url,
                          client_id="fake-client", client_secret="fake-secret", pact_version=version,
                          ca_pem=tls[0].read_text())


def test_secret_is_encrypted_at_rest(sessions: sessionmaker[Session], org: int, host: tuple[FakeHost, str],
                                     tls: tuple[Path, Path]) -> None:
    _fake, url = host
    _connect(sessions, org, url, tls)
    with sessions() as s:
        row = s.scalars(select(SupplierConnection)).one()
        assert "fake-secret" not in row.secret_encrypted
        assert secrets.decrypt(KEY, pr.SECRETS, row.secret_encrypted) == "fake-secret"
        assert [c.supplier for c in pr.connections(s, org)] == ["CATHODE"]
    with pytest.raises(Conflict), transaction(sessions) as s:
        pr.add_connection(s, org, KEY, supplier="CATHODE", name="again", host_url=url, client_id="x",
                          client_secret="y")
    with pytest.raises(InputError, match="https"), transaction(sessions) as s:
        pr.add_connection(s, org, KEY, supplier="PLAIN", name="plain", host_url=url.replace("https", "http"),
                          client_id="x", client_secret="y")


def test_request_then_fulfilled_answer(sessions: sessionmaker[Session], org: int, host: tuple[FakeHost, str],
                                       tls: tuple[Path, Path]) -> None:
    """The request reaches the supplier's host as RequestCreated with our events endpoint as source; the
    RequestFulfilled answer makes the footprint supplier data: 7.25 kg CO2e per kg fossil, −0.5 kg biogenic
    (including uptake 6.75 − excluding 7.25), DQR (2, 1, 3), year 2025 (period 2025-01-01 … 2026-01-01)."""
    fake, url = host
    _connect(sessions, org, url, tls)
    info = pr.create_request(sessions, org, KEY, supplier="CATHODE", product_id=CATHODE, product_key="lfp-cathode",
                             public_url="https://cell.example:8443")
    assert info.status == "pending"
    (sent,) = fake.events
    assert sent["id"] == info.event_id and sent["source"] == "https://cell.example:8443/3/events"
    assert sent["data"] == {"productId": [CATHODE]}

    pf = pf_v3(CATHODE, "7.25", including="6.75")
    pr.on_answer(sessions, org, {"type": "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3",
                                 "specversion": "1.0", "id": "answer-1", "source": url, "time": "2026-03-02T00:00:00Z",
                                 "data": {"requestEventId": info.event_id, "pfs": [pf]}})
    with sessions() as s:
        (req,) = pr.requests(s, org)
        assert (req.status, req.footprints) == ("fulfilled", 1)
        ext = supplier_footprints(s, org)["lfp-cathode"]
        assert magnitude(ext.fossil, "kg/kg") == pytest.approx(7.25)
        assert magnitude(ext.biogenic, "kg/kg") == pytest.approx(-0.5)
        assert ext.primary and ext.supplier == "Fake Cathode Co." and ext.dqr == (2, 1, 3) and ext.year == 2025
        assert ext.source == f"pact:{url.removeprefix('https://')}: {pf['id']}"
        (got,) = pr.received(s, org)
        assert got.pf_id == pf["id"] and got.unit == "kg"
    with pytest.raises(NotFound):
        pr.on_answer(sessions, org, {"type": "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3",
                                     "data": {"requestEventId": "someone-else", "error": {"code": "NotFound",
                                                                                         "message": "x"}}})


def test_rejected_answer_keeps_the_reason(sessions: sessionmaker[Session], org: int, host: tuple[FakeHost, str],
                                          tls: tuple[Path, Path]) -> None:
    _fake, url = host
    _connect(sessions, org, url, tls, version="2")
    info = pr.create_request(sessions, org, KEY, supplier="CATHODE", product_id="urn:x:unknown",
                             public_url="https://cell.example")
    pr.on_answer(sessions, org, {"type": "org.wbcsd.pathfinder.ProductFootprintRequest.Rejected.v1",
                                 "data": {"requestEventId": info.event_id,
                                          "error": {"code": "NotFound", "message": "we do not make that"}}})
    with sessions() as s:
        (req,) = pr.requests(s, org)
        assert (req.status, req.reason) == ("rejected", "NotFound: we do not make that")
        assert supplier_footprints(s, org) == {}
    with pytest.raises(InputError):
        pr.on_answer(sessions, org, {"type": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3", "data": {}})


def test_unreachable_supplier_marks_the_request(sessions: sessionmaker[Session], org: int,
                                                tls: tuple[Path, Path]) -> None:
    with transaction(sessions) as s:
        pr.add_connection(s, org, KEY, supplier="GONE", name="Gone", host_url="https://127.0.0.1:9",
                          client_id="x", client_secret="y", ca_pem=tls[0].read_text())
    info = pr.create_request(sessions, org, KEY, supplier="GONE", product_id="urn:x:1",
                             public_url="https://cell.example")
    assert info.status == "error" and "cannot reach" in info.reason


def test_pull_every_page_and_fulfil_pending(sessions: sessionmaker[Session], org: int, host: tuple[FakeHost, str],
                                            tls: tuple[Path, Path]) -> None:
    """7 footprints of another vendor's host, 3 pages at limit 3; the pending request for the cathode is
    fulfilled by the pulled one; a deprecated earlier version is kept but not used as supplier data."""
    fake, url = host
    old = pf_v3(CATHODE, "9.0", status="Deprecated")
    new = pf_v3(CATHODE, "6.5", preceding=[str(old["id"])])
    others = [pf_v3(f"urn:pact:fake.example:product:{n}", f"{n}") for n in range(1, 6)]
    fake.footprints["3"] = [old, new, *others]
    _connect(sessions, org, url, tls)
    pr.create_request(sessions, org, KEY, supplier="CATHODE", product_id=CATHODE, product_key="lfp-cathode",
                      public_url="https://cell.example")
    report = pr.pull(sessions, org, KEY, supplier="CATHODE", page_size=3)
    assert (report.listed, report.stored, report.recorded, report.fulfilled_requests) == (7, 7, 6, 1)
    again = pr.pull(sessions, org, KEY, supplier="CATHODE", page_size=3)
    assert (again.listed, again.stored, again.recorded, again.fulfilled_requests) == (7, 7, 6, 0)
    assert fake.tokens_issued == 1  # request and both pulls (6 pages) used one token
    with sessions() as s:
        held = supplier_footprints(s, org)
        assert magnitude(held["lfp-cathode"].fossil, "kg/kg") == pytest.approx(6.5)
        assert magnitude(held["urn:pact:fake.example:product:3"].fossil, "kg/kg") == pytest.approx(3.0)
        assert len(held) == 6
        assert {r.status for r in pr.received(s, org) if r.pf_id == old["id"]} == {"Deprecated"}
        (req,) = pr.requests(s, org)
        assert req.status == "fulfilled"


def test_pull_from_a_v2_host_with_product_filter(sessions: sessionmaker[Session], org: int,
                                                 host: tuple[FakeHost, str], tls: tuple[Path, Path]) -> None:
    """v2.3 has no list filters: the client pages through everything and keeps only the named product."""
    fake, url = host
    salt = "urn:pact:fake.example:product:li2co3"
    fake.footprints["2"] = [pf_v2(salt, "11.4", version=2)] + [pf_v2(f"urn:x:{n}", "1") for n in range(4)]
    _connect(sessions, org, url, tls, version="2")
    report = pr.pull(sessions, org, KEY, supplier="CATHODE", product_ids=[salt],
                     product_keys={salt: "lithium-carbonate"}, page_size=2)
    assert (report.listed, report.stored) == (5, 1)
    with sessions() as s:
        ext = supplier_footprints(s, org)["lithium-carbonate"]
        assert magnitude(ext.fossil, "kg/kg") == pytest.approx(11.4)
        assert ext.version.endswith(" v2")
