"""What the transparency log records: one canonical JSON entry per credential, statement, revocation, key rotation
or certificate transfer. The leaf is the entry's RFC 8785 bytes; the entry commits to its document by digest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carbontrail.ledger.canonical import canonical, digest, parse
from carbontrail.ledger.failures import VerificationFailed
from carbontrail.ledger.merkle import leaf_hash

FIELDS = frozenset({"kind", "organisation", "time", "subject", "credential", "digest", "detail"})
KINDS = ("credential", "statement", "revocation", "withdrawal", "key", "status_list", "certificate", "publication")


@dataclass(frozen=True)
class Entry:
    """One log entry. `subject` is the SHA-256 (hex) of what the document is about (a footprint, a period),
    so anyone holding the subject can find its entries without the log revealing it."""

    kind: str
    organisation: str
    time: str
    subject: str = ""
    credential: str = ""
    digest: str = ""
    detail: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "organisation": self.organisation, "time": self.time, "subject": self.subject,
                "credential": self.credential, "digest": self.digest, "detail": dict(self.detail)}

    def leaf(self) -> bytes:
        return canonical(self.to_json())

    def leaf_hash(self) -> bytes:
        return leaf_hash(self.leaf())

    @classmethod
    def from_json(cls, value: Any) -> Entry:
        if not isinstance(value, dict) or set(value) != FIELDS or value.get("kind") not in KINDS:
            raise VerificationFailed("the log entry is not a carbontrail ledger entry (kind, organisation, time, "
                                     "subject, credential, digest, detail)")
        detail = value["detail"]
        if not isinstance(detail, dict) or not all(isinstance(v, str) for v in detail.values()):
            raise VerificationFailed("the log entry's detail is not a map of strings")
        if not all(isinstance(value[k], str) for k in FIELDS - {"detail"}):
            raise VerificationFailed("the log entry's fields are not strings")
        return cls(value["kind"], value["organisation"], value["time"], value["subject"], value["credential"],
                   value["digest"], tuple(sorted(detail.items())))

    @classmethod
    def from_leaf(cls, data: bytes) -> Entry:
        return cls.from_json(parse(data, what="log entry"))


def document_entry(kind: str, organisation: str, time: str, document: dict[str, Any], *, subject: str = "",
                   **detail: str) -> Entry:
    """The entry for a signed document: it commits to the document's canonical digest."""
    return Entry(kind, organisation, time, subject, str(document.get("id", "")), digest(document),
                 tuple(sorted(detail.items())))
