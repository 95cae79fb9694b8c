"""Every source text shipped with data names the publication, never how the value was looked up: no file under
the package's data folders or the examples holds a lookup note (a search tool's name, an aggregator, "as
recalled", "code repos" …). The checker itself is tested on lines of the kinds it must catch and must leave."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = [ROOT / "examples", *sorted((ROOT / "src" / "carbontrail").rglob("data"))]
TEXT_SUFFIXES = {".csv", ".yaml", ".yml", ".json", ".md", ".txt", ".tsv"}
LOOKUP_NOTES = re.compile(
    r"find_string|reportify|as recalled|from memory|code repos|search index|search results?\b|looked up (?:in|via|on)"
    r"|via (?:google|bing|baidu|the search)|stored reference text", re.IGNORECASE)


def lookup_notes(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if LOOKUP_NOTES.search(line)]


@pytest.mark.parametrize("line", [
    "value as recalled from the 2019 guideline",
    "source: find_string hit in a code repos index",
    "EF from reportify.cn summary table",
    "looked up via the search tool, 2026-11",
])
def test_the_checker_catches_lookup_notes(line: str) -> None:
    assert lookup_notes(line) == [line]


@pytest.mark.parametrize("line", [
    "IPCC 2006 Vol.2 Ch.1 Table 1.4 (stationary combustion)",
    "MEE/NBS announcement of 2025-01-17, national average electricity CO2 factor 2023",
    "illustrative: 13,500 kWh per t Al",
])
def test_the_checker_leaves_publications_alone(line: str) -> None:
    assert lookup_notes(line) == []


def test_no_shipped_source_text_holds_a_lookup_note() -> None:
    files = [p for top in SHIPPED for p in (top.rglob("*") if top.is_dir() else [top])
             if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES]
    assert len(files) > 20
    found = {str(p.relative_to(ROOT)): notes for p in files
             if (notes := lookup_notes(p.read_text(encoding="utf-8", errors="replace")))}
    assert not found, found
