"""Test helpers of the supply-chain tests (a unique module name: test folders are not packages): an HTTPS server on
loopback (tests/live_server.py), and a small independent PACT host written here with Starlette (not carbontrail's own)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from live_server import live_server

OPENAPI = Path(str(resources.files("carbontrail.formats") / "data" / "pact"))


@contextmanager
def https_server(app: object, cert: Path, key: Path) -> Iterator[str]:
    """Serve `app` over HTTPS on a free loopback port; yields the base URL (https://localhost:PORT)."""
    with live_server(app, cert=cert, key=key, host_name="localhost") as url:
        yield url


def validator(version: str, schema: str = "ProductFootprint") -> Draft202012Validator:
    doc = yaml.safe_load((OPENAPI / f"openapi_v{version}.yaml").read_text())
    return Draft202012Validator({**doc, "$ref": f"#/components/schemas/{schema}"}, format_checker=FormatChecker())


def pf_v3(product_id: str, kg_co2e: str, *, pf_id: str | None = None, status: str = "Active",
          including: str | None = None, preceding: list[str] | None = None) -> dict[str, object]:
    """A v3.0 ProductFootprint with the mandatory fields (per kg of product), made for these tests."""
    pf: dict[str, object] = {
        "id": pf_id or str(uuid.uuid4()), "specVersion": "3.0.0", "created": "2026-03-01T00:00:00Z",
        "status": status, "companyName": "Fake Cathode Co.", "companyIds": ["urn:pact:fake.example:company:1"],
        "productDescription": "LFP cathode active material", "productIds": [product_id],
        "productNameCompany": "LFP cathode",
        "pcf": {"declaredUnitOfMeasurement": "kilogram", "declaredUnitAmount": "1",
                "productMassPerDeclaredUnit": "1",
                "referencePeriodStart": "2025-01-01T00:00:00Z", "referencePeriodEnd": "2026-01-01T00:00:00Z",
                "geographyCountry": "CN",
                "pcfExcludingBiogenicUptake": kg_co2e, "pcfIncludingBiogenicUptake": including or kg_co2e,
                "fossilGhgEmissions": kg_co2e, "fossilCarbonContent": "0", "ipccCharacterizationFactors": ["AR6"],
                "crossSectoralStandards": ["ISO14067"], "exemptedEmissionsPercent": "0",
                "dqi": {"technologicalDQR": "2.0", "temporalDQR": "1.0", "geographicalDQR": "3.0"}},
    }
    if preceding:
        pf["precedingPfIds"] = preceding
    return pf


def pf_v2(product_id: str, kg_co2e: str, *, pf_id: str | None = None, version: int = 1) -> dict[str, object]:
    """A v2.3 ProductFootprint with the mandatory fields (per kg of product), made for these tests."""
    return {
        "id": pf_id or str(uuid.uuid4()), "specVersion": "2.3.0", "version": version,
        "created": "2026-03-01T00:00:00Z", "status": "Active", "companyName": "Fake Salt Co.",
        "companyIds": ["urn:pact:fake.example:company:2"], "productDescription": "battery-grade lithium carbonate",
        "productIds": [product_id], "productCategoryCpc": "3421", "productNameCompany": "Li2CO3",
        "comment": "",
        "pcf": {"declaredUnit": "kilogram", "unitaryProductAmount": "1",
                "referencePeriodStart": "2025-01-01T00:00:00Z", "referencePeriodEnd": "2026-01-01T00:00:00Z",
                "pCfExcludingBiogenic": kg_co2e, "fossilGhgEmissions": kg_co2e, "fossilCarbonContent": "0",
                "biogenicCarbonContent": "0", "characterizationFactors": "AR6",
                "ipccCharacterizationFactorsSources": ["AR6"], "crossSectoralStandardsUsed": ["ISO Standard 14067"],
                "boundaryProcessesDescription": "cradle to gate", "exemptedEmissionsPercent": 0,
                "exemptedEmissionsDescription": "", "packagingEmissionsIncluded": False},
    }


@dataclass
class FakeHost:
    """A PACT host in ~100 lines: client credentials with HTTP Basic, limit/offset pagination with absolute
    `Link` headers, a `productId` filter (v3), get by id, and an events endpoint that records what it receives."""

    client_id: str = "fake-client"
    client_secret: str = "fake-secret"
    footprints: dict[str, list[dict[str, object]]] = field(default_factory=lambda: {"2": [], "3": []})
    discovery: bool = True
    expires_in: float = 3600
    events: list[dict[str, object]] = field(default_factory=list)
    tokens_issued: int = 0
    next_link_host: str | None = None  # send pagination links to another host (a misbehaving host)
    _valid: set[str] = field(default_factory=set)

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/.well-known/openid-configuration", self.openid),
            Route("/auth/token", self.token, methods=["POST"]),
            Route("/{v:int}/footprints", self.list),
            Route("/{v:int}/footprints/{pf_id}", self.get),
            Route("/{v:int}/events", self.event, methods=["POST"]),
        ])

    async def openid(self, request: Request) -> Response:
        if not self.discovery:
            return JSONResponse({"code": "NotFound", "message": "no discovery here"}, status_code=404)
        return JSONResponse({"issuer": str(request.base_url), "token_endpoint": f"{request.base_url}auth/token"})

    async def token(self, request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        form = await request.form()
        expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if auth != expected or form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "invalid_client"}, status_code=400)
        self.tokens_issued += 1
        token = uuid.uuid4().hex
        self._valid.add(token)
        return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": self.expires_in})

    def _authorised(self, request: Request) -> bool:
        return request.headers.get("authorization", "").removeprefix("Bearer ") in self._valid

    async def list(self, request: Request) -> Response:
        if not self._authorised(request):
            return JSONResponse({"code": "AccessDenied", "message": "bad token"}, status_code=401)
        v = str(request.path_params["v"])
        items = self.footprints[v]
        wanted = request.query_params.getlist("productId")
        if wanted:
            items = [pf for pf in items if set(pf["productIds"]) & set(wanted)]  # type: ignore[arg-type]
        limit = int(request.query_params.get("limit", "1000"))
        offset = int(request.query_params.get("offset", "0"))
        page = items[offset:offset + limit]
        headers = {}
        if offset + limit < len(items):
            base = self.next_link_host or f"{request.url.scheme}://{request.url.netloc}"
            query = "&".join([f"limit={limit}", f"offset={offset + limit}"] + [f"productId={p}" for p in wanted])
            headers["Link"] = f'<{base}/{v}/footprints?{query}>; rel="next"'
        return JSONResponse({"data": page}, headers=headers)

    async def get(self, request: Request) -> Response:
        if not self._authorised(request):
            return JSONResponse({"code": "AccessDenied", "message": "bad token"}, status_code=401)
        for pf in self.footprints[str(request.path_params["v"])]:
            if pf["id"] == request.path_params["pf_id"]:
                return JSONResponse({"data": pf})
        return JSONResponse({"code": "NotFound", "message": "no such footprint"}, status_code=404)

    async def event(self, request: Request) -> Response:
        if not self._authorised(request):
            return JSONResponse({"code": "AccessDenied", "message": "bad token"}, status_code=401)
        if not request.headers.get("content-type", "").startswith("application/cloudevents+json"):
            return JSONResponse({"code": "BadRequest", "message": "not a CloudEvent"}, status_code=400)
        self.events.append(await request.json())
        return Response(status_code=200)
