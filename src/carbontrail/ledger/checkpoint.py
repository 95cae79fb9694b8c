"""Signed checkpoints: the log's tree head in the C2SP tlog-checkpoint text format, signed as a C2SP signed note.

A note is UTF-8 text ending in a newline, a blank line, then one line per signature: an em dash, the key name, and
base64(4-byte key id || Ed25519 signature over the text). The key id is the first four bytes of
SHA-256(name || 0x0A || 0x01 || public key); a verifier key is written `name+<key id hex>+base64(0x01 || key)`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from carbontrail.ledger.failures import VerificationFailed
from carbontrail.ledger.keys import KeyPair, PublicKey

ALG_ED25519 = b"\x01"
MAX_NOTE_BYTES = 1_000_000
DASH = "\u2014 "


def key_id(name: str, public: PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ALG_ED25519 + public.raw).digest()[:4]


def _check_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() for c in name):
        raise ValueError(f"key name {name!r} must be non-empty, without '+' or spaces")


def verifier_key(name: str, public: PublicKey) -> str:
    _check_name(name)
    return f"{name}+{key_id(name, public).hex()}+{base64.b64encode(ALG_ED25519 + public.raw).decode()}"


def signer_key(name: str, pair: KeyPair) -> str:
    _check_name(name)
    return (f"PRIVATE+KEY+{name}+{key_id(name, pair.public).hex()}+"
            f"{base64.b64encode(ALG_ED25519 + pair.seed).decode()}")


def _b64(text: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise VerificationFailed(f"{text[:20]!r} is not base64") from None
    if base64.b64encode(data).decode() != text:
        raise VerificationFailed(f"{text[:20]!r} is not canonical base64")
    return data


@dataclass(frozen=True)
class Verifier:
    name: str
    id: bytes
    key: PublicKey

    @classmethod
    def parse(cls, text: str) -> Verifier:
        name, sep1, rest = text.strip().partition("+")
        hex_id, sep2, material = rest.partition("+")
        if not (sep1 and sep2 and name):
            raise VerificationFailed("the log key is not a note verifier key (name+keyid+key)")
        data = _b64(material)
        if len(data) != 33 or data[:1] != ALG_ED25519:
            raise VerificationFailed("the log key is not an Ed25519 note verifier key")
        key = PublicKey(data[1:])
        if hex_id != key_id(name, key).hex():
            raise VerificationFailed("the log key's id does not match its name and key")
        return cls(name, key_id(name, key), key)


def parse_signer(text: str) -> tuple[str, KeyPair]:
    parts = text.strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise ValueError("not a note signer key (PRIVATE+KEY+name+keyid+key)")
    data = base64.b64decode(parts[4])
    if len(data) != 33 or data[:1] != ALG_ED25519:
        raise ValueError("not an Ed25519 note signer key")
    pair = KeyPair(data[1:])
    if parts[3] != key_id(parts[2], pair.public).hex():
        raise ValueError("the signer key's id does not match its name and key")
    return parts[2], pair


def sign_note(text: str, name: str, pair: KeyPair) -> str:
    if not text.endswith("\n") or "\n\n" in text:
        raise ValueError("a note's text ends with one newline and has no blank line")
    signature = pair.sign(text.encode())
    blob = base64.b64encode(key_id(name, pair.public) + signature).decode()
    return f"{text}\n{DASH}{name} {blob}\n"


def open_note(note: str, verifier: Verifier) -> str:
    """The text of `note` if it carries a valid signature by `verifier`; `VerificationFailed` otherwise."""
    if len(note) > MAX_NOTE_BYTES:
        raise VerificationFailed("the signed note is too large")
    text, sep, signatures = note.rpartition("\n\n")
    if not sep or not signatures.endswith("\n"):
        raise VerificationFailed("the checkpoint is not a signed note (text, blank line, signature lines)")
    text += "\n"
    for line in signatures[:-1].split("\n"):
        if not line.startswith(DASH):
            raise VerificationFailed("a signature line of the checkpoint is malformed")
        name, _, blob = line[len(DASH):].rpartition(" ")
        if name != verifier.name:
            continue
        data = _b64(blob)
        if len(data) == 68 and data[:4] == verifier.id and verifier.key.verify(data[4:], text.encode()):
            return text
        raise VerificationFailed(f"the checkpoint's signature by {name} does not verify")
    raise VerificationFailed(f"the checkpoint carries no signature by the log key {verifier.name}")


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: the log's origin, its size and root hash, and optional extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise VerificationFailed("the checkpoint body is not origin, size and root hash lines")
        origin, size, root, *extensions = lines[:-1]
        if not size.isdigit() or (size != "0" and size.startswith("0")):
            raise VerificationFailed(f"the checkpoint's tree size {size!r} is not a decimal number")
        digest = _b64(root)
        if len(digest) != 32 or not origin:
            raise VerificationFailed("the checkpoint's root hash is not 32 bytes of base64")
        return cls(origin, int(size), digest, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, name: str, pair: KeyPair) -> str:
    return sign_note(checkpoint.body(), name, pair)


def open_checkpoint(note: str, verifier: Verifier, *, origin: str | None = None) -> Checkpoint:
    checkpoint = Checkpoint.parse(open_note(note, verifier))
    if origin is not None and checkpoint.origin != origin:
        raise VerificationFailed(f"the checkpoint is for log {checkpoint.origin!r}, not {origin!r}")
    return checkpoint
