"""services/pact/ as one package: the event types, host origins and secret encryption written once and shared
by the host side (inbox, callbacks) and the customer side (client, requests)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import ConfigurationError
from carbontrail.services import accounts
from carbontrail.services.accounts import principal_of
from carbontrail.services.pact import callbacks, client, events, host, inbox, requests, secrets
from carbontrail.store.db import transaction
from carbontrail.store.models import Organisation, User
from pact_world import values

KEY = b"k" * 32


def test_one_table_of_event_types_for_both_sides() -> None:
    assert inbox.EVENT_TYPES is events.EVENT_TYPES and client.EVENT_TYPES is events.EVENT_TYPES
    assert events.kind_of("org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3", "3") == "created"
    assert events.kind_of("org.wbcsd.pathfinder.ProductFootprintRequest.Fulfilled.v1", "2") == "fulfilled"
    assert events.kind_of("org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3", "2") is None


@pytest.mark.parametrize(("url", "expected"), [
    ("https://Cust.Example:443/3/events", "https://cust.example"),
    ("//cust.example/3/events", "https://cust.example"),
    ("https://cust.example:8443/2/events", "https://cust.example:8443"),
    ("http://cust.example:80", "http://cust.example"),
])
def test_one_spelling_of_a_host(url: str, expected: str) -> None:
    assert events.origin(url) == expected


def test_each_purpose_has_its_own_key() -> None:
    token = secrets.encrypt(KEY, requests.SECRETS, "s3cret")
    assert secrets.decrypt(KEY, requests.SECRETS, token) == "s3cret"
    with pytest.raises(ConfigurationError, match="callback secret"):
        secrets.decrypt(KEY, inbox.SECRETS, token)  # a connection secret is no callback secret
    with pytest.raises(ConfigurationError, match="supplier's client secret"):
        secrets.decrypt(b"j" * 32, requests.SECRETS, token)


def test_credentials_stored_under_another_spelling_still_answer(sessions: sessionmaker[Session],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials entered as https://Cust.Example:443 serve a request whose source is https://cust.example/…:
    the two sides used to spell origins differently, and the answer was recorded as undeliverable."""
    with transaction(sessions) as s:
        for code in ("SUP", "CUST"):
            s.add(Organisation(code=code, name=code, name_en=code, industry="battery", province="Sichuan"))
    for email, org in (("manager@sup.example", "SUP"), ("cust@cust.example", "CUST")):
        with transaction(sessions) as s:
            s.add(User(email=email, name=email, password_hash="x"))
        accounts.grant_role(sessions, email, "carbon_manager", organisation=org)
    with sessions() as s:
        me, cust = (principal_of(s, s.scalar(select(User.id).where(User.email == e)))
                    for e in ("manager@sup.example", "cust@cust.example"))
    host.publish(sessions, me, "SUP", values("lfp-a", "9.0"))
    stored = inbox.set_callback_credentials(sessions, None, "SUP", KEY, host="https://Cust.Example:443",
                                            client_id="sup-at-cust", client_secret="s3cret")
    assert stored == "https://cust.example"
    sent: list[dict[str, Any]] = []

    def fake_send(url: str, event: dict[str, Any], **kwargs: str) -> int:
        sent.append({"url": url, "event": event, **kwargs})
        return 200

    monkeypatch.setattr(callbacks, "send", fake_send)
    event = {"type": events.EVENT_TYPES["3"]["created"], "specversion": "1.0", "id": "e-1",
             "source": "https://cust.example/3/events", "time": "2026-01-01T00:00:00Z",
             "data": {"productId": ["urn:pact:sup.example:product:lfp-a"]}}
    inbox.receive_request(sessions, cust, event, "3", own_origin="https://sup-host.example")
    [pending] = inbox.inbox(sessions, me, "SUP", "pending")
    done = inbox.decide(sessions, me, "SUP", pending.id, accept=True, key=KEY)
    assert (done.delivery, done.delivery_note) == ("sent", "HTTP 200")
    assert sent[0]["client_id"] == "sup-at-cust" and sent[0]["client_secret"] == "s3cret"
    assert sent[0]["event"]["type"] == events.EVENT_TYPES["3"]["fulfilled"]
