"""The errors carbontrail raises, grouped by cause, each saying what went wrong in a user's words.

Front doors (CLI, API, pages) catch `CarbontrailError` and show its message; anything else is a bug.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class CarbontrailError(Exception):
    """Base class of every error carbontrail means a user to see."""

    code: str = "error"


# -- bad input --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where in the user's input a problem sits: file, row (1-based, header = row 1), field."""

    file: str | None = None
    row: int | None = None
    field: str | None = None

    def describe(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts)


class InputError(CarbontrailError):
    """A value the user gave is not what was expected."""

    code = "invalid_input"

    def __init__(self, reason: str, *, location: Location | None = None, expected: str | None = None):
        self.reason = reason
        self.location = location or Location()
        self.expected = expected
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = self.location.describe()
        text = f"{where}: {self.reason}" if where else self.reason
        if self.expected:
            text += f" (expected {self.expected})"
        return text

    def at(self, *, file: str | None = None, row: int | None = None, field: str | None = None) -> InputError:
        """The same error, placed at a location (keeping what is already known)."""
        loc = Location(
            file=self.location.file or file,
            row=self.location.row if self.location.row is not None else row,
            field=self.location.field or field,
        )
        return type(self)(self.reason, location=loc, expected=self.expected)


class UnitError(InputError):
    """A unit is unknown, or not convertible to the unit the quantity needs."""

    code = "invalid_unit"


class ImportRejected(CarbontrailError):
    """A file had bad rows, so none of it was imported."""

    code = "import_rejected"

    def __init__(self, file: str, problems: Sequence[InputError], total_rows: int | None = None):
        self.file = file
        self.problems = list(problems)
        self.total_rows = total_rows
        shown = "; ".join(p.message for p in self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(
            f"{file}: {len(self.problems)} bad row(s), nothing was imported: {shown}{more}"
        )


# -- things that are not there ----------------------------------------------------------------


class NotFound(CarbontrailError):
    """The thing asked for does not exist (or is not visible to the asker)."""

    code = "not_found"


class FactorNotFound(NotFound):
    """No emission factor matches the query, even after every fallback."""

    code = "factor_not_found"


class Conflict(CarbontrailError):
    """The request clashes with what is already stored."""

    code = "conflict"


# -- calculations -----------------------------------------------------------------------------


class CalculationError(CarbontrailError):
    """A calculation cannot be carried out on the data given."""

    code = "calculation_error"


class SingularSystemError(CalculationError):
    """The product system cannot be solved: a loop cannot produce, or a process consumes more of its
    own product than it makes."""

    code = "singular_system"

    def __init__(self, message: str, processes: Sequence[str] = ()):
        self.processes = list(processes)
        super().__init__(message)


# -- set-up -----------------------------------------------------------------------------------


class ConfigurationError(CarbontrailError):
    """carbontrail is not set up the way this action needs."""

    code = "configuration_error"


class PermissionDenied(CarbontrailError):
    """The user is not allowed to do this."""

    code = "permission_denied"
