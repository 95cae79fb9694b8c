"""Secrets at rest: the client secrets of other PACT hosts and the organisations' signing keys, encrypted with a key of their own per purpose, derived
from the platform secret key (tokens use that key itself)."""

from __future__ import annotations

import base64
from typing import Literal

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from carbontrail.errors import ConfigurationError

#: what each purpose's secrets are, for the message when they no longer decrypt
Purpose = Literal["supplier-connection-secrets", "pact-callback-secrets", "ledger-signing-keys"]
_LABEL = {"supplier-connection-secrets": "supplier secret", "pact-callback-secrets": "callback secret",
          "ledger-signing-keys": "signing key"}
_REMEDY = {"supplier-connection-secrets": "enter the supplier's client secret again",
           "pact-callback-secrets": "enter the customer's client secret again",
           "ledger-signing-keys": "restore the secret key it was stored under, or rotate the organisation's key"}


def _fernet(key: bytes, purpose: Purpose) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"carbontrail", info=purpose.encode()).derive(key)
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(key: bytes, purpose: Purpose, secret: str) -> str:
    return _fernet(key, purpose).encrypt(secret.encode()).decode()


def decrypt(key: bytes, purpose: Purpose, token: str) -> str:
    try:
        return _fernet(key, purpose).decrypt(token.encode()).decode()
    except InvalidToken:
        raise ConfigurationError(f"a stored {_LABEL[purpose]} cannot be decrypted: the secret key changed since it "
                                 f"was stored; {_REMEDY[purpose]}") from None
