"""EEIO: our (I − A)⁻¹, C·B and D·L against USEEIO's own published L, D and U (USEPA, CC0)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from carbontrail.errors import InputError, SingularSystemError
from carbontrail.formats import eeio as eeio_format
from carbontrail.lca import eeio
from carbontrail.lca.matrices import build_system

TOL = 1e-9


def _rel(ours: np.ndarray, theirs: np.ndarray) -> float:
    return float(np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs)))


@pytest.fixture(scope="module")
def useeio(useeio_dir: Path) -> eeio.EeioModel:
    return eeio_format.read(useeio_dir / "USEEIO")


@pytest.fixture(scope="module")
def ghg(useeio_dir: Path) -> eeio.EeioModel:
    return eeio_format.read(useeio_dir / "USEEIOv2.0-GHG")


def test_useeio_reproduces_published_L_D_U(useeio: eeio.EeioModel) -> None:
    """README: 388 sectors, 1,989 flows, 24 indicators, 4 demands; L, D = C·B and U = D·L published."""
    assert (len(useeio.sectors), len(useeio.flows), len(useeio.indicators)) == (388, 1989, 24)
    assert len(useeio.demands) == 4
    solution = eeio.solve(useeio)
    assert _rel(solution.L, useeio.L) < TOL
    assert _rel(solution.D, useeio.D) < TOL
    assert _rel(solution.U, useeio.U) < TOL


def test_ghg_model_reproduces_published_L_and_U(ghg: eeio.EeioModel) -> None:
    """README: for USEEIOv2.0-GHG only A, L, D, U are consistent; flows.json (4,729) and indicators.json (27)
    do not describe the 15-row B and 3-row C, so the labels are dropped, and U is checked as D·L."""
    assert (len(ghg.sectors), ghg.B.shape, ghg.C.shape) == (405, (15, 405), (3, 15))
    assert ghg.flows == () and ghg.indicators == ()
    L = eeio.leontief_inverse(ghg.A)
    assert _rel(L, ghg.L) < TOL
    assert _rel(ghg.D @ L, ghg.U) < TOL


def test_demand_impacts_equal_U_times_y(useeio: eeio.EeioModel, ghg: eeio.EeioModel) -> None:
    """Impacts of a demand = published U · y; output = published L · y (independent of our solve)."""
    for model in (useeio, ghg):
        solution = eeio.solve(model)
        for demand in model.demands.values():
            y = eeio.demand_vector(model, demand)
            assert y.sum() == pytest.approx(sum(demand.amounts.values()), rel=1e-12)
            result = eeio.calculate(model, demand, solution)
            assert _rel(result.impacts, model.U @ y) < TOL
            assert _rel(result.output, model.L @ y) < TOL


def test_process_database_view_runs_on_the_process_engine(useeio: eeio.EeioModel) -> None:
    """Sectors as processes making 1 USD: the process engine's technosphere equals I − A."""
    db = eeio_format.process_database(useeio)
    system = build_system(db)
    order = [useeio.sector_index(a.process) for a in system.activities]
    expected = (sparse.identity(388) - useeio.A).toarray()[np.ix_(order, order)]
    assert np.max(np.abs(system.A.toarray() - expected)) < 1e-15


def test_two_sector_hand_example() -> None:
    """A = [[0.1, 0.2], [0.3, 0.4]]: I − A = [[0.9, −0.2], [−0.3, 0.6]], det = 0.54 − 0.06 = 0.48,
    L = [[0.6, 0.2], [0.3, 0.9]] / 0.48 = [[1.25, 0.41667], [0.625, 1.875]]."""
    L = eeio.leontief_inverse(sparse.csc_matrix([[0.1, 0.2], [0.3, 0.4]]))
    assert L == pytest.approx(np.array([[1.25, 0.2 / 0.48], [0.625, 1.875]]), rel=1e-12)


def test_singular_and_unknown_sector() -> None:
    with pytest.raises(SingularSystemError):
        eeio.leontief_inverse(sparse.csc_matrix([[1.0, 0.0], [0.0, 0.5]]))
    model = eeio.EeioModel(id="m", name="m", location="", description="", sectors=(eeio.Sector("a", "a", "A", ""),),
                           flows=(), indicators=(), A=sparse.csc_matrix([[0.0]]), B=sparse.csc_matrix((0, 1)),
                           C=np.zeros((0, 0)))
    with pytest.raises(InputError):
        eeio.demand_vector(model, eeio.Demand("d", 2020, "", "", "", {"zz/unknown": 1.0}))
