"""Certificate pages: an organisation's instruments (holdings, claims, transfers, expiry warnings, log entries)
and the matching view, an hour-by-day heat map of the share of consumption its claims match hour by hour."""

from __future__ import annotations

import json
from datetime import date

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from carbontrail.http.deps import AppContext
from carbontrail.services import certificates as certs
from carbontrail.services import tenancy
from carbontrail.web.page import page_router, require_access, signed_in

router = page_router()


@router.get("/org/{code}/certificates", response_class=HTMLResponse)
def instruments(code: str, request: Request, ctx: AppContext) -> Response:
    page = signed_in(request, ctx)
    access = require_access(page, code, tenancy.DATA_READ)
    view = certs.overview(ctx.sessions, page.principal, access.code)  # type: ignore[arg-type]
    return page.render("certificates.html", code=access.code, v=view)


@router.get("/org/{code}/certificates/matching", response_class=HTMLResponse)
def matching(code: str, request: Request, ctx: AppContext,
             period: str = Query("", max_length=40)) -> Response:
    page = signed_in(request, ctx)
    access = require_access(page, code, tenancy.DATA_READ)
    if not period:  # the month of the latest claim, else this year
        claims = certs.overview(ctx.sessions, page.principal, access.code).claims  # type: ignore[arg-type]
        latest = max((c.period_start for c in claims), default=None)
        period = f"{latest:%Y-%m}" if latest else f"{date.today():%Y}"
    report = certs.match_report(ctx.sessions, page.principal, access.code,  # type: ignore[arg-type]
                                certs.parse_period(period))
    _ = page._
    data = {"share": report.share_by_day_hour, "start": report.period_start.isoformat(),
            "labels": {"title": _("Matched share of consumption, hour by day"), "hour": _("Hour"),
                       "day": _("Day"), "share": _("Matched share")}}
    return page.render("certificates_matching.html", code=access.code, r=report, period=period,
                       chart_json=json.dumps(data, ensure_ascii=False).replace("</", "<\\/"))
