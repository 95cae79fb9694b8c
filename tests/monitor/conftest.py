"""Fixtures of the monitoring tests (the world lives in monitor_world.py, a unique module name)."""

from monitor_world import mworld  # noqa: F401
