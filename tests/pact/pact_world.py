"""The PACT tests' world (a unique module name: test folders are not packages): a carbontrail PACT host served by
a real uvicorn over HTTPS on loopback (development certificate), a plain-HTTP server of the same app, and a small
independent "requester" host (Starlette) that issues tokens and records the events it is sent.

Suppliers SUP (LFP cathode) and SUP2 (cells) publish; customer CUST is granted some footprints; OTHER is granted
nothing. One world per database backend per test module (starting servers is the slow part)."""

from __future__ import annotations

import base64
import datetime as dt
import os
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from carbontrail.app import create_app
from carbontrail.config import Settings
from carbontrail.formats import pact
from carbontrail.services import accounts
from carbontrail.services.pact import host as pact_host, inbox as pact_inbox
from carbontrail.services.tls import development_certificate
from carbontrail.store.db import make_engine, session_factory, transaction
from carbontrail.store.models import Base, Organisation
from live_server import live_server

POSTGRES_URL = os.environ.get("CARBONTRAIL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]
PASSWORD = "pact-world-password"
UTC = dt.UTC


def urn(kind: str, name: str, company: str = "sup.example") -> str:
    return f"urn:pact:{company}:{kind}:{name}"


def values(product: str, fossil: str, *, company: str = "sup.example", company_name: str = "SUP 正极",
           geography: str = "CN-SC", classification: str = "urn:pact:cpc:34250",
           validity: tuple[dt.datetime, dt.datetime] | None = None, **extra: Any) -> pact.FootprintValues:
    """A cradle-to-gate footprint per kilogram, reference year 2024."""
    start, end = validity if validity else (None, None)
    return pact.FootprintValues(
        product_ids=(urn("product", product, company),), product_name=f"{product} (test)",
        product_description=f"{product}, test product", company_name=company_name,
        company_ids=(urn("company", "1", company),), declared_unit="kilogram", declared_amount=Decimal(1),
        product_mass_kg=Decimal(1), fossil_ghg=Decimal(fossil), reference_start=dt.datetime(2024, 1, 1, tzinfo=UTC),
        reference_end=dt.datetime(2025, 1, 1, tzinfo=UTC), geography=geography, classifications=(classification,),
        cpc=classification.rsplit(":", 1)[-1], validity_start=start, validity_end=end,
        primary_data_share=Decimal("40"),
        dqr=pact.DataQuality(Decimal(1), Decimal(2), Decimal(1), Decimal(2), Decimal(1)), **extra)


@dataclass
class Requester:
    """The independent requester host: tokens for one client, and the events posted to it."""

    url: str
    client_id: str = "requester-client"
    client_secret: str = "requester-secret-0123"
    received: list[dict[str, Any]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, request_event_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The answer to request `request_event_id`, waiting for it to arrive (callbacks are asynchronous)."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for event in self.received:
                    if event.get("data", {}).get("requestEventId") == request_event_id:
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no answer to request {request_event_id} within {timeout} s")
                self.arrived.wait(left)

    def app(self) -> Starlette:
        def token(request: Request) -> Response:
            expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            if request.headers.get("authorization") != f"Basic {expected}":
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            return JSONResponse({"access_token": "requester-token", "token_type": "bearer", "expires_in": 60})

        async def events(request: Request) -> Response:
            if request.headers.get("authorization") != "Bearer requester-token":
                return JSONResponse({"code": "AccessDenied", "message": "bad token"}, status_code=401)
            event = await request.json()
            with self.arrived:
                self.received.append(event)
                self.arrived.notify_all()
            return Response(status_code=200)

        return Starlette(routes=[Route("/auth/token", token, methods=["POST"]),
                                 Route("/2/events", events, methods=["POST"]),
                                 Route("/3/events", events, methods=["POST"])])


@dataclass
class PactWorld:
    sessions: sessionmaker[Session]
    base: str  # https://127.0.0.1:port
    plain: str  # http://127.0.0.1:port (the same app without TLS)
    cert: Path
    key: bytes
    requester: Requester
    clients: dict[str, tuple[str, str]]  # CUST, OTHER, SUP → (client id, secret)
    pf: dict[str, str]  # name → pf id
    tokens: dict[str, str] = field(default_factory=dict)

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, verify=ssl.create_default_context(cafile=str(self.cert)), timeout=20)

    def token(self, who: str) -> str:
        if who not in self.tokens:
            with self.http() as c:
                r = c.post("/auth/token", data={"grant_type": "client_credentials"}, auth=self.clients[who])
                assert r.status_code == 200, r.text
                self.tokens[who] = r.json()["access_token"]
        return self.tokens[who]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(who)}"}

    def event(self, major: str, kind: str, data: dict[str, Any], source: str | None = None) -> dict[str, Any]:
        return {"type": pact_inbox.EVENT_TYPES[major][kind], "specversion": "1.0", "id": str(uuid.uuid4()),
                "source": source if source is not None else f"{self.requester.url}/{major}/events",
                "time": "2026-01-01T00:00:00Z", "data": data}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module", params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database of each backend for the module (a fresh PostgreSQL schema)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('pactdb') / 'pact.db'}"
        return
    schema = f"p_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in POSTGRES_URL else "?"
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def seed(sessions: sessionmaker[Session]) -> dict[str, str]:
    """The organisations, their members and the published footprints; returns name → pf id."""
    with transaction(sessions) as s:
        for code, name in (("SUP", "射洪正极 SUP"), ("SUP2", "成都电芯 SUP2"), ("CUST", "整车 CUST"),
                           ("OTHER", "其他 OTHER")):
            s.add(Organisation(code=code, name=name, name_en=code, industry="battery", province="Sichuan"))
    for email, org in (("sup@sup.example", "SUP"), ("sup2@sup2.example", "SUP2"), ("cust@cust.example", "CUST"),
                       ("other@other.example", "OTHER")):
        accounts.create_user(sessions, email, PASSWORD)
        accounts.grant_role(sessions, email, "carbon_manager", organisation=org)
    pf: dict[str, str] = {}
    y = dt.datetime
    pf["a1"] = pact_host.publish(sessions, None, "SUP", values(
        "lfp-a", "8.1", validity=(y(2025, 1, 1, tzinfo=UTC), y(2027, 1, 1, tzinfo=UTC)))).pf_id
    pact_host.grant(sessions, None, "SUP", pf["a1"], "CUST")
    pf["a2"] = pact_host.publish(sessions, None, "SUP", values(  # the next version: a1 becomes Deprecated
        "lfp-a", "7.4", validity=(y(2025, 6, 1, tzinfo=UTC), y(2028, 1, 1, tzinfo=UTC)))).pf_id
    pf["b"] = pact_host.publish(sessions, None, "SUP", values(
        "lfp-b", "9.0", geography="DE", classification="urn:pact:cpc:34290",
        validity=(y(2024, 1, 1, tzinfo=UTC), y(2025, 6, 1, tzinfo=UTC)))).pf_id
    pact_host.grant(sessions, None, "SUP", pf["b"], "CUST")
    pf["secret"] = pact_host.publish(sessions, None, "SUP", values("lfp-secret", "5.5")).pf_id  # granted to none
    pf["cell"] = pact_host.publish(sessions, None, "SUP2", values(
        "cell-x", "60.0", company="sup2.example", company_name="SUP2 电芯", geography="Eastern Asia",
        classification="urn:pact:cpc:46420")).pf_id
    pact_host.grant(sessions, None, "SUP2", pf["cell"], "CUST")
    return pf


@pytest.fixture(scope="module")
def world(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PactWorld]:
    home = tmp_path_factory.mktemp("pacthome")
    engine = make_engine(database)
    Base.metadata.create_all(engine)
    sessions = session_factory(engine)
    pf = seed(sessions)
    clients = {org: accounts.create_client(sessions, email) for org, email in
               (("CUST", "cust@cust.example"), ("OTHER", "other@other.example"), ("SUP", "sup@sup.example"))}
    cert, cert_key = development_certificate(home / "tls")
    settings = Settings(home=home, database_url=database, secret_key="pact-world-secret")
    app = create_app(settings, sessions=sessions, pages=False)
    requester = Requester(url="")
    host_port, plain_port, requester_port = free_port(), free_port(), free_port()
    requester.url = f"https://127.0.0.1:{requester_port}"
    key = app.state.context.key
    # the host's own credentials at the requester (answers no supplier gives), and SUP's own
    pact_inbox.set_callback_credentials(sessions, None, None, key, host=requester.url, client_id=requester.client_id,
                                       client_secret=requester.client_secret, ca_pem=cert.read_text())
    pact_inbox.set_callback_credentials(sessions, None, "SUP", key, host=requester.url,
                                       client_id=requester.client_id, client_secret=requester.client_secret,
                                       ca_pem=cert.read_text())
    with live_server(app, port=host_port, cert=cert, key=cert_key), live_server(app, port=plain_port), \
            live_server(requester.app(), port=requester_port, cert=cert, key=cert_key):
        yield PactWorld(sessions, f"https://127.0.0.1:{host_port}", f"http://127.0.0.1:{plain_port}", cert, key,
                        requester, clients, pf)
    engine.dispose()
