"""China's provinces and regional grids: names in Chinese, pinyin/English or ISO 3166-2, and the fallback chain.

A province falls back to its regional grid, a grid to the nation; "GLO" (global defaults such as IPCC's)
applies anywhere and is the last step of every chain.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

GLOBAL = "GLO"
NATIONAL = "CN"


@dataclass(frozen=True)
class Region:
    """A country, regional grid or province, with the grid (or country) above it."""

    code: str
    kind: str  # country | grid | province
    name_zh: str
    short_zh: str
    name_en: str
    parent: str | None

    @property
    def label(self) -> str:
        return f"{self.short_zh} ({self.code})"


def _key(text: str) -> str:
    return re.sub(r"[\s_\-.'’]", "", text).lower()


@lru_cache(maxsize=1)
def _regions() -> tuple[dict[str, Region], dict[str, str]]:
    text = resources.files("carbontrail.factors").joinpath("data/china_geography.csv").read_text(encoding="utf-8")
    by_code: dict[str, Region] = {}
    names: dict[str, str] = {}
    for row in csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")):
        region = Region(row["code"], row["kind"], row["name_zh"], row["short_zh"], row["name_en"], row["grid"] or None)
        by_code[region.code] = region
        spellings = [region.code, region.name_zh, region.short_zh, region.name_en,
                     *[a for a in row["aliases"].split("|") if a]]
        if region.kind == "province":
            spellings.append(f"{region.name_en} province")
        for spelling in spellings:
            names.setdefault(_key(spelling), region.code)
    names[_key(GLOBAL)] = GLOBAL
    names[_key("global")] = GLOBAL
    names[_key("world")] = GLOBAL
    return by_code, names


def resolve(geography: str) -> str:
    """The canonical code of a geography ('四川', 'Sichuan', 'CN-SC' → 'CN-SC'); unknown names are kept as given
    (a user dataset may hold factors for places outside China)."""
    text = geography.strip()
    if not text:
        return ""
    _, names = _regions()
    return names.get(_key(text), text)


def region(code: str) -> Region | None:
    """The region with this canonical code, or None for a place outside the table."""
    return _regions()[0].get(code)


def label(code: str) -> str:
    """A readable name with its code: '四川 (CN-SC)'; codes outside the table are shown as they are."""
    found = region(code)
    return found.label if found else (code or "(no geography)")


def chain(code: str) -> list[str]:
    """The geographies to try, most specific first: province → regional grid → national → global."""
    steps: list[str] = []
    current: str | None = code
    while current:
        steps.append(current)
        found = region(current)
        current = found.parent if found else None
    if GLOBAL not in steps:
        steps.append(GLOBAL)
    return steps


def provinces() -> list[Region]:
    """Every province in the table, with its grid."""
    return [r for r in _regions()[0].values() if r.kind == "province"]
