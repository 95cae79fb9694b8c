"""The trust core against published test vectors (sources in vectors/README.md) and a naive recomputation."""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import pytest

from carbontrail.ledger import credentials, merkle
from carbontrail.ledger.canonical import CanonicalError, canonical
from carbontrail.ledger.checkpoint import Verifier, open_note, parse_signer, sign_note, verifier_key
from carbontrail.ledger.failures import VerificationFailed
from carbontrail.ledger.keys import KeyPair, PublicKey, b58decode, b58encode

VECTORS = Path(__file__).parent / "vectors"
JCS = json.loads((VECTORS / "rfc8785.json").read_text())
EDDSA = json.loads((VECTORS / "eddsa_jcs_2022.json").read_text())
TREE = json.loads((VECTORS / "rfc6962_tree.json").read_text())
NOTE = json.loads((VECTORS / "signed_note.json").read_text())


# -- RFC 8785 ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", JCS["documents"], ids=lambda c: c["name"])
def test_canonical_documents_match_the_published_outputs(case: dict[str, str]) -> None:
    assert canonical(json.loads(case["input"])) == case["output"].encode("utf-8")


@pytest.mark.parametrize(("bits", "expected"), JCS["numbers"])
def test_numbers_serialise_as_rfc8785_appendix_b(bits: str, expected: str) -> None:
    value = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert canonical(value) == expected.encode()


@pytest.mark.parametrize("bits", JCS["not_numbers"])
def test_nan_and_infinity_are_refused(bits: str) -> None:
    with pytest.raises(CanonicalError):
        canonical(struct.unpack(">d", bytes.fromhex(bits))[0])


# -- vc-di-eddsa eddsa-jcs-2022 ---------------------------------------------------------------------------------

def _pair() -> KeyPair:
    return KeyPair.from_multibase(EDDSA["keyPair"]["privateKeyMultibase"])


def test_key_pair_derives_the_published_multikey() -> None:
    assert _pair().public.multikey == EDDSA["keyPair"]["publicKeyMultibase"]
    assert b58decode(b58encode(b"\0\0\x01\x02")) == b"\0\0\x01\x02"


def test_document_canonical_form_and_hash() -> None:
    doc = EDDSA["unsecuredDocument"]
    assert canonical(doc).decode() == EDDSA["canonicalDocument"]
    assert hashlib.sha256(canonical(doc)).hexdigest() == EDDSA["documentHash"]


def test_did_key_proof_configuration_hashes_as_published() -> None:
    doc, pub = EDDSA["unsecuredDocument"], EDDSA["didKeyProof"]
    vm = _pair().public.verification_method
    proof = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022", "created": "2023-02-24T23:36:38Z",
             "verificationMethod": vm, "proofPurpose": "assertionMethod"}
    data = credentials.hash_data(doc, proof)
    config = dict(proof, **{"@context": doc["@context"]})
    assert canonical(config).decode() == pub["canonicalProofConfig"]
    assert data[:32].hex() == pub["proofConfigHash"]
    assert data.hex() == pub["combinedHash"]
    signed = credentials.sign(doc, _pair(), created="2023-02-24T23:36:38Z")
    assert credentials.verify(signed).key.multikey == EDDSA["keyPair"]["publicKeyMultibase"]


def test_signing_reproduces_the_published_signed_credential() -> None:
    published = EDDSA["signedDocument"]["document"]
    ours = credentials.sign(EDDSA["unsecuredDocument"], _pair(), created="2023-02-24T23:36:38Z",
                            verification_method=published["proof"]["verificationMethod"])
    assert ours == published  # Ed25519 is deterministic: byte-for-byte the published proof value
    value = published["proof"]["proofValue"]
    assert b58decode(value[1:]).hex() == EDDSA["signedDocument"]["signatureHex"]
    key = PublicKey.from_multikey(EDDSA["keyPair"]["publicKeyMultibase"])
    assert credentials.verify(published, key).created == "2023-02-24T23:36:38Z"
    changed = json.loads(json.dumps(published))
    changed["credentialSubject"]["alumniOf"] = "The School of Counterexamples"
    with pytest.raises(VerificationFailed, match="does not verify"):
        credentials.verify(changed, key)


# -- RFC 6962 / 9162 Merkle tree --------------------------------------------------------------------------------

def _naive_mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH written straight from its definition (independent of carbontrail.ledger.merkle)."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + _naive_mth(leaves[:k]) + _naive_mth(leaves[k:])).digest()


def _naive_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return _naive_path(m, leaves[:k]) + [_naive_mth(leaves[k:])]
    return _naive_path(m - k, leaves[k:]) + [_naive_mth(leaves[:k])]


def _naive_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [_naive_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return _naive_subproof(m, leaves[:k], whole) + [_naive_mth(leaves[k:])]
    return _naive_subproof(m - k, leaves[k:], False) + [_naive_mth(leaves[:k])]


class _Log:
    """A log built with the core's appender: its stored nodes, as the database keeps them."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.frontier = merkle.Frontier()
        for leaf in leaves:
            for level, index, value in self.frontier.append(merkle.leaf_hash(leaf)):
                self.nodes[(level, index)] = value

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return merkle.assemble(merkle.inclusion_ranges(index, size), self.nodes)

    def consistency(self, old: int, new: int) -> list[bytes]:
        return merkle.assemble(merkle.consistency_ranges(old, new), self.nodes)


LEAVES = [bytes.fromhex(x) for x in TREE["leaves"]]
ROOTS = [bytes.fromhex(x) for x in TREE["roots"]]


def test_hasher_vectors() -> None:
    h = TREE["hasher"]
    assert merkle.EMPTY_ROOT.hex() == h["empty_root"]
    assert merkle.leaf_hash(b"").hex() == h["empty_leaf"]
    assert merkle.leaf_hash(b"L123456").hex() == h["leaf_L123456"]
    assert merkle.node_hash(b"N123", b"N456").hex() == h["node_N123_N456"]


def test_tree_heads_of_the_published_tree() -> None:
    log = _Log(LEAVES)
    for size in range(1, 9):
        assert merkle.root_from(size, log.nodes) == ROOTS[size - 1] == _naive_mth(LEAVES[:size])
        partial = _Log(LEAVES[:size])
        assert partial.frontier.root() == ROOTS[size - 1]


@pytest.mark.parametrize("case", TREE["inclusion"], ids=lambda c: f"{c['leaf']}of{c['size']}")
def test_inclusion_proofs_as_published(case: dict[str, object]) -> None:
    index, size = int(case["leaf"]) - 1, int(case["size"])  # type: ignore[call-overload]
    proof = [bytes.fromhex(p) for p in case["proof"]]  # type: ignore[attr-defined]
    assert _Log(LEAVES).inclusion(index, size) == proof == _naive_path(index, LEAVES[:size])
    assert merkle.verify_inclusion(index, size, merkle.leaf_hash(LEAVES[index]), proof, ROOTS[size - 1])
    assert not merkle.verify_inclusion(index, size, merkle.leaf_hash(b"WrongLeaf"), proof, ROOTS[size - 1])
    if proof:
        assert not merkle.verify_inclusion(index, size, merkle.leaf_hash(LEAVES[index]), proof[:-1],
                                           ROOTS[size - 1])
        assert not merkle.verify_inclusion(index + 1, size, merkle.leaf_hash(LEAVES[index]), proof,
                                           ROOTS[size - 1])


@pytest.mark.parametrize("case", TREE["consistency"], ids=lambda c: f"{c['size1']}to{c['size2']}")
def test_consistency_proofs_as_published(case: dict[str, object]) -> None:
    old, new = int(case["size1"]), int(case["size2"])  # type: ignore[call-overload]
    proof = [bytes.fromhex(p) for p in case["proof"]]  # type: ignore[attr-defined]
    expected = _naive_subproof(old, LEAVES[:new], True) if old != new else []
    assert _Log(LEAVES).consistency(old, new) == proof == expected
    assert merkle.verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], proof)
    if proof:
        assert not merkle.verify_consistency(old, new, ROOTS[new - 1], ROOTS[old - 1], proof)
        flipped = [bytes([proof[0][0] ^ 16]) + proof[0][1:], *proof[1:]]
        assert not merkle.verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], flipped)


def test_every_proof_of_a_larger_tree_matches_the_naive_recomputation() -> None:
    leaves = [f"entry {i}".encode() for i in range(70)]
    log = _Log(leaves)
    for size in range(1, 71):
        root = _naive_mth(leaves[:size])
        assert merkle.root_from(size, log.nodes) == root
        for index in range(size):
            proof = log.inclusion(index, size)
            assert proof == _naive_path(index, leaves[:size])
            assert merkle.verify_inclusion(index, size, merkle.leaf_hash(leaves[index]), proof, root)
        for old in range(1, size):
            proof = log.consistency(old, size)
            assert proof == _naive_subproof(old, leaves[:size], True)
            assert merkle.verify_consistency(old, size, _naive_mth(leaves[:old]), root, proof)
    assert len(merkle.nodes_for(merkle.inclusion_ranges(37, 70))) <= 2 * 7


# -- C2SP signed note -------------------------------------------------------------------------------------------

def test_signed_note_matches_the_reference_implementation() -> None:
    name, pair = parse_signer(NOTE["signer"])
    assert verifier_key(name, pair.public) == NOTE["verifier"]
    assert sign_note(NOTE["text"], name, pair) == NOTE["note"]
    assert open_note(NOTE["note"], Verifier.parse(NOTE["verifier"])) == NOTE["text"]
    with pytest.raises(VerificationFailed):
        open_note(NOTE["note"].replace("cryptography", "cryptographY"), Verifier.parse(NOTE["verifier"]))
