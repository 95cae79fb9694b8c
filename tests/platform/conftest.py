"""Fixtures of the platform tests; they live in platform_world.py so tests can import its helpers by a unique name."""

from platform_world import browser, server, world

__all__ = ["browser", "server", "world"]
