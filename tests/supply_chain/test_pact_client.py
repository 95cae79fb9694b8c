"""The PACT client against an independent fake host (Starlette, written in supply_chain_fakes.py) over HTTPS:
discovery and its fallback, client credentials, token reuse and renewal, pagination, get, events, TLS checks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from carbontrail.errors import ConfigurationError, InputError, NotFound
from carbontrail.services.pact.client import PactClient, PactHostError, PactUnreachable
from carbontrail.services.tls import development_certificate
from supply_chain_fakes import FakeHost, https_server, pf_v2, pf_v3, validator


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return development_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def host(tls: tuple[Path, Path]) -> Iterator[tuple[FakeHost, str]]:
    fake = FakeHost()
    fake.footprints["3"] = [pf_v3(f"urn:pact:fake.example:product:{n}", f"{n}.5") for n in range(5)]
    fake.footprints["2"] = [pf_v2("urn:pact:fake.example:product:salt", "9.8")]
    with https_server(fake.app(), *tls) as url:
        yield fake, url


def _client(url: str, tls: tuple[Path, Path], **kw: object) -> PactClient:
    return PactClient(url, "fake-client", "fake-secret", verify=tls[0], **kw)  # type: ignore[arg-type]


def test_the_fixtures_are_pact_footprints() -> None:
    """The fake host serves footprints valid against the official OpenAPI schemas, so the client is tested on
    PACT data and not on a shape of our own."""
    v3, v2 = validator("3_0"), validator("2_3")
    v3.validate(pf_v3("urn:pact:x.example:p:1", "1.25"))
    v2.validate(pf_v2("urn:pact:x.example:p:2", "1.25"))


def test_list_follows_every_page_with_one_token(host: tuple[FakeHost, str], tls: tuple[Path, Path]) -> None:
    """5 footprints at limit 2 are 3 pages (2 + 2 + 1) joined by absolute Link headers; one token serves all."""
    fake, url = host
    with _client(url, tls) as client:
        pages = list(client.pages(limit=2))
        assert [len(p) for p in pages] == [2, 2, 1]
        got = [pf["id"] for page in pages for pf in page]
        assert got == [pf["id"] for pf in fake.footprints["3"]]
        one = client.get_footprint(str(got[3]))
        assert one["productIds"] == ["urn:pact:fake.example:product:3"]
        assert client.token_requests == 1 and fake.tokens_issued == 1


def test_product_filter_and_pages_together(host: tuple[FakeHost, str], tls: tuple[Path, Path]) -> None:
    fake, url = host
    wanted = ["urn:pact:fake.example:product:1", "urn:pact:fake.example:product:4",
              "urn:pact:fake.example:product:2"]
    with _client(url, tls) as client:
        got = client.list_footprints(limit=1, filters={"productId": wanted})
    assert sorted(pf["productIds"][0] for pf in got) == sorted(wanted)


def test_token_endpoint_falls_back_to_auth_token(host: tuple[FakeHost, str], tls: tuple[Path, Path]) -> None:
    fake, url = host
    fake.discovery = False
    with _client(url, tls) as client:
        assert client.token_endpoint() == f"{url}/auth/token"
        assert len(client.list_footprints()) == 5


def test_discovery_is_used_when_offered(host: tuple[FakeHost, str], tls: tuple[Path, Path]) -> None:
    fake, url = host
    with _client(url, tls) as client:
        assert client.token_endpoint() == f"{url}/auth/token"  # the fake announces its own /auth/token
        client.token()
    assert fake.tokens_issued == 1


def test_an_expired_token_is_renewed(host: tuple[FakeHost, str], tls: tuple[Path, Path]) -> None:
    """expires_in 30.3 s less the client's 30 s margin: the token is used for 0.3 s, then a new one is fetched."""
    fake, url = host
    fake.expires_in = 30.3
    with _client(url, tls) as client:
        client.list_footprints()
        client.list_footprints()
        assert client.token_requests == 1
        time.sleep(0.4)
        client.list_footprints()
        assert client.token_requests == 2 and fake.tokens_issued == 2


def test_wrong_secret_is_refused(host: tuple[FakeHost, str], tls: tuple[Path, Path]) -> None:
    _fake, url = host
    with PactClient(url, "fake-client", "wrong", verify=tls[0]) as client, \
            pytest.raises(PactHostError, match="refused the client credentials"):
        client.list_footprints()


def test_unknown_footprint_is_not_found(host: tuple[FakeHost, str], tls: tuple[Path, Path]) -> None:
    _fake, url = host
    with _client(url, tls) as client:
        with pytest.raises(NotFound):
            client.get_footprint("6f1d6b3c-7b9e-4d5e-9a3c-1b2c3d4e5f60")
        with pytest.raises(InputError, match="not a footprint id"):
            client.get_footprint("not-a-uuid")


def test_request_created_carries_the_product_filter(host: tuple[FakeHost, str], tls: tuple[Path, Path]) -> None:
    """v3: data.productId is the list of requested ids; v2.3: data.pf.productIds. Both as CloudEvents with our
    events endpoint as `source`; the events validate against the official schemas."""
    fake, url = host
    with _client(url, tls) as v3:
        event_id = v3.request_footprints(["urn:pact:fake.example:product:4"], source="https://us.example/3/events")
        v3.published(["3f1d6b3c-7b9e-4d5e-9a3c-1b2c3d4e5f60"], source="https://us.example/3/events")
    with _client(url, tls, version="2") as v2:
        v2.request_footprints(["urn:pact:fake.example:product:salt"], source="https://us.example/2/events",
                              comment="for our 2026 declaration")
    created3, published3, created2 = fake.events
    assert created3["id"] == event_id
    assert created3["type"] == "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3"
    assert created3["data"] == {"productId": ["urn:pact:fake.example:product:4"]}
    assert created3["source"] == "https://us.example/3/events"
    assert published3["type"] == "org.wbcsd.pact.ProductFootprint.PublishedEvent.3"
    assert created2["type"] == "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1"
    assert created2["data"] == {"pf": {"productIds": ["urn:pact:fake.example:product:salt"]},
                                "comment": "for our 2026 declaration"}
    validator("3_0", "RequestCreatedEvent").validate(created3)
    validator("3_0", "PublishedEvent").validate(published3)
    validator("2_3", "RequestCreatedEvent").validate(created2)


def test_v2_host(host: tuple[FakeHost, str], tls: tuple[Path, Path]) -> None:
    _fake, url = host
    with _client(url, tls, version="2") as client:
        got = client.list_footprints()
        assert [pf["version"] for pf in got] == [1]
        with pytest.raises(InputError, match="no list filters"):
            client.list_footprints(filters={"productId": "x"})


def test_tls_is_checked(host: tuple[FakeHost, str], tls: tuple[Path, Path], tmp_path: Path) -> None:
    """The self-signed certificate is refused by the system trust store and by another certificate; plain HTTP
    and switching checks off are refused before any connection."""
    _fake, url = host
    with PactClient(url, "fake-client", "fake-secret") as client, pytest.raises(PactUnreachable, match="not trusted"):
        client.token()
    other, _key = development_certificate(tmp_path / "other")
    with PactClient(url, "fake-client", "fake-secret", verify=other) as client, pytest.raises(PactUnreachable):
        client.token()
    with pytest.raises(InputError, match="https"):
        PactClient(url.replace("https", "http"), "fake-client", "fake-secret")
    with pytest.raises(ConfigurationError):
        PactClient(url, "fake-client", "fake-secret", verify=False).token()


def test_pagination_to_another_host_is_refused(host: tuple[FakeHost, str], tls: tuple[Path, Path]) -> None:
    """Our bearer token must not follow a Link to another origin."""
    fake, url = host
    fake.next_link_host = "https://elsewhere.example"
    with _client(url, tls) as client, pytest.raises(PactHostError, match="another host"):
        client.list_footprints(limit=2)


def test_a_token_the_host_forgot_is_replaced_once(host: tuple[FakeHost, str], tls: tuple[Path, Path]) -> None:
    """A host that restarts forgets its tokens: the held one is refused (401) and one fresh token is fetched."""
    fake, url = host
    with _client(url, tls) as client:
        client.list_footprints()
        fake._valid.clear()
        assert len(client.list_footprints()) == 5
        assert client.token_requests == 2
        fake.client_secret = "rotated"
        fake._valid.clear()
        with pytest.raises(PactHostError, match="refused the client credentials"):
            client.list_footprints()
