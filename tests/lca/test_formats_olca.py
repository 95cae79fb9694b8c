"""openLCA JSON-LD import: USLCI (olca-schema v1) against its README's counts, and small v1/v2 fixtures
checked against hand calculations."""

from __future__ import annotations

import math
import shutil
import zipfile
from pathlib import Path

import pytest

from carbontrail.errors import InputError
from carbontrail.formats import olca_jsonld
from carbontrail.formats.linking import ImportResult

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def uslci(test_data: Path) -> ImportResult:
    """Parsed once for the module (about 2 s)."""
    return olca_jsonld.read_with_report(test_data / "uslci/uslci_olca1_5_0_json_ld.zip")


def _exchange(result: ImportResult, process: str, flow: str):
    db = result.database
    p = next(p for p in db.processes.values() if p.name == process)
    return next(e for e in p.exchanges if db.flows[e.flow].name == flow)


def test_uslci_counts_match_the_readme(uslci: ImportResult) -> None:
    """README: 766 processes; 2,918 elementary, 1,659 product and 24 waste flows."""
    db = uslci.database
    assert len(db.processes) == 766
    kinds = [f.kind for f in db.flows.values()]
    assert (kinds.count("elementary"), kinds.count("product"), kinds.count("waste")) == (2918, 1659, 24)
    assert all(sum(e.is_reference for e in p.exchanges) == 1 for p in db.processes.values())
    assert sum(len(p.exchanges) for p in db.processes.values()) == 32526


def test_uslci_links_and_cut_offs(uslci: ImportResult) -> None:
    """README: 3,085 technosphere exchanges have no producer. Counted by hand from the raw JSON: 2,755 product
    inputs + 74 waste outputs + 256 co-product outputs no process makes as reference = 3,085; the other
    3,725 product inputs have a producer. 2 product flows have 2 producers."""
    report = uslci.report
    assert len(report.unlinked) == 3085
    assert len(report.unlinked_of("product input")) == 2755
    assert len(report.unlinked_of("waste output")) == 74
    assert len(report.unlinked_of("co-product output")) == 256
    assert report.linked == 3725
    dups = {d.flow_name: d for d in report.duplicates}
    assert set(dups) == {"Diesel, at refinery", "Harvesting, fresh fruit bunch, at farm"}
    diesel = dups["Diesel, at refinery"]
    assert diesel.processes == ("0aaf1e13-5d80-37f9-b7bb-81a6b8965c71", "dc72e285-719b-318b-9c9c-c838846a9cf4")
    assert diesel.chosen == "0aaf1e13-5d80-37f9-b7bb-81a6b8965c71"  # lowest id: 'Petroleum refining, at refinery'
    truck = _exchange(uslci, "Transport, single unit truck, long-haul, diesel powered, West", "Diesel, at refinery")
    assert truck.provider == diesel.chosen
    unlinked_ids = {(u.process, u.flow) for u in report.unlinked_of("product input")}
    db = uslci.database
    for pid, p in db.processes.items():
        for e in p.exchanges:
            if (pid, e.flow) in unlinked_ids:
                assert e.provider is None


def test_uslci_unit_conversions_on_named_exchanges(uslci: ImportResult) -> None:
    """Exchange amounts are converted to the flow's reference unit through the unit groups:
    truck (West) uses 0.133925766422569 l of diesel; Units of volume: l = 0.001 m3 (reference m3)
    → 0.133925766422569 × 0.001 = 1.33925766422569e-4 m3.
    Hardboard uses 338.772 kWh of bituminous-coal electricity; Units of energy: kWh = 3.6 MJ
    → 338.772 × 3.6 = 1219.5792 MJ.
    Winter wheat straw, carted: reference output 0.476 t; t = 1000 kg → 476 kg."""
    truck = _exchange(uslci, "Transport, single unit truck, long-haul, diesel powered, West", "Diesel, at refinery")
    assert truck.amount == pytest.approx(1.33925766422569e-4, rel=1e-12)
    assert uslci.database.flows[truck.flow].unit == "m3"
    hardboard = _exchange(uslci, "Hardboard, at hardboard plant", "Electricity, bituminous coal, at power plant")
    assert hardboard.amount == pytest.approx(1219.5792, rel=1e-12)
    straw = _exchange(uslci, "Winter wheat straw, carted", "Winter wheat straw, carted")
    assert straw.is_reference and straw.amount == pytest.approx(476.0, rel=1e-12)
    conv = [c for c in uslci.report.conversions if c.flow == hardboard.flow and c.unit == "kWh"]
    assert conv and all(c.factor == pytest.approx(3.6) for c in conv)


def test_uslci_formulas_and_unusable_uncertainties_are_reported(uslci: ImportResult) -> None:
    """README: 259 exchanges carry an amountFormula. Of 5,130 lognormals, 4,811 have geomSd = 0 (counted
    in the raw JSON), which describes no distribution: each is listed, none silently dropped."""
    assert len(uslci.report.formulas) == 259
    lognormal_omissions = [o for o in uslci.report.omissions if o.what.startswith("lognormal")]
    assert len(lognormal_omissions) == 4811


def _check_fixture(result: ImportResult, electricity_provider: str) -> None:
    db, report = result.database, result.report
    steel = db.processes["p-steel"]
    by_flow = {e.flow: e for e in steel.exchanges}
    # 1 t steel = 1000 kg (reference output)
    assert by_flow["f-steel"].amount == pytest.approx(1000.0) and by_flow["f-steel"].is_reference
    # 500 kWh × 3.6 MJ/kWh = 1800 MJ; lognormal geomMean 500 kWh → μ = ln(1800), σ = ln(1.2)
    elec = by_flow["f-elec"]
    assert elec.amount == pytest.approx(1800.0)
    assert elec.uncertainty.distribution == "lognormal"
    assert elec.uncertainty.loc == pytest.approx(math.log(1800.0))
    assert elec.uncertainty.scale == pytest.approx(math.log(1.2))
    assert elec.provider == electricity_provider
    # 100 MJ of gas ÷ 50 MJ/kg = 2 kg; triangle 90/100/110 MJ → 1.8/2.0/2.2 kg
    gas = by_flow["f-gas"]
    assert gas.amount == pytest.approx(2.0) and gas.provider == "p-gas"
    assert (gas.uncertainty.minimum, gas.uncertainty.loc, gas.uncertainty.maximum) == pytest.approx((1.8, 2.0, 2.2))
    # normal mean 1800 kg, sd 90 kg (already in the reference unit)
    co2 = by_flow["f-co2"].uncertainty
    assert (co2.distribution, co2.loc, co2.scale) == ("normal", pytest.approx(1800.0), pytest.approx(90.0))
    # coal 0.5 t = 500 kg, uniform 0.4-0.6 t = 400-600 kg, no producer
    coal = by_flow["f-coal"]
    assert coal.amount == pytest.approx(500.0) and coal.provider is None
    assert (coal.uncertainty.minimum, coal.uncertainty.maximum) == pytest.approx((400.0, 600.0))
    assert [(u.process, u.flow, u.kind) for u in report.unlinked] == [("p-steel", "f-coal", "product input")]
    # grid B makes 1 kWh = 3.6 MJ
    assert db.processes["p-grid-b"].reference.amount == pytest.approx(3.6)
    assert report.linked == 2
    assert [f.formula for f in report.formulas] == ["2 * 900"]
    # Inputs that name no provider get the lowest process id.
    assert report.duplicates[0].processes == ("p-grid-a", "p-grid-b")
    assert report.duplicates[0].chosen == "p-grid-a"


def test_v1_fixture_hand_values() -> None:
    """v1 names (`input`, `quantitativeReference`, Ref categories); two grids, no provider named → the lowest
    process id, 'p-grid-a', is chosen."""
    result = olca_jsonld.read_with_report(FIXTURES / "olca_v1")
    _check_fixture(result, "p-grid-a")
    assert result.database.flows["f-co2"].category == "air/unspecified"
    assert result.database.processes["p-steel"].location == "CN"


def test_v2_fixture_hand_values() -> None:
    """v2 names (`isInput`, `isQuantitativeReference`, category paths, `defaultProvider`): the named provider
    'p-grid-b' wins over the lowest-id rule."""
    result = olca_jsonld.read_with_report(FIXTURES / "olca_v2")
    _check_fixture(result, "p-grid-b")
    assert result.database.flows["f-co2"].category == "Emission to air/unspecified"
    assert result.database.processes["p-steel"].category == "C/24"
    assert olca_jsonld.read(FIXTURES / "olca_v2").processes.keys() == result.database.processes.keys()


def _zip(folder: Path, target: Path, replace: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(target, "w") as z:
        for path in sorted(folder.rglob("*.json")):
            name = str(path.relative_to(folder))
            z.writestr(name, replace.get(name, path.read_bytes()))
    return target


def test_truncated_json_names_the_file_inside_the_zip(tmp_path: Path) -> None:
    source = (FIXTURES / "olca_v1/processes/p-gas.json").read_bytes()
    archive = _zip(FIXTURES / "olca_v1", tmp_path / "broken.zip", {"processes/p-gas.json": source[:40]})
    with pytest.raises(InputError) as err:
        olca_jsonld.read(archive)
    assert err.value.location.file == "broken.zip:processes/p-gas.json"
    assert "not valid JSON" in err.value.message


def test_missing_quantitative_reference_names_the_field(tmp_path: Path) -> None:
    folder = tmp_path / "v1"
    shutil.copytree(FIXTURES / "olca_v1", folder)
    path = folder / "processes/p-gas.json"
    path.write_text(path.read_text().replace('"quantitativeReference": true', '"quantitativeReference": false'))
    archive = _zip(folder, tmp_path / "noref.zip", {})
    with pytest.raises(InputError) as err:
        olca_jsonld.read(archive)
    assert err.value.location.file == "noref.zip:processes/p-gas.json"
    assert err.value.location.field == "quantitativeReference"


def test_unknown_unit_of_an_exchange_is_an_input_error(tmp_path: Path) -> None:
    folder = tmp_path / "v2"
    shutil.copytree(FIXTURES / "olca_v2", folder)
    path = folder / "processes/p-steel.json"
    path.write_text(path.read_text().replace('"u-t"', '"u-mj"', 1))
    with pytest.raises(InputError) as err:
        olca_jsonld.read(folder)
    assert err.value.location.field == "exchanges[0].unit"
