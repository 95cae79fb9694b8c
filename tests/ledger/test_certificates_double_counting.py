"""Double counting, as properties: random transfers and claims by several tenants — one after another against a
reference model, and at once from eight threads — never claim more than the face value or from a non-owner, and
every planted double claim is refused. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import random
import threading
from datetime import date

import pytest
from certificates_world import CLI, issue_gecs, seed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from carbontrail.errors import Conflict, InputError
from carbontrail.services import certificates as certs
from carbontrail.store.models import CertificateClaim, EnergyInstrument, Organisation

TENANTS = ("SC-HYDRO", "CD-CELL", "SH-LFP")
JAN = (date(2025, 1, 1), date(2025, 1, 31))
ON = date(2025, 2, 1)
_serials = itertools.count(1)

op = st.tuples(st.sampled_from(("transfer", "claim", "replay")), st.integers(0, 2), st.integers(0, 3),
               st.integers(0, 2))


def _state(sessions, serials: list[str]) -> dict[str, tuple[str, int, int]]:
    """reference → (owner code, claimed kWh on the instrument, kWh of its active claims)."""
    with sessions() as s:
        codes = dict(s.execute(select(Organisation.id, Organisation.code)).all())
        out = {}
        for row in s.scalars(select(EnergyInstrument).where(EnergyInstrument.reference.in_(serials))):
            active = s.scalar(select(func.coalesce(func.sum(CertificateClaim.kwh), 0)).where(
                CertificateClaim.instrument_id == row.id, CertificateClaim.status == "active"))
            out[row.reference] = (codes[row.owner_id], row.claimed_kwh, int(active))
    return out


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op, min_size=1, max_size=14))
def test_sequences_follow_the_rules(sessions, ops) -> None:
    with sessions() as s:
        seeded = s.scalar(select(func.count(Organisation.id)))
    if not seeded:
        seed(sessions)
    first = next(_serials) * 10
    serials = issue_gecs(sessions, 4, first=first)
    owner = {r: "SC-HYDRO" for r in serials}
    claimed: set[str] = set()
    last_claimed: str | None = None
    refused_doubles = 0
    for action, who, which, target in ops:
        actor = TENANTS[who]
        if action == "replay":
            if last_claimed is None:
                continue
            with pytest.raises(Conflict, match="already fully claimed"):
                certs.claim(sessions, CLI, actor, [last_claimed], JAN, on=ON)
            refused_doubles += 1
            continue
        ref = serials[which]
        allowed = owner[ref] == actor and ref not in claimed
        if action == "transfer":
            to = TENANTS[target]
            if to == actor:
                with pytest.raises(InputError, match="own holder"):
                    certs.transfer(sessions, CLI, actor, to, [ref], on=ON)
                continue
            if allowed:
                certs.transfer(sessions, CLI, actor, to, [ref], on=ON)
                owner[ref] = to
            else:
                with pytest.raises(Conflict):
                    certs.transfer(sessions, CLI, actor, to, [ref], on=ON)
        else:
            if allowed:
                certs.claim(sessions, CLI, actor, [ref], JAN, on=ON)
                claimed.add(ref)
                last_claimed = ref
            else:
                with pytest.raises(Conflict):
                    certs.claim(sessions, CLI, actor, [ref], JAN, on=ON)
    state = _state(sessions, serials)
    for ref in serials:
        assert state[ref] == (owner[ref], 1000 if ref in claimed else 0, 1000 if ref in claimed else 0)


def test_concurrent_threads_never_over_claim(sessions) -> None:
    """Eight threads at once on 24 certificates held by CD-CELL: four claim them for CD-CELL, two transfer them to
    SH-LFP, two claim them for SH-LFP. Each certificate ends with at most one claim, by its holder, of at most its
    face value; every refused attempt is a Conflict with a reason, nothing else fails."""
    seed(sessions)
    serials = issue_gecs(sessions, 24, holder="CD-CELL", first=900_000)
    barrier = threading.Barrier(8)
    wins: list[tuple[str, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        order = serials[:]
        random.Random(n).shuffle(order)
        barrier.wait()
        for ref in order:
            try:
                if n < 4:
                    certs.claim(sessions, CLI, "CD-CELL", [ref], JAN, on=ON)
                    outcome = "claim CD-CELL"
                elif n < 6:
                    certs.transfer(sessions, CLI, "CD-CELL", "SH-LFP", [ref], on=ON)
                    outcome = "transfer"
                else:
                    certs.claim(sessions, CLI, "SH-LFP", [ref], JAN, on=ON)
                    outcome = "claim SH-LFP"
            except Conflict:
                continue
            except BaseException as exc:  # noqa: BLE001 - reported below
                with lock:
                    errors.append(exc)
                continue
            with lock:
                wins.append((ref, outcome))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    state = _state(sessions, serials)
    claims = [r for r, what in wins if what.startswith("claim")]
    transfers = [r for r, what in wins if what == "transfer"]
    assert len(claims) == len(set(claims))  # never two claims of one certificate
    assert len(transfers) == len(set(transfers))  # never two transfers: one owner at a time
    for ref in serials:
        holder, on_instrument, in_claims = state[ref]
        assert on_instrument == in_claims <= 1000
        assert holder == ("SH-LFP" if ref in transfers else "CD-CELL")
        won = [what for r, what in wins if r == ref and what.startswith("claim")]
        if won:
            assert won == [f"claim {holder}"] and on_instrument == 1000
        else:
            assert on_instrument == 0
    assert sum(1 for r in serials if state[r][1] == 1000) == len(claims)
    entries, problems = certs.verify_log(sessions)
    assert problems == [] and entries == 24 + len(transfers) + len(claims)
