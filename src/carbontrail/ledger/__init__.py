"""The trust core: canonical JSON, signatures, the Merkle log and its proofs, verifiable credentials, energy certificates."""
