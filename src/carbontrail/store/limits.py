"""The same text limits on SQLite and PostgreSQL: before any flush, every text value is checked against its
column's length and for NUL characters (PostgreSQL refuses both, SQLite stores either), so both databases answer
one clear `InputError` naming the field instead of one storing what the other refuses with a traceback."""

from __future__ import annotations

from functools import cache

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Mapper, Session

from carbontrail.errors import InputError, Location


def check_text(table: str, field: str, value: str, length: int | None) -> None:
    """`InputError` if `value` holds a NUL character or is longer than `length` characters."""
    if "\x00" in value:
        raise InputError("the text holds a NUL character", location=Location(field=field),
                         expected="text without control character U+0000" + (f" ({table})" if table else ""))
    if length is not None and len(value) > length:
        raise InputError(f"the text is {len(value)} characters long", location=Location(field=field),
                         expected=f"at most {length} characters ({table})")


@cache
def _text_columns(mapper: Mapper[object]) -> tuple[tuple[str, str, str, int | None], ...]:
    """(attribute, column, table, length) of each text column of a mapped class, worked out once per class."""
    return tuple((mapper.get_property_by_column(c).key, c.key, mapper.local_table.name, c.type.length)
                 for c in mapper.columns if isinstance(c.type, String))


@event.listens_for(Session, "before_flush")
def _check_texts(session: Session, _context: object, _instances: object) -> None:
    for obj in (*session.new, *session.dirty):
        values = obj.__dict__
        for attribute, column, table, length in _text_columns(inspect(obj).mapper):
            value = values.get(attribute)
            if isinstance(value, str):
                check_text(table, column, value, length)
