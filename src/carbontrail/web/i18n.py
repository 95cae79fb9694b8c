"""Translations from the gettext catalogues in translations/, error messages in the reader's language, and numbers
and dates formatted per locale."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from carbontrail.errors import CarbontrailError, ImportRejected, InputError

LOCALES = ("zh_CN", "en")
#: the catalogue of error messages: each msgid is a message the core and the services raise, its values as
#: %(name)s, matched against the message as raised
ERRORS = "errors.po"
DEFAULT_LOCALE = "zh_CN"
CATALOGUES = Path(__file__).parent / "translations"


@cache
def catalogue(locale: str) -> dict[str, str]:
    """msgid → translation for `locale` (read once; the files ship with the package).

    Each area keeps its own catalogue (messages.po for the platform, footprints.po, pact.po, battery.po, cbam.po …),
    all in LC_MESSAGES; they are merged here, so one area's strings never crowd another's file."""
    table: dict[str, str] = {}
    for path in sorted((CATALOGUES / locale / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            cat = read_po(fh, locale=locale)
        table.update({str(m.id): str(m.string) for m in cat if m.id and m.string and not m.fuzzy})
    return table


def translator(locale: str) -> Callable[..., str]:
    """A gettext function for `locale`: untranslated text falls back to the English msgid."""
    table = catalogue(locale if locale in LOCALES else DEFAULT_LOCALE)

    def gettext(message: str, **values: object) -> str:
        text = table.get(message, message)
        return text % values if values else text

    return gettext


def pick_locale(cookie: str | None, accept_language: str | None, preferred: str | None = None) -> str:
    """The language chosen on the page, else the user's, else the browser's, else Chinese."""
    for candidate in (cookie, preferred):
        if candidate in LOCALES:
            return candidate
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE


@cache
def _locale(name: str) -> Locale:
    """The parsed locale, once per name (parsing looks through babel's list of locales: an oversight page formats
    a thousand numbers)."""
    return Locale.parse(name)


def number(value: float | None, locale: str, digits: int = 1) -> str:
    """A number with the locale's grouping and decimal marks; an em dash when there is none."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_locale(locale))


def percent(value: float, locale: str) -> str:
    return format_percent(value, format="#,##0.0%", locale=_locale(locale))


def day(value: date, locale: str) -> str:
    """A date in the locale's long form (2023年1月1日 / January 1, 2023)."""
    return format_date(value, format="long", locale=_locale(locale))


@cache
def _error_patterns(locale: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """(the message as a pattern, its translation) of every entry of the errors catalogue, longest first."""
    path = CATALOGUES / locale / "LC_MESSAGES" / ERRORS
    if not path.exists():
        return ()
    with path.open("rb") as fh:
        entries = [(str(m.id), str(m.string)) for m in read_po(fh, locale=locale) if m.id and m.string]
    out = []
    for msgid, text in sorted(entries, key=lambda e: -len(e[0])):
        parts = re.split(r"%\((\w+)\)s", msgid)
        body = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
        out.append((re.compile(f"^{body}$", re.DOTALL), text))
    return tuple(out)


def message(text: str, locale: str) -> str:
    """A message carbontrail raised or stored (its reason, what was expected, a monitoring warning), in the reader's
    language when the errors catalogue knows it; the text as raised otherwise."""
    for pattern, translation in _error_patterns(locale):
        found = pattern.match(text)
        if found:
            return translation % {k: message(v, locale) for k, v in found.groupdict().items()}
    return text


def error_text(exc: CarbontrailError, locale: str) -> str:
    """What went wrong, in the reader's language: the place (field, row, file), the reason and what was expected.
    In English the message is exactly the one the CLI and the API show."""
    if locale == "en" or locale not in LOCALES:
        return str(exc)
    _ = translator(locale)
    if isinstance(exc, ImportRejected):
        return _("Nothing was imported: the file has %(count)s bad row(s).", count=len(exc.problems)) + " " + \
            "；".join(error_text(p, locale) for p in exc.problems[:5])
    if not isinstance(exc, InputError):
        return message(str(exc), locale)
    where = [message(exc.location.file, locale)] if exc.location.file else []  # "form" is a word, a file a name
    if exc.location.row is not None:
        where.append(_("row %(row)s", row=exc.location.row))
    if exc.location.field:
        where.append(_("field %(field)s", field=exc.location.field))
    text = message(exc.reason, locale)
    if where:
        text = "，".join(where) + "：" + text
    if exc.expected:
        text += _("(expected %(expected)s)", expected=message(exc.expected, locale))
    return text
