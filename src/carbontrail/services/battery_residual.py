"""Residual-value sorting of an organisation's retired units, thousands at once: state-of-health rows (from a CSV
or the API) → cascade use or material recycling and a value per unit; the latest batch is kept for the pages."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.battery.residual import PriceModel, SoHBatch, Thresholds, expected_recovery, sort_batch
from carbontrail.errors import InputError, Location, NotFound
from carbontrail.battery.traceability import SOH_FIELDS
from carbontrail.services import tenancy
from carbontrail.services.work import Actor, unit_of_work
from carbontrail.store.models import BatteryResidualBatch
from carbontrail.store.repositories import battery as repo
from carbontrail.units import magnitude, quantity, ureg

SOH_COLUMNS = ("code", *SOH_FIELDS)
#: Illustrative LFP pack prices (not market data): second-life storage value, repurposing cost, material content
#: and recovery of an LFP pack, recycling cost. An operator replaces them with its own contracts.
ILLUSTRATIVE_PRICES = {
    "cascade_price_cny_per_kwh": 400.0, "repurposing_cost_cny_per_kwh": 150.0,
    "material_content": {"lithium": 0.012, "copper": 0.08, "aluminium": 0.15},
    "recovery_rate": {"lithium": 0.85, "copper": 0.95, "aluminium": 0.90},
    "material_price_cny_per_kg": {"lithium": 500.0, "copper": 60.0, "aluminium": 16.0},
    "recycling_cost_cny_per_kg": 4.0,
    "source": "illustrative LFP prices (not market data)",
}


@dataclass(frozen=True)
class SoHRow:
    code: str
    capacity: float
    resistance_increase: float
    cycles: float
    rated_energy_kwh: float
    mass_kg: float


@dataclass(frozen=True)
class Settings:
    """Thresholds and the price model, as plain numbers (CNY, kWh, kg) so they can be stored and shown."""

    min_capacity: float = 0.70
    max_resistance_increase: float = 0.50
    max_cycles: float = 3000.0
    prices: Mapping[str, object] = field(default_factory=lambda: dict(ILLUSTRATIVE_PRICES))

    def thresholds(self) -> Thresholds:
        return Thresholds(self.min_capacity, self.max_resistance_increase, self.max_cycles,
                          source="thresholds given with the batch")

    def price_model(self) -> PriceModel:
        p = self.prices
        try:
            return PriceModel(
                cascade_price=quantity(float(p["cascade_price_cny_per_kwh"]), "yuan/kWh"),  # type: ignore[arg-type]
                repurposing_cost=quantity(float(p["repurposing_cost_cny_per_kwh"]), "yuan/kWh"),  # type: ignore[arg-type]
                material_content={k: float(v) for k, v in dict(p["material_content"]).items()},  # type: ignore[call-overload]
                recovery_rate={k: float(v) for k, v in dict(p["recovery_rate"]).items()},  # type: ignore[call-overload]
                material_price={k: quantity(float(v), "yuan/kg")
                                for k, v in dict(p["material_price_cny_per_kg"]).items()},  # type: ignore[call-overload]
                recycling_cost=quantity(float(p["recycling_cost_cny_per_kg"]), "yuan/kg"),  # type: ignore[arg-type]
                source=str(p.get("source", "price model given with the batch")))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"the price model is incomplete or not numeric ({exc})", location=Location(
                field="prices"), expected="the fields of ILLUSTRATIVE_PRICES with numbers") from None


def read_soh_csv(text: str, file: str = "units.csv") -> list[SoHRow]:
    """State-of-health rows from CSV (columns SOH_COLUMNS; capacity and resistance increase as fractions)."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in SOH_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", location=Location(file=file, row=1),
                         expected=", ".join(SOH_COLUMNS))
    rows = []
    for n, rec in enumerate(reader, start=2):
        values: dict[str, float] = {}
        for col in SOH_COLUMNS[1:]:
            try:
                values[col] = float(rec[col])
            except (TypeError, ValueError):
                raise InputError(f"'{rec[col]}' is not a number", location=Location(file=file, row=n, field=col),
                                 expected="a number") from None
        rows.append(SoHRow(code=(rec["code"] or "").strip(), **values))
    return rows


def _batch(rows: Sequence[SoHRow]) -> SoHBatch:
    if not rows:
        raise InputError("the batch has no units", location=Location(field="units"), expected="one row per unit")
    return SoHBatch(codes=tuple(r.code for r in rows), capacity=np.array([r.capacity for r in rows], dtype=float),
                    resistance_increase=np.array([r.resistance_increase for r in rows], dtype=float),
                    cycles=np.array([r.cycles for r in rows], dtype=float),
                    rated_energy=np.array([r.rated_energy_kwh for r in rows], dtype=float) * ureg.kWh,
                    mass=np.array([r.mass_kg for r in rows], dtype=float) * ureg.kg)


def sort_units(sessions: sessionmaker[Session], actor: Actor, organisation: str, rows: Sequence[SoHRow],
               settings: Settings, name: str = "batch") -> dict[str, object]:
    """Sort and value the batch, keep it as the organisation's latest, and return summary and units (best
    value first)."""
    batch = _batch(rows)
    prices = settings.price_model()
    result = sort_batch(batch, settings.thresholds(), prices)
    values = result.value.to("yuan").magnitude
    units = [{"code": batch.codes[i], "route": "cascade" if result.cascade[i] else "recycling",
              "value_cny": float(values[i]), "capacity": float(batch.capacity[i]),
              "resistance_increase": float(batch.resistance_increase[i]), "cycles": float(batch.cycles[i])}
             for i in result.order.tolist()]
    summary = {"units": len(rows), "cascade": result.n_cascade, "recycling": len(rows) - result.n_cascade,
               "total_value_cny": magnitude(result.total_value, "yuan"),
               "expected_recovery_kg": {m: magnitude(q, "kg")
                                        for m, q in expected_recovery(batch, result, prices).items()},
               "prices_source": prices.source, "thresholds_source": result.thresholds.source}
    stored = {"min_capacity": settings.min_capacity, "max_resistance_increase": settings.max_resistance_increase,
              "max_cycles": settings.max_cycles, "prices": dict(settings.prices)}
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, organisation, tenancy.DATA_WRITE)
        repo.replace_residual_batch(work.session, BatteryResidualBatch(
            organisation_id=access.organisation_id, name=name, settings=stored, summary=summary, units=units))
        work.audit("create", "battery_residual_batch", name, organisation_id=access.organisation_id,
                   detail={"units": len(rows), "cascade": result.n_cascade})
    return {"name": name, "settings": stored, "summary": summary, "units": units}


def tested_rows(sessions: sessionmaker[Session], actor: Actor, organisation: str) -> list[SoHRow]:
    """The state of health of every unit the organisation holds, from each unit's latest stored 'tested' event."""
    with unit_of_work(sessions, actor) as work:
        tenancy.access(work.session, actor, organisation, tenancy.DATA_READ)
        found = repo.tested_events(work.session, organisation)
    return [SoHRow(code, **{k: float(measured[k]) for k in SOH_FIELDS}) for code, measured, _ in found]


def assess_tested(sessions: sessionmaker[Session], actor: Actor, organisation: str, settings: Settings,
                  name: str = "tested units") -> dict[str, object]:
    """Sort and value the units the organisation holds from their stored 'tested' events (the latest of each)."""
    rows = tested_rows(sessions, actor, organisation)
    if not rows:
        raise NotFound(f"organisation '{organisation}' holds no unit with a recorded test (a 'tested' event "
                       "with its measurements)")
    return sort_units(sessions, actor, organisation, rows, settings, name)


def latest(sessions: sessionmaker[Session], actor: Actor, organisation: str) -> dict[str, object] | None:
    """The organisation's latest sorted batch, or None when it has sorted none yet."""
    with unit_of_work(sessions, actor) as work:
        access = tenancy.access(work.session, actor, organisation, tenancy.DATA_READ)
        row = repo.latest_residual_batch(work.session, access.organisation_id)
        if row is None:
            return None
        return {"name": row.name, "settings": dict(row.settings), "summary": dict(row.summary),
                "units": list(row.units)}
