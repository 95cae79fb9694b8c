"""Tamper evidence: flipping any single byte of a stored entry, a proof, a checkpoint or a credential is detected."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbontrail.errors import CarbontrailError
from carbontrail.ledger import bundle, credentials, merkle, status_list
from carbontrail.ledger.canonical import canonical, parse
from carbontrail.ledger.checkpoint import Checkpoint, sign_checkpoint, verifier_key
from carbontrail.ledger.entries import Entry, document_entry
from carbontrail.ledger.keys import KeyPair

LOG_SIZE = 3000
ISSUER = "did:web:registry.example:organisations:SC-CELL"
LIST_URL = "https://registry.example/ledger/status/SC-CELL/1"
T = "2026-03-01T00:00:00Z"


@dataclass
class World:
    credential: bytes
    bundle: bytes
    held: str


def _world() -> World:
    log_pair, org = KeyPair(bytes(range(32))), KeyPair(bytes(range(1, 33)))
    bits = status_list.empty()
    status_list.set_bit(bits, 7)  # another credential is revoked; ours (index 42) is not
    listed = credentials.sign(credentials.credential(
        id=LIST_URL, types=["BitstringStatusListCredential"], issuer=ISSUER,
        subject=status_list.list_subject(LIST_URL, bits), valid_from=datetime(2026, 3, 1, tzinfo=UTC)),
        org, created=T)
    vc = credentials.sign(credentials.credential(
        id="urn:uuid:0d3c0e8e-6f7b-4b1e-9a55-3f1c2b7a9e10", types=["ProductFootprintCredential"], issuer=ISSUER,
        subject={"id": "urn:pact:footprint:1", "pcf": {"pCfExcludingBiogenic": "61.2", "declaredUnit": "kilowatt hour"}},
        valid_from=datetime(2026, 3, 1, tzinfo=UTC), status=status_list.entry(LIST_URL, 42)), org, created=T)
    entries: list[Entry] = [Entry("certificate", "OTHER", T, subject=f"{i:064x}") for i in range(LOG_SIZE)]
    key_entry = Entry("key", "SC-CELL", T, detail=(("issuer", ISSUER), ("key", org.public.multikey)))
    entries[10] = key_entry
    entries[2500] = document_entry("credential", "SC-CELL", T, vc)
    nodes: dict[tuple[int, int], bytes] = {}
    frontier = merkle.Frontier()
    for e in entries:
        for level, index, value in frontier.append(e.leaf_hash()):
            nodes[(level, index)] = value

    def proof(i: int) -> dict[str, Any]:
        return bundle.inclusion_json(entries[i], i, LOG_SIZE,
                                     merkle.assemble(merkle.inclusion_ranges(i, LOG_SIZE), nodes))

    note = sign_checkpoint(Checkpoint("registry.example/log", LOG_SIZE, frontier.root()), "registry.example", log_pair)
    held = sign_checkpoint(Checkpoint("registry.example/log", 2600, merkle.root_from(2600, nodes)),
                           "registry.example", log_pair)
    made = bundle.make(inclusion=proof(2500), checkpoint=note, log_key=verifier_key("registry.example", log_pair.public),
                       issuer_key=proof(10), status_list=listed,
                       consistency=[bundle.consistency_json(2600, LOG_SIZE, merkle.assemble(
                           merkle.consistency_ranges(2600, LOG_SIZE), nodes))])
    return World(canonical(vc), canonical(made), held)


WORLD = _world()


def _verdict(credential: bytes, proofs: bytes, held: str) -> bool:
    try:
        return bundle.verify(parse(credential), parse(proofs), held=held).ok
    except CarbontrailError:  # unreadable after the flip: refused, which is detection too
        return False


def test_the_untouched_credential_verifies_with_a_sentence() -> None:
    report = bundle.verify(parse(WORLD.credential), parse(WORLD.bundle), held=WORLD.held)
    assert report.ok, report.sentence
    assert "entry 2500 of the 3000-entry log registry.example/log" in report.sentence
    assert "consistent with the checkpoint you hold" in report.sentence


def _span(needle: str) -> tuple[int, int]:
    text = WORLD.bundle.decode()
    start = text.index(needle)
    return len(text[:start].encode()), len(text[:start].encode()) + len(needle.encode())


BUNDLE = json.loads(WORLD.bundle)
REGIONS = {
    "entry": _span(canonical(BUNDLE["inclusion"]["entry"]).decode()),
    "proof": _span(json.dumps(BUNDLE["inclusion"]["hashes"], separators=(",", ":"))),
    "checkpoint": _span(json.dumps(BUNDLE["checkpoint"], ensure_ascii=False)[1:-1]),
}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.sampled_from(["credential", "entry", "proof", "checkpoint", "anywhere"]),
       at=st.floats(min_value=0, max_value=1, exclude_max=True), mask=st.integers(min_value=1, max_value=255))
def test_any_single_byte_flip_is_detected(where: str, at: float, mask: int) -> None:
    credential, proofs = bytearray(WORLD.credential), bytearray(WORLD.bundle)
    if where == "credential":
        target, start, end = credential, 0, len(credential)
    elif where == "anywhere":
        target, start, end = proofs, 0, len(proofs)
    else:
        target, (start, end) = proofs, REGIONS[where]
    position = start + int(at * (end - start))
    target[position] ^= mask
    assert not _verdict(bytes(credential), bytes(proofs), WORLD.held)


@settings(max_examples=100, deadline=None)
@given(at=st.floats(min_value=0, max_value=1, exclude_max=True), mask=st.integers(min_value=1, max_value=255))
def test_a_flipped_held_checkpoint_is_detected(at: float, mask: int) -> None:
    held = bytearray(WORLD.held.encode())
    held[int(at * len(held))] ^= mask
    try:
        text = held.decode()
    except UnicodeDecodeError:
        return  # not even text: nothing a verifier could be fooled with
    assert not _verdict(WORLD.credential, WORLD.bundle, text)


def test_a_revoked_credential_fails_with_that_reason() -> None:
    vc = parse(WORLD.credential)
    made = parse(WORLD.bundle)
    subject = made["statusList"]["credentialSubject"]
    bits = bytearray(status_list.decode(subject["encodedList"]))
    status_list.set_bit(bits, 42)
    org = KeyPair(bytes(range(1, 33)))
    unsigned = {k: v for k, v in made["statusList"].items() if k != "proof"}
    unsigned["credentialSubject"] = dict(subject, encodedList=status_list.encode(bits))
    made["statusList"] = credentials.sign(unsigned, org, created=T)
    report = bundle.verify(vc, made, held=WORLD.held)
    assert not report.ok
    assert [c.name for c in report.failed()] == ["status"]
    assert "revoked or withdrawn" in report.sentence
