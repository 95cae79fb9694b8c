"""A product page's view is one solution of the system: footprint, contributions, tree and the Monte Carlo's
deterministic centre all come from it, and the same view asked again is not computed again."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.lca import solver
from carbontrail.services import footprints as fps
from carbontrail.store.db import transaction
from carbontrail.store.models import Organisation

PRODUCTS = Path(__file__).resolve().parents[2] / "examples" / "sichuan-battery-chain" / "products"


@pytest.fixture
def cell(sessions: sessionmaker[Session]) -> fps.Loaded:
    with transaction(sessions) as s:
        org = Organisation(code="CD-CELL", name="CD-CELL")
        s.add(org)
        s.flush()
        fps.import_model(s, org.id, PRODUCTS / "lfp-cell.yaml")
        org_id = org.id
    with sessions() as s:
        loaded = fps.load(s, org_id, "lfp-cell")
    loaded.model.product_scores  # noqa: B018 - the all-products adjoint, done once per prepared model
    loaded.views.clear()  # prepared models are shared by content: another backend's run kept its views
    return loaded


def test_one_solve_per_view(cell: fps.Loaded, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    forward, adjoint = solver.Solver.forward, solver.Solver.adjoint
    monkeypatch.setattr(solver.Solver, "forward", lambda self, f: (calls.append("forward"), forward(self, f))[1])
    monkeypatch.setattr(solver.Solver, "adjoint", lambda self, b: (calls.append("adjoint"), adjoint(self, b))[1])
    view = fps.product_view(cell, "lfp-cell", iterations=50, seed=7)
    assert calls == ["forward"]  # before: a second forward solve for the Monte Carlo's centre
    # the centre is the footprint itself, to the last digit, since it is the same solution
    assert view.uncertainty.deterministic == view.report.fossil_kg
    assert view.tree[0].total_kg == pytest.approx(view.report.fossil_kg, rel=1e-9)
    assert sum(c.fossil_kg for c in view.groups["process"]) == pytest.approx(view.report.fossil_kg, rel=1e-9)
    # the draws are the engine's own: the same as the Monte Carlo asked for by itself
    alone = fps.uncertainty(cell, "lfp-cell", iterations=50, seed=7)
    assert (alone.mean, alone.p2_5, alone.histogram_counts) == (view.uncertainty.mean, view.uncertainty.p2_5,
                                                                view.uncertainty.histogram_counts)
    calls.clear()
    assert fps.product_view(cell, "lfp-cell", iterations=50, seed=7) is view and calls == []
    other = fps.product_view(cell, "lfp-cell", iterations=50, seed=8)
    assert other is not view and calls == ["forward"]


def test_another_demand_is_still_solved(cell: fps.Loaded) -> None:
    """The solver that knows one solution solves any other right-hand side: 2 units give twice the footprint."""
    one = fps.product_view(cell, "lfp-cell", iterations=20, seed=3)
    two = fps.product_view(cell, "lfp-cell", 2.0, iterations=20, seed=3)
    assert two.report.fossil_kg == pytest.approx(2 * one.report.fossil_kg, rel=1e-12)
    assert two.uncertainty.deterministic == pytest.approx(2 * one.uncertainty.deterministic, rel=1e-12)
