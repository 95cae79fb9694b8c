"""GWP100 of the gases carbontrail uses, against the IPCC assessment reports' published tables."""

from __future__ import annotations

import pytest

from carbontrail.errors import InputError
from carbontrail.factors.gwp import canonical_species, gwp100


@pytest.mark.parametrize(("gas", "report", "value"), [
    # AR4 WG1 Table 2.14
    ("CH4", "AR4", 25), ("N2O", "AR4", 298), ("SF6", "AR4", 22_800), ("CF4", "AR4", 7_390),
    # AR5 WG1 Table 8.A.1 (without climate-carbon feedback)
    ("CH4", "AR5", 28), ("N2O", "AR5", 265), ("SF6", "AR5", 23_500), ("CF4", "AR5", 6_630),
    # AR6 WG1 Table 7.SM.7 / Table 7.15
    ("CH4", "AR6", 27.9), ("N2O", "AR6", 273), ("SF6", "AR6", 25_200), ("CF4", "AR6", 7_380),
    ("CH4_fossil", "AR6", 29.8), ("CH4_non_fossil", "AR6", 27.0), ("CH4_fossil", "AR5", 30),
])
def test_published_gwp100(gas: str, report: str, value: float) -> None:
    assert gwp100(gas, report).value == pytest.approx(value)


def test_ar6_is_the_default_and_names_are_canonical() -> None:
    assert gwp100("N2O").assessment == "AR6"
    assert canonical_species("methane, fossil") == "CH4_fossil"
    with pytest.raises(InputError):
        gwp100("CH4", "AR7")
