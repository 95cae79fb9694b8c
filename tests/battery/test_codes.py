"""GB/T 34014 codes: valid codes parse into their parts; malformed ones are rejected with position and reason."""

from __future__ import annotations

from datetime import date

import pytest

from carbontrail.battery.codes import InvalidCode, encode_date, make_code, parse_code
from carbontrail.errors import InputError

# maker 01A, pack, LFP (B), spec AA, trace SC00001, 2024-03-15 (R=24, 3, F=15), serial 42
GOOD = "01APBAASC00001R3F0000042"


def test_parts_of_a_valid_code() -> None:
    code = parse_code(GOOD)
    assert (code.manufacturer, code.product_type, code.battery_type) == ("01A", "pack", "B")
    assert (code.specification, code.traceability) == ("AA", "SC00001")
    assert code.production_date == date(2024, 3, 15)
    assert code.serial == 42
    assert code.chemistry == "lithium iron phosphate"


def test_make_code_round_trips() -> None:
    """2018-12-31 → J (18th symbol), C (12th), Z (31st); 2020 → L."""
    assert encode_date(date(2018, 12, 31)) == "JCZ"
    assert encode_date(date(2020, 1, 1)) == "L11"
    code = make_code("5KX", "cell", "E", "01", "ABCDEFG", date(2018, 12, 31), 9_999_999)
    assert str(code) == "5KXCE01ABCDEFGJCZ9999999"
    assert parse_code(str(code)) == code


@pytest.mark.parametrize("text, start, end, words", [
    (GOOD[:-1], 1, 23, "23 characters, not 24"),
    (GOOD + "1", 1, 25, "25 characters, not 24"),
    (GOOD[:3] + "X" + GOOD[4:], 4, 4, "not P (pack), M (module) or C (cell)"),
    (GOOD[:4] + "H" + GOOD[5:], 5, 5, "not a battery type code"),
    (GOOD[:14] + "I" + GOOD[15:], 15, 15, "not a year symbol"),
    (GOOD[:15] + "D" + GOOD[16:], 16, 16, "not a month"),
    (GOOD[:14] + "R2Y" + GOOD[17:], 15, 17, "2024-02-30 is not a calendar date"),
    (GOOD[:17] + "00A0042", 18, 24, "not seven digits"),
    (GOOD[:17] + "0000000", 18, 24, "start at 0000001"),
    (GOOD[:8] + "c" + GOOD[9:], 9, 9, "not a digit or capital letter"),
])
def test_malformed_codes_name_position_and_reason(text: str, start: int, end: int, words: str) -> None:
    with pytest.raises(InvalidCode) as err:
        parse_code(text)
    problems = err.value.problems
    assert any(p.start == start and p.end == end and words in p.reason for p in problems), problems
    assert isinstance(err.value, InputError) and words in err.value.message


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidCode) as err:
        parse_code("01AXHAASC00001RDZ0000000")
    assert [p.start for p in err.value.problems] == [4, 5, 16, 18]
