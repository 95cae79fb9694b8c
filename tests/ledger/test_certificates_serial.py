"""GEC serial numbers: the fields of a valid serial, and one refusal per kind of fault naming what is wrong."""

from __future__ import annotations

from datetime import date

import pytest

from carbontrail.errors import InputError
from carbontrail.ledger.certificates import (
    Holding,
    check_instrument,
    claim_refusal,
    gec_serial,
    gec_valid_until,
    market_of,
    parse_gec_serial,
    transfer_refusal,
)

# project type 1, energy 3 (hydro), technology 5 (conventional hydro), approved 2015, address 513200, project 001,
# check code 7; produced March 2025, certificate 42, grid-fed (1), tradable (1)
PROJECT = "1" "3" "5" "2015" "513200" "001" "7"
VALID = PROJECT + "202503" "0000042" "1" "1"


def test_valid_serial_fields() -> None:
    assert len(VALID) == 32
    s = parse_gec_serial(VALID)
    assert (s.project_code, s.project_type, s.energy_type, s.technology) == (
        PROJECT, "centralised", "hydro", "conventional hydro")
    assert (s.approval_year, s.address, s.project_sequence, s.check_code) == (2015, "513200", "001", "7")
    assert (s.production_month, s.sequence) == (date(2025, 3, 1), 42)
    assert s.electricity_class.startswith("grid-fed") and s.tradable
    # two years from March 2025 inclusive: March 2025 … February 2027
    assert s.valid_until == date(2027, 2, 28)
    assert gec_serial(PROJECT, date(2025, 3, 1), 42) == VALID


@pytest.mark.parametrize(("serial", "names"), [
    (VALID[:-1], "has 31 characters"),
    (VALID + "1", "has 33 characters"),
    (VALID[:10] + "A" + VALID[11:], "'A' at position 11"),
    (VALID[:10] + "１" + VALID[11:], "position 11"),  # a full-width digit
    ("9" + VALID[1:], "project type is '9'"),
    (VALID[:1] + "0" + VALID[2:], "energy type is '0'"),
    (VALID[:2] + "0" + VALID[3:], "technology type is '0'"),
    (VALID[:3] + "1999" + VALID[7:], "approval year is 1999"),
    (VALID[:7] + "990000" + VALID[13:], "address is '990000'"),
    (PROJECT + "202513" + VALID[23:], "production month is '202513' (month 13)"),
    (PROJECT + "202500" + VALID[23:], "(month 0)"),
    (PROJECT + "201612" + VALID[23:], "(year 2016)"),
    (VALID[:3] + "2026" + VALID[7:], "before the project's approval year 2026"),
    (PROJECT + "202503" + "0000000" + "11", "certificate sequence is 0000000"),
    (VALID[:30] + "3" + VALID[31], "electricity class is '3'"),
    (VALID[:31] + "0", "trade class is '0'"),
])
def test_invalid_serials_name_the_fault(serial: str, names: str) -> None:
    with pytest.raises(InputError) as err:
        parse_gec_serial(serial)
    assert names in err.value.message
    assert err.value.location.field == "serial"


def test_future_production_month_refused() -> None:
    with pytest.raises(InputError, match="202503 is in the future"):
        parse_gec_serial(VALID, today=date(2025, 2, 28))


def test_validity_across_a_year_end() -> None:
    assert gec_valid_until(date(2024, 12, 1)) == date(2026, 11, 30)
    assert gec_valid_until(date(2024, 1, 1)) == date(2025, 12, 31)


def test_instrument_checks() -> None:
    gec = check_instrument("GEC", VALID, "Aba hydro", "hydro", "四川", date(2025, 3, 1), date(2025, 3, 31), 1.0)
    assert gec.province == "CN-SC" and gec.valid_until == date(2027, 2, 28) and gec.tradable
    with pytest.raises(InputError, match="stands for 1 MWh"):
        check_instrument("GEC", VALID, "g", "hydro", "CN-SC", date(2025, 3, 1), date(2025, 3, 31), 2.0)
    with pytest.raises(InputError, match="serial says 2025-03"):
        check_instrument("GEC", VALID, "g", "hydro", "CN-SC", date(2025, 4, 1), date(2025, 4, 30), 1.0)
    with pytest.raises(InputError, match="not a province"):
        check_instrument("PPA", "PPA-1", "g", "wind", "Atlantis", date(2025, 1, 1), date(2025, 1, 1), 5.0)
    with pytest.raises(InputError, match="adds up to 4 MWh"):
        check_instrument("PPA", "PPA-1", "g", "wind", "CN-SC", date(2025, 1, 1), date(2025, 1, 1), 5.0,
                         hourly_mwh=(1.0, 3.0) + (0.0,) * 22)
    with pytest.raises(InputError, match="2 hourly values for a production period of 24 hours"):
        check_instrument("PPA", "PPA-1", "g", "wind", "CN-SC", date(2025, 1, 1), date(2025, 1, 1), 5.0,
                         hourly_mwh=(1.0, 4.0))


def test_markets() -> None:
    assert market_of("四川", "country") == "CN"
    assert market_of("Sichuan", "grid") == "CN-GRID-SW"
    assert market_of("CN-SH", "grid") == "CN-GRID-E"
    assert market_of("CN-SC", "province") == "CN-SC"


def _holding(**kw: object) -> Holding:
    base = dict(kind="GEC", reference="X", status="active", owner="CD-CELL", face_mwh=1.0, claimed_mwh=0.0,
                valid_until=date(2027, 2, 28), ccer=False, market="CN")
    base.update(kw)
    return Holding(**base)  # type: ignore[arg-type]


def test_claim_rules_each_reason() -> None:
    on = date(2025, 12, 31)
    assert claim_refusal(_holding(), "CD-CELL", 1.0, on, "CN") is None
    assert "held by another organisation" in claim_refusal(_holding(), "SH-LFP", 1.0, on, "CN")
    assert "frozen" in claim_refusal(_holding(ccer=True), "CD-CELL", 1.0, on, "CN")
    assert "already fully claimed (1 of 1 MWh)" in claim_refusal(_holding(claimed_mwh=1.0), "CD-CELL", 1.0, on, "CN")
    assert "expired on 2027-02-28" in claim_refusal(_holding(), "CD-CELL", 1.0, date(2027, 3, 1), "CN")
    assert "lies in market CN-GRID-SW, the consumption in CN-GRID-E" in claim_refusal(
        _holding(market="CN-GRID-SW"), "CD-CELL", 1.0, on, "CN-GRID-E")
    assert "has 2 MWh left" in claim_refusal(_holding(face_mwh=5.0, claimed_mwh=3.0), "CD-CELL", 2.5, on, "CN")
    assert transfer_refusal(_holding(), "CD-CELL", on) is None
    assert "can no longer change hands" in transfer_refusal(_holding(face_mwh=5.0, claimed_mwh=1.0), "CD-CELL", on)
    assert "not tradable" in transfer_refusal(_holding(tradable=False), "CD-CELL", on)
