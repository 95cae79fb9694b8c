"""Environmentally-extended input-output (EEIO) models, as USEEIO: L = (I − A)⁻¹, D = C·B, U = D·L, x = L·y.

A is sector × sector (USD of input per USD of output), B flow × sector (per USD), C indicator × flow.
The Leontief inverse comes from one sparse LU factorisation of I − A, solved for all columns at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import splu

from carbontrail.errors import InputError, SingularSystemError


@dataclass(frozen=True)
class Sector:
    """A row/column of A: an industry's commodity, priced in `currency`."""

    id: str
    name: str
    code: str
    location: str
    description: str = ""


@dataclass(frozen=True)
class EeioFlow:
    """A row of B: an elementary flow (emission or resource) per USD of sector output."""

    id: str
    name: str
    category: str
    unit: str


@dataclass(frozen=True)
class Indicator:
    """A row of C, D and U: an impact or resource-use indicator."""

    id: str
    name: str
    code: str
    unit: str
    group: str = ""


@dataclass(frozen=True)
class Demand:
    """A final-demand vector: sector id → amount in `currency` of the model's year."""

    id: str
    year: int
    kind: str
    system: str
    location: str
    amounts: Mapping[str, float]
    currency: str = "USD"


@dataclass(frozen=True, eq=False)
class EeioModel:
    """An EEIO model with its matrices, labels and demand vectors; `L`, `D`, `U` are the publisher's own.

    `flows` / `indicators` are empty when the publisher's labels do not match B and C (then rows are
    known by position only).
    """

    id: str
    name: str
    location: str
    description: str
    sectors: tuple[Sector, ...]
    flows: tuple[EeioFlow, ...]
    indicators: tuple[Indicator, ...]
    A: sparse.csc_matrix
    B: sparse.csc_matrix
    C: np.ndarray
    D: np.ndarray | None = None
    L: np.ndarray | None = None
    U: np.ndarray | None = None
    demands: Mapping[str, Demand] = field(default_factory=dict)
    source: str = ""
    currency: str = "USD"

    def sector_index(self, sector: str) -> int:
        for i, s in enumerate(self.sectors):
            if s.id == sector or s.code == sector:
                return i
        raise InputError(f"model '{self.id}' has no sector '{sector}'", expected="a sector id or code of the model")


@dataclass(frozen=True, eq=False)
class EeioSolution:
    """Our own L = (I − A)⁻¹, D = C·B and U = D·L for a model."""

    L: np.ndarray
    D: np.ndarray
    U: np.ndarray


@dataclass(frozen=True, eq=False)
class EeioResult:
    """Output and impacts of one final demand: x = L·y (currency), h = U·y (indicator units)."""

    model: str
    demand: str
    output: np.ndarray
    impacts: np.ndarray
    indicators: tuple[Indicator, ...]
    currency: str


def leontief_inverse(A: sparse.spmatrix) -> np.ndarray:
    """L = (I − A)⁻¹ from one sparse LU factorisation of I − A."""
    n = A.shape[0]
    if A.shape != (n, n):
        raise InputError(f"the direct-requirements matrix is {A.shape[0]} x {A.shape[1]}", expected="a square matrix")
    system = (sparse.identity(n, format="csc") - sparse.csc_matrix(A)).tocsc()
    try:
        lu = splu(system)
    except RuntimeError as exc:  # SuperLU reports an exactly singular factor this way
        raise SingularSystemError(f"I − A cannot be inverted ({exc})") from None
    inverse = lu.solve(np.eye(n))
    if not np.all(np.isfinite(inverse)):
        raise SingularSystemError("I − A is numerically singular: the economy cannot produce its own inputs")
    return np.asarray(inverse)


def solve(model: EeioModel) -> EeioSolution:
    """Our L, D and U for `model`, computed from A, B and C only."""
    L = leontief_inverse(model.A)
    D = np.asarray((model.B.T @ model.C.T).T)
    return EeioSolution(L=L, D=D, U=D @ L)


def demand_vector(model: EeioModel, demand: Demand) -> np.ndarray:
    """y as a dense vector over the model's sectors; an unknown sector is an error, not a skip."""
    if demand.currency != model.currency:
        raise InputError(f"demand '{demand.id}' is in {demand.currency}, the model in {model.currency}",
                         expected=f"amounts in {model.currency}")
    index = {s.id: i for i, s in enumerate(model.sectors)}
    # Ids start with the BEA code ('424200/drugs and …/us'); the code alone still matches when a name was
    # re-encoded on the way (USEEIOv2.0-GHG's sectors.json spells '’' as 'â€™', its demand files do not).
    by_code = {s.code.lower(): i for i, s in enumerate(model.sectors) if s.code}
    y = np.zeros(len(model.sectors))
    for sector, amount in demand.amounts.items():
        if sector not in index and sector.split("/", 1)[0].lower() in by_code:
            y[by_code[sector.split("/", 1)[0].lower()]] += amount
            continue
        if sector not in index:
            raise InputError(f"demand '{demand.id}' names sector '{sector}', which model '{model.id}' does not have",
                             expected="sector ids of the model")
        y[index[sector]] += amount
    return y


def calculate(model: EeioModel, demand: Demand, solution: EeioSolution | None = None) -> EeioResult:
    """Total output x = L·y and impacts U·y of a final demand."""
    solution = solution or solve(model)
    y = demand_vector(model, demand)
    return EeioResult(model=model.id, demand=demand.id, output=solution.L @ y, impacts=solution.U @ y,
                      indicators=model.indicators, currency=model.currency)
