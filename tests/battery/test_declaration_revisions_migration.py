"""Migration h2redeclare on a database that already holds a declaration (SQLite and PostgreSQL): the stored row
becomes revision 1 of its model and plant, a new input adds revision 2 beside it, and a declaration stored before
result ids were kept still names the stored result it used (read from its factor's source)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import yaml
from alembic import command
from sqlalchemy import MetaData, Table, insert, select

from carbontrail.battery.document import parse_document
from carbontrail.services import battery_declarations as declarations
from carbontrail.services.work import SystemActor
from carbontrail.store.db import make_engine, session_factory
from carbontrail.store.migrate import alembic_config, upgrade
from carbontrail.store.models import Organisation

SMALL = yaml.safe_load((Path(__file__).with_name("declaration_small.yaml")).read_text(encoding="utf-8"))
ACTOR = SystemActor("test")


def test_a_stored_declaration_becomes_revision_one(db_url: str) -> None:
    """The old row: SMALL with its cathode taken from MAKER's stored result 41 (a result that no longer exists),
    stored as the schema before kept it (no previous_id, no result_id in the document)."""
    engine = make_engine(db_url)
    try:
        upgrade(engine, "g16g")
        legacy = {**SMALL, "materials": [
            {**SMALL["materials"][0], "footprint": {"organisation": "MAKER", "product": "cathode"},
             "factor": {**SMALL["materials"][0]["factor"],
                        "source": "stored product-footprint result 41 of MAKER (model own-cathode revision 1)"}},
            *SMALL["materials"][1:]]}
        result = declarations.compute(parse_document(SMALL))
        with engine.begin() as conn:
            conn.execute(insert(Organisation.__table__).values(code="MAKER", name="电池厂", name_en="Maker",
                                                               created_at=datetime.now(UTC)))
            org = conn.scalar(select(Organisation.__table__.c.id))
            table = Table("battery_declaration", MetaData(), autoload_with=conn)
            assert "previous_id" not in table.c
            conn.execute(insert(table).values(
                organisation_id=org, model="LFP-60", plant="Chengdu plant 1", document=legacy, result=result,
                per_kwh=result["declaration"]["per_kwh"], iso_per_kwh=result["iso14067"]["per_kwh"],  # type: ignore[index]
                performance_class=result["performance_class"], revision=1, created_at=datetime.now(UTC)))
        upgrade(engine)
        sessions = session_factory(engine)
        [old] = declarations.list_for(sessions, ACTOR, "MAKER")
        seen = declarations.get(sessions, ACTOR, "MAKER", old.id)
        assert (seen.revision, seen.previous_id, seen.next_id) == (1, None, None)
        assert seen.freshness is not None
        [gone] = seen.freshness.stale_inputs  # MAKER has no stored result of cathode any more
        assert (gone.used_result_id, gone.used_kg_per_kg, gone.current_kg_per_kg) == (41, 10.0, None)
        assert "MAKER has no stored footprint result of cathode" in gone.reason
        second = declarations.save(sessions, ACTOR, "MAKER", parse_document(SMALL))
        assert (second.revision, second.previous_id) == (2, old.id)
        assert [d.id for d in declarations.list_for(sessions, ACTOR, "MAKER")] == [second.id]
        # back to the schema before: one row per model and plant, the newest revision
        engine.dispose()
        command.downgrade(alembic_config(engine), "g16g")
        with engine.connect() as conn:
            rows = conn.execute(select(Table("battery_declaration", MetaData(), autoload_with=conn))).all()
            assert [(r.id, r.revision) for r in rows] == [(second.id, 2)]
            assert rows[0].document["battery"]["model"] == "LFP-60"
    finally:
        engine.dispose()
