"""The PACT host's use cases on SQLite and PostgreSQL: versions, grants, who may publish, answering requests,
and turning an engine result into a PACT footprint."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict, InputError, NotFound, PermissionDenied
from carbontrail.formats import pact
from carbontrail.lca.footprint import all_footprints, footprint, prepare
from carbontrail.lca.matrices import build_system
from carbontrail.services import accounts
from carbontrail.services.pact import host as pact_host, inbox as pact_inbox
from carbontrail.services.accounts import principal_of
from carbontrail.store.db import transaction
from carbontrail.store.models import Organisation, User
from carbontrail.store.models.pact import PactInboundRequest
from carbontrail.units import quantity
from pact_world import values

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lca"))
from test_engine import loop_db  # noqa: E402  (the engine tests' hand-computed loop)


@pytest.fixture
def orgs(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with transaction(sessions) as s:
        for code in ("SUP", "CUST", "CUST2", "OTHER"):
            s.add(Organisation(code=code, name=code, name_en=code, industry="battery", province="Sichuan"))
    for email, role, org in (("manager@sup.example", "carbon_manager", "SUP"),
                             ("entry@sup.example", "data_entry", "SUP"),
                             ("manager@other.example", "carbon_manager", "OTHER"),
                             ("cust@cust.example", "carbon_manager", "CUST")):
        with transaction(sessions) as s:
            s.add(User(email=email, name=email, password_hash="x"))
        accounts.grant_role(sessions, email, role, organisation=org)
    return sessions


def who(sessions: sessionmaker[Session], email: str) -> accounts.Principal:
    with sessions() as s:
        return principal_of(s, s.scalar(select(User.id).where(User.email == email)))


def test_versions_chain_and_follow_grantees(orgs: sessionmaker[Session]) -> None:
    """v1 granted to CUST and CUST2; v2 and v3 reach both without asking; only v3 stays Active; precedingPfIds
    lists every earlier id, oldest first; version numbers count 1, 2, 3."""
    me = who(orgs, "manager@sup.example")
    v1 = pact_host.publish(orgs, me, "SUP", values("lfp-a", "9.0"))
    for customer in ("CUST", "CUST2"):
        pact_host.grant(orgs, me, "SUP", v1.pf_id, customer)
    v2 = pact_host.publish(orgs, me, "SUP", values("lfp-a", "8.0"), status_comment="kiln upgrade")
    v3 = pact_host.publish(orgs, me, "SUP", values("lfp-a", "7.0"))
    other = pact_host.publish(orgs, me, "SUP", values("lfp-b", "6.0"))  # another product: a chain of its own
    assert (v1.version, v2.version, v3.version, other.version) == (1, 2, 3, 1)
    assert v3.preceding_pf_ids == (v1.pf_id, v2.pf_id) and other.preceding_pf_ids == ()
    box = {p.pf_id: p for p in pact_host.outbox(orgs, me, "SUP")}
    assert [box[p.pf_id].status for p in (v1, v2, v3, other)] == ["Deprecated", "Deprecated", "Active", "Active"]
    assert box[v3.pf_id].grantees == ("CUST", "CUST2") and box[other.pf_id].grantees == ()
    old = pact_host.document(orgs, me, "SUP", v1.pf_id, "2")
    assert old["status"] == "Deprecated" and v2.pf_id in old["statusComment"] and old["updated"]
    assert pact_host.document(orgs, me, "SUP", v3.pf_id, "3")["pcf"]["pcfExcludingBiogenicUptake"] == "7"
    with orgs() as s:
        cust = s.scalar(select(Organisation.id).where(Organisation.code == "CUST"))
    texts, more = pact_host.list_documents(orgs, [cust], "3")
    assert {json.loads(t)["id"] for t in texts} == {v1.pf_id, v2.pf_id, v3.pf_id} and not more


def test_who_may_publish(orgs: sessionmaker[Session]) -> None:
    with pytest.raises(PermissionDenied):
        pact_host.publish(orgs, who(orgs, "entry@sup.example"), "SUP", values("lfp-a", "9.0"))
    with pytest.raises(NotFound):  # another tenant does not even learn SUP exists
        pact_host.publish(orgs, who(orgs, "manager@other.example"), "SUP", values("lfp-a", "9.0"))
    me = who(orgs, "manager@sup.example")
    pf = pact_host.publish(orgs, me, "SUP", values("lfp-a", "9.0"))
    with pytest.raises(NotFound):
        pact_host.grant(orgs, who(orgs, "manager@other.example"), "SUP", pf.pf_id, "OTHER")
    with pytest.raises(InputError):
        pact_host.grant(orgs, me, "SUP", pf.pf_id, "SUP")
    with pytest.raises(NotFound):
        pact_host.revoke(orgs, me, "SUP", pf.pf_id, "CUST")  # never granted


def _request(orgs: sessionmaker[Session], product: str, event_id: str = "e-1") -> list[int]:
    event = {"type": pact_inbox.EVENT_TYPES["3"]["created"], "specversion": "1.0", "id": event_id,
             "source": "https://cust.example/3/events", "time": "2026-01-01T00:00:00Z",
             "data": {"productId": [f"urn:pact:sup.example:product:{product}"]}}
    return pact_inbox.receive_request(orgs, who(orgs, "cust@cust.example"), event, "3",
                                     own_origin="https://sup-host.example")


def test_requests_are_answered_once_and_with_reasons(orgs: sessionmaker[Session]) -> None:
    me = who(orgs, "manager@sup.example")
    pact_host.publish(orgs, me, "SUP", values("lfp-a", "9.0"))
    assert _request(orgs, "lfp-a") == []  # manual: nothing to deliver yet
    assert _request(orgs, "lfp-a") == []  # the same event again is recorded once
    [pending] = pact_inbox.inbox(orgs, me, "SUP", "pending")
    assert pending.requester == "CUST" and pending.events_url == "https://cust.example/3/events"
    with pytest.raises(InputError):
        pact_inbox.decide(orgs, me, "SUP", pending.id, accept=False, reason="  ")
    done = pact_inbox.decide(orgs, me, "SUP", pending.id, accept=True)  # no key: recorded, not delivered
    assert done.status == "fulfilled" and len(done.answered_pf_ids) == 1 and done.delivery == ""
    with pytest.raises(Conflict):
        pact_inbox.decide(orgs, me, "SUP", pending.id, accept=False, reason="changed my mind")
    with pytest.raises(NotFound):
        pact_inbox.decide(orgs, who(orgs, "manager@other.example"), "OTHER", pending.id, accept=True)
    # answered: the footprint is now granted to the requester
    with orgs() as s:
        cust = s.scalar(select(Organisation.id).where(Organisation.code == "CUST"))
    assert pact_host.get_document(orgs, [cust], "3", done.answered_pf_ids[0]) is not None


def test_unknown_product_is_rejected_at_once(orgs: sessionmaker[Session]) -> None:
    ready = _request(orgs, "nothing-like-this")
    with orgs() as s:
        row = s.get(PactInboundRequest, ready[0])
        assert row is not None and row.status == "rejected" and row.supplier_organisation_id is None
        event = pact_inbox.answer_event(row, [], "https://sup-host.example")
    assert event["type"] == pact_inbox.EVENT_TYPES["3"]["rejected"] and event["data"]["error"]["code"] == "NotFound"
    assert event["data"]["requestEventId"] == "e-1" and event["source"] == "https://sup-host.example/3/events"
    assert pact.problems(event, "3", "RequestRejectedEvent") == []


@pytest.mark.parametrize("grant_on_request,granted,expected", [
    (True, False, "fulfilled"), (False, False, "rejected"), (False, True, "fulfilled")])
def test_automatic_rule(orgs: sessionmaker[Session], grant_on_request: bool, granted: bool, expected: str) -> None:
    me = who(orgs, "manager@sup.example")
    pf = pact_host.publish(orgs, me, "SUP", values("lfp-a", "9.0"))
    if granted:
        pact_host.grant(orgs, me, "SUP", pf.pf_id, "CUST")
    pact_inbox.set_rule(orgs, me, "SUP", "auto", grant_on_request=grant_on_request)
    [rid] = _request(orgs, "lfp-a")
    answer = pact_inbox.inbox_item(orgs, rid)
    assert answer.status == expected
    assert answer.answered_pf_ids == ((pf.pf_id,) if expected == "fulfilled" else ())


def test_delivery_without_credentials_is_recorded_not_raised(orgs: sessionmaker[Session]) -> None:
    me = who(orgs, "manager@sup.example")
    pact_host.publish(orgs, me, "SUP", values("lfp-a", "9.0"))
    _request(orgs, "lfp-a")
    [pending] = pact_inbox.inbox(orgs, me, "SUP")
    done = pact_inbox.decide(orgs, me, "SUP", pending.id, accept=False, reason="not sold in Europe", key=b"k" * 32)
    assert done.status == "rejected" and done.delivery == "failed"
    assert "no client credentials for https://cust.example" in done.delivery_note


def test_values_from_an_engine_result() -> None:
    """The engine tests' loop (AR6): q_a = (1 + 29.8)/0.9 = 34.2222… kg CO2e per kg of cell 'a'. A footprint of
    2 kg gives the same per-kg value; biogenic stays out of fossilGhgEmissions."""
    model = prepare(build_system(loop_db()), "AR6")
    common = dict(product_ids=("urn:pact:cellco.example:product:a",), product_name="cell", company_name="CellCo",
                  company_ids=("urn:pact:cellco.example:company:1",),
                  reference_start=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                  reference_end=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), primary_data_share=37.5, dqr=(1.6, 2, 1))
    every = pact_host.values_from_footprint(all_footprints(model), product="a", **common)  # type: ignore[arg-type]
    one = pact_host.values_from_footprint(footprint(model, {"a": quantity(2, "kg")}), demanded=2,
                                          **common)  # type: ignore[arg-type]
    assert float(every.fossil_ghg) == pytest.approx(30.8 / 0.9, abs=1e-6)
    assert float(one.fossil_ghg) == pytest.approx(30.8 / 0.9, abs=1e-6)
    doc = pact.to_v3(every, pact.Lifecycle(pact.new_pf_id()))
    assert doc["pcf"]["pcfExcludingBiogenicUptake"] == "34.222222" and doc["pcf"]["primaryDataShare"] == "37.5"
    assert doc["pcf"]["dqi"] == {"technologicalDQR": "1.6", "geographicalDQR": "1", "temporalDQR": "2"}
    assert doc["pcf"]["secondaryEmissionFactorSources"] == [{"name": "loop", "version": "1"}]
    assert pact.problems(doc, "3") == []
    with pytest.raises(InputError):
        pact_host.values_from_footprint(all_footprints(model), product="zz", **common)  # type: ignore[arg-type]
