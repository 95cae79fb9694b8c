"""Canonical JSON (RFC 8785, the JSON Canonicalization Scheme): the exact bytes that get hashed and signed."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785

from carbontrail.errors import InputError

MAX_DOCUMENT_BYTES = 4_000_000  # credentials and bundles are small; refuse anything that is not


class CanonicalError(InputError):
    """A value has no canonical JSON form (a NaN or infinite number, an integer beyond I-JSON, a non-string key)."""

    code = "not_canonicalisable"


def canonical(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value (objects sorted by UTF-16 code units, ES6 numbers)."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise CanonicalError(f"value cannot be canonicalised as RFC 8785 JSON: {exc}") from None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(value: Any) -> str:
    """SHA-256 (hex) of a JSON value's canonical bytes: how an entry names the document it commits to."""
    return sha256_hex(canonical(value))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InputError(f"duplicate member name {key!r} in a JSON object", expected="each name once")
        out[key] = value
    return out


def _no_constants(name: str) -> float:
    raise InputError(f"{name} is not a JSON number", expected="finite numbers only")


def parse(text: str | bytes, *, what: str = "document") -> Any:
    """Parse JSON strictly (bounded size, no duplicate names, no NaN/Infinity), naming `what` in the error."""
    if len(text) > MAX_DOCUMENT_BYTES:
        raise InputError(f"the {what} is larger than {MAX_DOCUMENT_BYTES} bytes", expected="a credential or bundle")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise InputError(f"the {what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                         expected="a JSON document") from None
    except UnicodeDecodeError:
        raise InputError(f"the {what} is not UTF-8 text", expected="a JSON document") from None
