"""The documents credentials are issued over, made from what the store holds (one truth: the signed numbers are the
ones every page shows), for each kind a use case produces:

| kind | reference | the subject |
|---|---|---|
| inventory_report | a reporting period's name (e.g. 2023) | the inventory's summary: scopes, energy, intensities, claims |
| battery_declaration | a stored declaration's number | the declaration's result (its revision, model and plant) |
| battery_passport | the passport's identifier | the passport in full (the validated export) |
| cbam_communication | an installation's code, or CODE@YEAR | the operator → importer communication |

Product footprints are issued from their published PACT document (`credentials.credential_for_footprint`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import InputError, Location
from carbontrail.services import battery_declarations, battery_passports, cbam
from carbontrail.services import inventory as inventories
from carbontrail.services.ledger import credentials
from carbontrail.services.work import Actor

STORED_KINDS = ("inventory_report", "battery_declaration", "battery_passport", "cbam_communication")


def document_of(sessions: sessionmaker[Session], actor: Actor, code: str, kind: str,
                reference: str) -> dict[str, Any]:
    """The subject a credential of `kind` about `reference` signs, as organisation `code`'s data say it now."""
    where = Location(field="reference")
    if kind == "inventory_report":
        summary = inventories.inventory(sessions, actor, code, period=reference).summary()
        return {"id": f"urn:carbontrail:inventory:{code}:{reference}", "type": "GhgInventoryReport",
                "period_name": reference, **summary}
    if kind == "battery_declaration":
        if not reference.isdigit():
            raise InputError(f"'{reference}' is not a declaration number", location=where, expected="e.g. 12")
        stored = battery_declarations.get(sessions, actor, code, int(reference))
        return {"id": f"urn:carbontrail:battery-declaration:{code}:{stored.id}",
                "type": "BatteryCarbonFootprintDeclaration", "revision": stored.revision, "model": stored.model,
                "plant": stored.plant, "declaration": stored.result}
    if kind == "battery_passport":
        return {"id": f"urn:carbontrail:battery-passport:{reference}", "type": "BatteryPassport",
                "passport": battery_passports.owner_view(sessions, actor, code, reference)}
    if kind == "cbam_communication":
        installation, _, year = reference.partition("@")
        if year and not year.isdigit():
            raise InputError(f"'{reference}' names no year after '@'", location=where, expected="CODE or CODE@2026")
        _done, communication = cbam.communication(sessions, actor, code, installation,
                                                  year=int(year) if year else None)
        return {"id": f"urn:carbontrail:cbam-communication:{code}:{reference}", "type": "CbamEmissionsCommunication",
                "communication": communication.model_dump(mode="json")}
    raise InputError(f"a {kind!r} credential is not made from stored data", location=Location(field="kind"),
                     expected=", ".join(STORED_KINDS) + " (a footprint: from its PACT document)")


def issue_stored(sessions: sessionmaker[Session], actor: Actor, key: bytes, code: str, kind: str,
                 reference: str, *, name: str = "") -> credentials.Issued:
    """Issue the credential of a stored document of the organisation: its subject is made from the store here,
    never typed by the caller."""
    if not reference.strip():
        raise InputError("name what the credential is about", location=Location(field="reference"),
                         expected="a period, a declaration number, a passport identifier or an installation code")
    subject = document_of(sessions, actor, code, kind, reference)
    return credentials.issue(sessions, actor, key, code, kind, reference, subject, name=name)
