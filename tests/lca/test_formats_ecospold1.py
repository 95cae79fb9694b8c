"""EcoSpold 1 import: USLCI's 639-process file read from its zip, a named exchange, and each uncertainty type
against hand-converted values."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from carbontrail.errors import InputError
from carbontrail.formats import ecospold1
from carbontrail.formats.linking import ImportResult

ZIP = "uslci/uslci_fy21_q3_01_olca_10_3_ecospold2.zip"


@pytest.fixture(scope="module")
def uslci(test_data: Path) -> ImportResult:
    """Parsed once for the module (about 2.5 s, streamed with iterparse)."""
    return ecospold1.read_with_report(test_data / ZIP)


def test_process_count_and_uncertainty_counts(uslci: ImportResult) -> None:
    """README: 639 processes. Raw XML count: 5,130 uncertaintyType 1, 393 type 3, 24 type 4."""
    db = uslci.database
    assert len(db.processes) == 639
    kinds = [e.uncertainty.distribution for p in db.processes.values() for e in p.exchanges if e.uncertainty]
    assert (kinds.count("lognormal"), kinds.count("triangular"), kinds.count("uniform")) == (5130, 393, 24)


def test_named_exchange_with_unit_conversion(uslci: ImportResult) -> None:
    """Dataset 11533 ('Roundwood; hardwood; green; at logyard'), exchange 9407: 0.0375 l of natural gas
    combusted in industrial equipment, whose producer's reference unit is m3: 0.0375 × 0.001 = 3.75e-5 m3."""
    db = uslci.database
    process = db.processes["11533"]
    assert process.name == "Roundwood; hardwood; green; at logyard"
    gas = next(e for e in process.exchanges
               if db.flows[e.flow].name.startswith("Natural gas, combusted in industrial equipment, 1.357"))
    assert db.flows[gas.flow].unit == "m3"
    assert gas.amount == pytest.approx(3.75e-5, rel=1e-12)
    assert gas.provider is not None
    conv = [c for c in uslci.report.conversions if c.process == "11533" and c.flow == gas.flow]
    assert conv[0].unit == "l" and conv[0].factor == pytest.approx(1e-3)


def test_reference_product_and_elementary_flow(uslci: ImportResult) -> None:
    """Dataset 10335: reference 'Soybean grains, at field' 1000 kg, located RNA."""
    p = uslci.database.processes["10335"]
    assert p.reference.amount == 1000.0 and p.location == "RNA"
    assert uslci.database.flows[p.reference.flow].unit == "kg"


XML = """<?xml version="1.0" encoding="UTF-8"?>
<ecoSpold xmlns="http://www.EcoInvent.org/EcoSpold01">
 <dataset number="1"><metaInformation><processInformation>
  <referenceFunction name="widget" category="C" subCategory="25" unit="kg" amount="1"/>
  <geography location="CN"/></processInformation></metaInformation>
  <flowData>
   <exchange number="1" name="widget" category="C" subCategory="25" unit="kg" meanValue="1"><outputGroup>0</outputGroup></exchange>
   <exchange number="2" name="Methane" category="air" subCategory="unspecified" unit="kg" meanValue="0.5"
             uncertaintyType="1" standardDeviation95="1.44"><outputGroup>4</outputGroup></exchange>
   <exchange number="3" name="steel" category="C" subCategory="24" location="CN" unit="t" meanValue="0.002"
             uncertaintyType="2" standardDeviation95="0.0004"><inputGroup>5</inputGroup></exchange>
   <exchange number="4" name="electricity" category="D" subCategory="35" location="CN" unit="kWh" meanValue="10"
             uncertaintyType="3" minValue="8" mostLikelyValue="9" maxValue="12"><inputGroup>5</inputGroup></exchange>
   <exchange number="5" name="Water" category="resource" subCategory="in water" unit="m3" meanValue="0.3"
             uncertaintyType="4" minValue="0.2" maxValue="0.4"><inputGroup>4</inputGroup></exchange>
  </flowData></dataset>
 <dataset number="2"><metaInformation><processInformation>
  <referenceFunction name="steel" category="C" subCategory="24" unit="kg" amount="1"/>
  <geography location="CN"/></processInformation></metaInformation>
  <flowData>
   <exchange number="1" name="steel" category="C" subCategory="24" unit="kg" meanValue="1"><outputGroup>0</outputGroup></exchange>
  </flowData></dataset>
</ecoSpold>
"""


def test_each_uncertainty_type_converted(tmp_path: Path) -> None:
    """Hand conversion (openLCA's EcoSpold 1 importer reads the same way):
    type 1: standardDeviation95 = geomSd² = 1.44 → geomSd 1.2, μ = ln 0.5, σ = ln 1.2;
    type 2: standardDeviation95 = 2σ = 0.0004 t → σ = 0.0002 t = 0.2 kg; 0.002 t = 2 kg, linked to dataset 2;
    type 3: triangular 8 / 9 / 12 kWh (no producer: unlinked); type 4: uniform 0.2-0.4 m3."""
    path = tmp_path / "small.xml"
    path.write_text(XML)
    result = ecospold1.read_with_report(path)
    _, methane, steel, elec, water = result.database.processes["1"].exchanges
    assert methane.uncertainty.distribution == "lognormal"
    assert methane.uncertainty.loc == pytest.approx(math.log(0.5))
    assert methane.uncertainty.scale == pytest.approx(math.log(1.2))
    assert steel.amount == pytest.approx(2.0) and steel.provider == "2"
    assert (steel.uncertainty.distribution, steel.uncertainty.loc, steel.uncertainty.scale) == (
        "normal", pytest.approx(2.0), pytest.approx(0.2))
    assert (elec.uncertainty.minimum, elec.uncertainty.loc, elec.uncertainty.maximum) == (8.0, 9.0, 12.0)
    assert elec.provider is None and [u.flow_name for u in result.report.unlinked] == ["electricity"]
    assert (water.uncertainty.distribution, water.uncertainty.minimum, water.uncertainty.maximum) == (
        "uniform", 0.2, 0.4)


def test_broken_xml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_text(XML[:900])
    with pytest.raises(InputError) as err:
        ecospold1.read(path)
    assert err.value.location.file == "cut.xml"


def test_dataset_without_reference_product(tmp_path: Path) -> None:
    path = tmp_path / "noref.xml"
    path.write_text(XML.replace("<outputGroup>0</outputGroup></exchange>\n  </flowData></dataset>\n</ecoSpold>",
                                "<inputGroup>5</inputGroup></exchange>\n  </flowData></dataset>\n</ecoSpold>"))
    with pytest.raises(InputError) as err:
        ecospold1.read(path)
    assert err.value.location.field == "outputGroup" and "dataset 2" in err.value.message
