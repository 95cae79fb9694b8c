"""The demo's PACT side: SH-LFP and CD-CELL publish footprints, CD-PACK is their customer with a PACT API client,
so any PACT tool can be pointed at a fresh install (examples/pact/README.md).

Every published number is a computed, stored product-footprint result of the enterprise's own model (the models
of examples/sichuan-battery-chain/products/, illustrative, not measured). The cathode's first version is computed
from its model before the kiln upgrade assumed for the demo (electricity 6,000–8,000 kWh per tonne, mid-point
7,000, instead of 3,000–5,000, mid-point 4,000): 3,000 kWh/t × 0.1404 kg CO2/kWh ÷ 1,000 = 0.4212 kg CO2e per kg
more than the second.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

from pathlib import Path

import yaml
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.formats import pact, product_model
from carbontrail.services import accounts, footprints
from carbontrail.services.pact import host as pact_host, inbox as pact_inbox, publishing
from carbontrail.services.demo.sign_ins import demo_password
from carbontrail.store.db import transaction
from carbontrail.store.models import ApiClient, User
from carbontrail.store.repositories import accounts as account_repo, organisations as organisation_repo
from carbontrail.store.repositories import pact as pact_repo

CUSTOMER = "CD-PACK"
CLIENT_ID = "ct_demo_cd_pack_pact"
CLIENT_USER = "pact@cd-pack.example"
UTC = dt.UTC
#: the cathode model before the kiln upgrade: electricity per tonne (mid-point and range), illustrative
KILN_BEFORE = {"amount": 7000, "comment": "midpoint of 6,000–8,000 kWh/t before the kiln upgrade (illustrative)",
               "uncertainty": {"distribution": "uniform", "min": 6000, "max": 8000}}


def demo_client_secret() -> str:
    """CARBONTRAIL_DEMO_PACT_SECRET, else one derived from the demo password (so every load prints the same)."""
    return os.environ.get("CARBONTRAIL_DEMO_PACT_SECRET") or f"{demo_password()}-pact-client"


def _company(s: Session, code: str) -> tuple[str, tuple[str, ...]]:
    org = organisation_repo.by_code(s, code)
    assert org is not None, code
    return (org.name_en or org.name), (f"urn:pact:carbontrail.demo:company:{code}",)


def _values(s: Session, code: str, product: str, name: str, description: str, *, unit: str,
            mass: Decimal, year: int, classification: str) -> pact.FootprintValues:
    """The product's identity and reference period; the numbers are set from the computed result."""
    company, ids = _company(s, code)
    return pact.FootprintValues(
        product_ids=(f"urn:pact:carbontrail.demo:product:{product}",), product_name=name,
        product_description=description, company_name=company, company_ids=ids, declared_unit=unit,
        declared_amount=Decimal(1), product_mass_kg=mass, fossil_ghg=Decimal(0),
        reference_start=dt.datetime(year, 1, 1, tzinfo=UTC), reference_end=dt.datetime(year + 1, 1, 1, tzinfo=UTC),
        geography="CN-SC", classifications=(classification,), cpc=classification.rsplit(":", 1)[-1],
        dqr=pact.DataQuality(Decimal(2), Decimal(1), Decimal(1), Decimal(2),
                                                                Decimal(2)),
        boundary="Cradle-to-gate", comment="carbontrail demo data: computed from an illustrative product model, "
                                           "not a measured footprint")


def _before_upgrade(s: Session, organisation_id: int, products: Path) -> str:
    """SH-LFP's cathode model as it was before the kiln upgrade, stored beside the current one; its key."""
    path = products / "lfp-cathode.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["name"], data["version"] = "SH-LFP LFP cathode material, before the kiln upgrade", "2022"
    for process in data["processes"]:
        for exchange in process.get("inputs", []):
            if exchange.get("flow") == "electricity-sc":
                exchange.update(KILN_BEFORE)
    doc = product_model.parse(data, file=str(path))
    footprints.save_model(s, organisation_id, doc, key="lfp-cathode-2022", source_format="carbontrail",
                          source=f"{path.name}, electricity as before the kiln upgrade")
    return "lfp-cathode-2022"


def load_demo_pact(sessions: sessionmaker[Session], products: Path) -> dict[str, object]:
    """Publish the demo footprints (once) from the computed results of the enterprises' product models (loaded
    before, `demo.products.load_demo_products`; `products` is their folder), grant them to CD-PACK, make its PACT
    client; returns how to use it."""
    with transaction(sessions) as s:
        ids = {c: i for c in ("SH-LFP", "CD-CELL", CUSTOMER) if (i := organisation_repo.id_of(s, c)) is not None}
        if len(ids) < 3:
            return {"skipped": "the demo organisations SH-LFP, CD-CELL and CD-PACK are not loaded"}
        published = pact_repo.published_products(s, (ids["SH-LFP"], ids["CD-CELL"]))
        cathode = "urn:pact:carbontrail.demo:product:lfp-cathode"
        cell = "urn:pact:carbontrail.demo:product:lfp-cell-280ah"
        models = {m.key for code in ("SH-LFP", "CD-CELL") for m in footprints.list_models(s, ids[code])}
        if cathode not in published and "lfp-cathode" in models:
            def lfp(year: int, description: str) -> pact.FootprintValues:
                return _values(s, "SH-LFP", "lfp-cathode", "LFP cathode powder 磷酸铁锂正极材料", description,
                               unit="kilogram", mass=Decimal(1), year=year, classification="urn:pact:cpc:34250")

            before = footprints.record_result_in(s, ids["SH-LFP"], _before_upgrade(s, ids["SH-LFP"], products), "lfp-cathode")
            v1 = publishing.publish_result_in(s, ids["SH-LFP"], before, lfp(2022, "Lithium iron phosphate cathode "
                                                                                "powder, before the kiln upgrade"),
                                              actor="demo")
            pact_host.grant_in(s, v1.id, ids["CD-CELL"])
            pact_host.grant_in(s, v1.id, ids[CUSTOMER])
            # the next version reaches both customers by itself, and deprecates v1
            after = footprints.record_result_in(s, ids["SH-LFP"], "lfp-cathode", "lfp-cathode")
            publishing.publish_result_in(s, ids["SH-LFP"], after, lfp(2023, "Lithium iron phosphate cathode powder, "
                                                                            "after the kiln upgrade"),
                                         status_comment="Change in process: kiln upgrade", actor="demo")
        if cell not in published and "lfp-cell" in models:
            result = footprints.record_result_in(s, ids["CD-CELL"], "lfp-cell", "lfp-cell")
            row = publishing.publish_result_in(s, ids["CD-CELL"], result, _values(
                s, "CD-CELL", "lfp-cell-280ah", "LFP cell 280 Ah 磷酸铁锂电芯",
                "Prismatic LFP cell, 3.2 V 280 Ah (0.896 kWh); per kWh of capacity",
                unit="kilowatt hour", mass=Decimal("6.0"), year=2023, classification="urn:pact:cpc:46420"),
                actor="demo")
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
        user = account_repo.user_by_email(s, CLIENT_USER)
        if user is None:
            user = User(email=CLIENT_USER, name="CD-PACK PACT client", password_hash=accounts.hash_password(
                demo_password()), locale="en")
            s.add(user)
            s.flush()
        accounts.grant_in(s, CLIENT_USER, "carbon_manager", organisation=CUSTOMER, actor="demo")
        client = account_repo.client(s, CLIENT_ID)
        if client is None:
            s.add(ApiClient(client_id=CLIENT_ID, secret_hash=digest, name="demo PACT client", user_id=user.id))
        else:
            client.secret_hash, client.active = digest, True
