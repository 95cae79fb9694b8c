"""Supplier coverage counts the footprints that actually back each purchased input, and names, per input, where
its number comes from (issue 13, item 5), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.app import create_app
from carbontrail.config import Settings
from carbontrail.services import accounts
from carbontrail.services import footprints as fps
from carbontrail.services.accounts import principal_of, sign_token
from carbontrail.services.pact import requests as pr
from carbontrail.services.pact.supplier_data import record_supplier_footprint
from carbontrail.store.db import transaction
from carbontrail.store.models import ActivityRecord, Facility, Organisation, SupplierFootprint, User

PRODUCTS = Path(__file__).resolve().parents[2] / "examples" / "sichuan-battery-chain" / "products"


@pytest.fixture
def org(sessions: sessionmaker[Session]) -> int:
    with transaction(sessions) as s:
        o = Organisation(code="CELL", name="成都电芯", name_en="Chengdu Cell")
        s.add(o)
        s.flush()
        return o.id


def _footprint(s: Session, org: int, item: str, supplier: str, kg: float, source: str, reference: str,
               updated: int) -> None:
    record_supplier_footprint(s, org, product_key=item, supplier=supplier, fossil_kg_per_unit=kg,
                              biogenic_kg_per_unit=None, unit="kg", source=source, reference=reference)
    row = s.scalars(select(SupplierFootprint).where(SupplierFootprint.reference == reference)).one()
    row.updated_at = row.updated_at.replace(year=2020 + updated)  # which is newer, independent of the clock


def test_only_the_footprint_in_use_counts(sessions: sessionmaker[Session], org: int) -> None:
    """Graphite: the calculation takes the newest footprint held for it, B's; the 300 t bought from A are not B's,
    so they rest on the library factor, although A's older footprint is still held. Cathode: 1,000 t from SH-LFP,
    backed by its received PACT footprint. By mass 1,000 / 1,300 = 0.769 2 (the old rule, any footprint held for
    the item from that supplier, gave 1,300 / 1,300 = 100 %)."""
    with transaction(sessions) as s:
        _footprint(s, org, "graphite", "A", 3.0, "manual", "A datasheet 2021", updated=1)
        _footprint(s, org, "graphite", "B", 2.5, "manual", "B datasheet 2024", updated=4)
        _footprint(s, org, "lfp-cathode", "SH-LFP", 4.49, "pact:sh-lfp.example", "pf-9 v2", updated=4)
        fac = Facility(organisation_id=org, code="F", name="plant", province="Sichuan")
        s.add(fac)
        s.flush()
        for item, supplier, quantity in (("lfp-cathode", "SH-LFP", 1000), ("graphite", "A", 300)):
            s.add(ActivityRecord(record_key=f"{item}|{supplier}", organisation_id=org, facility_id=fac.id,
                                 kind=pr.PURCHASED_GOODS, item=item, period_start=date(2025, 1, 1),
                                 period_end=date(2025, 12, 31), quantity=quantity, unit="t", supplier=supplier))
    with sessions() as s:
        cov = pr.coverage(s, org)
    [total] = cov.totals
    assert total.share == pytest.approx(1000 / 1300)
    by_item = {i.item: i for i in cov.inputs}
    cathode, graphite = by_item["lfp-cathode"], by_item["graphite"]
    assert (cathode.kind, cathode.supplier_footprint, cathode.reference, cathode.kg_per_unit) == (
        pr.PACT_FOOTPRINT, "SH-LFP", "pf-9 v2", 4.49)
    assert (graphite.kind, graphite.reference, graphite.kg_per_unit) == (pr.LIBRARY_FACTOR, "", None)


def test_model_inputs_name_their_source_on_the_page(sessions: sessionmaker[Session], org: int,
                                                    tmp_path: Path) -> None:
    """Without purchase records the cell model's bought-in inputs are listed; the cathode rests on a footprint
    entered by hand (linked to where it was entered), the rest on library factors."""
    with transaction(sessions) as s:
        fps.import_model(s, org, PRODUCTS / "lfp-cell.yaml")
        _footprint(s, org, "lfp-cathode", "SH-LFP", 4.49, "manual", "SH-LFP letter 2024-03", updated=4)
    with sessions() as s:
        cov = pr.coverage(s, org)
    assert cov.source == "model"
    kinds = {i.item: i.kind for i in cov.inputs}
    assert kinds["lfp-cathode"] == pr.BY_HAND and kinds["aluminium"] == pr.LIBRARY_FACTOR
    assert sum(k == pr.BY_HAND for k in kinds.values()) == 1
    app = create_app(Settings(home=tmp_path / "home", database_url="", secret_key="pages-key"), sessions=sessions)
    accounts.create_user(sessions, "manager@cell.example", "pages-password", locale="en")
    accounts.grant_role(sessions, "manager@cell.example", "carbon_manager", organisation="CELL")
    with sessions() as s:
        uid = s.scalar(select(User.id).where(User.email == "manager@cell.example"))
        principal_of(s, uid)
    client = TestClient(app)
    client.cookies.set("ct_session", sign_token(app.state.context.key, {"kind": "session", "sub": uid,
                                                                        "csrf": "csrf-t"}))
    page = client.get("/org/CELL/suppliers")
    assert page.status_code == 200 and 'id="input-sources"' in page.text
    assert 'href="/org/CELL/products#supplier-footprints">entered by hand</a> · SH-LFP' in page.text
    assert "library factor" in page.text
