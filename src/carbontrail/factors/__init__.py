"""Emission factors: the versioned library with provenance, GWPs, and explicit selection with fallbacks."""
