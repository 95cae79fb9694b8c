"""The repository is self-contained: no code, test, benchmark, example or build file reads ../shared beside it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("src", "tests", "benchmarks", "examples", "scripts", ".ci", "Makefile")
SKIPPED_DIRS = {"__pycache__", ".venv", "node_modules", ".git"}

# Each pattern is one way the old tests and docs reached the folder beside the repository:
# "../shared", ../../../shared/docs, a path join with the literal "shared", parents[n] / "shared",
# bare "shared/reference|data|docs/..." paths, and the retired shared_dir fixture.
PATTERNS = (
    re.compile(r"\.\./shared\b"),
    re.compile(r"""["']shared["']"""),
    re.compile(r"\bshared/(?:data|reference|docs|hooks)\b"),
    re.compile(r"\bshared_dir\b"),
)


def references(text: str) -> list[str]:
    """The lines of `text` that point at the shared folder beside the repository."""
    return [line.strip() for line in text.splitlines() if any(p.search(line) for p in PATTERNS)]


def scanned_files() -> list[Path]:
    out: list[Path] = []
    for name in SCANNED:
        top = ROOT / name
        if top.is_file():
            out.append(top)
            continue
        for path in top.rglob("*") if top.is_dir() else ():
            parts = path.relative_to(ROOT).parts
            # *.egg-info is generated from README.md at install time; it is not a source of the repository.
            if path.is_file() and not SKIPPED_DIRS.intersection(parts) and not any(
                    part.endswith(".egg-info") for part in parts):
                out.append(path)
    return out


@pytest.mark.parametrize("line", [
    'SHARED = Path(__file__).resolve().parents[1].parent / "shared"',
    'REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "pact" / "openapi"',
    "USLCI = ROOT.parent / 'shared' / 'data' / 'uslci' / 'uslci_olca1_5_0_json_ld.zip'",
    "    .venv/bin/python scripts/derive_useeio_spend_factors.py ../shared/data/useeio/USEEIO \\",
    "../../../shared/docs/FACTS.md: electricity 6,000-8,000",
    "# Values as compiled in shared/reference/factors/china_electricity_factors.csv.",
    "def uslci(shared_dir: Path) -> ImportResult:",
])
def test_checker_catches_the_old_patterns(line: str) -> None:
    assert references(line) == [line.strip()]


@pytest.mark.parametrize("line", [
    '"""The datasets shipped with carbontrail (loaded once, then shared)."""',
    "Stop sharing `pf_id` with `customer`; `NotFound` if it was not shared with it.",
    "A footprint shared with a customer organisation, shared by its owner",
    "[shared] = client.scatter([job], broadcast=True, hash=False)",
    "futures = client.map(_run_chunk, [shared] * len(sizes), seeds, sizes, pure=False)",
    'TEST_DATA = Path(__file__).resolve().parent / "data"',
])
def test_checker_leaves_ordinary_words_alone(line: str) -> None:
    assert references(line) == []


def test_no_file_refers_to_the_shared_folder() -> None:
    """Every text file under src/, tests/, benchmarks/, examples/, scripts/, .ci/ and the Makefile (this file excepted)."""
    me = Path(__file__).resolve()
    files = [p for p in scanned_files() if p.resolve() != me]
    assert any(p.name == "conftest.py" for p in files) and any(p.name == "Makefile" for p in files)
    found: list[str] = []
    for path in files:
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary: zip, gzip, fonts, images
        found += [f"{path.relative_to(ROOT)}: {line}" for line in references(data.decode("utf-8", "replace"))]
    assert not found, "refers to the shared folder beside the repository:\n" + "\n".join(found)
