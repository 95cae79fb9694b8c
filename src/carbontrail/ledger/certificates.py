"""Energy attribute instruments: China green electricity certificates (GEC) and their 32-digit serial, I-REC,
green-power trading contracts (绿电交易), PPAs and direct lines; validity, freezing, and market boundaries.

The GEC serial. The field order rests on the National Energy Administration's published explanation of the code
(绿证编码有何具体含义?, March 2025): 32 digits, the first 17 the project's filing code (项目建档立卡编码) — from left
to right project type, energy type, technology type, approval (filing) time, address, sequence code, check code —
and the last 15 the electricity — production date, certificate sequence code, electricity class, trade class. That
explanation gives the order but not the width of each field nor the values of the codes. The widths and code tables
below are therefore this module's own reading, chosen so the fields add up to 17 + 15 digits and hold what they must
(an approval year; a six-digit GB/T 2260 administrative division code; a production month, as certificates are
issued monthly for the previous month's electricity; up to 9,999,999 certificates per project and month):

    project filing code (17)                          electricity (15)
    T E K YYYY AAAAAA SSS C                           YYYYMM NNNNNNN L R
    | | | |    |      |   check code                  |      |       | trade class
    | | | |    |      project sequence code           |      |       electricity class
    | | | |    address (GB/T 2260 division code)       |      certificate sequence code
    | | | approval (filing) year                      production month
    | | technology type
    | energy type
    project type

The check-code algorithm is not published either, so the check digit is read but not recomputed. Each refusal names
the field that is wrong. Validity: a GEC is valid for two years counted from its production month inclusive
(National Energy Administration, 可再生能源绿色电力证书核发和交易规则, 国能发新能规〔2024〕67号, 2024).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from carbontrail.errors import InputError, Location
from carbontrail.factors.geography import NATIONAL, region, resolve

KINDS = ("GEC", "I-REC", "green_power_trade", "PPA", "direct_line")
BOUNDARIES = ("country", "grid", "province")
GEC_MWH = 1.0  # one certificate per MWh (1,000 kWh) of renewable electricity
GEC_VALIDITY_MONTHS = 24

# The code tables (this module's reading, see the module docstring): digit → meaning.
PROJECT_TYPES = {"1": "centralised", "2": "distributed"}
ENERGY_TYPES = {"1": "wind", "2": "solar", "3": "hydro", "4": "biomass", "5": "geothermal", "6": "ocean"}
TECHNOLOGY_TYPES = {"1": "onshore wind", "2": "offshore wind", "3": "photovoltaic", "4": "solar thermal",
                    "5": "conventional hydro", "6": "run-of-river hydro", "7": "biomass power",
                    "8": "waste-to-energy", "9": "other"}
ELECTRICITY_CLASSES = {"1": "grid-fed (上网电量)", "2": "self-consumed (自发自用)"}
TRADE_CLASSES = {"1": "tradable", "2": "not tradable"}

_FIELDS: tuple[tuple[str, int], ...] = (
    ("project type", 1), ("energy type", 1), ("technology type", 1), ("approval year", 4), ("address", 6),
    ("project sequence", 3), ("check code", 1), ("production month", 6), ("certificate sequence", 7),
    ("electricity class", 1), ("trade class", 1),
)
SERIAL_LENGTH = sum(width for _, width in _FIELDS)
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class GecSerial:
    """A GEC serial number, split into its fields."""

    serial: str
    project_code: str
    project_type: str
    energy_type: str
    technology: str
    approval_year: int
    address: str
    project_sequence: str
    check_code: str
    production_month: date  # the first day of the month the electricity was produced in
    sequence: int
    electricity_class: str
    trade_class: str

    @property
    def tradable(self) -> bool:
        return self.trade_class == TRADE_CLASSES["1"]

    @property
    def valid_until(self) -> date:
        return gec_valid_until(self.production_month)


def _bad(reason: str, expected: str) -> InputError:
    return InputError(reason, location=Location(field="serial"), expected=expected)


def parse_gec_serial(text: str, *, today: date | None = None) -> GecSerial:
    """The fields of a 32-digit GEC serial; `InputError` naming the wrong field (length, digits, date, class).

    `today` (when given) refuses a production month in the future or an approval after the production.
    """
    serial = text.strip()
    if len(serial) != SERIAL_LENGTH:
        raise _bad(f"the GEC serial '{serial[:40]}' has {len(serial)} characters", f"{SERIAL_LENGTH} digits")
    if not _DIGITS.fullmatch(serial) or not serial.isascii():
        where = next(i for i, ch in enumerate(serial) if not ("0" <= ch <= "9"))
        raise _bad(f"the GEC serial has '{serial[where]}' at position {where + 1}", "digits 0-9 only")
    parts: dict[str, str] = {}
    at = 0
    for name, width in _FIELDS:
        parts[name] = serial[at:at + width]
        at += width
    for name, table in (("project type", PROJECT_TYPES), ("energy type", ENERGY_TYPES),
                        ("technology type", TECHNOLOGY_TYPES), ("electricity class", ELECTRICITY_CLASSES),
                        ("trade class", TRADE_CLASSES)):
        if parts[name] not in table:
            raise _bad(f"the GEC serial's {name} is '{parts[name]}'",
                       " | ".join(f"{k} ({v})" for k, v in table.items()))
    approval = int(parts["approval year"])
    if not 2000 <= approval <= 2099:
        raise _bad(f"the GEC serial's approval year is {approval}", "a year from 2000 to 2099")
    if parts["address"][:2] < "11" or parts["address"][:2] > "82":
        raise _bad(f"the GEC serial's address is '{parts['address']}'",
                   "a six-digit administrative division code (GB/T 2260), provinces 11 to 82")
    month_text = parts["production month"]
    year, month = int(month_text[:4]), int(month_text[4:])
    if not 1 <= month <= 12:
        raise _bad(f"the GEC serial's production month is '{month_text}' (month {month})", "YYYYMM, month 01-12")
    if not 2017 <= year <= 2099:  # China's certificates started in 2017
        raise _bad(f"the GEC serial's production month is '{month_text}' (year {year})", "a year from 2017")
    produced = date(year, month, 1)
    if year < approval:
        raise _bad(f"the GEC serial's production month {month_text} is before the project's approval year "
                   f"{approval}", "electricity produced after the project was approved")
    if today is not None and produced > today:
        raise _bad(f"the GEC serial's production month {month_text} is in the future",
                   f"a month up to {today:%Y%m}")
    sequence = int(parts["certificate sequence"])
    if sequence == 0:
        raise _bad("the GEC serial's certificate sequence is 0000000", "a sequence from 0000001")
    return GecSerial(serial, serial[:17], PROJECT_TYPES[parts["project type"]], ENERGY_TYPES[parts["energy type"]],
                     TECHNOLOGY_TYPES[parts["technology type"]], approval, parts["address"],
                     parts["project sequence"], parts["check code"], produced, sequence,
                     ELECTRICITY_CLASSES[parts["electricity class"]], TRADE_CLASSES[parts["trade class"]])


def gec_serial(project_code: str, month: date, sequence: int, *, electricity_class: str = "1",
               trade_class: str = "1") -> str:
    """The serial of one certificate of a project (the inverse of `parse_gec_serial`, for issuing ranges)."""
    return f"{project_code}{month:%Y%m}{sequence:07d}{electricity_class}{trade_class}"


def gec_valid_until(production_month: date) -> date:
    """The last day a certificate of this production month can be used: two years from the month, inclusive."""
    months = production_month.year * 12 + production_month.month - 1 + GEC_VALIDITY_MONTHS
    return date(months // 12, months % 12 + 1, 1) - timedelta(days=1)


# -- instruments ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instrument:
    """One instrument as registered: a certificate, or a contract for an amount of renewable electricity.

    `hourly_mwh` is the production per hour from `production_start` 00:00 (China Standard Time), where known.
    `ccer` marks production its project registered for CCER instead, which freezes the certificate.
    """

    kind: str
    reference: str  # the GEC or I-REC serial, or the contract number
    generator: str
    technology: str
    province: str  # canonical code, e.g. CN-SC
    production_start: date
    production_end: date
    face_mwh: float
    valid_until: date | None = None
    ccer: bool = False
    tradable: bool = True
    hourly_mwh: tuple[float, ...] | None = field(default=None, repr=False)


def check_instrument(kind: str, reference: str, generator: str, technology: str, province: str,
                     production_start: date, production_end: date, face_mwh: float, *,
                     valid_until: date | None = None, ccer: bool = False,
                     hourly_mwh: tuple[float, ...] | None = None, today: date | None = None) -> Instrument:
    """An instrument whose fields agree with each other; `InputError` naming the field that does not."""
    if kind not in KINDS:
        raise InputError(f"unknown instrument kind '{kind}'", location=Location(field="kind"),
                         expected=" | ".join(KINDS))
    reference = reference.strip()
    if not reference or len(reference) > 100:
        raise InputError("the reference is empty or longer than 100 characters", location=Location(field="serial"),
                         expected="the certificate serial or contract number")
    code = resolve(province)
    place = region(code)
    if place is None or place.kind != "province":
        raise InputError(f"'{province}' is not a province of China", location=Location(field="province"),
                         expected="a province name or ISO 3166-2 code such as 四川 or CN-SC")
    if production_end < production_start:
        raise InputError("the production end is before its start", location=Location(field="production_end"))
    if not face_mwh > 0:
        raise InputError(f"the face value is {face_mwh:g} MWh", location=Location(field="mwh"),
                         expected="a positive amount of MWh")
    tradable = True
    if kind == "GEC":
        serial = parse_gec_serial(reference, today=today)
        if face_mwh != GEC_MWH:
            raise InputError(f"a GEC stands for {GEC_MWH:g} MWh, not {face_mwh:g}", location=Location(field="mwh"),
                             expected="1")
        if production_start.replace(day=1) != serial.production_month:
            raise InputError(f"the production period starts in {production_start:%Y-%m} but the serial says "
                             f"{serial.production_month:%Y-%m}", location=Location(field="production_start"),
                             expected="the month in the serial")
        valid_until = min(valid_until, serial.valid_until) if valid_until else serial.valid_until
        tradable = serial.tradable
    if hourly_mwh is not None:
        hours = ((production_end - production_start).days + 1) * 24
        if len(hourly_mwh) != hours:
            raise InputError(f"{len(hourly_mwh)} hourly values for a production period of {hours} hours",
                             location=Location(field="hourly_mwh"), expected=f"{hours} values")
        if min(hourly_mwh) < 0:
            raise InputError("an hourly production value is negative", location=Location(field="hourly_mwh"))
        if abs(sum(hourly_mwh) - face_mwh) > 1e-6 * max(face_mwh, 1.0):
            raise InputError(f"the hourly production adds up to {sum(hourly_mwh):g} MWh, not the face value "
                             f"{face_mwh:g} MWh", location=Location(field="hourly_mwh"))
    return Instrument(kind, reference, generator.strip(), technology.strip(), code, production_start,
                      production_end, float(face_mwh), valid_until, ccer, tradable, hourly_mwh)


# -- markets and the rules of a claim --------------------------------------------------------------------------


def market_of(province: str, boundary: str) -> str:
    """The market a province's electricity belongs to under a boundary: the country, its regional grid, or itself."""
    if boundary not in BOUNDARIES:
        raise InputError(f"unknown market boundary '{boundary}'", location=Location(field="boundary"),
                         expected=" | ".join(BOUNDARIES))
    code = resolve(province)
    place = region(code)
    if place is None or place.kind != "province":
        raise InputError(f"'{province}' is not a province of China", location=Location(field="province"),
                         expected="a province name or ISO 3166-2 code such as 四川 or CN-SC")
    if boundary == "country":
        return NATIONAL
    if boundary == "grid":
        return place.parent or NATIONAL
    return code


#: The default market boundary per kind: GECs and I-RECs count nationwide; green-power trades and PPAs are settled
#: by a provincial or regional trading centre, so they count inside the regional grid; a direct line only at home.
DEFAULT_BOUNDARY = {"GEC": "country", "I-REC": "country", "green_power_trade": "grid", "PPA": "grid",
                    "direct_line": "province"}

STATUSES = ("active", "claimed", "frozen", "cancelled")


@dataclass(frozen=True)
class Holding:
    """What the claim rules need to know about an instrument at the moment of a claim."""

    kind: str
    reference: str
    status: str
    owner: str
    face_mwh: float
    claimed_mwh: float
    valid_until: date | None
    ccer: bool
    market: str
    tradable: bool = True


def claim_refusal(holding: Holding, claimant: str, mwh: float, on: date, consumption_market: str) -> str | None:
    """Why `claimant` may not claim `mwh` of the instrument on day `on` against consumption in a market, or None."""
    ref = f"{holding.kind} {holding.reference}"
    # A claim is public (the transparency log shows it), so "already claimed" is said before "not yours".
    if holding.status == "claimed" or holding.claimed_mwh >= holding.face_mwh:
        return f"{ref} is already fully claimed ({holding.claimed_mwh:g} of {holding.face_mwh:g} MWh)"
    if not mwh > 0:
        return f"a claim must be a positive amount of MWh, not {mwh:g}"
    if holding.owner != claimant:
        return f"{ref} is held by another organisation, not by {claimant}"
    if holding.ccer or holding.status == "frozen":
        return f"{ref} is frozen: its production was registered for CCER instead"
    if holding.status == "cancelled":
        return f"{ref} was cancelled by its registry"
    if holding.valid_until is not None and on > holding.valid_until:
        return f"{ref} expired on {holding.valid_until.isoformat()}"
    if holding.claimed_mwh + mwh > holding.face_mwh + 1e-9:
        return (f"{ref} has {holding.face_mwh - holding.claimed_mwh:g} MWh left to claim, fewer than the "
                f"{mwh:g} MWh asked for")
    if holding.market != consumption_market:
        return f"{ref} lies in market {holding.market}, the consumption in {consumption_market}"
    return None


def transfer_refusal(holding: Holding, seller: str, on: date) -> str | None:
    """Why `seller` may not hand the instrument on, or None."""
    ref = f"{holding.kind} {holding.reference}"
    if holding.owner != seller:
        return f"{ref} is held by another organisation, not by {seller}"
    if holding.ccer or holding.status == "frozen":
        return f"{ref} is frozen: its production was registered for CCER instead"
    if not holding.tradable:
        return f"{ref} is not tradable (its serial's trade class); it can only be claimed by its holder"
    if holding.status != "active" or holding.claimed_mwh > 0:
        return f"{ref} has been claimed ({holding.claimed_mwh:g} MWh) and can no longer change hands"
    if holding.valid_until is not None and on > holding.valid_until:
        return f"{ref} expired on {holding.valid_until.isoformat()}"
    return None
