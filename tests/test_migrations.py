"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from carbontrail.store.db import make_engine
from carbontrail.store.migrate import pending_changes, upgrade


def test_migrations_match_models(db_url):
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        assert pending_changes(engine) == []
        upgrade(engine)  # a second run is a no-op
    finally:
        engine.dispose()
