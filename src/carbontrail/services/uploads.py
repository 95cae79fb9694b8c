"""An uploaded YAML or JSON document (JSON is YAML, so one parser serves both) as parsed data: the one reader the
pages' and the API's file uploads share, whose refusals name the file and the line."""

from __future__ import annotations

import yaml

from carbontrail.errors import InputError, Location

#: the largest document an upload may be (models, declarations, passports and footprints are a few kB to a few MB)
MAX_BYTES = 20 * 2**20


def read_document(name: str, content: bytes, *, expected: str = "a YAML or JSON document",
                  max_bytes: int = MAX_BYTES) -> object:
    """`content` of the file `name` parsed; `InputError` when it is too large, not UTF-8, or not YAML/JSON."""
    if len(content) > max_bytes:
        raise InputError(f"the file is larger than {max_bytes // 2**20} MB", location=Location(file=name))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("the file is not UTF-8 text", location=Location(file=name), expected=expected) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError("not valid YAML/JSON", location=Location(file=name, row=mark.line + 1 if mark else None),
                         expected=expected) from None
    except RecursionError:
        raise InputError("the file nests too deeply", location=Location(file=name)) from None
