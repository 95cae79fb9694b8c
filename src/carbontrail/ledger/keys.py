"""Ed25519 keys as the credential world names them: multibase/Multikey, did:key identifiers and did:web documents."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from carbontrail.errors import InputError

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
ED25519_PUB = b"\xed\x01"  # multicodec ed25519-pub (0xed) as an unsigned varint
ED25519_PRIV = b"\x80\x26"  # multicodec ed25519-priv (0x1300) as an unsigned varint


def b58encode(data: bytes) -> str:
    """Bitcoin base58 (the multibase 'z' alphabet); leading zero bytes become '1'."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rest = divmod(number, 58)
        out.append(_ALPHABET[rest])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    if len(text) > 200:
        raise InputError("base58 value is too long", expected="a key or signature")
    number = 0
    for char in text:
        if char not in _INDEX:
            raise InputError(f"{char!r} is not a base58btc character", expected="a multibase 'z' value")
        number = number * 58 + _INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_decode(value: str) -> bytes:
    if not value.startswith("z"):
        raise InputError(f"multibase value {value[:12]!r}… is not base58btc", expected="a value starting with 'z'")
    return b58decode(value[1:])


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key (32 bytes) and the names credentials give it."""

    raw: bytes

    @property
    def multikey(self) -> str:
        """The Multikey `publicKeyMultibase`: 'z' + base58btc(0xed01 || key)."""
        return "z" + b58encode(ED25519_PUB + self.raw)

    @property
    def did_key(self) -> str:
        return f"did:key:{self.multikey}"

    @property
    def verification_method(self) -> str:
        """The did:key verification method id, `did:key:<mk>#<mk>`."""
        return f"{self.did_key}#{self.multikey}"

    def verify(self, signature: bytes, message: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True

    @classmethod
    def from_multikey(cls, value: str) -> PublicKey:
        data = multibase_decode(value)
        if len(data) != 34 or not data.startswith(ED25519_PUB):
            raise InputError(f"{value[:16]}… is not an Ed25519 Multikey", expected="'z6Mk…' (0xed01 + 32 bytes)")
        return cls(data[2:])


@dataclass(frozen=True)
class KeyPair:
    """An Ed25519 key pair, kept as its 32-byte seed."""

    seed: bytes

    @classmethod
    def generate(cls) -> KeyPair:
        key = Ed25519PrivateKey.generate()
        return cls(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))

    @classmethod
    def from_multibase(cls, value: str) -> KeyPair:
        """From a Multikey `secretKeyMultibase` ('z' + base58btc(0x8026 || seed))."""
        data = multibase_decode(value)
        if len(data) != 34 or not data.startswith(ED25519_PRIV):
            raise InputError("not an Ed25519 secret Multikey", expected="'z3u2…' (0x8026 + 32 bytes)")
        return cls(data[2:])

    @property
    def _private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def public(self) -> PublicKey:
        return PublicKey(self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)


def public_key_of(verification_method: str) -> PublicKey:
    """The key a did:key verification method names (self-certifying: no resolution needed)."""
    did, _, fragment = verification_method.partition("#")
    if not did.startswith("did:key:"):
        raise InputError(f"verification method {verification_method[:60]!r} is not a did:key",
                         expected="did:key:z6Mk…#z6Mk…")
    key = PublicKey.from_multikey(did.removeprefix("did:key:"))
    if fragment and fragment != key.multikey:
        raise InputError("the did:key fragment names a different key than the DID", expected="#<the same multikey>")
    return key


def did_web(host: str, *path: str) -> str:
    """did:web for https://host/path…/did.json (a port's colon percent-encoded, as the method requires)."""
    return ":".join(["did:web", host.replace(":", "%3A"), *path])


def did_document(did: str, keys: list[PublicKey], *, current: PublicKey | None = None) -> dict[str, object]:
    """A DID document listing every key the organisation has held; only `current` may assert new credentials,
    but old keys stay listed so credentials they signed still verify."""
    methods = [{"id": f"{did}#{k.multikey}", "type": "Multikey", "controller": did,
                "publicKeyMultibase": k.multikey} for k in keys]
    doc: dict[str, object] = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }
    if current is not None:
        doc["alsoKnownAs"] = [current.did_key]
    return doc
