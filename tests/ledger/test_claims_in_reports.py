"""The inventory says which claims its market-based scope 2 used, with their transparency-log entries (issue 16,
item 4): in the result (and so the API's and the CLI's JSON), on the page, in the XLSX and in the PDF.

By hand: CD-CELL uses 1,000 MWh in January 2025 and claims 3 GECs (1 MWh each) with the installation's key. The
log then holds 3 issuances (logged by the claim, oldest first: entries 0–2) and the 3 claims (entries 3–5); annual
matching counts min(1000, 3) = 3 MWh.
"""

from __future__ import annotations


import subprocess
from datetime import date
from pathlib import Path

from certificates_world import CLI, electricity, issue_gecs, seed
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.inventory.records import claim_runs
from carbontrail.reports.inventory import write_xlsx
from carbontrail.reports.pdf import inventory_pdf
from carbontrail.services import certificates as certs
from carbontrail.services.inventory import organisation_inventory

JAN = (date(2025, 1, 1), date(2025, 1, 31))
KEY = b"claims in reports key"


def test_the_inventory_names_its_claims_and_their_log_entries(sessions: sessionmaker[Session],
                                                                tmp_path: Path) -> None:
    seed(sessions)
    electricity(sessions, "CD-CELL", *JAN, 1_000_000)
    serials = issue_gecs(sessions, 3, holder="CD-CELL")
    made = certs.claim(sessions, CLI, "CD-CELL", serials, JAN, on=date(2025, 2, 1), key=KEY)
    assert made.log_seq == (0, 1, 2, 3, 4, 5)
    result = organisation_inventory(sessions, "CD-CELL", start=JAN[0], end=JAN[1])
    assert [(c.claim_id, c.kind, c.reference, c.mwh, c.log_seq) for c in result.claims] == [
        (made.claim_ids[i], "GEC", serials[i], 1.0, 3 + i) for i in range(3)]
    assert (result.claims_matching, result.claims_matched_mwh) == ("annual", 3.0)
    summary = result.summary()["certificate_claims"]
    assert summary["matched_mwh"] == 3.0 and [c["log_seq"] for c in summary["claims"]] == [3, 4, 5]  # type: ignore[index]
    assert claim_runs(result.claims) == [("GEC", 3, 3.0, 3, 5, serials[0], serials[2])]

    write_xlsx(result, tmp_path / "inv.xlsx")
    sheet = load_workbook(tmp_path / "inv.xlsx")["claims"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        [made.claim_ids[i], "GEC", serials[i], 1, 3 + i, "annual"] for i in range(3)]

    pdf = inventory_pdf(result, organisation_name="CD-CELL", locale="en", generated=date(2025, 2, 2))
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    words = " ".join(text.decode().split())
    assert "Green-electricity claims in the market-based scope 2 (annual matching, 3.000 MWh)" in words
    assert f"GEC 3 3.000 3–5 {serials[0]} … {serials[2]}" in words


def test_no_claims_no_section(sessions: sessionmaker[Session]) -> None:
    seed(sessions)
    electricity(sessions, "CD-CELL", *JAN, 1_000_000)
    result = organisation_inventory(sessions, "CD-CELL", start=JAN[0], end=JAN[1])
    assert result.claims == () and result.summary()["certificate_claims"] == {"matching": "", "matched_mwh": 0.0,
                                                                              "claims": []}

