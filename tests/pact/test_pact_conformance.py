"""The PACT conformance catalogue (the checks of WBCSD's pact-conformance-service for v2.x and v3.0), as pytest tests
against a live HTTPS uvicorn server on loopback, for v2.3 (/2) and v3.0 (/3).

Responses are validated with jsonschema against the PACT OpenAPI documents shipped in the package; test_pact_formats.py
checks by sha256 that they are the files the official conformance tool uses, so a drift in either shows."""

from __future__ import annotations

import uuid
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker

from sqlalchemy import select

from carbontrail.formats.pact import _rfc3339
from carbontrail.services.accounts import read_token, sign_token
from carbontrail.services.pact import host as pact_host, inbox as pact_inbox
from carbontrail.store.db import transaction
from carbontrail.store.models import Organisation
from pact_world import PactWorld

MAJORS = ["2", "3"]
UNKNOWN_CODE = {"2": "NoSuchFootprint", "3": "NotFound"}  # v2.3 spec's error table; v3.0's OpenAPI enum
REFERENCE = Path(str(resources.files("carbontrail.formats") / "data" / "pact"))
FILES = {"2": "openapi_v2_3.yaml", "3": "openapi_v3_0.yaml"}


@cache
def spec(major: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((REFERENCE / FILES[major]).read_text())
    if major == "2":
        # the v2.3 Technical Specifications' error table names NoSuchFootprint where its OpenAPI enum says NotFound
        # ("NotFound # 404 NoSuchFootprint"); carbontrail answers with the table's code (docs/pact.md)
        doc["components"]["schemas"]["Error"]["properties"]["code"]["enum"].append("NoSuchFootprint")
    return doc


def conforms(major: str, instance: object, ref: str) -> None:
    """`instance` matches the schema at `ref` (a JSON pointer into the OpenAPI document) — or the test fails."""
    checker = FormatChecker(formats=list(FormatChecker.checkers))
    checker.checks("date-time")(_rfc3339)
    validator = Draft202012Validator({**spec(major), "$ref": ref}, format_checker=checker)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]
    assert not errors, errors[:5]


def response_schema(major: str, path: str, status: str = "200") -> str:
    return f"#/paths/{path.replace('/', '~1')}/get/responses/{status}/content/application~1json/schema"


def is_error(major: str, response: httpx.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    conforms(major, response.json(), "#/components/schemas/Error")
    if code:
        assert response.json()["code"] == code, response.text


# -- authentication ---------------------------------------------------------------------------------------------


def test_token_with_valid_credentials(world: PactWorld) -> None:
    with world.http() as c:
        r = c.post("/auth/token", data={"grant_type": "client_credentials"}, auth=world.clients["CUST"])
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["token_type"].lower() == "bearer" and body["expires_in"] == 3600 and body["access_token"]


@pytest.mark.parametrize("credentials", [("wrong-client", "wrong-secret"), "customer-with-wrong-secret"])
def test_token_with_invalid_credentials(world: PactWorld, credentials: object) -> None:
    auth = (world.clients["CUST"][0], "not-the-secret") if credentials == "customer-with-wrong-secret" \
        else credentials
    with world.http() as c:
        r = c.post("/auth/token", data={"grant_type": "client_credentials"}, auth=auth)  # type: ignore[arg-type]
        missing = c.post("/auth/token", data={"grant_type": "client_credentials"})
        wrong_grant = c.post("/auth/token", data={"grant_type": "password"}, auth=world.clients["CUST"])
    assert r.status_code in (400, 401) and r.json()["error"] == "invalid_client"
    assert "access_token" not in r.text
    assert missing.status_code == 401 and missing.json()["error"] == "invalid_client"
    assert wrong_grant.status_code == 400 and wrong_grant.json()["error"] == "unsupported_grant_type"


def test_openid_discovery_names_the_token_endpoint(world: PactWorld) -> None:
    with world.http() as c:
        config = c.get("/.well-known/openid-configuration").json()
        assert config["token_endpoint"] == f"{world.base}/auth/token"
        assert "client_credentials" in config["grant_types_supported"]
        r = c.post(config["token_endpoint"], data={"grant_type": "client_credentials"}, auth=world.clients["CUST"])
    assert r.status_code == 200


# -- get and list -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("major", MAJORS)
def test_get_footprint_conforms(world: PactWorld, major: str) -> None:
    with world.http() as c:
        r = c.get(f"/{major}/footprints/{world.pf['a2']}", headers=world.auth("CUST"))
    assert r.status_code == 200, r.text
    conforms(major, r.json(), response_schema(major, f"/{major}/footprints/{{id}}"))
    pf = r.json()["data"]
    assert pf["id"] == world.pf["a2"] and pf["status"] == "Active"
    assert pf["precedingPfIds"] == [world.pf["a1"]]
    assert pf["specVersion"] == {"2": "2.3.0", "3": "3.0.0"}[major]
    if major == "2":
        assert pf["version"] == 2 and pf["pcf"]["pCfExcludingBiogenic"] == "7.4"
    else:
        assert "version" not in pf and pf["pcf"]["pcfExcludingBiogenicUptake"] == "7.4"


@pytest.mark.parametrize("major", MAJORS)
def test_list_footprints_conforms(world: PactWorld, major: str) -> None:
    with world.http() as c:
        r = c.get(f"/{major}/footprints", headers=world.auth("CUST"))
    assert r.status_code == 200, r.text
    conforms(major, r.json(), response_schema(major, f"/{major}/footprints"))
    ids = [pf["id"] for pf in r.json()["data"]]
    # granted to CUST: a1 (explicitly), a2 (as a1's next version), b, and SUP2's cell; never "secret"
    assert sorted(ids) == sorted(world.pf[k] for k in ("a1", "a2", "b", "cell"))
    assert "link" not in r.headers


@pytest.mark.parametrize("major", MAJORS)
def test_pagination_link_is_absolute_and_complete(world: PactWorld, major: str) -> None:
    seen: list[str] = []
    url: str | None = f"{world.base}/{major}/footprints?limit=1"
    pages = 0
    with world.http() as c:
        while url:
            r = c.get(url, headers=world.auth("CUST"))
            assert r.status_code == 200, r.text
            conforms(major, r.json(), response_schema(major, f"/{major}/footprints"))
            assert len(r.json()["data"]) == 1
            seen += [pf["id"] for pf in r.json()["data"]]
            pages += 1
            link = r.headers.get("link")
            if link is None:
                url = None
                continue
            assert link.endswith('; rel="next"') and link.startswith(f"<{world.base}/{major}/footprints?")
            url = link[1:link.index(">")]
    assert pages == 4 and len(seen) == len(set(seen)) == 4


@pytest.mark.parametrize("major", MAJORS)
def test_invalid_token_on_every_endpoint(world: PactWorld, major: str) -> None:
    forged = world.token("CUST")[:-4] + "AAAA"
    calls = [("GET", f"/{major}/footprints", None), ("GET", f"/{major}/footprints/{world.pf['a2']}", None),
             ("POST", f"/{major}/events", world.event(major, "published", {"pfIds": [world.pf["a2"]]}))]
    with world.http() as c:
        for method, path, body in calls:
            for headers in ({"Authorization": f"Bearer {forged}"}, {"Authorization": "Bearer nonsense"}, {}):
                r = c.request(method, path, headers=headers, json=body)
                is_error(major, r, 401)
                assert r.json()["code"] in ("AccessDenied", "TokenExpired", "BadRequest")
                assert "pcf" not in r.text


@pytest.mark.parametrize("major", MAJORS)
def test_unknown_and_malformed_ids(world: PactWorld, major: str) -> None:
    with world.http() as c:
        unknown = c.get(f"/{major}/footprints/{uuid.uuid4()}", headers=world.auth("CUST"))
        malformed = c.get(f"/{major}/footprints/not-a-uuid", headers=world.auth("CUST"))
    is_error(major, unknown, 404, UNKNOWN_CODE[major])
    is_error(major, malformed, 400, "BadRequest")


def test_v2_unknown_footprint_is_no_such_footprint(world: PactWorld) -> None:
    """PACT Technical Specifications v2.3, § "Error Codes" (the table: NoSuchFootprint, HTTP 404) and § "Action
    GetFootprint" (an id the host does not know or not show to the caller → NoSuchFootprint); /3 keeps NotFound."""
    with world.http() as c:
        v2 = c.get(f"/2/footprints/{uuid.uuid4()}", headers=world.auth("CUST"))
        hidden = c.get(f"/2/footprints/{world.pf['a2']}", headers=world.auth("OTHER"))
        v3 = c.get(f"/3/footprints/{uuid.uuid4()}", headers=world.auth("CUST"))
    assert (v2.status_code, v2.json()["code"]) == (404, "NoSuchFootprint")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "NoSuchFootprint") and "pcf" not in hidden.text
    assert (v3.status_code, v3.json()["code"]) == (404, "NotFound")


def test_v2_refused_token_is_bad_request_with_401(world: PactWorld) -> None:
    """PACT v2.3, § "Error Codes": a failure the table names no code for ("in all other cases") is BadRequest; the
    HTTP status stays the 401 of § "Authentication" for a refused token. /3 keeps AccessDenied / TokenExpired."""
    forged = world.token("CUST")[:-4] + "AAAA"
    claims = read_token(world.key, world.token("CUST"), "access")
    expired = sign_token(world.key, claims, ttl=-60)  # the same client's token, expired a minute ago
    tokens = [forged, "nonsense", expired]
    with world.http() as c:
        for token in tokens:
            headers = {"Authorization": f"Bearer {token}"}
            for method, path, body in [("GET", "/2/footprints", None),
                                       ("GET", f"/2/footprints/{world.pf['a2']}", None),
                                       ("POST", "/2/events",
                                        world.event("2", "published", {"pfIds": [world.pf["a2"]]}))]:
                r = c.request(method, path, headers=headers, json=body)
                assert (r.status_code, r.json()["code"]) == (401, "BadRequest"), (path, r.text)
            r3 = c.get("/3/footprints", headers=headers)
            assert (r3.status_code, r3.json()["code"]) == (401, "TokenExpired" if token is expired else "AccessDenied")


def test_plain_http_is_refused_everywhere(world: PactWorld) -> None:
    """The same app served without TLS: every PACT endpoint refuses, even with valid credentials."""
    token = world.token("CUST")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=world.plain, timeout=10) as c:
        answers = [c.post("/auth/token", data={"grant_type": "client_credentials"}, auth=world.clients["CUST"]),
                   c.get("/.well-known/openid-configuration")]
        for major in MAJORS:
            answers += [c.get(f"/{major}/footprints", headers=headers),
                        c.get(f"/{major}/footprints/{world.pf['a2']}", headers=headers),
                        c.post(f"/{major}/events", headers=headers,
                               json=world.event(major, "published", {"pfIds": [world.pf["a2"]]}))]
    for r in answers:
        assert r.status_code == 403, (r.request.url, r.text)
        assert r.json()["code"] == "AccessDenied" and "HTTPS" in r.json()["message"]
        assert "access_token" not in r.text and "pcf" not in r.text


# -- events -----------------------------------------------------------------------------------------------------


def _post(world: PactWorld, major: str, event: dict[str, Any], who: str = "CUST") -> httpx.Response:
    with world.http() as c:
        return c.post(f"/{major}/events", json=event, headers={**world.auth(who),
                                                               "Content-Type": "application/cloudevents+json"})


def _request(major: str, product: str) -> dict[str, Any]:
    return {"pf": {"productIds": [product]}} if major == "2" else {"productId": [product]}


@pytest.mark.parametrize("major", MAJORS)
def test_request_fulfilled_by_rule(world: PactWorld, major: str) -> None:
    """SUP answers automatically: the Active version of lfp-a (a2) comes back by callback, within seconds."""
    with world.sessions() as s:
        sup = s.scalar(select(Organisation.id).where(Organisation.code == "SUP"))
    with transaction(world.sessions) as s:
        pact_inbox.set_rule_in(s, sup, "auto")
    try:
        event = world.event(major, "created", _request(major, "urn:pact:sup.example:product:LFP-A"))
        r = _post(world, major, event)
        assert r.status_code == 200, r.text
        answer = world.requester.wait_for(event["id"])
    finally:
        with transaction(world.sessions) as s:
            pact_inbox.set_rule_in(s, sup, "manual")
    assert answer["type"] == pact_inbox.EVENT_TYPES[major]["fulfilled"]
    conforms(major, answer, "#/components/schemas/RequestFulfilledEvent")
    assert [pf["id"] for pf in answer["data"]["pfs"]] == [world.pf["a2"]]
    assert answer["source"].startswith(world.base) and answer["source"].endswith(f"/{major}/events")


@pytest.mark.parametrize("major", MAJORS)
def test_request_decided_by_supplier(world: PactWorld, major: str) -> None:
    """SUP decides by hand: the request waits in its inbox; accepting grants and sends lfp-secret; a second
    request rejected with a reason comes back as RequestRejected carrying that reason."""
    accepted = world.event(major, "created", _request(major, "urn:pact:sup.example:product:lfp-secret"))
    rejected = world.event(major, "created", _request(major, "urn:pact:sup.example:product:lfp-b"))
    for event in (accepted, rejected):
        assert _post(world, major, event).status_code == 200
    pending = {i.product_ids[0]: i for i in pact_inbox.inbox(world.sessions, None, "SUP", "pending")}
    assert set(pending) >= {"urn:pact:sup.example:product:lfp-secret", "urn:pact:sup.example:product:lfp-b"}
    one = pending["urn:pact:sup.example:product:lfp-secret"]
    two = pending["urn:pact:sup.example:product:lfp-b"]
    assert one.requester == "CUST" and one.events_url == f"{world.requester.url}/{major}/events"
    done = pact_inbox.decide(world.sessions, None, "SUP", one.id, accept=True, key=world.key)
    assert done.status == "fulfilled" and done.delivery == "sent", done.delivery_note
    pact_inbox.decide(world.sessions, None, "SUP", two.id, accept=False, reason="lfp-b is discontinued",
                     key=world.key)
    fulfilled = world.requester.wait_for(accepted["id"])
    conforms(major, fulfilled, "#/components/schemas/RequestFulfilledEvent")
    assert [pf["id"] for pf in fulfilled["data"]["pfs"]] == [world.pf["secret"]]
    answer = world.requester.wait_for(rejected["id"])
    conforms(major, answer, "#/components/schemas/RequestRejectedEvent")
    assert answer["type"] == pact_inbox.EVENT_TYPES[major]["rejected"]
    assert answer["data"]["error"]["message"] == "lfp-b is discontinued"
    # fulfilling granted the footprint: CUST's client can now fetch it (and the grant test's view stays true
    # for OTHER, which asked nothing)
    with world.http() as c:
        assert c.get(f"/{major}/footprints/{world.pf['secret']}", headers=world.auth("CUST")).status_code == 200
        assert c.get(f"/{major}/footprints/{world.pf['secret']}", headers=world.auth("OTHER")).status_code == 404
    pact_host.revoke(world.sessions, None, "SUP", world.pf["secret"], "CUST")  # as seeded again, for other tests


@pytest.mark.parametrize("major", MAJORS)
def test_request_for_unknown_product_is_rejected(world: PactWorld, major: str) -> None:
    event = world.event(major, "created", _request(major, "urn:pact:nobody.example:product:does-not-exist"))
    assert _post(world, major, event).status_code == 200
    answer = world.requester.wait_for(event["id"])
    conforms(major, answer, "#/components/schemas/RequestRejectedEvent")
    assert answer["data"]["error"]["code"] == UNKNOWN_CODE[major]


@pytest.mark.parametrize("major", MAJORS)
def test_published_event_is_accepted(world: PactWorld, major: str) -> None:
    r = _post(world, major, world.event(major, "published", {"pfIds": [str(uuid.uuid4())]}), who="SUP")
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("major", MAJORS)
@pytest.mark.parametrize("case", ["not json", "no type", "unknown type", "no id", "no data", "bad time",
                                  "created without criteria"])
def test_malformed_event_is_bad_request(world: PactWorld, major: str, case: str) -> None:
    event = world.event(major, "created", _request(major, "urn:pact:sup.example:product:lfp-a"))
    with world.http() as c:
        if case == "not json":
            r = c.post(f"/{major}/events", content=b"{not json", headers=world.auth("CUST"))
        else:
            if case == "no type":
                del event["type"]
            elif case == "unknown type":
                event["type"] = "org.example.Unknown"
            elif case == "no id":
                del event["id"]
            elif case == "no data":
                del event["data"]
            elif case == "bad time":
                event["time"] = "yesterday"
            elif case == "created without criteria":
                event["data"] = {"pf": "lfp-a"} if major == "2" else {"productId": "lfp-a", "status": [3]}
            r = c.post(f"/{major}/events", json=event, headers=world.auth("CUST"))
    is_error(major, r, 400, "BadRequest")


@pytest.mark.parametrize("major", MAJORS)
def test_published_with_non_uuid_pf_ids_is_bad_request(world: PactWorld, major: str) -> None:
    r = _post(world, major, world.event(major, "published", {"pfIds": ["not-a-uuid", world.pf["a2"]]}))
    is_error(major, r, 400, "BadRequest")
