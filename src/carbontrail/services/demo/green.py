"""The green-electricity part of the demo: an illustrative Sichuan run-of-river hydropower station (SC-HYDRO)
issues GECs for January 2023 with its hourly production, CD-CELL buys and claims them against its January
electricity, and SH-LFP's attempt to claim one of them again is refused with the reason.

All amounts, serials and the production shape are illustrative (no real station's figures): 3,000 GECs out of
an illustrative 12,000 MWh month, a daily shape with more output in the evening peak than at night.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict, InputError, Location
from carbontrail.ledger.certificates import check_instrument, gec_serial
from carbontrail.services import certificates as certs
from carbontrail.services.imports import describe, import_files
from carbontrail.services.work import SystemActor

DEMO = SystemActor("demo")
#: project type 1 (centralised), energy 3 (hydro), technology 6 (run-of-river), approved 2020, address 513200
#: (Aba prefecture), project 001, check code 4 — an illustrative filing code, not a registered project
PROJECT = "1" "3" "6" "2020" "513200" "001" "4"
MONTH = date(2023, 1, 1)
MONTH_END = date(2023, 1, 31)
GECS = 3_000  # illustrative
STATION_MWH = 12_000.0  # illustrative month of production
CLAIM_DAY = date(2024, 1, 15)  # illustrative: the day CD-CELL claims them for its 2023 report
SOURCE = "illustrative demo registry export (SC-HYDRO, January 2023)"


def _shape() -> list[float]:
    """Illustrative hourly output over January (kWh): a flat base with an evening peak, 12,000 MWh in all."""
    weights = [1.0 + 0.35 * math.cos((h % 24 - 19) / 24 * 2 * math.pi) for h in range(31 * 24)]
    total = sum(weights)
    return [STATION_MWH * 1000.0 * w / total for w in weights]


def load_green_demo(sessions: sessionmaker[Session], folder: Path, *, key: bytes | None = None) -> dict[str, object]:
    """Import the station, issue its GECs with hourly production, hand them to CD-CELL, claim them, and let SH-LFP
    try one again. Loading again changes nothing. With the installation's `key`, each issuance, transfer and claim
    is an entry of the transparency log."""
    files = [Path(folder) / "organisations.csv", Path(folder) / "facilities.csv"]
    missing = [f.name for f in files if not f.is_file()]
    if missing:
        raise InputError(f"the green demo folder lacks {', '.join(missing)}", location=Location(file=str(folder)))
    reports = import_files(sessions, files, actor=DEMO)
    serials = [gec_serial(PROJECT, MONTH, n) for n in range(1, GECS + 1)]
    held = {h.reference for h in certs.overview(sessions, DEMO, "CD-CELL").holdings}
    if serials[0] in held:
        return {"files": describe(reports), "issued": 0, "claimed_mwh": 0.0, "refused": ""}
    rows = [(n + 2, check_instrument("GEC", s, "SC-HYDRO run-of-river station", "run-of-river hydro", "四川",
                                     MONTH, MONTH_END, 1.0), "") for n, s in enumerate(serials)]
    certs.issue(sessions, DEMO, "SC-HYDRO", rows, {("SC-HYDRO run-of-river station", MONTH): _shape()},
                source=SOURCE, key=key)
    certs.transfer(sessions, DEMO, "SC-HYDRO", "CD-CELL", serials, on=date(2023, 2, 20), key=key)
    claimed = certs.claim(sessions, DEMO, "CD-CELL", serials, (MONTH, MONTH_END), on=CLAIM_DAY, key=key)
    try:
        certs.claim(sessions, DEMO, "SH-LFP", serials[:1], (MONTH, MONTH_END), on=CLAIM_DAY, key=key)
        refused = ""
    except Conflict as exc:
        refused = str(exc)
    return {"files": describe(reports), "issued": len(serials), "claimed_mwh": claimed.mwh, "refused": refused}
