"""The demo's product models: each demo enterprise's model imported, and each product's computed footprint handed to
its customer as supplier primary data (lithium carbonate → cathode → cell → pack), as PACT would."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.services import footprints as fps
from carbontrail.services.pact.supplier_data import record_supplier_footprint
from carbontrail.store.db import transaction

#: Demo organisation → (model file in examples/sichuan-battery-chain/products/, its product, the customer that buys it)
DEMO_CHAIN: tuple[tuple[str, str, str, str | None], ...] = (
    ("SH-LITHIUM", "lithium-carbonate.yaml", "lithium-carbonate", "SH-LFP"),
    ("SH-LFP", "lfp-cathode.yaml", "lfp-cathode", "CD-CELL"),
    ("CD-CELL", "lfp-cell.yaml", "lfp-cell", "CD-PACK"),
    ("CD-PACK", "battery-pack.yaml", "battery-pack", None),
)


def load_demo_products(sessions: sessionmaker[Session], folder: Path) -> dict[str, object]:
    """Import each demo enterprise's product model, then hand each product's computed footprint to its customer
    as supplier primary data (lithium carbonate → cathode → cell → pack), as PACT would. Idempotent."""
    folder = Path(folder)
    out: dict[str, object] = {}
    for code, file, product, customer in DEMO_CHAIN:
        path = folder / file
        with transaction(sessions) as s:
            org = fps.session_org(s, code)
            if org is None or not path.is_file():
                continue
            summary = fps.import_model(s, org, path, key=Path(file).stem)
        with sessions() as s:
            report = fps.compute(fps.load(s, org, summary.model.key), product)
        out[code] = {"model": summary.model.key, "product": product,
                     "kg_co2e_per_unit": round(report.fossil_kg_per_unit, 6), "unit": report.unit,
                     "primary_data_share": round(report.data_quality.primary_data_share, 4)}
        if customer is None:
            continue
        with transaction(sessions) as s:
            buyer = fps.session_org(s, customer)
            if buyer is None:
                continue
            dq = report.data_quality
            ratings = None
            if dq.technological is not None and dq.temporal is not None and dq.geographical is not None:
                ratings = (round(dq.technological), round(dq.temporal), round(dq.geographical))
            record_supplier_footprint(s, buyer, product_key=product, supplier=code,
                                      fossil_kg_per_unit=report.fossil_kg_per_unit,
                                      biogenic_kg_per_unit=report.biogenic_kg_per_unit, unit=report.unit,
                                      source="demo: supplier's carbontrail product model",
                                      reference=f"{code}/{summary.model.key}/{product}", dqr=ratings, year=2023,
                                      geography="CN-SC")
    return out
