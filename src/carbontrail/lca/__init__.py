"""Product carbon footprints: the supply-chain model, its matrices, the solver, contributions and uncertainty."""

from carbontrail.lca.contributions import contributions
from carbontrail.lca.data_quality import DataQuality, data_quality
from carbontrail.lca.external import ExternalFootprint
from carbontrail.lca.footprint import (Footprint, FootprintModel, ProductFootprints, Provenance, all_footprints,
                                       footprint, prepare)
from carbontrail.lca.matrices import ProductSystem, build_system
from carbontrail.lca.montecarlo import (Comparison, MonteCarloResult, ProductsMonteCarlo, compare, monte_carlo,
                                        monte_carlo_products)
from carbontrail.lca.tree import Node, supply_tree, tree_frame

__all__ = [
    "Comparison", "DataQuality", "ExternalFootprint", "Footprint", "FootprintModel", "MonteCarloResult", "Node",
    "ProductFootprints", "ProductSystem", "ProductsMonteCarlo", "Provenance", "all_footprints", "build_system",
    "compare", "contributions", "data_quality", "footprint", "monte_carlo", "monte_carlo_products", "prepare",
    "supply_tree", "tree_frame",
]
