"""Emission factors: the versioned library with provenance, GWPs, and explicit selection with fallbacks."""

from carbontrail.factors.library import ELECTRICITY_SERIES, FactorLibrary
from carbontrail.factors.model import Factor, FactorDataset, FactorQuery, FactorValue, FuelData, Selection
from carbontrail.factors.userdata import FACTOR_COLUMNS, read_factor_csv

__all__ = [
    "ELECTRICITY_SERIES",
    "FACTOR_COLUMNS",
    "Factor",
    "FactorDataset",
    "FactorLibrary",
    "FactorQuery",
    "FactorValue",
    "FuelData",
    "Selection",
    "read_factor_csv",
]
