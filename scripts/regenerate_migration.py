"""Regenerate the initial Alembic migration from the models (only while nothing has been released: once a
database in the field carries revision 0001, add new revisions instead)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from carbontrail.store.db import make_engine
from carbontrail.store.migrate import alembic_config

VERSIONS = Path(__file__).resolve().parents[1] / "src" / "carbontrail" / "store" / "migrations" / "versions"


def main() -> None:
    for old in VERSIONS.glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/empty.db")
        command.revision(alembic_config(engine), message="initial schema", autogenerate=True, rev_id="0001")
        engine.dispose()
    print(f"wrote {sorted(VERSIONS.glob('0001_*.py'))}", file=sys.stderr)


if __name__ == "__main__":
    main()
