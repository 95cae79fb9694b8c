"""PACT v3.0 list filters against a live HTTPS host: every filter positive and negative, case-insensitive matching,
OR within one parameter, AND across parameters, an unknown value → 200 with an empty list.

What CUST may see (pact_world.seed), validity periods [start, end]:
  a1    lfp-a v1, Deprecated, SUP,  CN-SC,        cpc:34250, 2025-01-01 – 2027-01-01
  a2    lfp-a v2, Active,     SUP,  CN-SC,        cpc:34250, 2025-06-01 – 2028-01-01
  b     lfp-b,    Active,     SUP,  DE,           cpc:34290, 2024-01-01 – 2025-06-01
  cell  cell-x,   Active,     SUP2, Eastern Asia, cpc:46420, none given → reference end 2025-01-01 + 3 years
and "secret" (SUP, CN-SC, cpc:34250, Active) is granted to nobody, so no filter may ever return it.
"""

from __future__ import annotations

import pytest

from pact_world import PactWorld

P = "urn:pact:sup.example:product:"
C1, C2 = "urn:pact:sup.example:company:1", "urn:pact:sup2.example:company:1"

CASES: list[tuple[str, list[tuple[str, str]], set[str]]] = [
    ("productId", [("productId", P + "lfp-a")], {"a1", "a2"}),
    ("productId ignores case", [("productId", P.upper() + "LFP-A")], {"a1", "a2"}),
    ("productId unknown", [("productId", P + "nothing")], set()),
    ("productId not granted", [("productId", P + "lfp-secret")], set()),
    ("productId OR", [("productId", P + "lfp-a"), ("productId", P + "lfp-b")], {"a1", "a2", "b"}),
    ("companyId", [("companyId", C1)], {"a1", "a2", "b"}),
    ("companyId other", [("companyId", C2.upper())], {"cell"}),
    ("companyId OR", [("companyId", C1), ("companyId", C2)], {"a1", "a2", "b", "cell"}),
    ("companyId unknown", [("companyId", "urn:pact:nobody.example:company:0")], set()),
    ("geography subdivision", [("geography", "CN-SC")], {"a1", "a2"}),
    ("geography country holds its subdivisions", [("geography", "cn")], {"a1", "a2"}),
    ("geography country", [("geography", "DE")], {"b"}),
    ("geography region", [("geography", "eastern asia")], {"cell"}),
    ("geography OR", [("geography", "DE"), ("geography", "Eastern Asia")], {"b", "cell"}),
    ("geography unknown", [("geography", "FR")], set()),
    ("classification", [("classification", "urn:pact:cpc:34250")], {"a1", "a2"}),
    ("classification OR", [("classification", "urn:pact:cpc:34290"), ("classification", "URN:PACT:CPC:46420")],
     {"b", "cell"}),
    ("classification unknown", [("classification", "urn:pact:cpc:99999")], set()),
    ("validOn", [("validOn", "2025-03-01T00:00:00Z")], {"a1", "b", "cell"}),
    ("validOn on a start day", [("validOn", "2025-06-01T00:00:00Z")], {"a1", "a2", "b", "cell"}),
    ("validOn none", [("validOn", "2030-01-01T00:00:00Z")], set()),
    ("validAfter", [("validAfter", "2025-03-01T00:00:00Z")], {"a2"}),
    ("validAfter earlier", [("validAfter", "2024-06-01T00:00:00Z")], {"a1", "a2", "cell"}),
    ("validAfter none", [("validAfter", "2029-01-01T00:00:00Z")], set()),
    ("validBefore", [("validBefore", "2026-01-01T00:00:00Z")], {"b"}),
    ("validBefore none", [("validBefore", "2024-01-01T00:00:00Z")], set()),
    ("status Active", [("status", "Active")], {"a2", "b", "cell"}),
    ("status ignores case", [("status", "deprecated")], {"a1"}),
    ("status unknown", [("status", "Withdrawn")], set()),
    ("AND product and status", [("productId", P + "lfp-a"), ("status", "Active")], {"a2"}),
    ("AND geography and classification", [("geography", "CN-SC"), ("classification", "urn:pact:cpc:46420")], set()),
    ("OR within, AND across", [("productId", P + "lfp-a"), ("productId", P + "lfp-b"), ("geography", "DE")], {"b"}),
    ("AND validity window", [("validAfter", "2024-06-01T00:00:00Z"), ("validBefore", "2027-06-01T00:00:00Z")],
     {"a1"}),
    ("AND everything", [("productId", P + "lfp-a"), ("companyId", C1), ("geography", "CN"),
                        ("classification", "urn:pact:cpc:34250"), ("validOn", "2026-01-01T00:00:00Z"),
                        ("status", "Active")], {"a2"}),
]


@pytest.mark.parametrize("name,params,expected", CASES, ids=[c[0] for c in CASES])
def test_filter(world: PactWorld, name: str, params: list[tuple[str, str]], expected: set[str]) -> None:
    with world.http() as c:
        r = c.get("/3/footprints", params=params, headers=world.auth("CUST"))
    assert r.status_code == 200, r.text
    names = {k for k, v in world.pf.items() if v in {pf["id"] for pf in r.json()["data"]}}
    assert names == expected, name
    assert "secret" not in names


@pytest.mark.parametrize("param", ["validOn", "validAfter", "validBefore"])
def test_a_malformed_date_is_bad_request(world: PactWorld, param: str) -> None:
    with world.http() as c:
        r = c.get("/3/footprints", params={param: "next tuesday"}, headers=world.auth("CUST"))
    assert r.status_code == 400 and r.json()["code"] == "BadRequest"


def test_filters_keep_pagination(world: PactWorld) -> None:
    """The next link carries the filters: two pages of the three Active footprints, then none."""
    with world.http() as c:
        first = c.get("/3/footprints", params={"status": "Active", "limit": "2"}, headers=world.auth("CUST"))
        link = first.headers["link"]
        second = c.get(link[1:link.index(">")], headers=world.auth("CUST"))
    assert "status=Active" in link
    ids = [pf["id"] for pf in first.json()["data"] + second.json()["data"]]
    assert sorted(ids) == sorted(world.pf[k] for k in ("a2", "b", "cell")) and "link" not in second.headers
