"""Why a signature, proof or credential does not verify: one error, its message a sentence for the user."""

from __future__ import annotations

from carbontrail.errors import CarbontrailError


class VerificationFailed(CarbontrailError):
    """A signature, proof, checkpoint or credential does not verify (tampered, revoked, withdrawn or inconsistent)."""

    code = "verification_failed"
