"""The demo's PACT side: SH-LFP and CD-CELL publish footprints, CD-PACK is their customer with a PACT API client,
so any PACT tool can be pointed at a fresh install (examples/pact/README.md).

The footprint numbers are illustrative, not measured: the cathode's second version differs from the first only by
the kiln upgrade assumed for the demo (electricity 6,000–8,000 → 3,000–5,000 kWh per tonne; mid-points
7,000 → 4,000) at the Sichuan grid factor 0.1404 kg CO2/kWh: 3,000 kWh/t × 0.1404 kg/kWh = 0.4212 kg CO2e per kg.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.formats import pact
from carbontrail.services import accounts
from carbontrail.services.pact import host as pact_host, inbox as pact_inbox
from carbontrail.services.demo.sign_ins import demo_password
from carbontrail.store.db import transaction
from carbontrail.store.models import ApiClient, Organisation, User
from carbontrail.store.models.pact import PactFootprint

CUSTOMER = "CD-PACK"
CLIENT_ID = "ct_demo_cd_pack_pact"
CLIENT_USER = "pact@cd-pack.example"
UTC = dt.UTC
#: illustrative cradle-to-gate footprint of LFP cathode before the kiln upgrade, kg CO2e per kg
CATHODE_V1 = Decimal("6.20")
#: the upgrade's saving: (7,000 − 4,000) kWh/t × 0.1404 kg CO2/kWh ÷ 1,000 kg/t
KILN_SAVING = (Decimal(7000) - Decimal(4000)) * Decimal("0.1404") / Decimal(1000)


def demo_client_secret() -> str:
    """CARBONTRAIL_DEMO_PACT_SECRET, else one derived from the demo password (so every load prints the same)."""
    return os.environ.get("CARBONTRAIL_DEMO_PACT_SECRET") or f"{demo_password()}-pact-client"


def _company(s: Session, code: str) -> tuple[str, tuple[str, ...]]:
    org = s.scalars(select(Organisation).where(Organisation.code == code)).one()
    return (org.name_en or org.name), (f"urn:pact:carbontrail.demo:company:{code}",)


def _values(s: Session, code: str, product: str, name: str, description: str, fossil: Decimal, *, unit: str,
            mass: Decimal, year: int, share: str, classification: str) -> pact.FootprintValues:
    company, ids = _company(s, code)
    return pact.FootprintValues(
        product_ids=(f"urn:pact:carbontrail.demo:product:{product}",), product_name=name,
        product_description=description, company_name=company, company_ids=ids, declared_unit=unit,
        declared_amount=Decimal(1), product_mass_kg=mass, fossil_ghg=fossil,
        reference_start=dt.datetime(year, 1, 1, tzinfo=UTC), reference_end=dt.datetime(year + 1, 1, 1, tzinfo=UTC),
        geography="CN-SC", classifications=(classification,), cpc=classification.rsplit(":", 1)[-1],
        primary_data_share=Decimal(share), dqr=pact.DataQuality(Decimal(2), Decimal(1), Decimal(1), Decimal(2),
                                                                Decimal(2)),
        boundary="Cradle-to-gate", comment="carbontrail demo data: illustrative numbers, not a measured footprint")


def load_demo_pact(sessions: sessionmaker[Session]) -> dict[str, object]:
    """Publish the demo footprints (once), grant them to CD-PACK, make its PACT client; returns how to use it."""
    with transaction(sessions) as s:
        ids = dict(s.execute(select(Organisation.code, Organisation.id).where(
            Organisation.code.in_(("SH-LFP", "CD-CELL", CUSTOMER)))).all())
        if len(ids) < 3:
            return {"skipped": "the demo organisations SH-LFP, CD-CELL and CD-PACK are not loaded"}
        published = set(s.scalars(select(PactFootprint.product_key).where(
            PactFootprint.organisation_id.in_((ids["SH-LFP"], ids["CD-CELL"])))))
        cathode = "urn:pact:carbontrail.demo:product:lfp-cathode"
        cell = "urn:pact:carbontrail.demo:product:lfp-cell-280ah"
        if cathode not in published:
            def lfp(year: int, description: str, fossil: Decimal) -> pact.FootprintValues:
                return _values(s, "SH-LFP", "lfp-cathode", "LFP cathode powder 磷酸铁锂正极材料", description, fossil,
                               unit="kilogram", mass=Decimal(1), year=year, share="55",
                               classification="urn:pact:cpc:34250")

            v1 = pact_host.publish_in(s, ids["SH-LFP"], lfp(2023, "Lithium iron phosphate cathode powder, before "
                                                                  "the kiln upgrade", CATHODE_V1), actor="demo")
            pact_host.grant_in(s, v1.id, ids["CD-CELL"])
            pact_host.grant_in(s, v1.id, ids[CUSTOMER])
            # the next version reaches both customers by itself, and deprecates v1
            pact_host.publish_in(s, ids["SH-LFP"], lfp(2024, "Lithium iron phosphate cathode powder, after the "
                                                             "kiln upgrade", CATHODE_V1 - KILN_SAVING),
                                 status_comment="Change in process: kiln upgrade", actor="demo")
        if cell not in published:
            row = pact_host.publish_in(s, ids["CD-CELL"], _values(
                s, "CD-CELL", "lfp-cell-280ah", "LFP cell 280 Ah 磷酸铁锂电芯",
                "Prismatic LFP cell, 3.2 V 280 Ah (0.896 kWh); per kWh of capacity", Decimal("58.0"),
                unit="kilowatt hour", mass=Decimal("6.0"), year=2024, share="40",
                classification="urn:pact:cpc:46420"), actor="demo")
            pact_host.grant_in(s, row.id, ids[CUSTOMER])
        pact_inbox.set_rule_in(s, ids["SH-LFP"], "auto")
    secret = demo_client_secret()
    _client(sessions, secret)
    return {"customer": CUSTOMER, "client_id": CLIENT_ID, "client_secret": secret,
            "token_endpoint": "/auth/token", "footprints": ["/3/footprints", "/2/footprints"],
            "note": "serve with `carbontrail serve --tls` and use https://; see examples/pact/README.md"}


def _client(sessions: sessionmaker[Session], secret: str) -> None:
    """CD-PACK's PACT client, with a fixed id and the demo secret (kept in step with the environment)."""
    digest = accounts.hash_password(secret)
    with transaction(sessions) as s:
        user = s.scalars(select(User).where(User.email == CLIENT_USER)).one_or_none()
        if user is None:
            user = User(email=CLIENT_USER, name="CD-PACK PACT client", password_hash=accounts.hash_password(
                demo_password()), locale="en")
            s.add(user)
            s.flush()
        accounts.grant_in(s, CLIENT_USER, "carbon_manager", organisation=CUSTOMER, actor="demo")
        client = s.scalars(select(ApiClient).where(ApiClient.client_id == CLIENT_ID)).one_or_none()
        if client is None:
            s.add(ApiClient(client_id=CLIENT_ID, secret_hash=digest, name="demo PACT client", user_id=user.id))
        else:
            client.secret_hash, client.active = digest, True
