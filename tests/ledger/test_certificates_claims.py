"""Ownership and claims: one owner, never more claimed than the face value, the refusals with their reasons, the
database's own constraints, log entries, tenancy, and market-based scope 2 by hand."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from certificates_world import CLI, PROJECT, electricity, issue_gecs, member, seed
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from carbontrail.errors import Conflict, ImportRejected, NotFound, PermissionDenied
from carbontrail.ledger.certificates import gec_serial
from carbontrail.services import certificates as certs
from carbontrail.services.inventory import organisation_inventory
from carbontrail.store.db import transaction
from carbontrail.store.models import AuditEvent, CertificateClaim, CertificateEvent, EnergyInstrument

JAN = (date(2025, 1, 1), date(2025, 1, 31))


def test_issue_transfer_claim_and_refusals(sessions) -> None:
    ids = seed(sessions)
    serials = issue_gecs(sessions, 5)
    moved = certs.transfer(sessions, CLI, "SC-HYDRO", "CD-CELL", serials[:3], on=date(2025, 2, 1))
    assert moved.mwh == 3.0 and len(moved.log_sha256) == 3
    done = certs.claim(sessions, CLI, "CD-CELL", serials[:2], JAN, on=date(2025, 2, 2))
    assert done.mwh == 2.0
    # SH-LFP tries one CD-CELL already claimed: refused with the reason
    with pytest.raises(Conflict, match=f"GEC {serials[0]} is already fully claimed \\(1 of 1 MWh\\)"):
        certs.claim(sessions, CLI, "SH-LFP", [serials[0]], JAN, on=date(2025, 2, 3))
    # the plant transferred serials[2] away: it cannot claim it any more
    with pytest.raises(Conflict, match="held by another organisation, not by SC-HYDRO"):
        certs.claim(sessions, CLI, "SC-HYDRO", [serials[2]], JAN, on=date(2025, 2, 3))
    # a claimed certificate cannot change hands
    with pytest.raises(Conflict, match="already fully claimed|can no longer change hands"):
        certs.transfer(sessions, CLI, "CD-CELL", "SH-LFP", [serials[1]])
    # all or none: one bad certificate in a batch leaves the good one unclaimed
    with pytest.raises(Conflict):
        certs.claim(sessions, CLI, "CD-CELL", [serials[2], serials[0]], JAN, on=date(2025, 2, 3))
    with sessions() as s:
        row = s.scalars(select(EnergyInstrument).where(EnergyInstrument.reference == serials[2])).one()
        assert (row.claimed_kwh, row.owner_id, row.status) == (0, ids["CD-CELL"], "active")
    # expiry: a January 2025 GEC is valid until 31 December 2026
    with pytest.raises(Conflict, match="expired on 2026-12-31"):
        certs.claim(sessions, CLI, "CD-CELL", [serials[2]], JAN, on=date(2027, 1, 1))
    # market: the GEC counts nationwide, a grid boundary puts Sichuan and Shanghai apart
    certs.transfer(sessions, CLI, "SC-HYDRO", "SH-LFP", [serials[3]])
    with pytest.raises(Conflict, match="lies in market CN-GRID-SW, the consumption in CN-GRID-E"):
        certs.claim(sessions, CLI, "SH-LFP", [serials[3]], JAN, boundary="grid", on=date(2025, 2, 3))
    certs.claim(sessions, CLI, "SH-LFP", [serials[3]], JAN, on=date(2025, 2, 3))
    with pytest.raises(NotFound, match="no GEC with reference"):
        certs.claim(sessions, CLI, "CD-CELL", [gec_serial(PROJECT, date(2025, 1, 1), 99)], JAN)
    entries, problems = certs.verify_log(sessions)
    assert problems == []
    assert entries == 5 + 4 + 3  # issuances, transfers, claims


def test_frozen_ccer_certificates(sessions) -> None:
    seed(sessions)
    frozen = issue_gecs(sessions, 1, holder="CD-CELL", ccer=True)
    with pytest.raises(Conflict, match="frozen: its production was registered for CCER"):
        certs.claim(sessions, CLI, "CD-CELL", frozen, JAN, on=date(2025, 2, 1))
    with pytest.raises(Conflict, match="frozen"):
        certs.transfer(sessions, CLI, "CD-CELL", "SH-LFP", frozen)


def test_release_makes_the_amount_claimable_again(sessions) -> None:
    seed(sessions)
    serials = issue_gecs(sessions, 1, holder="CD-CELL")
    done = certs.claim(sessions, CLI, "CD-CELL", serials, JAN, on=date(2025, 2, 1))
    certs.release(sessions, CLI, "CD-CELL", done.claim_ids[0])
    again = certs.claim(sessions, CLI, "CD-CELL", serials, JAN, on=date(2025, 2, 1))
    assert again.mwh == 1.0
    with pytest.raises(NotFound, match="no active claim"):
        certs.release(sessions, CLI, "CD-CELL", done.claim_ids[0])
    with sessions() as s:
        kinds = [e.kind for e in s.scalars(select(CertificateEvent).order_by(CertificateEvent.id))]
        assert kinds == ["issuance", "claim", "release", "claim"]
        actions = set(s.scalars(select(AuditEvent.action)))
    assert {"certificates.issue", "certificates.claim", "certificates.release"} <= actions


def test_log_entry_body_and_hash(sessions) -> None:
    seed(sessions)
    serials = issue_gecs(sessions, 1)
    report = certs.transfer(sessions, CLI, "SC-HYDRO", "CD-CELL", serials)
    with sessions() as s:
        event = s.scalars(select(CertificateEvent).where(CertificateEvent.kind == "transfer")).one()
    body = json.loads(event.body)
    assert body["event"] == "transfer" and body["organisation"] == "SC-HYDRO" and body["to"] == "CD-CELL"
    assert body["instrument"]["reference"] == serials[0] and body["instrument"]["face_kwh"] == 1000
    assert event.canonical == json.dumps(body, sort_keys=True, separators=(",", ":"),
                                         ensure_ascii=False).encode()
    assert hashlib.sha256(event.canonical).hexdigest() == event.sha256 == report.log_sha256[0]
    assert event.log_index is None  # not yet appended to the transparency log


def test_the_database_itself_refuses_over_claims(sessions) -> None:
    """CHECK constraints hold even for a write that bypasses the service."""
    seed(sessions)
    serials = issue_gecs(sessions, 1, holder="CD-CELL")
    with pytest.raises(IntegrityError), transaction(sessions) as s:
        s.execute(update(EnergyInstrument).values(claimed_kwh=1001))
    with pytest.raises(IntegrityError), transaction(sessions) as s:
        s.execute(update(EnergyInstrument).values(status="claimed", claimed_kwh=10))
    with pytest.raises(IntegrityError), transaction(sessions) as s:
        row = s.scalars(select(EnergyInstrument)).one()
        s.add(CertificateClaim(instrument_id=row.id, organisation_id=row.owner_id, kwh=1000, period_start=JAN[0],
                               period_end=JAN[1], boundary="grid", instrument_market="CN-GRID-SW",
                               consumption_market="CN-GRID-E", claimed_on=JAN[1], valid_until=None))
    with pytest.raises(IntegrityError), transaction(sessions) as s:
        row = s.scalars(select(EnergyInstrument)).one()
        s.add(CertificateClaim(instrument_id=row.id, organisation_id=row.owner_id, kwh=1000, period_start=JAN[0],
                               period_end=JAN[1], boundary="country", instrument_market="CN",
                               consumption_market="CN", claimed_on=date(2027, 1, 1), valid_until=date(2026, 12, 31)))
    with transaction(sessions) as s:
        assert s.execute(text("SELECT claimed_kwh FROM energy_instrument")).scalar() == 0
    assert serials


def test_cross_tenant_invisibility(sessions) -> None:
    ids = seed(sessions)
    serials = issue_gecs(sessions, 2, holder="CD-CELL")
    for code in ("SH-LFP", "CQ-AL", "SC-HYDRO"):
        outsider = member(ids, code)
        with pytest.raises(NotFound, match="no organisation with code 'CD-CELL'"):
            certs.overview(sessions, outsider, "CD-CELL")
        with pytest.raises(NotFound):
            certs.match_report(sessions, outsider, "CD-CELL", JAN)
        with pytest.raises(NotFound):
            certs.claim(sessions, outsider, "CD-CELL", serials, JAN)
        seen = certs.overview(sessions, outsider, code)
        assert not {h.reference for h in seen.holdings} & set(serials)
        assert all(serial not in e.body for e in seen.log for serial in serials) or code == "SC-HYDRO"
    own = certs.overview(sessions, member(ids, "CD-CELL"), "CD-CELL")
    assert {h.reference for h in own.holdings} == set(serials)
    with pytest.raises(PermissionDenied):
        certs.claim(sessions, member(ids, "CD-CELL", "verifier"), "CD-CELL", serials, JAN)


def test_registry_import_row_errors_all_or_nothing(sessions, tmp_path) -> None:
    seed(sessions)
    good = gec_serial(PROJECT, date(2025, 1, 1), 1)
    bad_month = PROJECT + "202513" + "0000002" + "11"
    path = tmp_path / "export.csv"
    path.write_text(
        "kind,serial,generator,technology,province,production_start,production_end,mwh\n"
        f"GEC,{good},Aba hydro,hydro,四川,2025-01-01,2025-01-31,1\n"
        f"GEC,{bad_month},Aba hydro,hydro,四川,2025-01-01,2025-01-31,1\n"
        f"GEC,{good},Aba hydro,hydro,四川,2025-01-01,2025-01-31,1\n"
        "PPA,PPA-2025-01,Aba hydro,hydro,Atlantis,2025-01-01,2025-12-31,5000\n"
        "PPA,PPA-2025-02,Aba hydro,hydro,四川,2025-01-01,2025-12-31,1,5\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as err:
        certs.import_registry(sessions, CLI, "SC-HYDRO", path)
    messages = [p.message for p in err.value.problems]
    assert any("row 3" in m and "production month is '202513'" in m for m in messages)
    assert any("row 4" in m and "listed twice (first in row 2)" in m for m in messages)
    assert any("row 5" in m and "'Atlantis' is not a province" in m for m in messages)
    assert len(messages) == 3
    with sessions() as s:
        assert s.scalars(select(EnergyInstrument)).all() == []
    path.write_text(
        "kind,serial,generator,technology,province,production_start,production_end,mwh,holder\n"
        f"GEC,{good},Aba hydro,hydro,四川,2025-01-01,2025-01-31,1,CD-CELL\n"
        "PPA,PPA-2025-01,Aba hydro,hydro,四川,2025-01-01,2025-12-31,\"5,000\",\n", encoding="utf-8")
    report = certs.import_registry(sessions, CLI, "SC-HYDRO", path)
    assert (report.instruments, report.mwh) == (2, 5001.0)
    with pytest.raises(ImportRejected, match="already registered"):
        certs.import_registry(sessions, CLI, "SC-HYDRO", path)


def test_xlsx_registry_export(sessions, tmp_path) -> None:
    from openpyxl import Workbook

    seed(sessions)
    wb = Workbook()
    ws = wb.active
    ws.append(["kind", "serial", "generator", "technology", "province", "production_start", "production_end", "mwh"])
    ws.append(["GEC", gec_serial(PROJECT, date(2025, 2, 1), 7), "Aba hydro", "hydro", "CN-SC", date(2025, 2, 1),
               date(2025, 2, 28), 1])
    wb.save(tmp_path / "export.xlsx")
    report = certs.import_registry(sessions, CLI, "SC-HYDRO", tmp_path / "export.xlsx")
    assert report.instruments == 1


def test_market_based_scope2_by_hand(sessions) -> None:
    """CD-CELL uses 1,000,000 kWh in January 2025 (Sichuan), and claims 400 GECs produced in January.
    Annual and monthly matching: min(1000, 400) = 400 MWh at 0 → market-based = 600 MWh × residual factor.
    Hourly: the plant's profile puts all 400 MWh into 4 hours a day (124 h, 3.2258 MWh/h) while the plant uses
    1000/744 = 1.3441 MWh/h, so each of those hours matches 1.3441 MWh: 124 × 1000/744 = 166.667 MWh,
    market-based = (1000 − 166.667) MWh × residual factor. Location-based never changes."""
    seed(sessions)
    electricity(sessions, "CD-CELL", *JAN, 1_000_000)
    before = organisation_inventory(sessions, "CD-CELL", start=JAN[0], end=JAN[1])
    residual_t_per_mwh = before.scope2_market_t / 1000
    assert residual_t_per_mwh > 0.1
    serials = issue_gecs(sessions, 400, holder="CD-CELL")
    certs.claim(sessions, CLI, "CD-CELL", serials, JAN, on=date(2025, 2, 1))
    annual = organisation_inventory(sessions, "CD-CELL", start=JAN[0], end=JAN[1])
    assert annual.scope2_location_t == pytest.approx(before.scope2_location_t)
    assert annual.scope2_market_t == pytest.approx(600 * residual_t_per_mwh)
    monthly = organisation_inventory(sessions, "CD-CELL", start=JAN[0], end=JAN[1], matching="monthly")
    assert monthly.scope2_market_t == pytest.approx(600 * residual_t_per_mwh)
    # no hourly production known yet: nothing matches hour by hour
    hourly = organisation_inventory(sessions, "CD-CELL", start=JAN[0], end=JAN[1], matching="hourly")
    assert hourly.scope2_market_t == pytest.approx(before.scope2_market_t)
    profile = [0.0] * 744
    for day in range(31):
        for hour in (10, 11, 12, 13):
            profile[day * 24 + hour] = 400_000 / 124
    certs.issue(sessions, CLI, "SC-HYDRO", [], {("Aba hydro", date(2025, 1, 1)): profile}, source="profile")
    hourly = organisation_inventory(sessions, "CD-CELL", start=JAN[0], end=JAN[1], matching="hourly")
    assert hourly.scope2_market_t == pytest.approx((1000 - 124 * 1000 / 744) * residual_t_per_mwh)
    assert certs.claimed_mwh(sessions, "CD-CELL", JAN, "hourly") == pytest.approx(166.6667, abs=1e-3)
    report = certs.match_report(sessions, CLI, "CD-CELL", JAN)
    assert (report.consumption_mwh, report.claimed_mwh, report.monthly_mwh, report.annual_mwh) == pytest.approx(
        (1000, 400, 400, 400))
    assert report.share_by_day_hour[0][10] == 1.0 and report.share_by_day_hour[0][9] == 0.0
    assert report.residual_mwh["hourly"] == pytest.approx(1000 - 166.6667, abs=1e-3)
