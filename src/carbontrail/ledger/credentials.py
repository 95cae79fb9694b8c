"""W3C Verifiable Credentials 2.0 secured with the Data Integrity cryptosuite `eddsa-jcs-2022`.

Signing (vc-di-eddsa §3.3): the proof configuration (the proof without `proofValue`, carrying the document's
`@context`) and the document without its proof are each canonicalised with RFC 8785 and hashed with SHA-256;
Ed25519 signs proofConfigHash || documentHash, and the signature is `proofValue`, multibase base58btc.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from carbontrail.errors import InputError
from carbontrail.ledger.canonical import canonical
from carbontrail.ledger.failures import VerificationFailed
from carbontrail.ledger.keys import KeyPair, PublicKey, b58encode, multibase_decode, public_key_of

VC_V2 = "https://www.w3.org/ns/credentials/v2"
CRYPTOSUITE = "eddsa-jcs-2022"

Json = dict[str, Any]


def iso(moment: datetime) -> str:
    """XML Schema dateTimeStamp in UTC to the second, as credentials write it."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def hash_data(document: Json, proof_config: Json) -> bytes:
    """proofConfigHash || transformedDocumentHash: the 64 bytes Ed25519 signs."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = {k: v for k, v in proof_config.items() if k != "proofValue"}
    if "@context" in unsecured:
        config["@context"] = unsecured["@context"]
    return hashlib.sha256(canonical(config)).digest() + hashlib.sha256(canonical(unsecured)).digest()


def sign(document: Json, pair: KeyPair, *, created: datetime | str, verification_method: str | None = None,
         purpose: str = "assertionMethod") -> Json:
    """`document` with a DataIntegrityProof (eddsa-jcs-2022) added; the input is not changed."""
    proof: Json = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created if isinstance(created, str) else iso(created),
        "verificationMethod": verification_method or pair.public.verification_method,
        "proofPurpose": purpose,
    }
    if "@context" in document:
        proof["@context"] = document["@context"]
    signature = pair.sign(hash_data(document, proof))
    proof["proofValue"] = "z" + b58encode(signature)
    secured = copy.deepcopy(document)
    secured["proof"] = proof
    return secured


@dataclass(frozen=True)
class Proven:
    """A credential whose proof verified: who signed it, with which key, when."""

    verification_method: str
    key: PublicKey
    created: str


def verify(document: Json, key: PublicKey | None = None) -> Proven:
    """Check the eddsa-jcs-2022 proof; the key is the one a did:key verification method names unless given."""
    proof = document.get("proof")
    if not isinstance(proof, dict):
        raise VerificationFailed("the credential carries no Data Integrity proof")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        raise VerificationFailed(f"the credential's proof is not a DataIntegrityProof of {CRYPTOSUITE}")
    method, value = proof.get("verificationMethod"), proof.get("proofValue")
    if not isinstance(method, str) or not isinstance(value, str):
        raise VerificationFailed("the credential's proof names no verification method or proof value")
    context = proof.get("@context")
    if context is not None and document.get("@context") != context:
        raise VerificationFailed("the proof's @context differs from the credential's")
    try:
        signer = key or public_key_of(method)
        signature = multibase_decode(value)
    except InputError as exc:  # a malformed key or value is a failed verification, said in one sentence
        raise VerificationFailed(f"the credential's proof cannot be read: {exc.message}") from None
    if len(signature) != 64 or not signer.verify(signature, hash_data(document, proof)):
        raise VerificationFailed("the credential's signature does not verify: its content or proof was changed")
    return Proven(method, signer, str(proof.get("created", "")))


def credential(*, id: str, types: list[str], issuer: str, subject: Json, valid_from: datetime,
               name: str = "", status: Json | None = None, extra_contexts: tuple[str, ...] = ()) -> Json:
    """An unsigned VC 2.0 document."""
    doc: Json = {
        "@context": [VC_V2, *extra_contexts],
        "id": id,
        "type": ["VerifiableCredential", *types],
        "issuer": issuer,
        "validFrom": iso(valid_from),
        "credentialSubject": subject,
    }
    if name:
        doc["name"] = name
    if status is not None:
        doc["credentialStatus"] = status
    return doc
