"""What an inventory calculation reads and cites: an activity record as plain values, and a factor as one line used it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date

import pint

from carbontrail.factors import Factor, FactorValue


@dataclass(frozen=True)
class Activity:
    """One activity record as the calculation sees it: plain values, a typed quantity, its origin."""

    facility: str
    province: str
    kind: str
    item: str
    quantity: pint.Quantity
    period_start: date
    period_end: date
    category: str = ""
    gas: str = ""
    supplier: str = ""
    instrument: str = ""
    instrument_ref: str = ""
    contract_factor: float | None = None  # kg CO2e per kWh
    source: str = ""


@dataclass(frozen=True)
class FactorUse(FactorValue):
    """A factor as used by one line: value, unit, gas, and where it comes from."""

    fallback: str = ""

    @classmethod
    def of(cls, factor: Factor, fallback: str = "") -> FactorUse:
        return cls(**{f.name: getattr(factor, f.name) for f in fields(FactorValue)}, fallback=fallback)


@dataclass(frozen=True)
class ClaimUse:
    """A claimed green-electricity instrument the market-based scope 2 counts, with the transparency-log entry of
    its claim (None: made without the installation's key, not logged yet)."""

    claim_id: int
    kind: str
    reference: str
    mwh: float
    log_seq: int | None


def claim_runs(claims: Sequence[ClaimUse]) -> list[tuple[str, int, float, int | None, int | None, str, str]]:
    """Claims of one kind whose log entries follow each other, as one run: (kind, count, MWh, first and last log
    entry, first and last reference), so a report lists thousands of certificates in a few lines."""
    runs: list[list[object]] = []
    for c in claims:
        last = runs[-1] if runs else None
        if last is not None and last[0] == c.kind and c.log_seq is not None and last[4] is not None \
                and c.log_seq == int(last[4]) + 1:  # type: ignore[call-overload]
            last[1] = int(last[1]) + 1  # type: ignore[call-overload]
            last[2] = float(last[2]) + c.mwh  # type: ignore[arg-type]
            last[4], last[6] = c.log_seq, c.reference
        else:
            runs.append([c.kind, 1, c.mwh, c.log_seq, c.log_seq, c.reference, c.reference])
    return [tuple(r) for r in runs]  # type: ignore[misc]
