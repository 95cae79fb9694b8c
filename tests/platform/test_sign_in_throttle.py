"""Brute force: wrong passwords and client secrets back off, then lock the account (even for the right password)
until the lock expires; the address is counted too, and every lock is in the audit trail. A clock is injected,
nothing sleeps."""

from __future__ import annotations

import dataclasses
import re

import pytest
from sqlalchemy import select

from carbontrail.services import accounts
from carbontrail.services.accounts import AuthenticationFailed, SignInThrottled
from carbontrail.store.models import AuditEvent, SignInThrottle
from platform_world import PASSWORD, World


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(world: World) -> Clock:
    c = Clock()
    world.app.state.context = dataclasses.replace(world.app.state.context, clock=c)
    return c


def _token(world: World, password: str, username: str = "carbon_manager@a.example"):  # type: ignore[no-untyped-def]
    return world.client.post("/api/token", data={"grant_type": "password", "username": username,
                                                 "password": password})


def _locks(world: World, key: str) -> list[str]:
    with world.sessions() as s:
        return list(s.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "sign_in",
                                                              AuditEvent.object_key == key,
                                                              AuditEvent.action == "lock")))


def test_200_wrong_passwords_on_the_api_lock_the_account_until_the_lock_expires(world: World, clock: Clock) -> None:
    answers = []
    for _ in range(200):
        answers.append(_token(world, "wrong password!").status_code)
        clock.now += 0.5
    # five wrong answers at once (401), then backing off: refused unchecked (429) until each wait passes
    assert answers[:5] == [401] * 5
    assert answers.count(429) > 150
    refused = _token(world, PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.json()["code"] == "too_many_attempts"
    assert _locks(world, "account:carbon_manager@a.example") == ["lock"]
    # the lock holds for its whole span ...
    clock.now += accounts.LOCK_SECONDS - 200
    assert _token(world, PASSWORD).status_code == 429
    # ... and then the right password works again, and the count starts afresh
    clock.now += 200
    ok = _token(world, PASSWORD)
    assert ok.status_code == 200, ok.text
    assert _token(world, "wrong password!").status_code == 401


def test_the_backoff_doubles_after_the_free_attempts(world: World) -> None:
    """After FREE_FAILURES (5) wrong passwords each further one doubles the wait: 2 s, 4 s, 8 s ... capped at 60 s;
    an attempt during the wait is refused unchecked, even with the right password."""
    now = 1_900_000_000.0
    for _ in range(5):
        with pytest.raises(AuthenticationFailed) as wrong:
            accounts.authenticate_user(world.sessions, "verifier@a.example", "nope nope!", now=now)
        assert not isinstance(wrong.value, SignInThrottled)
    waits = []
    for _ in range(7):
        with pytest.raises(AuthenticationFailed):
            accounts.authenticate_user(world.sessions, "verifier@a.example", "nope nope!", now=now)
        with world.sessions() as s:
            row = s.get(SignInThrottle, "account:verifier@a.example")
            assert row is not None
            waits.append(row.locked_until - now)
        now += waits[-1]
    assert waits == [2, 4, 8, 16, 32, 60, 60]
    with pytest.raises(SignInThrottled) as held:
        accounts.authenticate_user(world.sessions, "verifier@a.example", PASSWORD, now=now - 0.5)
    assert held.value.retry_after == 1
    assert accounts.authenticate_user(world.sessions, "verifier@a.example", PASSWORD, now=now).email == \
        "verifier@a.example"


def test_one_address_guessing_many_accounts_is_locked(world: World) -> None:
    now = 2_000_000_000.0
    address = "198.51.100.7"
    for n in range(accounts.LOCK_AFTER["address"]):
        with pytest.raises(AuthenticationFailed):
            accounts.authenticate_user(world.sessions, f"nobody{n}@a.example", "guess guess!", address=address,
                                       now=now)
    with pytest.raises(SignInThrottled):
        accounts.authenticate_user(world.sessions, "org_admin@a.example", PASSWORD, address=address, now=now + 1)
    # the same account from another address is not held by this address's lock
    assert accounts.authenticate_user(world.sessions, "org_admin@a.example", PASSWORD, address="203.0.113.9",
                                      now=now + 1).email == "org_admin@a.example"
    assert _locks(world, f"address:{address}") == ["lock"]


def test_100_wrong_client_secrets_lock_the_client(world: World) -> None:
    client_id, secret = accounts.create_client(world.sessions, "carbon_manager@a.example", name="ERP")
    now = 2_100_000_000.0
    for _ in range(100):
        with pytest.raises(AuthenticationFailed):
            accounts.authenticate_client(world.sessions, client_id, "wrong-secret", now=now)
        now += 0.1
    with pytest.raises(SignInThrottled):
        accounts.authenticate_client(world.sessions, client_id, secret, now=now)
    assert _locks(world, f"client:{client_id}") == ["lock"]
    assert accounts.authenticate_client(world.sessions, client_id, secret,
                                        now=now + accounts.LOCK_SECONDS).client_id == client_id


def test_the_web_sign_in_is_throttled_too(world: World, clock: Clock) -> None:
    def sign_in(password: str):  # type: ignore[no-untyped-def]
        world.client.cookies.clear()
        form = world.client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        return world.client.post("/login", data={"email": "org_admin@a.example", "password": password,
                                                 "csrf_token": token, "next": "/"}, follow_redirects=False)

    codes = []
    for _ in range(200):
        codes.append(sign_in("wrong password!").status_code)
        clock.now += 0.5
    assert codes[:5] == [401] * 5 and 429 in codes
    held = sign_in(PASSWORD)
    assert held.status_code == 429 and "ct_session" not in held.cookies
    clock.now += accounts.LOCK_SECONDS
    assert sign_in(PASSWORD).status_code == 303


def test_the_pact_token_endpoint_is_throttled_per_client_and_address(world: World, clock: Clock) -> None:
    """100 wrong client secrets at PACT's /auth/token: 401 for the first few, then 429 with Retry-After (RFC 6749
    error body), the client locked even for the right secret, and the address counted as on the other doors."""
    client_id, secret = accounts.create_client(world.sessions, "carbon_manager@a.example", name="PACT peer")

    def token(password: str):  # type: ignore[no-untyped-def]
        return world.client.post("https://testserver/auth/token", data={"grant_type": "client_credentials"},
                                 auth=(client_id, password))

    answers = []
    for _ in range(100):
        answers.append(token("wrong-secret").status_code)
        clock.now += 0.5
    assert answers[:5] == [401] * 5
    assert answers.count(429) > 50
    refused = token(secret)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.json()["error"] == "invalid_client"
    assert _locks(world, f"client:{client_id}") == ["lock"]
    with world.sessions() as s:
        address = s.get(SignInThrottle, "address:testclient")
        assert address is not None and address.failures >= 100
    clock.now += accounts.LOCK_SECONDS + 1
    assert token(secret).status_code == 200
