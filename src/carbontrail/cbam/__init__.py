"""EU CBAM: installation model, specific embedded emissions, defaults and mark-ups, obligation, certificate cost,
the operator → importer communication and the Sichuan-vs-China grid comparison."""

from carbontrail.cbam.comparison import GridComparison, GridFactor, compare_grids, library_grid_factors
from carbontrail.cbam.communication import (
    Communication,
    build_communication,
    communication_from_json,
    communication_from_xlsx,
    communication_to_json,
    communication_to_xlsx,
)
from carbontrail.cbam.cost import CostEstimate, carbon_price_per_tonne, estimate_cost, free_allocation_share
from carbontrail.cbam.defaults import (
    CBAM_FACTOR,
    CNCode,
    DefaultValue,
    DefaultValues,
    cbam_factor,
    cn_code,
    sector_of,
)
from carbontrail.cbam.emissions import (
    InstallationResult,
    PrecursorContribution,
    ProcessResult,
    compute_see,
    stream_emissions,
)
from carbontrail.cbam.model import Installation, ProductionProcess, parse_installation
from carbontrail.cbam.obligation import (
    DE_MINIMIS,
    ImporterView,
    ImportLine,
    counts_indirect,
    importer_view,
    markup,
    obligation_see,
)
from carbontrail.cbam.template import LAYOUTS, communication_to_template_xlsx, communication_workbook

__all__ = [
    "CBAM_FACTOR", "CNCode", "LAYOUTS", "Communication", "CostEstimate", "DE_MINIMIS", "DefaultValue", "DefaultValues",
    "GridComparison", "GridFactor", "ImportLine", "ImporterView", "Installation", "InstallationResult",
    "PrecursorContribution", "ProcessResult", "ProductionProcess", "build_communication", "carbon_price_per_tonne",
    "cbam_factor", "cn_code", "communication_from_json", "communication_from_xlsx", "communication_to_json",
    "communication_to_template_xlsx", "communication_to_xlsx", "communication_workbook", "compare_grids", "compute_see", "counts_indirect", "estimate_cost",
    "free_allocation_share", "importer_view", "library_grid_factors", "markup", "obligation_see",
    "parse_installation", "sector_of", "stream_emissions",
]
