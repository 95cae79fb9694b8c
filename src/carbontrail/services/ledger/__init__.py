"""Use cases of the trust area: the transparency log, credentials and keys, verification engagements, the registry."""
