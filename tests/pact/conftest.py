"""Fixtures of the PACT tests; they live in pact_world.py so tests can import its helpers by a unique name."""

from pact_world import database, world

__all__ = ["database", "world"]
