"""The demo data set's battery chain loads (SQLite and PostgreSQL), twice without change, with numbers checked by
hand: the pack declaration, the cascade pack's history to the Suining recycler, deposits, recycled content and
the residual batch."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.services.work import SystemActor
from carbontrail.services import battery_declarations, battery_passports, battery_units
from carbontrail.services.demo import load_demo
from carbontrail.services.demo.battery import CASCADE, PACK
from carbontrail.store.models import Organisation, PactFootprint, ProductFootprintResult
from carbontrail.units import magnitude

PY = SystemActor("test")

DEMO = Path(__file__).resolve().parents[2] / "examples" / "sichuan-battery-chain"


def _shared_cathode(sessions: sessionmaker[Session]) -> ProductFootprintResult:
    """The stored result SH-LFP's Active PACT footprint of its cathode was made from (what it shares with CD-CELL)."""
    with sessions() as s:
        return s.scalars(select(ProductFootprintResult).join(
            PactFootprint, PactFootprint.result_id == ProductFootprintResult.id).join(
            Organisation, Organisation.id == PactFootprint.organisation_id).where(
            Organisation.code == "SH-LFP", PactFootprint.status == "Active",
            ProductFootprintResult.product == "lfp-cathode")).one()


def test_demo_battery_chain(sessions: sessionmaker[Session]) -> None:
    """Declaration of CD-LFP-60 at CDCELL-01, total energy 60 kWh × 60 cycles × 8 years = 28,800 kWh. The cathode's
    factor is SH-LFP's stored footprint result r (published to CD-CELL over PACT; the file's 6.0 is replaced), so
    each figure below with the file's 6.0 moves by 132 × (r − 6):
    raw material 132×6 + 70×5 + 45×6 + 8×4 + 35×[0.75×12 + 0.25×(0.2×1.5 + 0.8×12)] + 60×2.5 + 10×40
      = 792 + 350 + 270 + 32 + 401.625 + 150 + 400 = 2,395.625 kg;
    main production (2,400 + 1,200 kWh) × 0.6205 (national mix; the hydropower PPA is not recognised) + 45 gas
      = 2,278.8 kg; distribution 4,410 tkm × 0.025 = 110.25 kg;
    end of life 35 × [0.8×0.9×(0.8 − 12) + 0.1×0.05] + 20 = −282.065 + 20 = −262.065 kg;
    total 4,522.61 kg → 0.157035 kg/kWh (class C). ISO 14067: main production 2,400×0.1404 + 1,200×0.01 + 45
      = 393.96 kg → 2,637.77 kg → 0.091589 kg/kWh.
    Deposits: three packs sold at 300 CNY, PACK3 recycled (refunded), PACK re-coded for cascade use (its
    deposit stays with CD-CELL) → 600 CNY outstanding.
    Recycled lithium: SN-RECYCLE recovered 4.9 + 5.1 = 10 kg, spread over 10 packs = 1 kg each of 5.8 kg used
      → 17.24 % post-consumer; 0.1 / 5.8 = 1.72 % pre-consumer.
    Residual batch (illustrative prices, 250 CNY/kWh net cascade, 7.82 CNY/kg recycling): cascade 60 × 250 ×
      (0.82 + 0.78 + 0.74 + 0.71) = 45,750; recycling 4 × 420 × 7.82 = 13,137.6; total 58,887.6 CNY."""
    first = load_demo(sessions, DEMO)
    battery = first["battery"]
    assert battery["organisations_created"] == ["SL-STORAGE", "SN-RECYCLE"]  # type: ignore[index]
    shared = _shared_cathode(sessions)
    shift = 132 * (shared.fossil_kg_per_unit - 6.0)
    assert 4.0 < shared.fossil_kg_per_unit < 5.0  # the cathode model's 4.49 kg CO2e/kg
    assert battery["declaration_per_kwh"] == pytest.approx((4522.61 + shift) / 28_800,  # type: ignore[index]
                                                           abs=1e-9)
    assert battery["residual_batch"]["cascade"] == 4  # type: ignore[index]
    assert battery["residual_batch"]["total_value_cny"] == pytest.approx(58_887.6)  # type: ignore[index]
    again = load_demo(sessions, DEMO)["battery"]
    assert again["organisations_created"] == [] and again["units_registered"] == 0  # type: ignore[index]

    (decl,) = battery_declarations.list_for(sessions, PY, "CD-CELL")
    assert decl.revision == 1 and decl.result["performance_class"] == "C"
    assert decl.result["iso14067"]["per_kwh"] == pytest.approx((2637.77 + shift) / 28_800,  # type: ignore[index]
                                                               abs=1e-9)
    cathode = decl.document["materials"][0]  # type: ignore[index]
    assert cathode["factor"]["value"] == shared.fossil_kg_per_unit  # the stored number itself, not a copy of it
    assert f"stored product-footprint result {shared.id} of SH-LFP" in cathode["factor"]["source"]

    h = battery_units.history(sessions, PY, CASCADE)
    assert h.original_code == PACK
    assert [(e.kind, e.actor) for e in h.events] == [
        ("produced", "CD-CELL"), ("sold", "CD-CELL"), ("installed", "CD-NEV"), ("maintained", "CD-NEV"),
        ("retired", "CD-NEV"), ("handed_over", "CD-NEV"), ("tested", "SL-STORAGE"), ("repacked", "SL-STORAGE"),
        ("produced", "SL-STORAGE"), ("retired", "SL-STORAGE"), ("handed_over", "SL-STORAGE"),
        ("recycled", "SN-RECYCLE")]
    assert h.state.holder == "SN-RECYCLE" and h.state.responsible_producer == "SL-STORAGE"
    assert {p: magnitude(q, "yuan") for p, q in battery_units.outstanding_deposits(sessions, PY).items()} == {
        "CD-CELL": 600.0}

    doc = battery_passports.owner_view(sessions, PY, "CD-CELL", "urn:cdcell:cdcpbaa6000001r3f0000001")
    assert doc["circularity"]["recycledContent"] == [  # type: ignore[index]
        {"recycledMaterial": "Lithium", "preConsumerShare": 1.72, "postConsumerShare": 17.24}]
    # the passport shows the stored declaration (kg CO2e/kWh to three decimals): the same number, never retyped
    assert doc["carbonFootprint"]["batteryCarbonFootprint"] == round(decl.per_kwh, 3)  # type: ignore[index]
    assert round(decl.per_kwh, 3) == round((4522.61 + shift) / 28_800, 3)
    with sessions() as s:
        park = s.scalar(select(Organisation.park).where(Organisation.code == "SN-RECYCLE"))
    assert park == "射洪经济开发区"
