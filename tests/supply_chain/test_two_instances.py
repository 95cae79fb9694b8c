"""Two carbontrail instances on loopback, each its own uvicorn HTTPS server (own development certificate) and own
SQLite database: the cell maker asks its cathode supplier's instance for a footprint, the supplier's automatic
rule answers by calling back, and the cell maker's own cell footprint moves by the hand-computed amount."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.app import create_app
from carbontrail.config import Settings
from carbontrail.formats import pact
from carbontrail.services import accounts, footprints, tenancy
from carbontrail.services.pact import host as pact_host, inbox as pact_inbox
from carbontrail.services.pact import requests as pr
from carbontrail.services.tls import development_certificate
from carbontrail.store.db import make_engine, session_factory, transaction
from carbontrail.store.models import Base, Organisation
from supply_chain_fakes import https_server

CATHODE = "urn:pact:sh-lfp.example:product-id:lfp-cathode-ns"
PASSWORD = "two-instance-password"
#: The cell maker's model: 1 kWh of LFP cell takes 2.0 kg of cathode active material and 50 kWh of Sichuan grid
#: electricity (illustrative numbers for the test). The cathode's secondary factor is 12.0 kg CO2e/kg
#: (illustrative), the grid's 0.1404 kg CO2e/kWh (Sichuan provincial average 2022, as in the factor library).
CELL_MODEL = {
    "format": "carbontrail.product-model/1", "name": "test LFP cell", "version": "1", "source": "test",
    "flows": [{"id": "lfp-cell", "name": "LFP cell", "unit": "kWh"},
              {"id": "lfp-cathode", "name": "LFP cathode active material", "unit": "kg"},
              {"id": "electricity-sc", "name": "Electricity, Sichuan grid", "unit": "kWh"}],
    "processes": [{"id": "cell-assembly", "name": "Cell assembly", "location": "CN-SC", "data": "primary",
                   "outputs": [{"flow": "lfp-cell", "amount": 1}],
                   "inputs": [{"flow": "lfp-cathode", "amount": 2.0}, {"flow": "electricity-sc", "amount": 50}]}],
    "factors": [{"flow": "lfp-cathode", "fossil": 12.0, "unit": "kg", "source": "illustrative secondary factor"},
                {"flow": "electricity-sc", "fossil": 0.1404, "unit": "kWh", "source": "Sichuan grid 2022"}],
}


@dataclass
class Instance:
    url: str
    sessions: sessionmaker[Session]
    key: bytes
    cert: Path


def _instance(folder: Path, name: str) -> tuple[sessionmaker[Session], Settings, Path, Path]:
    engine = make_engine(f"sqlite:///{folder / name / 'carbontrail.db'}")
    Base.metadata.create_all(engine)
    settings = Settings(home=folder / name, database_url="", secret_key=f"{name}-secret-key")
    cert, key = development_certificate(folder / name / "tls")
    return session_factory(engine), settings, cert, key


def _org(sessions: sessionmaker[Session], code: str, name: str) -> int:
    with transaction(sessions) as s:
        org = Organisation(code=code, name=name)
        s.add(org)
        s.flush()
        return org.id


def _client_for(sessions: sessionmaker[Session], email: str, role: str, org: str) -> tuple[str, str]:
    accounts.create_user(sessions, email, PASSWORD)
    accounts.grant_role(sessions, email, role, organisation=org)
    return accounts.create_client(sessions, email, name="PACT partner")


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Instance, Instance]]:
    """(supplier SH-LFP, cell maker CD-CELL), both serving."""
    folder = tmp_path_factory.mktemp("two")
    s_sessions, s_settings, s_cert, s_key = _instance(folder, "supplier")
    c_sessions, c_settings, c_cert, c_key = _instance(folder, "cell")
    supplier_app = create_app(s_settings, sessions=s_sessions, pages=False)
    cell_app = create_app(c_settings, sessions=c_sessions, pages=False)
    with https_server(supplier_app, s_cert, s_key) as s_url, https_server(cell_app, c_cert, c_key) as c_url:
        supplier = Instance(s_url, s_sessions, supplier_app.state.context.key, s_cert)
        cell = Instance(c_url, c_sessions, cell_app.state.context.key, c_cert)
        _set_up(supplier, cell)
        yield supplier, cell


def _set_up(supplier: Instance, cell: Instance) -> None:
    # the supplier's instance: its own tenant, the customer as a tenant it can grant to, and the customer's client
    _org(supplier.sessions, "SH-LFP", "射洪磷酸铁锂")
    _org(supplier.sessions, "CD-CELL", "成都电芯")
    cell_client = _client_for(supplier.sessions, "pact@cd-cell.example", "carbon_manager", "CD-CELL")
    values = pact.FootprintValues(
        product_ids=(CATHODE,), product_name="LFP cathode active material", product_description="LiFePO4",
        company_name="SH-LFP", company_ids=("urn:pact:sh-lfp.example:company:sh-lfp",), declared_unit="kilogram",
        declared_amount=Decimal(1), product_mass_kg=Decimal(1), fossil_ghg=Decimal("8.6"),
        reference_start=datetime(2025, 1, 1, tzinfo=UTC), reference_end=datetime(2026, 1, 1, tzinfo=UTC),
        geography="CN-SC", dqr=pact.DataQuality(Decimal(1), Decimal(1), Decimal(2)))
    pact_host.publish(supplier.sessions, None, "SH-LFP", values)
    pact_inbox.set_rule(supplier.sessions, None, "SH-LFP", "auto")
    # the cell maker's instance: its tenant, a client for the supplier's callbacks, its model, the connection
    cell_org = _org(cell.sessions, "CD-CELL", "成都电芯")
    lfp_client = _client_for(cell.sessions, "pact@sh-lfp.example", "supplier", "CD-CELL")
    pact_inbox.set_callback_credentials(supplier.sessions, None, "SH-LFP", supplier.key, host=cell.url,
                                       client_id=lfp_client[0], client_secret=lfp_client[1],
                                       ca_pem=cell.cert.read_text())
    # a request no supplier on the host can answer is rejected by the host itself, with host-wide credentials
    pact_inbox.set_callback_credentials(supplier.sessions, None, None, supplier.key, host=cell.url,
                                       client_id=lfp_client[0], client_secret=lfp_client[1],
                                       ca_pem=cell.cert.read_text())
    with transaction(cell.sessions) as s:
        footprints.import_document(s, cell_org, CELL_MODEL, key="cell")
        pr.add_connection(s, cell_org, cell.key, supplier="SH-LFP", name="射洪磷酸铁锂", host_url=supplier.url,
                          client_id=cell_client[0], client_secret=cell_client[1], pact_version="3",
                          ca_pem=supplier.cert.read_text())
        pr.add_connection(s, cell_org, cell.key, supplier="SH-LFP-V2", name="射洪磷酸铁锂 (v2.3)",
                          host_url=supplier.url, client_id=cell_client[0], client_secret=cell_client[1],
                          pact_version="2", ca_pem=supplier.cert.read_text())


def _cell_kg(cell: Instance) -> float:
    with cell.sessions() as s:
        org = tenancy.known_organisation_id(s, "CD-CELL")
        return footprints.compute(footprints.load(s, org, "cell"), "lfp-cell").fossil_kg_per_unit


def _wait(cell: Instance, org: int, event_id: str) -> pr.RequestInfo:
    deadline = time.monotonic() + 15
    while True:
        with cell.sessions() as s:
            (req,) = [r for r in pr.requests(s, org) if r.event_id == event_id]
        if req.status != "pending" or time.monotonic() > deadline:
            return req
        time.sleep(0.05)


def test_requested_footprint_arrives_and_moves_the_cell_footprint(pair: tuple[Instance, Instance]) -> None:
    """Before: 2.0 kg × 12.0 (secondary) + 50 kWh × 0.1404 = 24.0 + 7.02 = 31.02 kg CO2e per kWh of cell.
    After the supplier's 8.6 kg CO2e/kg arrives: 2.0 × 8.6 + 7.02 = 24.22; the change is 2.0 × (8.6 − 12.0) = −6.8."""
    supplier, cell = pair
    assert _cell_kg(cell) == pytest.approx(31.02)
    with cell.sessions() as s:
        org = tenancy.known_organisation_id(s, "CD-CELL")
    sent = pr.create_request(cell.sessions, org, cell.key, supplier="SH-LFP", product_id=CATHODE,
                             product_key="lfp-cathode", public_url=cell.url)
    assert sent.status == "pending", sent.reason
    req = _wait(cell, org, sent.event_id)
    assert (req.status, req.footprints) == ("fulfilled", 1), req.reason
    after = _cell_kg(cell)
    assert after == pytest.approx(24.22)
    assert after - 31.02 == pytest.approx(2.0 * (8.6 - 12.0))
    with cell.sessions() as s:
        (got,) = pr.received(s, org)
        assert got.pcf_excluding_biogenic == pytest.approx(8.6) and got.unit == "kg"
    # the supplier's side: the request was answered and the footprint is now granted to the cell maker (the
    # supplier records "sent" once the customer's host has answered the callback, so that may trail a moment)
    deadline = time.monotonic() + 15
    while True:
        (inbound,) = pact_inbox.inbox(supplier.sessions, None, "SH-LFP")
        if inbound.delivery == "sent" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert (inbound.status, inbound.delivery, inbound.requester) == ("fulfilled", "sent", "CD-CELL")
    (published,) = pact_host.outbox(supplier.sessions, None, "SH-LFP")
    assert published.grantees == ("CD-CELL",)


def test_unknown_product_is_rejected_by_callback(pair: tuple[Instance, Instance]) -> None:
    _supplier, cell = pair
    with cell.sessions() as s:
        org = tenancy.known_organisation_id(s, "CD-CELL")
    sent = pr.create_request(cell.sessions, org, cell.key, supplier="SH-LFP",
                             product_id="urn:pact:sh-lfp.example:product-id:no-such-thing", public_url=cell.url)
    req = _wait(cell, org, sent.event_id)
    assert req.status == "rejected" and req.reason.startswith("NotFound"), req


def test_pull_from_the_carbontrail_host_over_v2(pair: tuple[Instance, Instance]) -> None:
    """The same footprint pulled over PACT v2.3 (granted to the cell maker by the fulfilled request above)."""
    _supplier, cell = pair
    with cell.sessions() as s:
        org = tenancy.known_organisation_id(s, "CD-CELL")
    report = pr.pull(cell.sessions, org, cell.key, supplier="SH-LFP-V2", product_keys={CATHODE: "lfp-cathode"})
    assert (report.listed, report.recorded) == (1, 1)
    with cell.sessions() as s:
        v2 = [r for r in pr.received(s, org) if r.supplier == "SH-LFP-V2"]
        assert [(r.version, r.pcf_excluding_biogenic) for r in v2] == [("1", pytest.approx(8.6))]


def test_request_over_v2_is_answered_over_v2(pair: tuple[Instance, Instance]) -> None:
    """A v2.3 RequestCreated (data.pf.productIds) is answered by a v2.3 RequestFulfilled at our /2/events, carrying
    the v2.3 form of the same footprint (version 1, 8.6 kg CO2e/kg)."""
    _supplier, cell = pair
    with cell.sessions() as s:
        org = tenancy.known_organisation_id(s, "CD-CELL")
    sent = pr.create_request(cell.sessions, org, cell.key, supplier="SH-LFP-V2", product_id=CATHODE,
                             product_key="lfp-cathode", public_url=cell.url)
    req = _wait(cell, org, sent.event_id)
    assert (req.status, req.footprints) == ("fulfilled", 1), req.reason
    with cell.sessions() as s:
        (row,) = [r for r in pr.received(s, org) if r.supplier == "SH-LFP-V2"]
        assert (row.version, row.pcf_excluding_biogenic) == ("1", pytest.approx(8.6))
    assert _cell_kg(cell) == pytest.approx(24.22)
