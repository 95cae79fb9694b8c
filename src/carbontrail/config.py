"""Settings read from the environment (CARBONTRAIL_*), with defaults that work on a fresh machine."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _default_home() -> Path:
    return Path(os.environ.get("CARBONTRAIL_HOME", "var")).resolve()


@dataclass(frozen=True)
class Settings:
    """Where carbontrail keeps its data and which services it talks to."""

    home: Path = field(default_factory=_default_home)
    database_url: str = ""
    dask_scheduler: str | None = None
    secret_key: str = ""

    @property
    def sqlite_path(self) -> Path:
        return self.home / "carbontrail.db"

    @classmethod
    def from_env(cls) -> Settings:
        home = _default_home()
        url = os.environ.get("CARBONTRAIL_DATABASE_URL") or f"sqlite:///{home / 'carbontrail.db'}"
        return cls(
            home=home,
            database_url=url,
            dask_scheduler=os.environ.get("CARBONTRAIL_DASK_SCHEDULER") or None,
            secret_key=os.environ.get("CARBONTRAIL_SECRET_KEY", ""),
        )


#: the transparency log's name when CARBONTRAIL_LEDGER_ORIGIN is not set
DEFAULT_LEDGER_ORIGIN = "carbontrail.local/log"


def ledger_origin() -> str:
    """The log's name in its checkpoints (`CARBONTRAIL_LEDGER_ORIGIN`, e.g. `ledger.example.cn/log`)."""
    return os.environ.get("CARBONTRAIL_LEDGER_ORIGIN", DEFAULT_LEDGER_ORIGIN)


def public_host() -> str:
    """The public host this installation's log, DID documents, status lists and extension schemas are served from
    (the log origin's host)."""
    return ledger_origin().split("/", 1)[0]
