"""Fixtures of the CBAM tests; they live in cbam_world.py so tests can import its helpers by a unique name."""

from cbam_world import cbam_world

__all__ = ["cbam_world"]
