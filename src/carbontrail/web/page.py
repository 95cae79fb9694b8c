"""What every page shares: the request's principal, language and CSRF token, template rendering, access checks.

Each area's pages live in their own module of this folder (listed in `carbontrail.web.PAGE_MODULES`) and build
on `Page`."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from carbontrail import __version__
from carbontrail.http.deps import AppContext, principal_or_none
from carbontrail.http.errors import status_of
from carbontrail.errors import CarbontrailError, PermissionDenied
from carbontrail.services import tenancy
from carbontrail.services.accounts import Principal
from carbontrail.web import i18n

LANG_COOKIE = "ct_lang"
_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(["html"]))


class Page:
    """What one request's page needs: who is asking, in which language, and the session's CSRF token."""

    def __init__(self, request: Request, ctx: AppContext):
        self.request, self.ctx = request, ctx
        found = principal_or_none(request, ctx) if not request.headers.get("authorization") else None
        self.principal: Principal | None = found[0] if found else None
        self.csrf = str(found[1].get("csrf", "")) if found else ""
        self.locale = i18n.pick_locale(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"),
                                       self.principal.locale if self.principal else None)
        self._ = i18n.translator(self.locale)

    def render(self, template: str, status: int = 200, **values: object) -> HTMLResponse:
        html = _env.get_template(template).render(
            _=self._, locale=self.locale, lang="zh-CN" if self.locale == "zh_CN" else "en", principal=self.principal,
            csrf=self.csrf, version=__version__, path=self.request.url.path,
            num=lambda v, d=1: i18n.number(v, self.locale, d), day=lambda d: i18n.day(d, self.locale),
            say=self.say, msg=lambda text: i18n.message(text, self.locale),
            local_name=self.local_name, **values)
        return HTMLResponse(html, status_code=status)

    def local_name(self, thing: object) -> str:
        """A name in the reader's language: the Chinese name, or the English one where one is given."""
        get = thing.get if isinstance(thing, Mapping) else lambda key, default: getattr(thing, key, default)
        name, name_en = get("name", ""), get("name_en", "")
        return str(name if self.locale == "zh_CN" or not name_en else name_en)

    def error(self, exc: CarbontrailError) -> HTMLResponse:
        return self.render("error.html", status=status_of(exc), message=self.say(exc))

    def say(self, exc: CarbontrailError) -> str:
        """What went wrong, in the reader's language (the message the import and the API give, translated)."""
        return i18n.error_text(exc, self.locale)

    def check_csrf(self, sent: str) -> None:
        if not self.csrf or not hmac.compare_digest(sent, self.csrf):
            raise PermissionDenied("the form has expired (CSRF check failed); reload the page and try again")


def login_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


def require_access(page: Page, code: str, *permissions: str) -> tenancy.Access:
    if page.principal is None:
        raise PermissionDenied("sign in first")
    return tenancy.check(page.ctx.sessions, page.principal, code, *permissions)




class SignInRequired(Exception):
    """The page needs a signed-in user: answered with a redirect to the sign-in form."""


def signed_in(request: Request, ctx: AppContext) -> Page:
    """The request's page for its signed-in principal; `SignInRequired` when nobody is signed in."""
    page = Page(request, ctx)
    if page.principal is None:
        raise SignInRequired
    return page


def posted(request: Request, ctx: AppContext, csrf_token: str) -> Page:
    """The page of a form the signed-in principal posted, once the form's CSRF token is checked."""
    page = signed_in(request, ctx)
    page.check_csrf(csrf_token)
    return page


class PageRoute(APIRoute):
    """A page's route: nobody signed in becomes the sign-in redirect, and a `CarbontrailError` the error page in
    the reader's language with its status, so a handler holds only its own work."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                return login_redirect(request)
            except CarbontrailError as exc:
                return Page(request, request.app.state.context).error(exc)

        return route


def page_router() -> APIRouter:
    """The router of one area's pages (kept out of the OpenAPI document)."""
    return APIRouter(include_in_schema=False, route_class=PageRoute)
