"""USEEIO model folders (JSON matrices and metadata, as served by the USEEIO API) → `EeioModel`, and a
`ProcessDatabase` view of it so the process engine can run an EEIO model too.

Folder layout (USEPA/USEEIO_API doc/data_format.md): matrix/{A,B,C,D,L,U}.json as dense row-major arrays,
sectors.json, flows.json, indicators.json, demands.json and demands/<id>.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import numpy as np
from scipy import sparse

from carbontrail.errors import InputError, Location
from carbontrail.lca.eeio import Demand, EeioFlow, EeioModel, Indicator, Sector
from carbontrail.lca.model import Exchange, Flow, Process, ProcessDatabase

JsonValue = object


def read(folder: Path) -> EeioModel:
    """The model in `folder`. Flow and indicator labels are kept only when they match B and C in size."""
    folder = Path(folder)
    model_id = folder.name
    meta = _model_meta(folder.parent / "models.json", model_id)
    A = _matrix(folder, "A")
    B = _matrix(folder, "B")
    C = _matrix(folder, "C")
    n = A.shape[0]
    if A.shape != (n, n) or B.shape[1] != n or C.shape[1] != B.shape[0]:
        raise InputError(f"matrix shapes do not fit together: A {A.shape}, B {B.shape}, C {C.shape}",
                         location=Location(file=f"{model_id}/matrix"),
                         expected="A n x n, B flows x n, C indicators x flows")
    sectors = tuple(Sector(id=str(s["id"]), name=str(s.get("name", "")), code=str(s.get("code", "")),
                           location=str(s.get("location", "")), description=str(s.get("description", "")))
                    for s in _records(folder / "sectors.json"))
    if len(sectors) != n:
        raise InputError(f"{len(sectors)} sectors listed for a {n} x {n} matrix A",
                         location=Location(file=f"{model_id}/sectors.json"), expected=f"{n} sectors")
    flows = tuple(EeioFlow(id=str(f["id"]), name=str(f.get("name", "")),
                           category="/".join(str(f[k]) for k in ("category", "subCategory") if f.get(k)),
                           unit=str(f.get("unit", "")))
                  for f in _records(folder / "flows.json"))
    indicators = tuple(Indicator(id=str(i["id"]), name=str(i.get("name", "")), code=str(i.get("code", "")),
                                 unit=str(i.get("unit", "")), group=str(i.get("group", "")))
                       for i in _records(folder / "indicators.json"))
    # USEEIOv2.0-GHG ships 4,729 flows and 27 indicators for a 15-row B and a 3-row C: labels that do not
    # describe the matrices are dropped rather than attached to the wrong rows.
    if len(flows) != B.shape[0] or len(indicators) != C.shape[0]:
        flows, indicators = (), ()
    optional = {name: _matrix(folder, name) if (folder / "matrix" / f"{name}.json").exists() else None
                for name in ("D", "L", "U")}
    return EeioModel(
        id=model_id, name=str(meta.get("name", model_id)), location=str(meta.get("location", "")),
        description=str(meta.get("description", "")), sectors=sectors, flows=flows, indicators=indicators,
        A=sparse.csc_matrix(A), B=sparse.csc_matrix(B), C=C,
        D=optional["D"], L=optional["L"], U=optional["U"], demands=_demands(folder), source=str(folder),
    )


def process_database(model: EeioModel) -> ProcessDatabase:
    """Each sector as a process making 1 USD of its commodity from A's column of inputs and B's column of flows.

    With unlabelled B rows the elementary flows are named by position ('flow 3') and their unit is unknown.
    """
    flows: dict[str, Flow] = {}
    for s in model.sectors:
        flows[s.id] = Flow(id=s.id, name=s.name, kind="product", unit=model.currency, location=s.location)
    flow_ids = [f.id for f in model.flows] or [f"flow {i}" for i in range(model.B.shape[0])]
    for i, fid in enumerate(flow_ids):
        f = model.flows[i] if model.flows else None
        flows[fid] = Flow(id=fid, name=f.name if f else fid, kind="elementary", unit=f.unit if f else "",
                          category=f.category if f else "")
    A, B = model.A.tocsc(), model.B.tocsc()
    processes: dict[str, Process] = {}
    for j, s in enumerate(model.sectors):
        exchanges = [Exchange(flow=s.id, amount=1.0, is_input=False, is_reference=True)]
        for k in range(A.indptr[j], A.indptr[j + 1]):
            provider = model.sectors[A.indices[k]].id
            exchanges.append(Exchange(flow=provider, amount=float(A.data[k]), is_input=True, provider=provider))
        for k in range(B.indptr[j], B.indptr[j + 1]):
            exchanges.append(Exchange(flow=flow_ids[B.indices[k]], amount=float(B.data[k]), is_input=False))
        processes[s.id] = Process(id=s.id, name=s.name, exchanges=tuple(exchanges), location=s.location)
    return ProcessDatabase(name=model.id, version=model.description, flows=flows, processes=processes,
                           source=model.source)


def _load(path: Path) -> JsonValue:
    try:
        return cast(JsonValue, json.loads(path.read_bytes()))
    except FileNotFoundError:
        raise InputError("is missing", location=Location(file=str(path)), expected="a USEEIO model folder") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"is not valid JSON at line {exc.lineno}, column {exc.colno}",
                         location=Location(file=str(path)), expected="a JSON document") from None


def _records(path: Path) -> list[dict[str, JsonValue]]:
    value = _load(path)
    if not isinstance(value, list) or not all(isinstance(v, dict) and "id" in v for v in value):
        raise InputError("is not a list of records with an 'id'", location=Location(file=str(path)),
                         expected='[{"id": ...}, ...]')
    return cast(list[dict[str, JsonValue]], value)


def _matrix(folder: Path, name: str) -> np.ndarray:
    path = folder / "matrix" / f"{name}.json"
    value = _load(path)
    try:
        array = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError("is not a numeric matrix", location=Location(file=str(path)),
                         expected="a JSON array of equal-length rows of numbers") from None
    if array.ndim != 2 or not np.all(np.isfinite(array)):
        raise InputError("is not a matrix of finite numbers", location=Location(file=str(path)),
                         expected="a JSON array of equal-length rows of numbers")
    return array


def _model_meta(path: Path, model_id: str) -> dict[str, JsonValue]:
    if not path.exists():
        return {}
    for record in _records(path):
        if record["id"] == model_id:
            return record
    return {}


def _demands(folder: Path) -> dict[str, Demand]:
    index = folder / "demands.json"
    if not index.exists():
        return {}
    out: dict[str, Demand] = {}
    for meta in _records(index):
        did = str(meta["id"])
        path = folder / "demands" / f"{did}.json"
        entries = _load(path)
        if not isinstance(entries, list):
            raise InputError("is not a list of demand entries", location=Location(file=str(path)),
                             expected='[{"sector": ..., "amount": ...}, ...]')
        amounts: dict[str, float] = {}
        for row, entry in enumerate(entries, start=1):
            amount = entry.get("amount") if isinstance(entry, dict) else None
            if not isinstance(entry, dict) or "sector" not in entry or not isinstance(amount, (int, float)):
                raise InputError("is not a demand entry", location=Location(file=str(path), row=row),
                                 expected='{"sector": <sector id>, "amount": <USD>}')
            amounts[str(entry["sector"])] = amounts.get(str(entry["sector"]), 0.0) + float(entry["amount"])
        year = meta.get("year")
        out[did] = Demand(id=did, year=int(year) if isinstance(year, int) else 0, kind=str(meta.get("type", "")),
                          system=str(meta.get("system", "")), location=str(meta.get("location", "")),
                          amounts=amounts)
    return out
