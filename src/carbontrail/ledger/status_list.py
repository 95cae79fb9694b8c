"""Bitstring Status List v1.0 (W3C): revocation as one bit per credential in a gzip-compressed, base64url list.

Index 0 is the left-most (most significant) bit of the first byte; a list holds at least 131,072 entries so that
a credential's index says little about who holds it (§6.1 of the specification).
"""

from __future__ import annotations

import base64
import gzip
import io

from carbontrail.ledger.failures import VerificationFailed

MIN_ENTRIES = 131_072
MAX_ENCODED = 2_000_000


def empty(size: int = MIN_ENTRIES) -> bytearray:
    return bytearray((max(size, MIN_ENTRIES) + 7) // 8)


def set_bit(bits: bytearray, index: int, value: bool = True) -> None:
    if not 0 <= index < len(bits) * 8:
        raise IndexError(f"status index {index} is outside a list of {len(bits) * 8}")
    mask = 0x80 >> (index % 8)
    bits[index // 8] = bits[index // 8] | mask if value else bits[index // 8] & ~mask


def get_bit(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise VerificationFailed(f"status index {index} is outside the status list of {len(bits) * 8} entries")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def encode(bits: bytes) -> str:
    """The `encodedList`: multibase base64url (prefix 'u', no padding) of the GZIP-compressed bitstring."""
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u") or len(encoded) > MAX_ENCODED:
        raise VerificationFailed("the status list is not a multibase base64url value")
    body = encoded[1:]
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        with gzip.GzipFile(fileobj=io.BytesIO(packed)) as stream:
            bits = stream.read(MIN_ENTRIES * 64 + 1)  # bounded: no decompression bomb
    except (ValueError, OSError, EOFError):
        raise VerificationFailed("the status list cannot be decoded (base64url of GZIP expected)") from None
    if len(bits) > MIN_ENTRIES * 64:
        raise VerificationFailed("the status list is larger than this verifier accepts")
    return bits


def entry(list_url: str, index: int, purpose: str = "revocation") -> dict[str, str]:
    """The `credentialStatus` a credential carries to point at its bit."""
    return {"id": f"{list_url}#{index}", "type": "BitstringStatusListEntry", "statusPurpose": purpose,
            "statusListIndex": str(index), "statusListCredential": list_url}


def list_subject(list_url: str, bits: bytes, purpose: str = "revocation") -> dict[str, str]:
    return {"id": f"{list_url}#list", "type": "BitstringStatusList", "statusPurpose": purpose,
            "encodedList": encode(bits)}
