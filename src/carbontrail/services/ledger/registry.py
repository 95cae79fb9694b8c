"""The public footprint registry: verified product footprints their owners chose to publish (the province's basic
database of products' life-cycle emissions), searchable and exportable; withdrawn or superseded entries stay
visible as such."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict, InputError, Location, NotFound
from carbontrail.ledger.entries import Entry
from carbontrail.services import tenancy
from carbontrail.services.ledger import credentials, log
from carbontrail.services.work import Actor, unit_of_work
from carbontrail.store.models import RegistryEntry
from carbontrail.store.repositories import ledger as repo


@dataclass(frozen=True)
class Listing:
    """What a registry entry shows; `status` is published, superseded or withdrawn (the credential revoked or
    its statement withdrawn counts as withdrawn)."""

    id: int
    organisation: str
    product: str
    category: str
    cn_code: str
    region: str
    declared_unit: str
    value: float
    unit: str
    standard: str
    assurance: str
    verifier: str
    status: str
    status_reason: str
    superseded_by: int | None
    credential_id: str
    statement_id: str
    log_seq: int
    published_at: datetime


@dataclass(frozen=True)
class Publication:
    product: str
    category: str
    declared_unit: str
    value: float | None  # kg CO2e per declared unit; None: the one the signed credential states
    standard: str = "ISO 14067:2018"
    cn_code: str = ""
    region: str = ""


def _signed_value(document: str) -> float | None:
    """The kg CO2e per declared unit a footprint credential signs: a PACT footprint's pcf (v3 or v2 field), or a
    subject's own `pcf` number; None when the subject states none."""
    try:
        subject = json.loads(document).get("credentialSubject", {})
    except (ValueError, AttributeError):
        return None
    pact = subject.get("productFootprint") if isinstance(subject, dict) else None
    if isinstance(pact, dict) and isinstance(pact.get("pcf"), dict):
        raw = pact["pcf"].get("pcfExcludingBiogenicUptake", pact["pcf"].get("pCfExcludingBiogenic"))
    else:
        raw = subject.get("pcf") if isinstance(subject, dict) else None
    try:
        value = float(raw) if raw is not None and not isinstance(raw, bool) else None
    except (TypeError, ValueError):
        return None
    return value if value is not None and math.isfinite(value) else None


def _published_value(document: str, stated: float | None, credential_id: str) -> float:
    """What the entry shows: the number the credential signs (made from the stored result it was issued from); a
    value typed beside it must agree, and is needed only when the credential states none."""
    signed = _signed_value(document)
    if signed is None:
        if stated is None:
            raise InputError(f"credential {credential_id} states no footprint value", location=Location(field="value"),
                             expected="the kg CO2e per declared unit")
        return stated
    if stated is not None and not math.isclose(stated, signed, rel_tol=1e-9, abs_tol=1e-12):
        raise InputError(f"the value {stated:g} differs from the {signed:g} kg CO2e per declared unit credential "
                         f"{credential_id} signs", location=Location(field="value"),
                         expected="no value (the credential's is used) or the same number")
    return signed


def publish(sessions: sessionmaker[Session], actor: Actor, key: bytes, code: str, credential_id: str,
            statement_id: str, item: Publication) -> Listing:
    """Publish a footprint credential of the organisation together with the standing statement that verified it;
    an earlier published entry of the same product becomes superseded."""
    if not (item.product.strip() and item.category.strip() and item.declared_unit.strip()):
        raise InputError("a registry entry names its product, category and declared unit")
    if item.value is not None and (not math.isfinite(item.value) or item.value < 0):
        raise InputError(f"footprint value {item.value}", expected="a finite kg CO2e per declared unit ≥ 0")
    with unit_of_work(sessions, actor) as work:
        org = credentials.access(work.session, actor, code, tenancy.MANAGE)
        issued = repo.credential(work.session, credential_id)
        if issued is None or issued.organisation_id != org.organisation_id or issued.kind != "footprint":
            raise NotFound(f"organisation '{code}' issued no footprint credential {credential_id}")
        if issued.revoked_at is not None:
            raise Conflict(f"credential {credential_id} is revoked")
        value = _published_value(issued.document, item.value, credential_id)
        statement = repo.statement_by_credential(work.session, statement_id)
        engagement = repo.engagement(work.session, statement.engagement_id) if statement else None
        if statement is None or engagement is None or engagement.organisation_id != org.organisation_id:
            raise NotFound(f"no verification statement {statement_id} addressed to '{code}'")
        if statement.withdrawn_at is not None:
            raise Conflict(f"statement {statement_id} is withdrawn")
        if repo.registry_by_credential(work.session, credential_id) is not None:
            raise Conflict(f"credential {credential_id} is already in the registry")
        body = repo.organisation_code(work.session, engagement.verifier_organisation_id)
        earlier = repo.registry_live_for_product(work.session, org.organisation_id, item.product)
        appended = log.append_in(work, key, [Entry("publication", code, credentials.vc.iso(credentials.now()),
                                                   issued.subject_hash, credential_id, "",
                                                   (("product", item.product[:200]), ("statement", statement_id)))])
        row = RegistryEntry(organisation_id=org.organisation_id, credential_id=credential_id,
                            statement_credential_id=statement_id, product=item.product, category=item.category,
                            cn_code=item.cn_code.replace(" ", ""), region=item.region,
                            declared_unit=item.declared_unit, value=value, standard=item.standard,
                            assurance=statement.assurance, verifier=body, log_seq=appended.first)
        work.session.add(row)
        work.session.flush()
        for old in earlier:
            old.status, old.superseded_by = "superseded", row.id
        work.audit("ledger.registry.publish", "registry_entry", str(row.id), organisation_id=org.organisation_id,
                   detail={"credential": credential_id, "supersedes": [o.id for o in earlier]})
        return _listing(work.session, row)


def withdraw(sessions: sessionmaker[Session], actor: Actor, code: str, entry_id: int) -> Listing:
    """Withdraw a published entry (it stays listed, marked withdrawn)."""
    with unit_of_work(sessions, actor) as work:
        org = credentials.access(work.session, actor, code, tenancy.MANAGE)
        row = repo.registry_entry(work.session, entry_id)
        if row is None or row.organisation_id != org.organisation_id:
            raise NotFound(f"organisation '{code}' has no registry entry {entry_id}")
        row.status = "withdrawn"
        work.audit("ledger.registry.withdraw", "registry_entry", str(row.id), organisation_id=org.organisation_id)
        return _listing(work.session, row)


def _listing(session: Session, row: RegistryEntry) -> Listing:
    status, reason = row.status, ""
    issued = repo.credential(session, row.credential_id)
    statement = repo.statement_by_credential(session, row.statement_credential_id)
    if issued is not None and issued.revoked_at is not None:
        status, reason = "withdrawn", f"credential revoked: {issued.revoked_reason}"
    elif statement is not None and statement.withdrawn_at is not None:
        status, reason = "withdrawn", f"verification statement withdrawn: {statement.withdrawn_reason}"
    return Listing(row.id, repo.organisation_code(session, row.organisation_id), row.product, row.category,
                   row.cn_code, row.region, row.declared_unit, row.value, "kg CO2e", row.standard, row.assurance,
                   row.verifier, status, reason, row.superseded_by, row.credential_id, row.statement_credential_id,
                   row.log_seq, row.created_at)


def search(sessions: sessionmaker[Session], *, category: str = "", cn_code: str = "", region: str = "",
           declared_unit: str = "", assurance: str = "", verifier: str = "") -> list[Listing]:
    """Public: every published entry matching the filters (withdrawn and superseded ones included, marked)."""
    with sessions() as session:
        rows = repo.registry(session, category=category, cn_code=cn_code, region=region,
                             declared_unit=declared_unit, assurance=assurance, verifier=verifier)
        return [_listing(session, r) for r in rows]


def entry(sessions: sessionmaker[Session], entry_id: int) -> Listing:
    with sessions() as session:
        row = repo.registry_entry(session, entry_id)
        if row is None:
            raise NotFound(f"no registry entry {entry_id}")
        return _listing(session, row)


COLUMNS = [f for f in Listing.__dataclass_fields__]


def to_csv(listings: list[Listing]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for item in listings:
        writer.writerow({k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(item).items()})
    return out.getvalue()


def to_json(listings: list[Listing]) -> str:
    return json.dumps([asdict(i) for i in listings], ensure_ascii=False, default=str, indent=1)
