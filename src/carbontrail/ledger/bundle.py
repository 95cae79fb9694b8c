"""The proof bundle saved beside a credential, and offline verification of the two together.

A bundle holds what a verifier needs without the network: the log entry that commits to the credential, its
inclusion proof, the signed checkpoint the proof leads to, the log's verifier key, the issuer's key entry (so the
signing key is known to have been the issuer's), the issuer's status list credential, and consistency proofs from
earlier tree sizes. `verify` checks each part and says in one sentence what holds and what fails.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from carbontrail.ledger import credentials, merkle, status_list
from carbontrail.ledger.canonical import canonical, digest
from carbontrail.ledger.checkpoint import Checkpoint, Verifier, open_checkpoint
from carbontrail.ledger.entries import Entry
from carbontrail.ledger.failures import VerificationFailed

BUNDLE_TYPE = "CarbontrailProofBundle"
#: the `type` of a green-electricity certificate event body (an issuance, transfer, claim or release)
CERTIFICATE_EVENT_TYPE = "carbontrail.certificate.v1"
#: how a certificate event's log entry names it (its `credential` field): this prefix and the event's number
CERTIFICATE_EVENT_URN = "urn:carbontrail:certificate-event:"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise VerificationFailed("a proof hash is not a base64 string")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise VerificationFailed("a proof hash is not valid base64") from None
    if base64.b64encode(data).decode() != text:  # unused low bits must be zero: one spelling per hash
        raise VerificationFailed("a proof hash is not canonical base64")
    return data


def inclusion_json(entry: Entry, index: int, size: int, proof: list[bytes]) -> dict[str, Any]:
    return {"entry": entry.to_json(), "index": index, "treeSize": size, "hashes": [b64(h) for h in proof]}


def make(*, inclusion: dict[str, Any], checkpoint: str, log_key: str, issuer_key: dict[str, Any] | None = None,
         status_list: dict[str, Any] | None = None, status_list_key: dict[str, Any] | None = None,
         consistency: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A proof bundle from its parts (each proof made by `inclusion_json` / `consistency_json`)."""
    out: dict[str, Any] = {"type": BUNDLE_TYPE, "logKey": log_key, "checkpoint": checkpoint, "inclusion": inclusion}
    if issuer_key is not None:
        out["issuerKey"] = issuer_key
    if status_list is not None:
        out["statusList"] = status_list
    if status_list_key is not None:
        out["statusListKey"] = status_list_key
    if consistency:
        out["consistency"] = consistency
    return out


def consistency_json(old: int, new: int, proof: list[bytes]) -> dict[str, Any]:
    return {"from": old, "to": new, "hashes": [b64(h) for h in proof]}


@dataclass
class Check:
    name: str
    ok: bool
    message: str


@dataclass
class Report:
    """Each check with its outcome; `sentence` says in one line what holds and what fails."""

    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    @property
    def sentence(self) -> str:
        holds = [c.message for c in self.checks if c.ok]
        fails = [c.message for c in self.checks if not c.ok]
        if not fails:
            return "Verified: " + "; ".join(holds) + "."
        text = "NOT verified: " + "; ".join(fails)
        return text + (" — while " + "; ".join(holds) + "." if holds else ".")


def _check(report: Report, name: str, ok_message: str, test: Callable[[], Any]) -> Any:
    try:
        value = test()
    except VerificationFailed as exc:
        report.checks.append(Check(name, False, str(exc)))
        return None
    report.checks.append(Check(name, True, ok_message))
    return value if value is not None else True


def _included(part: Any, checkpoint: Checkpoint) -> Entry:
    if not isinstance(part, dict):
        raise VerificationFailed("the bundle has no inclusion proof")
    entry = Entry.from_json(part.get("entry"))
    if entry.leaf() != canonical(part["entry"]):
        raise VerificationFailed("the log entry is not in its canonical form")
    index, size = part.get("index"), part.get("treeSize")
    if not isinstance(index, int) or not isinstance(size, int) or size != checkpoint.size:
        raise VerificationFailed("the inclusion proof is not for the bundle's checkpoint")
    hashes = [unb64(h) for h in part.get("hashes", [])]
    if not merkle.verify_inclusion(index, size, entry.leaf_hash(), hashes, checkpoint.root):
        raise VerificationFailed(f"the inclusion proof of entry {index} does not lead to the checkpoint's root")
    return entry


def _consistent(bundle: dict[str, Any], held: Checkpoint, current: Checkpoint) -> None:
    if held.origin != current.origin:
        raise VerificationFailed(f"your checkpoint is for log {held.origin!r}, not {current.origin!r}")
    if held.size == current.size:
        if held.root != current.root:
            raise VerificationFailed("your checkpoint and the bundle's have the same size but different roots: "
                                     "the log forked")
        return
    old, new = sorted((held, current), key=lambda c: c.size)
    for proof in bundle.get("consistency", []) or []:
        if isinstance(proof, dict) and proof.get("from") == old.size and proof.get("to") == new.size:
            hashes = [unb64(h) for h in proof.get("hashes", [])]
            if merkle.verify_consistency(old.size, new.size, old.root, new.root, hashes):
                return
            raise VerificationFailed(f"the log of {new.size} entries is not consistent with the one of "
                                     f"{old.size}: the consistency proof fails")
    raise VerificationFailed(f"the bundle has no consistency proof from {old.size} to {new.size} entries; "
                             "fetch it with `carbontrail ledger bundle --since`")


def verify(credential: dict[str, Any], bundle: dict[str, Any] | None, *, held: str | None = None,
           log_key: str | None = None) -> Report:
    """Verify a credential offline against its bundle and, if given, a checkpoint the user already holds."""
    report = Report()
    proven = _check(report, "signature", "the signature is valid", lambda: credentials.verify(credential))
    if isinstance(proven, credentials.Proven):
        report.checks[-1].message = f"the signature by {credential.get('issuer')} is valid"
    opened = _opened(report, bundle, log_key, unpinned=not log_key and not held,
                     missing="no proof bundle was found beside the credential, so status and log inclusion cannot "
                             "be checked offline")
    if opened is None:
        return report
    verifier, checkpoint = opened
    assert isinstance(bundle, dict)

    def included() -> None:
        entry = _included(bundle.get("inclusion"), checkpoint)
        if entry.digest != digest(credential) or entry.credential != credential.get("id"):
            raise VerificationFailed("the log entry commits to a different document than this credential")

    index = (bundle.get("inclusion") or {}).get("index")
    _check(report, "inclusion", f"it is entry {index} of the {checkpoint.size}-entry log {checkpoint.origin}",
           included)

    def key_logged() -> None:
        if proven is None:
            raise VerificationFailed("the issuer's key cannot be matched: the signature did not verify")
        entry = _included(bundle.get("issuerKey"), checkpoint)
        detail = dict(entry.detail)
        if entry.kind != "key" or detail.get("key") != proven.key.multikey or \
                detail.get("issuer") != credential.get("issuer"):
            raise VerificationFailed("the signing key is not logged as a key of the credential's issuer")

    _check(report, "issuer key", "the signing key is logged as the issuer's", key_logged)

    def not_revoked() -> None:
        status = credential.get("credentialStatus")
        if status is None:
            return
        if not isinstance(status, dict) or status.get("type") != "BitstringStatusListEntry":
            raise VerificationFailed("the credential's status is not a BitstringStatusListEntry")
        listed = bundle.get("statusList")
        if not isinstance(listed, dict) or listed.get("id") != status.get("statusListCredential"):
            raise VerificationFailed("the bundle lacks the credential's status list")
        lister = credentials.verify(listed)
        if listed.get("issuer") != credential.get("issuer") or (proven and lister.key != proven.key and
                                                                 not _logged_key(bundle, checkpoint, lister, listed)):
            raise VerificationFailed("the status list is not signed by the credential's issuer")
        bits = status_list.decode(str((listed.get("credentialSubject") or {}).get("encodedList", "")))
        index = str(status.get("statusListIndex", ""))
        if not index.isdigit():
            raise VerificationFailed("the credential's status index is not a number")
        if status_list.get_bit(bits, int(index)):
            raise VerificationFailed("the credential is revoked or withdrawn: its issuer set its bit in the status "
                                     f"list of {listed.get('validFrom', '?')}")

    _check(report, "status", "it is not revoked or withdrawn", not_revoked)

    if held:
        def consistent() -> None:
            mine = open_checkpoint(held, verifier)
            _consistent(bundle, mine, checkpoint)

        _check(report, "consistency", "the log is consistent with the checkpoint you hold", consistent)
    return report


def _logged_key(bundle: dict[str, Any], checkpoint: Checkpoint, proven: credentials.Proven,
                listed: dict[str, Any]) -> bool:
    part = bundle.get("statusListKey")
    if part is None:
        return False
    entry = _included(part, checkpoint)
    detail = dict(entry.detail)
    return entry.kind == "key" and detail.get("key") == proven.key.multikey and \
        detail.get("issuer") == listed.get("issuer")


def certificate_subject(kind: str, reference: str) -> str:
    """How the log names an instrument: the SHA-256 of `certificate:KIND:REFERENCE`."""
    return digest(f"certificate:{kind}:{reference}")


def _opened(report: Report, bundle: dict[str, Any] | None, log_key: str | None, *, unpinned: bool = False,
            missing: str = "no proof bundle was found beside the file, so its inclusion in the log cannot be "
                           "checked offline") -> tuple[Verifier, Checkpoint] | None:
    """The bundle's log key and signed checkpoint, each check recorded (None where one fails). `unpinned`: say that
    the key is only the one the bundle names."""
    if not isinstance(bundle, dict) or bundle.get("type") != BUNDLE_TYPE:
        report.checks.append(Check("bundle", False, missing))
        return None
    verifier = _check(report, "log key", "the log key is well formed",
                      lambda: Verifier.parse(log_key or str(bundle.get("logKey", ""))))
    if verifier is None:
        return None
    report.checks.pop()  # the key's form is not worth a clause when it is fine
    if unpinned:
        report.checks.append(Check("log key", True, "the log key is the one the bundle names (pin it with "
                                   "--log-key or a checkpoint you hold)"))
    checkpoint = _check(report, "checkpoint", "the log checkpoint is signed by the log key",
                        lambda: open_checkpoint(str(bundle.get("checkpoint", "")), verifier))
    return (verifier, checkpoint) if checkpoint is not None else None


def verify_event(body: dict[str, Any], bundle: dict[str, Any] | None, *, held: str | None = None,
                 log_key: str | None = None) -> Report:
    """Verify a certificate event body (issuance, transfer, claim or release) offline: the log entry in the bundle
    commits to exactly these bytes (SHA-256 of their RFC 8785 form) and names the instrument, the inclusion proof
    leads to a checkpoint the log key signed, and, if given, the log is consistent with a checkpoint you hold."""
    report = Report()

    def well_formed() -> tuple[str, str]:
        instrument = body.get("instrument")
        if body.get("type") != CERTIFICATE_EVENT_TYPE or not isinstance(instrument, dict):
            raise VerificationFailed("the file is not a carbontrail certificate event")
        return str(instrument.get("kind", "")), str(instrument.get("reference", ""))

    named = _check(report, "event", "the file is a certificate event", well_formed)
    opened = _opened(report, bundle, log_key, unpinned=not log_key and not held)
    if not isinstance(named, tuple) or opened is None:
        return report
    verifier, checkpoint = opened
    assert isinstance(bundle, dict)

    def included() -> None:
        entry = _included(bundle.get("inclusion"), checkpoint)
        if entry.kind != "certificate" or entry.digest != digest(body):
            raise VerificationFailed("the log entry commits to a different event than this file")
        if entry.subject != certificate_subject(*named):
            raise VerificationFailed("the log entry names another instrument")

    index = (bundle.get("inclusion") or {}).get("index")
    event = f"the {body.get('event', '?')} of {named[0]} {named[1]}"
    _check(report, "inclusion", f"{event} is entry {index} of the {checkpoint.size}-entry log "
                                f"{checkpoint.origin}", included)
    if held:
        _check(report, "consistency", "the log is consistent with the checkpoint you hold",
               lambda: _consistent(bundle, open_checkpoint(held, verifier), checkpoint))
    return report
