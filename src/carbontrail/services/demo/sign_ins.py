"""The demo sign-ins' password: CARBONTRAIL_DEMO_PASSWORD, else the documented default."""

from __future__ import annotations

import os

DEFAULT_DEMO_PASSWORD = "carbontrail-demo"


def demo_password() -> str:
    return os.environ.get("CARBONTRAIL_DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)
