"""Product footprint pages: an organisation's models and products (upload a model, enter a supplier footprint),
and one page per product with its footprint, contributions chart, supply-chain tree, data quality and the Monte
Carlo histogram."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from datetime import date
from dataclasses import replace
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from carbontrail.errors import InputError, Location, NotFound
from carbontrail.http.deps import AppContext
from carbontrail.services import footprint_versions, footprints as fps, tenancy
from carbontrail.services.pact import host as pact_host, publishing
from carbontrail.services.pact.supplier_data import enter_supplier_footprint, supplier_footprints_of
from carbontrail.web.page import Page, page_router, posted, require_access, signed_in

router = page_router()
MODEL_SUFFIXES = (".yaml", ".yml", ".json", ".zip", ".xml")
MAX_UPLOAD = 50 * 1024 * 1024


@router.get("/products", response_class=HTMLResponse)
def overview(request: Request, ctx: AppContext) -> Response:
    """The organisations whose product footprints you may see, with their models."""
    page = signed_in(request, ctx)
    return page.render("footprints_overview.html", rows=fps.overview(ctx.sessions, page.principal))


def _list(page: Page, code: str, status: int = 200, failed: str | None = None, done: str | None = None) -> Response:
    access = require_access(page, code, tenancy.INVENTORY)
    profile = fps.names_of(page.ctx.sessions, page.principal, code)
    found = fps.catalogue(page.ctx.sessions, page.principal, code)
    supplier_rows = (supplier_footprints_of(page.ctx.sessions, page.principal, code)
                     if access.allows(tenancy.DATA_READ) else [])
    return page.render("footprints_list.html", status=status, org=profile, access=access, perm=tenancy, models=found.models,
                       products=found.by_model(), problems=[(k, str(e)) for k, e in found.problems], suppliers=supplier_rows, failed=failed, done=done)


@router.get("/org/{code}/products", response_class=HTMLResponse)
def products(code: str, request: Request, ctx: AppContext) -> Response:
    page = signed_in(request, ctx)
    return _list(page, code)


@router.post("/org/{code}/products", response_class=HTMLResponse)
async def upload(code: str, request: Request, ctx: AppContext, file: UploadFile, csrf_token: Annotated[str, Form()],
                 key: Annotated[str, Form()] = "") -> Response:
    """Store a product model file (our YAML/JSON, openLCA JSON-LD zip, EcoSpold 1 XML) from the form."""
    page = posted(request, ctx, csrf_token)
    access = require_access(page, code, tenancy.DATA_WRITE)
    name = Path(file.filename or "model.yaml").name
    if not name.lower().endswith(MODEL_SUFFIXES):
        return _list(page, code, status=422, failed=str(InputError(
            f"'{name}' is not a model file", location=Location(file=name),
            expected="a .yaml/.json product model, an openLCA JSON-LD .zip or an EcoSpold 1 .xml")))
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return _list(page, code, status=422, failed=f"{name}: the file is larger than 50 MB")
    try:
        with tempfile.TemporaryDirectory(prefix="carbontrail-model-") as folder:
            path = Path(folder) / name
            path.write_bytes(data)
            summary = fps.store_model(ctx.sessions, page.principal, access.code, key=key.strip(), path=path)
    except InputError as exc:
        return _list(page, code, status=422, failed=str(exc))
    return RedirectResponse(f"/org/{quote(code)}/products?{urlencode({'imported': summary.model.key})}",
                            status_code=303)


@router.post("/org/{code}/supplier-footprints", response_class=HTMLResponse)
def add_supplier(code: str, request: Request, ctx: AppContext, csrf_token: Annotated[str, Form()],
                 product_key: Annotated[str, Form()] = "", supplier: Annotated[str, Form()] = "",
                 fossil: Annotated[str, Form()] = "", biogenic: Annotated[str, Form()] = "",
                 unit: Annotated[str, Form()] = "", reference: Annotated[str, Form()] = "",
                 dqr: Annotated[str, Form()] = "", year: Annotated[str, Form()] = "") -> Response:
    """Enter a supplier's footprint of a purchased product by hand."""
    page = posted(request, ctx, csrf_token)
    access = require_access(page, code, tenancy.DATA_WRITE)
    try:
        ratings = None
        if dqr.strip():
            parts = [p.strip() for p in dqr.split(",")]
            if len(parts) != 3 or not all(p.isdigit() for p in parts):
                raise InputError(f"'{dqr}' is not three ratings", location=Location(field="dqr"),
                                 expected="technological,temporal,geographical, e.g. 2,1,2")
            ratings = (int(parts[0]), int(parts[1]), int(parts[2]))
        enter_supplier_footprint(
            ctx.sessions, page.principal, access.code, product_key=product_key, supplier=supplier,
            fossil_kg_per_unit=_number(fossil, "fossil"),
            biogenic_kg_per_unit=_number(biogenic, "biogenic") if biogenic.strip() else None,
            unit=unit, reference=reference, dqr=ratings, year=int(_number(year, "year")) if year.strip() else None)
    except InputError as exc:
        return _list(page, code, status=422, failed=str(exc))
    return RedirectResponse(f"/org/{quote(code)}/products?{urlencode({'recorded': product_key})}", status_code=303)


def _group_word(_: Callable[..., str], engine_words: dict[str, str], label: str) -> str:
    """A contribution group's name in the reader's language: the engine's words, the life-cycle stages and a
    library factor's label are catalogued; a process or a supplier keeps its own name."""
    if label in engine_words:
        return engine_words[label]
    factor = re.fullmatch(r"library factor \((.*)\)", label, re.DOTALL)
    if factor:
        return _("library factor (%(source)s)", source=factor.group(1))
    return _(label)


def _number(text: str, field: str) -> float:
    try:
        value = float(text.strip().replace(",", ""))
    except ValueError:
        raise InputError(f"'{text}' is not a number", location=Location(field=field)) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise InputError(f"'{text}' is not a number", location=Location(field=field))
    return value


@router.get("/org/{code}/products/{model}/{product}", response_class=HTMLResponse)
def product_page(code: str, model: str, product: str, request: Request, ctx: AppContext,
                 boundary: str = "cradle-to-gate", allocation: str = "physical", gwp: str = "AR6",
                 amount: str = "", iterations: str = "500", seed: str = "1") -> Response:
    """One product: footprint, data quality, contributions by process / stage / supplier / gas, tree, histogram."""
    return _product_page(signed_in(request, ctx), code, model, product, boundary=boundary, allocation=allocation,
                         gwp=gwp, amount=amount, iterations=iterations, seed=seed)


@router.post("/org/{code}/products/{model}/{product}/publish", response_class=HTMLResponse)
def publish(code: str, model: str, product: str, request: Request, ctx: AppContext, csrf_token: Annotated[str, Form()],
            product_id: Annotated[str, Form(max_length=500)], reference_year: Annotated[str, Form(max_length=10)],
            product_name: Annotated[str, Form(max_length=300)] = "", mass_kg: Annotated[str, Form(max_length=40)] = "",
            status_comment: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Compute the product, keep the result and publish it as a PACT footprint (a new version when the product
    already has an Active one); a refusal keeps the page with the reason and the values typed."""
    page = posted(request, ctx, csrf_token)
    require_access(page, code, *pact_host.PUBLISH)  # a stranger learns nothing from the form
    typed = {"product_id": product_id, "reference_year": reference_year, "product_name": product_name,
             "mass_kg": mass_kg, "status_comment": status_comment}
    try:
        publishing.publish_product(ctx.sessions, page.principal, code, model=model, product=product,  # type: ignore[arg-type]
                                   **typed)
    except (InputError, NotFound) as exc:
        return _product_page(page, code, model, product, status=422, published=typed, failed=page.say(exc))
    return RedirectResponse(f"/org/{quote(code)}/pact#outbox", status_code=303)


def _product_page(page: Page, code: str, model: str, product: str, *, boundary: str = "cradle-to-gate",
                  allocation: str = "physical", gwp: str = "AR6", amount: str = "", iterations: str = "500",
                  seed: str = "1", status: int = 200, published: dict[str, str] | None = None,
                  failed: str | None = None) -> Response:
    ctx = page.ctx
    _ = page._
    access = require_access(page, code, tenancy.INVENTORY)
    value = _number(amount, "amount") if amount.strip() else None
    n = int(_number(iterations, "iterations"))
    n_seed = int(_number(seed, "seed"))
    if not 1 <= n <= 5000:
        raise InputError(f"{n} iterations is out of range", location=Location(field="iterations"),
                         expected="1 to 5,000 on this page")
    profile = fps.names_of(ctx.sessions, page.principal, access.code)
    options = fps.Options(allocation, boundary, gwp)  # type: ignore[arg-type]
    loaded = fps.open_model(ctx.sessions, page.principal, access.code, model, options)
    view = fps.product_view(loaded, product, value, iterations=n, seed=n_seed)
    report, tree, mc = view.report, view.tree, view.uncertainty
    # The engine's own English group names (purchased footprints as a "gas", unlabelled stages) get words.
    engine_words = {"external footprint (CO2e)": _("purchased products' footprints (CO2e)"),
                    "unspecified": _("unspecified"), "own operations": _("own operations")}
    groups = {by: [replace(c, label=_group_word(_, engine_words, c.label)) for c in rows]
              for by, rows in view.groups.items()}
    chart = {
        "locale": page.locale,
        "groups": {by: [{"name": c.label, "value": round(c.fossil_kg, 6)} for c in rows[:15]]
                   for by, rows in groups.items()},
        "labels": {"process": _("By process"), "stage": _("By life-cycle stage"), "supplier": _("By supplier"),
                   "gas": _("By greenhouse gas"), "histogram": _("Monte Carlo: distribution of the footprint"),
                   "kg": _("kg CO2e"), "draws": _("draws")},
        "histogram": {"counts": list(mc.histogram_counts),
                      "centres": [round((a + b) / 2, 6) for a, b in zip(mc.histogram_edges, mc.histogram_edges[1:])]},
    }
    query = urlencode({"boundary": boundary, "allocation": allocation, "gwp": gwp, "iterations": n, "seed": n_seed,
                       **({"amount": value} if value is not None else {})})
    api = f"/api/organisations/{quote(code)}/products/{quote(model)}/{quote(product, safe='')}"
    versions = footprint_versions.other_versions(ctx.sessions, page.principal, access.code, model, product,
                                                 report.fossil_kg_per_unit, report.unit)
    return page.render("footprints_product.html", status=status, org=profile, model=model, report=report,
                       may_publish=all(access.allows(p) for p in pact_host.PUBLISH), failed=failed, product_key=product,
                       published=published or {"product_id": f"urn:carbontrail:product:{code}:{product}",
                                               "product_name": report.product_name,
                                               "reference_year": str(date.today().year - 1)},
                       groups=groups, tree=tree, versions=versions,
                       mc=mc, chart_json=json.dumps(chart, ensure_ascii=False).replace("</", "<\\/"), api=api,
                       query=query, form={"boundary": boundary, "allocation": allocation, "gwp": gwp,
                                          "amount": amount, "iterations": n, "seed": n_seed})
