"""Derive the shipped spend-based factors (kg CO2e per USD) from the USEEIO matrices with carbontrail's EEIO engine.

    .venv/bin/python scripts/derive_useeio_spend_factors.py <USEEIO folder> \
        > src/carbontrail/factors/data/useeio_spend_ghg.csv

<USEEIO folder> is the publisher's folder (useeio-widgets build/api/USEEIO); tests/data/useeio holds it gzipped
(`gunzip -rk` a copy of it first).

Each value is the GCC (Global Climate Change, kg CO2 eq) row of U = D·L = C·B·(I − A)⁻¹, computed from A, B and C;
tests/inventory/test_scope3_factors.py checks every row against the publisher's own U.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from carbontrail.formats import eeio as eeio_format
from carbontrail.lca import eeio

HEADER = """\
# Spend-based supply-chain GHG factors: kg CO2e per USD of purchases from a US sector, cradle to the producer's gate.
# Derived from USEEIO (US EPA, CC0), the 'Example IO model from the IO-Model-Builder' (BEA 2007 detail codes) as
# copied from USEPA/useeio-widgets commit 231004b17d989f9255a763234d95ac9832a34036, build/api/USEEIO: the row of
# indicator GCC (Global Climate Change, kg CO2 eq) in U = C·B·(I − A)⁻¹, recomputed from A, B and C by
# scripts/derive_useeio_spend_factors.py and checked against the publisher's U (tests/inventory/test_scope3_factors.py).
# Price basis: producer prices, USD of 2013 as EPA states for the USEEIO v1.1 matrices ("life cycle results per $1
# (2013 USD) ... in the producer's price"); the copied files do not state a dollar year themselves, so year = 2013 is
# a documented assumption. Geography US: applied to purchases in China the confidence is low (different grid, energy
# mix and prices); use a supplier's own footprint or a mass-based factor where you have one.
# activity = spend:useeio:<BEA code>; value in kg CO2e per USD (producer price, 2013 USD).
"""


def main(folder: Path) -> None:
    model = eeio_format.read(folder)
    solution = eeio.solve(model)
    row = next(i for i, ind in enumerate(model.indicators) if ind.code == "GCC")
    out = sys.stdout
    out.write(HEADER)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["activity", "geography", "year", "series", "value", "unit", "gas", "source", "confidence",
                     "notes"])
    for j, sector in enumerate(model.sectors):
        writer.writerow([
            f"spend:useeio:{sector.code.lower()}", "US", 2013, "", f"{solution.U[row, j]:.6g}", "kg/USD", "CO2e",
            f"USEEIO (IO-Model-Builder example model, useeio-widgets 231004b) U[GCC, {sector.code}]",
            "low outside the US", sector.name])


if __name__ == "__main__":
    main(Path(sys.argv[1]))
