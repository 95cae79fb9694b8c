"""Grants through the live PACT API (this replaces the platform's cross-tenant matrix for the PACT routes): a
footprint not granted to a customer is never listed, fetched or filterable by it; a new version reaches every
grantee of the old one; revoking takes effect on the next request."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import delete, select

from carbontrail.formats import pact
from carbontrail.services.pact import host as pact_host
from carbontrail.store.db import transaction
from carbontrail.store.models.pact import PactFootprint
from pact_world import PactWorld, values

MAJORS = ["2", "3"]


def _listed(world: PactWorld, who: str, major: str, params: dict[str, str] | None = None) -> set[str]:
    with world.http() as c:
        r = c.get(f"/{major}/footprints", params=params or {}, headers=world.auth(who))
    assert r.status_code == 200, r.text
    return {pf["id"] for pf in r.json()["data"]}


@pytest.mark.parametrize("major", MAJORS)
def test_an_organisation_granted_nothing_sees_nothing(world: PactWorld, major: str) -> None:
    assert _listed(world, "OTHER", major) == set()
    with world.http() as c:
        for pf_id in world.pf.values():
            r = c.get(f"/{major}/footprints/{pf_id}", headers=world.auth("OTHER"))
            assert r.status_code == 404 and r.json()["code"] == {"2": "NoSuchFootprint", "3": "NotFound"}[major] and "pcf" not in r.text
    if major == "3":
        for params in ({"productId": "urn:pact:sup.example:product:lfp-a"}, {"geography": "CN-SC"},
                       {"status": "Active"}, {"companyId": "urn:pact:sup.example:company:1"}):
            assert _listed(world, "OTHER", major, params) == set()


@pytest.mark.parametrize("major", MAJORS)
def test_the_ungranted_footprint_stays_hidden_from_the_customer(world: PactWorld, major: str) -> None:
    secret = world.pf["secret"]
    assert secret not in _listed(world, "CUST", major)
    with world.http() as c:
        assert c.get(f"/{major}/footprints/{secret}", headers=world.auth("CUST")).status_code == 404
        page = c.get(f"/{major}/footprints?limit=1", headers=world.auth("CUST"))
        while "link" in page.headers:
            assert secret not in page.text
            link = page.headers["link"]
            page = c.get(link[1:link.index(">")], headers=world.auth("CUST"))
        assert secret not in page.text
    if major == "3":
        for params in ({"productId": "urn:pact:sup.example:product:lfp-secret"}, {"geography": "CN-SC"},
                       {"classification": "urn:pact:cpc:34250"}, {"status": "Active"}):
            assert secret not in _listed(world, "CUST", major, params)


def test_the_supplier_sees_only_what_is_granted_to_it_too(world: PactWorld) -> None:
    """The PACT API serves what is granted to the caller's organisations; a supplier's own outbox is elsewhere."""
    assert _listed(world, "SUP", "3") == set()
    outbox = {p.pf_id: p for p in pact_host.outbox(world.sessions, None, "SUP")}
    assert set(outbox) == {world.pf[k] for k in ("a1", "a2", "b", "secret")}
    assert outbox[world.pf["a2"]].grantees == ("CUST",) and outbox[world.pf["secret"]].grantees == ()


def test_new_version_reaches_grantees_and_revoking_takes_effect(world: PactWorld) -> None:
    """lfp-b is granted to CUST; its version 2 is granted to CUST without being asked, and v1 turns Deprecated
    in CUST's view; revoking v2 from CUST hides it at the next request."""
    before = _listed(world, "CUST", "3")
    v2 = pact_host.publish(world.sessions, None, "SUP", _lfp_b_v2())
    try:
        assert v2.version == 2 and v2.preceding_pf_ids == (world.pf["b"],) and v2.grantees == ("CUST",)
        with world.http() as c:
            old = c.get(f"/2/footprints/{world.pf['b']}", headers=world.auth("CUST")).json()["data"]
            new = c.get(f"/2/footprints/{v2.pf_id}", headers=world.auth("CUST")).json()["data"]
        assert old["status"] == "Deprecated" and old["version"] == 1 and "updated" in old
        assert new["status"] == "Active" and new["version"] == 2 and new["precedingPfIds"] == [world.pf["b"]]
        assert _listed(world, "CUST", "3") == before | {v2.pf_id}
        assert v2.pf_id not in _listed(world, "OTHER", "3")
        pact_host.revoke(world.sessions, None, "SUP", v2.pf_id, "CUST")
        assert _listed(world, "CUST", "3") == before
        with world.http() as c:
            assert c.get(f"/3/footprints/{v2.pf_id}", headers=world.auth("CUST")).status_code == 404
    finally:
        _restore_lfp_b(world, v2.pf_id)


def _lfp_b_v2() -> pact.FootprintValues:
    return values("lfp-b", "8.6", geography="DE", classification="urn:pact:cpc:34290",
                  validity=(dt.datetime(2024, 1, 1, tzinfo=dt.UTC), dt.datetime(2025, 6, 1, tzinfo=dt.UTC)))


def _restore_lfp_b(world: PactWorld, new_pf_id: str) -> None:
    """Put the world back as seeded (other tests of the module count lfp-b v1 as Active)."""
    with transaction(world.sessions) as s:
        s.execute(delete(PactFootprint).where(PactFootprint.pf_id == new_pf_id))
        old = s.scalars(select(PactFootprint).where(PactFootprint.pf_id == world.pf["b"])).one()
        old.status, old.updated_at, old.status_comment = "Active", None, ""
        pact_host._render(old, pact.values_from_json(json.loads(old.values_json)))
        pact_host.touch(s)  # servers must not keep pages rendered before this change
