"""Every page and report in Chinese (issue 17, item 4): on the demo data set, each demo sign-in browses the web
pages in zh-CN (every GET route of the web router, reached by following the pages' own links from the home page and
from the routes no page links to; a route that cannot be reached is named in NOT_RENDERED with the reason), the
403 and 404 pages, a bad upload of each import kind, and the reports (inventory PDF, PCF PDF, the oversight XLSX
and PDF; the files for other software are named in REPORTS_NOT_SWEPT). The visible text of each (HTML text nodes
and the placeholder/title/alt attributes outside <script>, <style>, <pre>, <code>, <textarea> and translate="no",
which hold the user's own data and the file's own names; the PDF's text layer; the XLSX's cells) must hold no
English the catalogues know and no untranslated key, and the error messages of the bad uploads no English sentence
at all.

English the catalogues know: a catalogue msgid whose Chinese differs from it (names such as CBAM or ISO 14067 are
their own translation and do not count), found as a whole phrase of the text (between the separators · ： ； ( ) =)
or, for a msgid of three words or more, anywhere in it. An untranslated key: a text that is an identifier, such as
fuel_combustion or batteryMass.

One backend (SQLite) only: what a page says does not depend on the database, and the PostgreSQL side of every page
is covered by the page tests. Measured: about 30 s on an idle two-core machine (demo load 9 s, 197 pages, 12 PDFs),
70 to 95 s while other test runs share its two cores."""

from __future__ import annotations

import io
import re
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from babel.messages.pofile import read_po
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.inventory.templates import TEMPLATES
from carbontrail.services.demo import demo_password
from carbontrail.store.models import ActivityRecord, RegistryEntry, User
from carbontrail.store.models.battery import BatteryPassportRecord
from demo_world import demo_app

CATALOGUES = Path(__file__).resolve().parents[2] / "src" / "carbontrail" / "web" / "translations"
#: web GET routes the sweep does not render, with the reason
NOT_RENDERED = {
    "/lang/{locale}": "sets the language cookie and redirects; it has no page",
    "/templates/{name}.{fmt}": "the import templates: their column names are the import's own keys, in both languages",
    "/org/{code}/upload/jobs/{job}": "JSON the upload page's script polls; a rejected upload's messages through it are "
                                     "checked in the reader's language by test_work_browser.py",
}
#: reports the sweep does not read, with the reason (they are files exchanged with other software or parties)
REPORTS_NOT_SWEPT = {
    "/api/organisations/{code}/inventory.xlsx": "the inventory's lines, scope 3 lines and factors for analysis: its "
                                                "column names are the CSV export's keys, in no language",
    "/api/organisations/{code}/cbam/installations/{installation}/communication.xlsx":
        "the operator's communication to an EU importer: carbontrail's layout reopens as data, and the Commission "
        "layout names its sheets and fields as the Commission's template does (issue 17, item 6)",
    "/api/organisations/{code}/cbam/installations/{installation}/communication": "JSON, for software",
}
#: how many URLs of one route each sign-in renders (the demo has dozens of records and units of the same page)
PER_ROUTE = 2
#: what a bad file of each import kind holds, and where a signed-in user sends it
BAD_UPLOADS = {
    "activity CSV": ("manager@cd-cell.example", "/org/CD-CELL/upload", "activity.csv",
                     b"organisation,facility,kind,item,period_start,period_end,quantity,unit\n"
                     b"CD-CELL,CDCELL-01,electricity,grid electricity,2023-01-01,2023-01-31,1O00,kWh\n"
                     b"CD-CELL,CDCELL-01,heat,purchased heat,2023-02-31,2023-02-28,5,GJ\n"
                     b"CD-CELL,CDCELL-01,electricity,grid electricity,2023-03-01,2023-03-31,5,furlongs\n"
                     b"CD-CELL,NO-SUCH-SITE,steam,steam,2023-04-01,2023-03-31,-5,t\n", {}),
    "activity header": ("manager@cd-cell.example", "/org/CD-CELL/upload", "header.csv",
                        b"facility,kind,item,colour\nCDCELL-01,electricity,grid electricity,red\n", {}),
    "CBAM installation": ("manager@gy-alu.example", "/org/GY-ALU/cbam", "bad.yaml",
                          b"name: x\nreporting_period: {start: 2025-01-01, end: 2024-12-31}\n"
                          b"processes:\n  - {id: p, activity_level: ten t}\n", {"installation": "BAD"}),
    "battery declaration": ("manager@cd-cell.example", "/org/CD-CELL/battery/declarations", "bad.yaml",
                            b"model: X\nmaterials: [{name: cathode, mass: heavy}]\n", {}),
    "battery passport": ("manager@cd-cell.example", "/org/CD-CELL/battery/passports", "bad.yaml",
                         b"identifier: urn:x:1\nmodel: NO-SUCH-MODEL\nplant: nowhere\n", {}),
    "PACT footprint": ("manager@sh-lfp.example", "/org/SH-LFP/pact/footprints", "bad.json",
                       b'{"productIds": ["not a urn"], "pcf": {"declaredUnit": "furlong"}}', {}),
}


def _catalogue(locale: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for path in sorted((CATALOGUES / locale / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            table.update({str(m.id): str(m.string) for m in read_po(fh, locale=locale) if m.id})
    return table


def _pattern(msgid: str) -> str:
    return ".+?".join(re.escape(part) for part in re.split(r"%\(\w+\)s", msgid))


def _english() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(a msgid as a whole phrase, a msgid of three words or more anywhere) over the catalogued English."""
    zh = _catalogue("zh_CN")
    wordy = sorted((m for m, text in zh.items() if text != m and re.search(r"[A-Za-z]{3,}", re.sub(r"%\(\w+\)s", "", m))),
                   key=len, reverse=True)
    phrases = [m for m in wordy if len(re.findall(r"[A-Za-z]{2,}", re.sub(r"%\(\w+\)s", "", m))) >= 3]
    whole = re.compile("^(?:" + "|".join(map(_pattern, wordy)) + ")$", re.DOTALL)
    inside = re.compile(r"(?<![A-Za-z_])(?:" + "|".join(map(_pattern, phrases)) + r")(?![A-Za-z_])", re.DOTALL)
    return whole, inside


WHOLE, INSIDE = _english()
KEY = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$|^[a-z]{2,}(?:[A-Z][a-z]+)+$")
SEPARATORS = re.compile(r"\s*(?:·|：|；|，|=|\(|\)|（|）|\|)\s*|:\s+")


def english_in(text: str, *, page: bool = True) -> list[str]:
    """The catalogued English in one visible text, and an untranslated key when it is the whole text. A PDF cell
    (`page` False) is matched whole, not by its phrases, and may be a key: a report's tables wrap the user's own
    names and codes (fuel items, factor sources) across lines."""
    found = [m.group(0) for m in INSIDE.finditer(text)]
    if page and KEY.match(text.strip(" .,;:!?()（）")):
        found.append(text)
    for phrase in SEPARATORS.split(text) if page else [text]:
        phrase = phrase.strip(" .,;:!?")
        if WHOLE.match(phrase):
            found.append(phrase)
    return list(dict.fromkeys(found))


class _Visible(HTMLParser):
    """The text a reader sees, and the links, of one HTML page."""

    DATA = {"script", "style", "pre", "code", "textarea"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, bool, bool]] = []  # (tag, its content is data, it is an error message)
        self.texts: list[str] = []
        self.errors: list[str] = []  # the texts of the error messages (role="alert", class error or problem)
        self.links: list[str] = []

    def _hidden(self) -> bool:
        return any(data for _tag, data, _error in self.open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        at = {k: v or "" for k, v in attrs}
        if tag == "a" and at.get("href"):
            self.links.append(at["href"])
        data = tag in self.DATA or at.get("translate") == "no"
        if not self._hidden() and not data:
            self.texts += [at[k] for k in ("placeholder", "title", "alt", "aria-label") if at.get(k)]
            if tag == "input" and at.get("type") in ("submit", "button") and at.get("value"):
                self.texts.append(at["value"])
        error = at.get("role") == "alert" or bool({"error", "problem"} & set(at.get("class", "").split()))
        if tag not in self.VOID:
            self.open.append((tag, data, error))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                del self.open[i:]
                return

    def handle_data(self, data: str) -> None:
        if data.strip() and not self._hidden():
            self.texts.append(data.strip())
            if any(error for _tag, _data, error in self.open):
                self.errors.append(data.strip())


#: two English words in a row (a name in quotes or backticks, a file name or a path does not count)
SENTENCE = re.compile(r"(?<![\w.'`/-])[A-Za-z]{2,}(?:,? [A-Za-z]{2,})+(?![\w.'`/-])")
QUOTED = re.compile(r"'[^']*'|`[^`]*`|“[^”]*”|\S+\.(?:csv|yaml|yml|json|xlsx)\b|examples/\S+")


#: an import's column names: a message names the columns as the file spells them
COLUMNS = {c for template in TEMPLATES.values() for c in template.column_names}
COLUMN = re.compile(r"(?<![\w-])(?:" + "|".join(sorted(map(re.escape, COLUMNS), key=len, reverse=True)) + r")(?![\w-])")


def untranslated_messages(html: str) -> list[str]:
    """The error messages of a page that still hold an English phrase: the messages carbontrail raises are
    translated at the door (web/i18n.py `error_text`), so no catalogue needs to name them for this to see them."""
    page = _Visible()
    page.feed(html)
    return [text for text in page.errors if SENTENCE.search(COLUMN.sub(" ", QUOTED.sub(" ", text)))]


def _pdf_texts(data: bytes) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout
    # a layout line holds several cells: the columns are two spaces or more apart
    return [cell for line in out.decode("utf-8").splitlines() for cell in re.split(r"\s{2,}", line.strip()) if cell]


def _xlsx_texts(data: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [*book.sheetnames, *(str(v).strip() for sheet in book for row in sheet.iter_rows(values_only=True)
                                for v in row if isinstance(v, str) and v.strip())]


def texts_of(content_type: str, body: bytes) -> list[str] | None:
    if "html" in content_type:
        page = _Visible()
        page.feed(body.decode("utf-8"))
        return page.texts
    if "spreadsheetml" in content_type:
        return _xlsx_texts(body)
    return None


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, sessionmaker[Session]]]:
    with demo_app("sqlite", tmp_path_factory.mktemp("zh-home"), "zh-sweep-key") as loaded:
        yield loaded


def _signed_in(app: FastAPI, email: str | None) -> TestClient:
    client = TestClient(app)
    client.cookies.set("ct_lang", "zh_CN")
    if email:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        r = client.post("/login", data={"email": email, "password": demo_password(), "csrf_token": token,
                                        "next": "/"}, follow_redirects=False)
        assert r.status_code == 303, f"{email} cannot sign in"
    return client


def _csrf(client: TestClient) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]


class Sweep:
    """What the sweep rendered and what it found: English phrase → [(who, what, the text it stands in)]."""

    def __init__(self, items: set[str]) -> None:
        self.items = items  # the demo's activity items: the user's own names, which a report lists as they are
        self.columns = COLUMNS  # a bad upload's problem table names the column as the file spells it
        self.found: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        self.rendered: defaultdict[str, int] = defaultdict(int)

    def check(self, who: str, what: str, content_type: str, body: bytes) -> bool:
        is_page = "pdf" not in content_type
        texts = texts_of(content_type, body) if is_page else _pdf_texts(body)
        if texts is None:
            return False
        self.rendered[what] += 1
        for text in texts:
            for phrase in english_in(text, page=is_page):
                if (not is_page and phrase in self.items) or (what.startswith("bad ") and phrase in self.columns):
                    continue
                self.found[phrase].append((who, what, text[:160]))
        return True

    def report(self) -> str:
        return "\n".join(f"{phrase!r} ({len(where)}×), e.g. {where[0]}" for phrase, where in sorted(self.found.items()))


def _web_routes(app: FastAPI) -> list[tuple[str, re.Pattern[str]]]:
    routes = []
    for ctx in iter_route_contexts(app.routes):
        if "GET" in (getattr(ctx, "methods", None) or ()) and ctx.endpoint.__module__.startswith("carbontrail.web"):
            rx = re.escape(ctx.path)
            routes.append((ctx.path, re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", rx) + "$")))
    return routes


def _unlinked(sessions: sessionmaker[Session]) -> list[str]:
    """Pages no other page links to, filled from the demo data: the public passport, the registry entries."""
    with sessions() as s:
        passport = s.scalars(select(BatteryPassportRecord.identifier).order_by(BatteryPassportRecord.id)).first()
        entry = s.scalars(select(RegistryEntry.id).order_by(RegistryEntry.id)).first()
    assert passport and entry, "the demo has a passport and a registry entry"
    return ["/", "/login", "/monitor", "/registry", f"/registry/{entry}", f"/battery/passport/{quote(passport, safe='')}",
            "/org/CD-CELL/certificates", "/org/CD-CELL/certificates/matching", "/no/such/page", "/org/NOBODY"]


def _crawl(sweep: Sweep, client: TestClient, who: str, routes: list[tuple[str, re.Pattern[str]]],
           starts: list[str]) -> dict[str, str]:
    """Render every page `who` reaches from `starts` by the pages' links, PER_ROUTE of each route; the routes
    rendered, and every URL it reached, with `who` (for the reports)."""
    queue, seen, per_route = list(starts), set(), defaultdict(int)
    reached: dict[str, str] = {}
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        path = urlsplit(url).path
        route = next((r for r, rx in routes if rx.match(path)), "(no route)")
        if route in NOT_RENDERED or per_route[route] >= PER_ROUTE:
            continue
        per_route[route] += 1
        r = client.get(url, follow_redirects=True)
        assert r.status_code < 500, f"{who}: {url} answered {r.status_code}"
        sweep.check(who, route, r.headers.get("content-type", ""), r.content)
        reached[url] = who
        if "html" in r.headers.get("content-type", ""):
            page = _Visible()
            page.feed(r.text)
            queue += [link for link in page.links if link.startswith("/") and not link.startswith("//")]
    return reached


def test_every_page_and_report_in_chinese(demo: tuple[FastAPI, sessionmaker[Session]]) -> None:
    app, sessions = demo
    routes = _web_routes(app)
    with sessions() as s:
        emails = sorted(s.scalars(select(User.email)))
        items = set(s.scalars(select(ActivityRecord.item).distinct()))
    assert len(emails) >= 14  # every part of the demo signs in somebody
    sweep, reached = Sweep(items), {}
    anonymous = _signed_in(app, None)
    _crawl(sweep, anonymous, "anonymous", routes, ["/login", "/org/CD-CELL"])
    clients = {}
    for email in emails:
        clients[email] = _signed_in(app, email)
        reached |= {url: who for url, who in _crawl(sweep, clients[email], email, routes, _unlinked(sessions)).items()
                    if url not in reached}
    # every web page was rendered, but the ones named with a reason
    missing = [r for r, _rx in routes if r not in sweep.rendered and r not in NOT_RENDERED]
    assert missing == [], "no sign-in reached these pages: fill them in _unlinked or name them in NOT_RENDERED"
    assert sweep.rendered["/no/such/page".replace("/no/such/page", "(no route)")] > 0  # the 404 page

    # the reports, by who reached their page: the inventory PDF of each enterprise, the PCF PDF of each product
    orgs = {(m.group(1), m.group(2)): who for url, who in reached.items()
            if (m := re.match(r"^/org/([^/?]+)/inventory\?period=([^&]+)$", url))}
    products = {m.group(1): who for url, who in reached.items()
                if (m := re.match(r"^/org/([^/?]+/products/[^/?]+/[^/?]+)$", url))}
    assert orgs and products
    for (org, period), who in sorted(orgs.items()):
        r = clients[who].get(f"/api/organisations/{org}/inventory.pdf", params={"lang": "zh_CN", "period": period})
        assert r.status_code == 200, f"inventory report of {org}: {r.text[:200]}"
        sweep.check(who, "inventory PDF", r.headers["content-type"], r.content)
    for product, who in sorted(products.items()):
        r = clients[who].get(f"/api/organisations/{product}/report.pdf", params={"lang": "zh_CN", "iterations": 20})
        assert r.status_code == 200, f"PCF report of {product}: {r.text[:200]}"
        sweep.check(who, "PCF PDF", r.headers["content-type"], r.content)
    assert sweep.rendered["inventory PDF"] and sweep.rendered["PCF PDF"]
    api = {ctx.path for ctx in iter_route_contexts(app.routes)}
    assert set(REPORTS_NOT_SWEPT) <= api, "a report named in REPORTS_NOT_SWEPT no longer exists"
    assert sweep.rendered["/monitor/j/{jurisdiction}/export.{fmt}"]  # the oversight XLSX and PDF, by their links

    # a bad file of each import kind: its error page
    for kind, (email, url, name, data, form) in BAD_UPLOADS.items():
        client = clients[email]
        r = client.post(url, files={"file": (name, data)}, data={"csrf_token": _csrf(client), **form})
        assert 400 <= r.status_code < 500, f"{kind}: the bad file was taken ({r.status_code})"
        sweep.check(email, f"bad {kind}", r.headers["content-type"], r.content)
        for text in untranslated_messages(r.text):
            sweep.found["(an English message)"].append((email, f"bad {kind}", text[:300]))

    assert not sweep.found, f"English on zh-CN pages and reports:\n{sweep.report()}"


def test_the_sweep_sees_english_and_keys() -> None:
    """The detector itself: a catalogued English phrase (whole or inside a sentence) and an identifier are found;
    Chinese, names and data are not."""
    assert english_in("Scope 1") == ["Scope 1"]
    assert english_in("范围一 · Sign in") == ["Sign in"]
    assert english_in("fuel_combustion") == ["fuel_combustion"]
    assert english_in("batteryMass") == ["batteryMass"]
    assert english_in("gas_diesel_oil", page=False) == [] and english_in("Scope 1", page=False) == ["Scope 1"]
    assert english_in("范围一") == english_in("CBAM") == english_in("ISO 14067") == english_in("58,000 kWh") == []
    assert untranslated_messages('<p class="error">bad.csv，第 2 行：the value is not a number</p><p>Sign in here now</p>'
                                 '<td class="problem">字段 \'period_start\'：应为日期（应为 examples/a.yaml）</td>'
                                 '<p role="alert">x.yaml，字段 operator：Field required</p>'
                                 '<p class="error">缺少 quantity, unit；单位“kilowatt hour”</p>') == [
        "bad.csv，第 2 行：the value is not a number", "x.yaml，字段 operator：Field required"]
    page = _Visible()
    page.feed('<p>登录</p><td translate="no">Scope 1</td><pre>Sign in</pre><script>"Sign in"</script><br>'
              '<input placeholder="Sign in">')
    assert page.texts == ["登录", "Sign in"]
