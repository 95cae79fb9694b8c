"""The translation catalogues are complete (issue 17, item 4): every area's catalogue holds the same entries in
zh-CN and English, none empty; every string a page or page module passes to `_()` is in both; and a zh-CN entry
whose English has words is translated, not copied (names such as CBAM or ISO 14067 stay as they are)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment, nodes

WEB = Path(__file__).resolve().parents[2] / "src" / "carbontrail" / "web"
CATALOGUES = WEB / "translations"
AREAS = sorted(p.name for p in (CATALOGUES / "en" / "LC_MESSAGES").glob("*.po"))


def _entries(locale: str, area: str) -> dict[str, str]:
    with (CATALOGUES / locale / "LC_MESSAGES" / area).open("rb") as fh:
        return {str(m.id): str(m.string) for m in read_po(fh, locale=locale) if m.id}


def _used() -> dict[str, set[str]]:
    """Each literal passed to `_()` by a template or a page module, with where it stands."""
    found: dict[str, set[str]] = {}
    env = Environment(extensions=["jinja2.ext.do"])
    for path in sorted((WEB / "templates").glob("*.html")):
        tree = env.parse(path.read_text(encoding="utf-8"))
        for call in tree.find_all(nodes.Call):
            if isinstance(call.node, nodes.Name) and call.node.name == "_" and call.args and \
                    isinstance(call.args[0], nodes.Const) and isinstance(call.args[0].value, str):
                found.setdefault(call.args[0].value, set()).add(path.name)
    for path in sorted(WEB.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and \
                    isinstance(node.args[0].value, str) and (
                        (isinstance(node.func, ast.Name) and node.func.id == "_") or
                        (isinstance(node.func, ast.Attribute) and node.func.attr == "_")):
                found.setdefault(node.args[0].value, set()).add(path.name)
    return found


@pytest.mark.parametrize("area", AREAS)
def test_both_languages_hold_the_same_entries(area: str) -> None:
    zh, en = _entries("zh_CN", area), _entries("en", area)
    assert sorted(set(zh) ^ set(en)) == [], f"{area}: entries in one language only"
    assert [k for k, v in {**zh, **en}.items() if not v.strip()] == [], f"{area}: empty translations"


def test_every_string_a_page_shows_is_catalogued() -> None:
    used = _used()
    assert len(used) > 400  # the extraction sees the pages (499 strings when this test was written)
    for locale in ("zh_CN", "en"):
        known = set().union(*(_entries(locale, area) for area in AREAS))
        missing = {text: sorted(where) for text, where in used.items() if text not in known}
        assert missing == {}, f"not in the {locale} catalogues"


def test_chinese_entries_are_translated() -> None:
    copied = [(area, msgid) for area in AREAS for msgid, text in _entries("zh_CN", area).items()
              if text == msgid and re.search(r"\b[a-z]{3,}\b", msgid)]
    assert copied == []
