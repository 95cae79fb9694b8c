"""The footprint service on the demo chain's product models: numbers against hand calculations, supplier
primary data in place of secondary factors, stages, tree, Monte Carlo, imports of openLCA and EcoSpold."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import InputError, NotFound
from carbontrail.services import footprints as fps
from carbontrail.services.pact.supplier_data import record_supplier_footprint
from carbontrail.store.models import Organisation

PRODUCTS = Path(__file__).resolve().parents[2] / "examples" / "sichuan-battery-chain" / "products"
FIXTURES = Path(__file__).resolve().parents[1] / "lca" / "fixtures"

# Lithium carbonate, per t (lithium-carbonate.yaml): secondary inputs and direct emissions, kg CO2e (AR6).
LI_SECONDARY = {"spodumene": 7489 * 0.45, "electricity": 2400 * 0.1404, "gas upstream": 900 * 0.30,
                "steam": 20 * 110, "soda ash": 1600 * 0.8, "acid": 1700 * 0.1}
LI_DIRECT = 1965.63 + 68.8 + 0.035038 * 29.8 + 0.0035038 * 273  # CO2 + CH4 (AR6 29.8) + N2O (AR6 273)
LI_PER_KG = (sum(LI_SECONDARY.values()) + LI_DIRECT) / 1000  # 9.6634407 kg CO2e per kg


def _org(sessions: sessionmaker[Session], code: str) -> int:
    with sessions() as s:
        org = Organisation(code=code, name=code)
        s.add(org)
        s.commit()
        return org.id


def _import(sessions: sessionmaker[Session], org: int, name: str) -> fps.ImportSummary:
    with sessions() as s:
        summary = fps.import_model(s, org, PRODUCTS / f"{name}.yaml")
        s.commit()
        return summary


def test_lithium_carbonate_by_hand(sessions: sessionmaker[Session]) -> None:
    """1 t Li2CO3: Σ secondary = 3370.05 + 336.96 + 270 + 2200 + 1280 + 170 = 7627.01 kg; direct = 2034.43 kg CO2
    + 0.035038·29.8 CH4 + 0.0035038·273 N2O = 2036.4307 kg; total 9663.4407 kg. The 1.5 kg of big bags are cut
    off and estimated at the median kg-product footprint (the only one: 9.6634 kg/kg) → 14.495 kg."""
    org = _org(sessions, "SH-LITHIUM")
    summary = _import(sessions, org, "lithium-carbonate")
    assert summary.created and summary.model.key == "lithium-carbonate" and summary.secondary_factors == 6
    with sessions() as s:
        loaded = fps.load(s, org, "lithium-carbonate")
    report = fps.compute(loaded, "lithium-carbonate", 1000)
    assert report.unit == "kg" and report.fossil_kg == pytest.approx(LI_PER_KG * 1000, rel=1e-9)
    assert report.fossil_kg_per_unit == pytest.approx(LI_PER_KG, rel=1e-9)
    assert report.cutoff_kg == pytest.approx(1.5 * LI_PER_KG, rel=1e-9)
    assert report.cutoff_share == pytest.approx(1.5 * LI_PER_KG / (1000 * LI_PER_KG + 1.5 * LI_PER_KG), rel=1e-9)
    assert [c.flow for c in report.cutoffs] == ["fibc-bags"]
    # Primary data share: the plant's own (primary) direct emissions over the whole result.
    assert report.data_quality.primary_data_share == pytest.approx(LI_DIRECT / (LI_PER_KG * 1000), rel=1e-9)
    # PACT DQR: only the secondary factors are rated → weights 3370.05 (4), 336.96 (3), 270 (4), 2200 (3),
    # 1280 (4), 170 (4) for technological.
    w = LI_SECONDARY
    tech = (4 * (w["spodumene"] + w["gas upstream"] + w["soda ash"] + w["acid"]) + 3 * (w["electricity"] + w["steam"]))
    assert report.data_quality.technological == pytest.approx(round(tech / sum(w.values()), 2))
    by_gas = {c.label: c.fossil_kg for c in fps.contributions(loaded, "lithium-carbonate", 1000, by="gas")}
    assert by_gas["CO2"] == pytest.approx(1965.63 + 68.8, rel=1e-12)
    assert by_gas["CH4_fossil"] == pytest.approx(0.035038 * 29.8, rel=1e-9)
    # AR5 (CH4 fossil 30, N2O 265) changes only the two small gases.
    with sessions() as s:
        ar5 = fps.load(s, org, "lithium-carbonate", fps.Options(assessment="AR5"))
    delta = fps.compute(ar5, "lithium-carbonate", 1000).fossil_kg - report.fossil_kg
    assert delta == pytest.approx(0.035038 * (30 - 29.8) + 0.0035038 * (265 - 273), rel=1e-6)


def test_supplier_primary_data_replaces_secondary_factor(sessions: sessionmaker[Session]) -> None:
    """LFP cathode per t with the secondary Li2CO3 factor (9 kg/kg): 241.2·9 + 956·1.5 + 80·0.8 + 4000·0.1404
    + 40·0.30 + 87.3612 + 0.00155724·29.8 + 0.000155724·273 = 4329.8501 kg. With SH-LITHIUM's own footprint
    (9.6634407 kg/kg) recorded as primary data: 4329.8501 + 241.2·(9.6634407 − 9) = 4489.8720 kg, and the
    primary share grows by 241.2·9.6634407 kg of weight."""
    org = _org(sessions, "SH-LFP")
    _import(sessions, org, "lfp-cathode")
    direct = 87.3612 + 0.00155724 * 29.8 + 0.000155724 * 273
    before_total = 241.2 * 9 + 956 * 1.5 + 80 * 0.8 + 4000 * 0.1404 + 40 * 0.30 + direct
    with sessions() as s:
        before = fps.compute(fps.load(s, org, "lfp-cathode"), "lfp-cathode", 1000)
    assert before.fossil_kg == pytest.approx(before_total, rel=1e-9)
    assert before.biogenic_kg == pytest.approx(80 * -1.4667 + 58.667, rel=1e-9)
    # Data-quality weights are |fossil + biogenic| per source (lca/data_quality.py): the plant's own part is its
    # direct emissions plus 58.667 kg biogenic CO2; glucose weighs |80·(0.8 − 1.4667)| = 53.336 kg.
    own = direct + 58.667
    weights = 241.2 * 9 + 956 * 1.5 + abs(80 * (0.8 - 1.4667)) + 4000 * 0.1404 + 40 * 0.30 + own
    assert before.data_quality.primary_data_share == pytest.approx(own / weights, rel=1e-9)
    with sessions() as s:
        record_supplier_footprint(s, org, product_key="lithium-carbonate", supplier="SH-LITHIUM",
                                  fossil_kg_per_unit=LI_PER_KG * 1000, biogenic_kg_per_unit=0.0, unit="t",
                                  source="manual", reference="SH-LITHIUM PCF 2023", dqr=(1, 1, 1), year=2023)
        s.commit()
    with sessions() as s:
        loaded = fps.load(s, org, "lfp-cathode")
    after = fps.compute(loaded, "lfp-cathode", 1000)
    after_total = before_total + 241.2 * (LI_PER_KG - 9)
    assert after.fossil_kg == pytest.approx(after_total, rel=1e-9)
    weights += 241.2 * (LI_PER_KG - 9)
    assert after.data_quality.primary_data_share == pytest.approx((own + 241.2 * LI_PER_KG) / weights, rel=1e-9)
    assert loaded.primary_flows == ("lithium-carbonate",)
    [li] = [e for e in after.external if e.flow == "lithium-carbonate"]
    assert li.primary and li.supplier == "SH-LITHIUM" and li.amount == pytest.approx(241.2)
    by_supplier = {c.label: c.fossil_kg for c in fps.contributions(loaded, "lfp-cathode", 1000, by="supplier")}
    assert by_supplier["SH-LITHIUM"] == pytest.approx(241.2 * LI_PER_KG, rel=1e-9)
    # The purchased lithium carbonate keeps the stage the model gives its secondary factor.
    by_stage = {c.label: c.fossil_kg for c in fps.contributions(loaded, "lfp-cathode", 1000, by="stage")}
    assert by_stage["main product production"] == pytest.approx(4000 * 0.1404 + 40 * 0.30 + direct, rel=1e-9)
    assert by_stage["raw material acquisition and pre-processing"] == pytest.approx(
        241.2 * LI_PER_KG + 956 * 1.5 + 80 * 0.8, rel=1e-9)


def test_pack_boundary_tree_and_products(sessions: sessionmaker[Session]) -> None:
    """Pack per kWh: 60 (cell) + 1.2·16 + 0.5·2 + 0.05·100 + 2.32·0.1404 + 0.028358 = 85.554086 kg. Cradle to
    grave, the delivered pack adds 125 tkm × 0.01 = 1.25 kg; cradle to gate leaves that process out."""
    org = _org(sessions, "CD-PACK")
    _import(sessions, org, "battery-pack")
    pack = 60 + 1.2 * 16 + 0.5 * 2 + 0.05 * 100 + 2.32 * 0.1404 + 0.028358
    with sessions() as s:
        gate = fps.load(s, org, "battery-pack")
        grave = fps.load(s, org, "battery-pack", fps.Options(boundary="cradle-to-grave"))
    rows = {r.product: r for r in fps.products(gate)}
    assert set(rows) == {"battery-pack"} and rows["battery-pack"].fossil_kg_per_unit == pytest.approx(pack, rel=1e-9)
    rows = {r.product: r for r in fps.products(grave)}
    assert rows["battery-pack-eu"].fossil_kg_per_unit == pytest.approx(pack + 1.25, rel=1e-9)
    by_stage = {c.label: c.fossil_kg for c in fps.contributions(grave, "battery-pack-eu", by="stage")}
    assert by_stage["distribution"] == pytest.approx(1.25, rel=1e-9)
    tree = fps.tree(grave, "battery-pack-eu", 100, cutoff=0.0)
    assert tree[0].total_kg == pytest.approx(100 * (pack + 1.25), rel=1e-9)
    assert tree[1].process == "pack-chengdu" and tree[1].amount == pytest.approx(100)
    with pytest.raises(NotFound):
        fps.compute(gate, "battery-pack-eu")  # out of the cradle-to-gate boundary
    with pytest.raises(InputError, match="positive"):
        fps.compute(gate, "battery-pack", -1)


def test_monte_carlo_seeded_and_comparison(sessions: sessionmaker[Session]) -> None:
    """The cell's electricity is triangular(20.3, 32, 37.5) kWh: its mean is (20.3+32+37.5)/3 = 29.933 kWh,
    so the Monte Carlo mean of the cell footprint is lower than the deterministic one by about
    (32 − 29.933)·0.1404 = 0.290 kg, plus the cathode's triangular(2.0, 2.2, 2.5): mean 2.2333, +0.0333·10."""
    org = _org(sessions, "CD-CELL")
    _import(sessions, org, "lfp-cell")
    with sessions() as s:
        loaded = fps.load(s, org, "lfp-cell")
    one = fps.uncertainty(loaded, "lfp-cell", iterations=4000, seed=7)
    again = fps.uncertainty(loaded, "lfp-cell", iterations=4000, seed=7)
    assert one == again and one.uncertain_entries == 2 and not one.on_dask
    expected = one.deterministic + (29.9333333 - 32) * 0.1404 + (6.7 / 3 - 2.2) * 10
    assert one.mean == pytest.approx(expected, abs=0.05)
    assert one.p2_5 < one.median < one.p97_5 and sum(one.histogram_counts) == 4000
    cmp = fps.compare(loaded, "lfp-cell", "lfp-cell", amount_a=1, amount_b=2, iterations=200, seed=3)
    # Same draws: b is exactly twice a in every draw, so a is always lower.
    assert cmp.probability_a_lower == 1.0
    assert cmp.difference_mean == pytest.approx(-cmp.a_mean, rel=1e-12)
    with pytest.raises(InputError, match="iterations"):
        fps.uncertainty(loaded, "lfp-cell", iterations=0)


def test_tenants_do_not_share_models(sessions: sessionmaker[Session]) -> None:
    a, b = _org(sessions, "ORG-A"), _org(sessions, "ORG-B")
    _import(sessions, a, "battery-pack")
    with sessions() as s:
        assert [m.key for m in fps.list_models(s, a)] == ["battery-pack"]
        assert fps.list_models(s, b) == []
        with pytest.raises(NotFound):
            fps.load(s, b, "battery-pack")
        with pytest.raises(NotFound):
            fps.model_document(s, b, "battery-pack")


def test_imports_openlca_and_ecospold(sessions: sessionmaker[Session], test_data: Path) -> None:
    """An openLCA JSON-LD folder and the USLCI EcoSpold 1 file import and compute like the core reads them."""
    from carbontrail.formats import olca_jsonld
    from carbontrail.lca import all_footprints, build_system, prepare

    org = _org(sessions, "ORG-LCA")
    with sessions() as s:
        summary = fps.import_model(s, org, FIXTURES / "olca_v1", key="olca-v1")
        s.commit()
    assert summary.model.source_format == "olca-jsonld"
    core = all_footprints(prepare(build_system(olca_jsonld.read(FIXTURES / "olca_v1"), boundary="cradle-to-gate",
                                               unallocatable="reference"))).scores
    with sessions() as s:
        rows = fps.products(fps.load(s, org, "olca-v1"))
    assert [r.fossil_kg_per_unit for r in rows] == pytest.approx(list(core[0]), rel=1e-12)
    with pytest.raises(InputError):
        with sessions() as s:
            fps.import_model(s, org, PRODUCTS / "missing.yaml")


def test_monte_carlo_on_dask_when_configured(sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    """CARBONTRAIL_DASK_SCHEDULER sends the draws to Dask; the numbers are those of the in-process run."""
    from distributed import LocalCluster

    org = _org(sessions, "CD-CELL")
    _import(sessions, org, "lfp-cell")
    with sessions() as s:
        loaded = fps.load(s, org, "lfp-cell")
    local = fps.uncertainty(loaded, "lfp-cell", iterations=60, seed=5)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        monkeypatch.setenv("CARBONTRAIL_DASK_SCHEDULER", cluster.scheduler_address)
        remote = fps.uncertainty(loaded, "lfp-cell", iterations=60, seed=5)
    assert remote.on_dask and not local.on_dask
    assert (remote.mean, remote.sd, remote.histogram_counts) == (local.mean, local.sd, local.histogram_counts)
