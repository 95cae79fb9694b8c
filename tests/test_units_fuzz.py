"""Fuzz (issue 12): no string makes the unit parser or the number reader slow or raise a non-user error."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from carbontrail.errors import InputError
from carbontrail.units import parse_unit, read_number

_PIECES = st.sampled_from(["kWh", "MWh", "GJ", "t", "kg", "Nm3", "yuan", "万元", "9", "0", "1e9", "*", "/",
                           "**", "^", " ", "(", ")", "-", ".", ",", "1000000", "万", "m³"])
_UNITISH = st.one_of(st.text(max_size=80), st.lists(_PIECES, max_size=30).map("".join))
_NUMBERISH = st.one_of(st.text(alphabet="0123456789.,eE+-_ naif", max_size=40), st.text(max_size=40),
                       st.floats(allow_nan=True, allow_infinity=True), st.integers())


def _bounded(call: object, value: object) -> None:
    start = time.perf_counter()
    try:
        call(value)  # type: ignore[operator]
    except InputError:
        pass
    assert time.perf_counter() - start < 0.05, value


@settings(max_examples=600, deadline=None)
@given(_UNITISH)
def test_unit_parser_fuzz(text: str) -> None:
    _bounded(parse_unit, text)


@settings(max_examples=600, deadline=None)
@given(_NUMBERISH)
def test_number_reader_fuzz(value: object) -> None:
    _bounded(read_number, value)
