"""The layer contracts of DESIGN.md §4, checked with import-linter: they hold on the code as it is, and they fail
when a front door imports the store or the pages import the API."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(package_parent: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=package_parent, env={"PYTHONPATH": str(package_parent), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=300)


def test_the_code_keeps_every_contract() -> None:
    done = _lint(ROOT / "src")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(("module", "forbidden", "contract"), [
    ("web/page.py", "import carbontrail.store.db", "Front doors never touch the store"),
    ("web/page.py", "import carbontrail.api.routers.activity", "Layers point down"),
    ("lca/solver.py", "import carbontrail.services.work", "Layers point down"),
    ("inventory/scope3.py", "import carbontrail.inventory.ghg", "No import cycles"),
])
def test_a_forbidden_import_breaks_a_contract(tmp_path: Path, module: str, forbidden: str, contract: str) -> None:
    copy = tmp_path / "carbontrail"
    shutil.copytree(ROOT / "src" / "carbontrail", copy, ignore=shutil.ignore_patterns("__pycache__", "data",
                                                                                       "static", "templates"))
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{forbidden}  # planted by the test\n",
                      encoding="utf-8")
    done = _lint(tmp_path)
    assert done.returncode != 0, done.stdout[-2000:]
    broken = [line for line in done.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(contract) for line in broken), done.stdout[-3000:]
