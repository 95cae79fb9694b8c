"""A declaration's material input taken from a supplier's stored product-footprint result (its id and model revision
kept in the factor's source), on SQLite and PostgreSQL; by default the footprint service is read, and a supplier
that shares no stored result refuses the document (the typed factor never stands in for it)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.battery.document import parse_document
from carbontrail.errors import InputError
from carbontrail.services import battery_declarations as declarations
from carbontrail.services.work import SystemActor
from carbontrail.store.db import transaction
from carbontrail.store.models import Organisation

SMALL = yaml.safe_load((Path(__file__).with_name("declaration_small.yaml")).read_text(encoding="utf-8"))


def test_the_cathode_factor_is_the_stored_result(sessions: sessionmaker[Session]) -> None:
    """The first material's factor replaced by a stored result of 4.49 kg CO2e/kg: the declaration grows by
    mass × (4.49 − typed factor), and the factor names result 17 of model lfp-cathode revision 3."""
    with transaction(sessions) as s:
        s.add(Organisation(code="MAKER", name="电池厂", name_en="Maker"))
    first = SMALL["materials"][0]
    asked = []

    def stored(organisation: str, product: str) -> declarations.StoredFootprint:
        asked.append((organisation, product))
        return declarations.StoredFootprint(4.49, "kg", 17, "lfp-cathode", "3")

    doc = parse_document({**SMALL, "materials": [{**first, "footprint": {"organisation": "SH-LFP",
                                                                         "product": "lfp-cathode"}},
                                                 *SMALL["materials"][1:]]})
    before = declarations.compute(parse_document(SMALL))
    saved = declarations.save(sessions, SystemActor("test"), "MAKER", doc, footprints=stored)
    assert asked == [("SH-LFP", "lfp-cathode")]
    grown = saved.result["declaration"]["absolute_kg"] - before["declaration"]["absolute_kg"]  # type: ignore[index]
    assert grown == pytest.approx(first["mass_kg"] * (4.49 - first["factor"]["value"]))
    stored_doc = saved.document["materials"][0]
    assert stored_doc["factor"]["value"] == 4.49
    assert "stored product-footprint result 17" in stored_doc["factor"]["source"]
    assert "model lfp-cathode revision 3" in stored_doc["factor"]["source"]
    # by default the footprint service's stored results are read: a supplier that does not exist, or shares no
    # footprint made from a stored result, refuses the document (the typed factor is never used in its place)
    with pytest.raises(InputError, match="there is no organisation 'SH-LFP'") as refused:
        declarations.save(sessions, SystemActor("test"), "MAKER", doc)
    assert refused.value.location.field == "materials.0.footprint"
    with transaction(sessions) as s:
        s.add(Organisation(code="SH-LFP", name="正极材料厂", name_en="Cathode maker"))
    with pytest.raises(InputError, match="SH-LFP shares no footprint of lfp-cathode") as refused:
        declarations.save(sessions, SystemActor("test"), "MAKER", doc)
    assert refused.value.location.field == "materials.0.footprint"


def test_a_preview_reads_the_same_stored_results_or_refuses(sessions: sessionmaker[Session]) -> None:
    """`carbontrail battery declaration FILE` computes without storing: with --organisation it reads what that
    organisation may see, as `save` would; without one, a material naming a stored footprint is refused."""
    with transaction(sessions) as s:
        s.add(Organisation(code="MAKER", name="电池厂", name_en="Maker"))
    first = SMALL["materials"][0]
    doc = parse_document({**SMALL, "materials": [{**first, "footprint": {"organisation": "MAKER",
                                                                         "product": "lfp-cathode"}},
                                                 *SMALL["materials"][1:]]})
    with pytest.raises(InputError, match="no footprint service") as refused:
        declarations.preview(sessions, SystemActor("test"), None, doc)
    assert refused.value.location.field == "materials.0.footprint"
    with pytest.raises(InputError, match="MAKER has no stored footprint result of lfp-cathode"):
        declarations.preview(sessions, SystemActor("test"), "MAKER", doc)
    assert declarations.preview(sessions, SystemActor("test"), None, parse_document(SMALL)) == \
        declarations.compute(parse_document(SMALL))
