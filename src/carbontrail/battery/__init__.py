"""Power batteries: EU carbon-footprint declaration, Battery Pass export, GB/T 34014 unit codes and life events,
residual value of retired units. Pure core: plain data in, plain data out."""

from carbontrail.battery.cff import CFFEmissions, CFFParameters, CFFResult, circular_footprint, jrc_defaults
from carbontrail.battery.codes import BatteryCode, CodeProblem, InvalidCode, make_code, parse_code
from carbontrail.battery.declaration import (
    BatteryModel,
    Comparison,
    Declaration,
    DeclarationInputs,
    ElectricityUse,
    Factor,
    Footprint,
    FunctionalUnitRules,
    MaterialInput,
    ProcessEmission,
    TransportLeg,
    compare,
    declare,
    iso14067_footprint,
    total_energy,
)
from carbontrail.battery.passport import BatteryPassport, carbon_footprint_submodel, export, recycled_content, view
from carbontrail.battery.performance_class import ILLUSTRATIVE_CLASSES, ClassTable, PerformanceClass
from carbontrail.battery.residual import PriceModel, SoHBatch, SortResult, Thresholds, sort_batch
from carbontrail.battery.traceability import Event, UnitState, apply, outstanding_deposits, replay

__all__ = [
    "ILLUSTRATIVE_CLASSES", "BatteryCode", "BatteryModel", "BatteryPassport", "CFFEmissions", "CFFParameters",
    "CFFResult", "ClassTable", "CodeProblem", "Comparison", "Declaration", "DeclarationInputs", "ElectricityUse",
    "Event", "Factor", "Footprint", "FunctionalUnitRules", "InvalidCode", "MaterialInput", "PerformanceClass",
    "PriceModel", "ProcessEmission", "SoHBatch", "SortResult", "Thresholds", "TransportLeg", "UnitState", "apply",
    "carbon_footprint_submodel", "circular_footprint", "compare", "declare", "export", "iso14067_footprint",
    "jrc_defaults", "make_code", "outstanding_deposits", "parse_code", "recycled_content", "replay", "sort_batch",
    "total_energy", "view",
]
