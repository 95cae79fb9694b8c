"""Fixtures of the battery API, page and CLI tests (in battery_world.py so tests can import its helpers)."""

from battery_world import bworld

__all__ = ["bworld"]
