"""In a real browser (Playwright driving Debian's chromium), in English and in Chinese: download an import
template, edit an activity record (a refused value keeps what was typed and says why, in the reader's language),
delete one, see both on the audit page, create a meter and a reporting period, lock the period for verification;
upload a file with a bad row, fix it and upload it again, create a facility; publish, share and stop sharing a
footprint, answer customers' requests; register battery units and record an event, declare and make a passport;
edit a CBAM installation; upload a product model, compute and publish a product. Each effect is checked in the
database through the services. English at 1366 px, Chinese at 390 px. Screenshots go to var/screenshots/."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from carbontrail.errors import NotFound
from carbontrail.inventory.templates import TEMPLATES
from carbontrail.services import activity, organisations
from carbontrail.services.accounts import principal_of
from carbontrail.store.models import ActivityRecord, User
from browsers import needs_chromium
from platform_world import PASSWORD, World

pytestmark = needs_chromium
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
MANAGER = "carbon_manager@a.example"




def _manager(world: World):  # type: ignore[no-untyped-def]
    with world.sessions() as s:
        return principal_of(s, s.scalar(select(User.id).where(User.email == MANAGER)))


def _months(world: World) -> list[int]:
    """ORG-A's grid-electricity records, January first."""
    with world.sessions() as s:
        return list(s.scalars(select(ActivityRecord.id).where(ActivityRecord.item == "grid electricity")
                              .order_by(ActivityRecord.period_start)))


def _signed_in(browser, server: str, locale: str):  # type: ignore[no-untyped-def]
    # English at a laptop's 1366 px, Chinese at a phone's 390 px: the forms work at both widths
    context = browser.new_context(accept_downloads=True, locale="zh-CN" if locale == "zh_CN" else "en-GB",
                                  viewport={"width": 390, "height": 844} if locale == "zh_CN" else
                                  {"width": 1366, "height": 768})
    context.add_cookies([{"name": "ct_lang", "value": locale, "url": server}])
    page = context.new_page()
    page.goto(f"{server}/login?next=/org/ORG-A")
    page.fill("input[name=email]", MANAGER)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{server}/org/ORG-A")
    return context, page


def _shot(page, name: str, request: pytest.FixtureRequest) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    backend = request.node.callspec.params.get("db_url", "db")
    page.screenshot(path=str(SHOTS / f"{name}-{backend}.png"), full_page=True)


def _submit(page, form: str, fields: dict[str, str], choose: dict[str, str] | None = None) -> None:  # type: ignore[no-untyped-def]
    """Fill the form's fields (by name; `choose`: its selects) and submit it."""
    for name, value in (choose or {}).items():
        page.select_option(f"{form} select[name={name}]", value)
    for name, value in fields.items():
        page.fill(f"{form} [name={name}]", value)
    page.click(f"{form} button[type=submit]")


def _edit(page, server: str, record: int, quantity: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/org/ORG-A/activity/{record}")
    page.fill("#record-form input[name=quantity]", quantity)
    page.click("#save-record")


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_the_work_on_records_meters_and_periods(browser, server: str, world: World, locale: str,  # type: ignore[no-untyped-def]
                                                request: pytest.FixtureRequest) -> None:
    from playwright.sync_api import expect

    zh = locale == "zh_CN"
    who = _manager(world)
    january, february, march = _months(world)[:3]
    context, page = _signed_in(browser, server, locale)
    try:
        # the activity template, as `carbontrail template activity` writes it
        page.goto(f"{server}/org/ORG-A/upload")
        with page.expect_download() as got:
            page.click('#templates tr[data-template="activity"] a.csv')
        header = next(csv.reader(io.StringIO(Path(got.value.path()).read_bytes().decode("utf-8-sig"))))
        assert tuple(header) == TEMPLATES["activity"].column_names

        # a quantity that is not a number: refused with the import's reason, the typed value kept
        page.goto(f"{server}/org/ORG-A/activity")
        page.click(f'#activity tr[data-record="{january}"] a')
        page.wait_for_url(f"{server}/org/ORG-A/activity/{january}")
        page.fill("#record-form input[name=quantity]", "lots")
        page.click("#save-record")
        problem = page.locator('.problems tr.problem[data-field="quantity"]')
        expect(problem).to_contain_text("“lots”不是数字" if zh else "'lots' is not a number")
        expect(page.locator("#record-form input[name=quantity]")).to_have_value("lots")
        _shot(page, f"record-refused-{locale}", request)
        assert activity.get_record(world.sessions, who, "ORG-A", january).quantity == 1_000_000

        page.fill("#record-form input[name=quantity]", "2000000")
        page.click("#save-record")
        expect(page.locator("#saved")).to_contain_text("修改已保存" if zh else "The changes were saved")
        assert activity.get_record(world.sessions, who, "ORG-A", january).quantity == 2_000_000

        # delete February
        page.goto(f"{server}/org/ORG-A/activity/{february}")
        page.click("#delete-record")
        expect(page.locator("#deleted")).to_contain_text(str(february))
        with pytest.raises(NotFound):
            activity.get_record(world.sessions, who, "ORG-A", february)

        # both changes on the audit page, newest first, naming the manager
        page.goto(f"{server}/org/ORG-A/audit")
        rows = page.locator("#audit tbody tr")
        expect(rows.nth(0).locator(".action")).to_have_text("delete")
        expect(rows.nth(1)).to_contain_text(f"activity_record ORG-A/{january}")
        expect(rows.nth(1).locator(".changed")).to_contain_text("quantity: 1000000.0 → 2000000.0")
        for i in (0, 1):
            expect(rows.nth(i).locator(".actor")).to_have_text(MANAGER)
        trail = organisations.audit_trail(world.sessions, who, "ORG-A", limit=2).entries
        assert [(e.action, e.actor, e.object_key) for e in trail] == [
            ("delete", MANAGER, f"ORG-A/{february}"), ("update", MANAGER, f"ORG-A/{january}")]
        _shot(page, f"audit-{locale}", request)

        # a meter, and a period whose end comes before its start, then right
        page.goto(f"{server}/org/ORG-A")
        _submit(page, "#new-meter", {"code": "E-MAIN", "medium": "electricity", "unit": "MWh"},
                choose={"facility": "A-PLANT"})
        expect(page.locator("#meters")).to_contain_text("E-MAIN")
        assert [(m.code, m.unit) for m in organisations.meters(world.sessions, who, "ORG-A", "A-PLANT")] == \
            [("E-MAIN", "MWh")]
        page.fill("#new-period input[name=name]", "2024")
        page.fill("#new-period input[name=start]", "2024-12-31")
        page.fill("#new-period input[name=end]", "2024-01-01")
        page.click("#new-period button[type=submit]")
        expect(page.locator(".problems")).to_contain_text(
            "结束日期 2024-01-01 早于起始日期 2024-12-31" if zh else "the end 2024-01-01 is before the start 2024-12-31")
        expect(page.locator("#new-period input[name=name]")).to_have_value("2024")
        page.fill("#new-period input[name=start]", "2024-01-01")
        page.fill("#new-period input[name=end]", "2024-12-31")
        page.click("#new-period button[type=submit]")
        expect(page.locator('#periods tr[data-period="2024"]')).to_be_visible()

        # lock 2023 for verification: March can no longer be changed, here or through the service
        page.click('#periods tr[data-period="2023"] .lock-form button')
        expect(page.locator('#periods tr[data-period="2023"] .locked')).to_contain_text(MANAGER)
        _shot(page, f"organisation-locked-{locale}", request)
        locked = {p.name: p for p in organisations.periods(world.sessions, who, "ORG-A")}
        assert locked["2023"].locked_by == MANAGER and locked["2024"].locked_at is None
        assert (locked["2024"].start, locked["2024"].end) == (date(2024, 1, 1), date(2024, 12, 31))
        page.goto(f"{server}/org/ORG-A/activity/{march}")
        expect(page.locator("#locked")).to_contain_text("2023")
        assert page.locator("#save-record").count() == 0 and page.locator("#delete-record").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_publish_share_and_stop_sharing_a_footprint(browser, server: str, world: World, locale: str,  # type: ignore[no-untyped-def]
                                                    tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The PACT example footprint (5.7788 kg CO2e/kg, entered by hand) published from the page, shared with ORG-B
    and no longer; a file that holds no footprint, and a grant to oneself, refused in the reader's language."""
    from playwright.sync_api import expect

    from carbontrail.services.pact import host as pact_host

    zh = locale == "zh_CN"
    who = _manager(world)
    example = Path(__file__).resolve().parents[2] / "examples" / "pact" / "lfp-cathode.yaml"
    not_one = tmp_path / "list.yaml"
    not_one.write_text("- a\n- b\n", encoding="utf-8")
    context, page = _signed_in(browser, server, locale)
    try:
        page.goto(f"{server}/org/ORG-A/pact")
        page.set_input_files("#publish-form input[type=file]", str(not_one))
        page.click("#publish-form button[type=submit]")
        expect(page.locator("#failed")).to_contain_text("文件中须有一个足迹" if zh else "the file must hold one footprint")
        assert pact_host.outbox(world.sessions, who, "ORG-A") == []

        page.set_input_files("#publish-form input[type=file]", str(example))
        page.fill("#publish-form input[name=status_comment]", "first version")
        page.click("#publish-form button[type=submit]")
        [published] = pact_host.outbox(world.sessions, who, "ORG-A")
        row = page.locator(f'#outbox tr[data-pf="{published.pf_id}"]')
        expect(row).to_contain_text("5.779")
        assert (float(published.pcf_excluding), published.version, published.grantees) == (5.7788, 1, ())

        row.locator(".grant-form input[name=customer]").fill("ORG-A")
        row.locator(".grant-form button").click()
        expect(page.locator("#failed")).to_contain_text("不能共享给发布者自己" if zh else "not to its own publisher")
        row.locator(".grant-form input[name=customer]").fill("ORG-B")
        row.locator(".grant-form button").click()
        expect(row.locator('.grantee[data-customer="ORG-B"]')).to_be_visible()
        assert pact_host.outbox(world.sessions, who, "ORG-A")[0].grantees == ("ORG-B",)
        _shot(page, f"pact-shared-{locale}", request)

        row.locator('.grantee[data-customer="ORG-B"] .revoke-form button').click()
        expect(row.locator(".grantees")).not_to_contain_text("ORG-B")
        assert pact_host.outbox(world.sessions, who, "ORG-A")[0].grantees == ()
        trail = organisations.audit_trail(world.sessions, who, "ORG-A", limit=3).entries
        assert [(e.action, e.actor, e.object_key) for e in trail] == [
            ("revoke", MANAGER, published.pf_id), ("grant", MANAGER, published.pf_id),
            ("publish", MANAGER, published.pf_id)]
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_a_battery_declaration_and_its_passport(browser, server: str, world: World, locale: str,  # type: ignore[no-untyped-def]
                                                tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The example pack's declaration (its cathode at the typed factor: this world has no supplier SH-LFP), then its
    passport, whose carbon footprint the page takes from that declaration; a passport file without a model is
    refused in the reader's language."""
    import yaml
    from playwright.sync_api import expect

    from carbontrail.services import battery_declarations, battery_passports

    zh = locale == "zh_CN"
    who = _manager(world)
    examples = Path(__file__).resolve().parents[2] / "examples" / "battery"
    declaration = yaml.safe_load((examples / "declaration-lfp-pack.yaml").read_text(encoding="utf-8"))
    for material in declaration["materials"]:
        material.pop("footprint", None)
    (tmp_path / "declaration.yaml").write_text(yaml.safe_dump(declaration, allow_unicode=True), encoding="utf-8")
    passport = yaml.safe_load((examples / "passport-lfp-pack.yaml").read_text(encoding="utf-8"))
    for absent in ("grants", "recycled_content"):  # nobody here to grant to, no recycler
        passport.pop(absent)
    (tmp_path / "passport.yaml").write_text(yaml.safe_dump(passport, allow_unicode=True), encoding="utf-8")
    (tmp_path / "no-model.yaml").write_text(yaml.safe_dump({k: v for k, v in passport.items() if k != "model"}),
                                            encoding="utf-8")
    context, page = _signed_in(browser, server, locale)
    try:
        page.goto(f"{server}/org/ORG-A/battery")
        page.set_input_files("#declaration-form input[type=file]", str(tmp_path / "declaration.yaml"))
        page.click("#declaration-form button[type=submit]")
        [stored] = battery_declarations.list_for(world.sessions, who, "ORG-A")
        page.wait_for_url(f"{server}/org/ORG-A/battery/declarations/{stored.id}")
        assert (stored.model, stored.plant, stored.revision) == ("CD-LFP-60", "CDCELL-01", 1)

        page.goto(f"{server}/org/ORG-A/battery")
        page.set_input_files("#passport-form input[type=file]", str(tmp_path / "no-model.yaml"))
        page.click("#passport-form button[type=submit]")
        expect(page.locator("#passport-error")).to_contain_text(
            "护照文件缺少 identifier、model、plant 或 submodels" if zh else "lacks identifier, model, plant or submodels")
        assert battery_passports.list_for(world.sessions, who, "ORG-A") == []
        page.set_input_files("#passport-form input[type=file]", str(tmp_path / "passport.yaml"))
        page.click("#passport-form button[type=submit]")
        expect(page.locator("h1")).to_contain_text("urn:cdcell:cdcpbaa6000001r3f0000001")
        [made] = battery_passports.list_for(world.sessions, who, "ORG-A")
        assert (made.identifier, made.model) == ("urn:cdcell:cdcpbaa6000001r3f0000001", "CD-LFP-60")
        full = battery_passports.owner_view(world.sessions, who, "ORG-A", made.identifier, None)
        assert full["carbonFootprint"]["batteryCarbonFootprint"] == pytest.approx(stored.result["declaration"]["per_kwh"],
                                                                                  rel=1e-3)
        _shot(page, f"battery-passport-{locale}", request)
        trail = organisations.audit_trail(world.sessions, who, "ORG-A", limit=2).entries
        assert [(e.action, e.object_type, e.actor) for e in trail] == [
            ("create", "battery_passport", MANAGER), ("create", "battery_declaration", MANAGER)]
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_edit_a_cbam_installation(browser, server: str, world: World, locale: str,  # type: ignore[no-untyped-def]
                                  request: pytest.FixtureRequest) -> None:
    """A pot line of 1,000 t using 14,000 MWh at 0.5 t CO2/MWh: indirect SEE 14,000 × 0.5 / 1,000 = 7 t/t; edited
    to 2,000 t of aluminium, 3.5 t/t. An activity level that is no quantity is refused, the text kept."""
    from playwright.sync_api import expect

    from carbontrail.services import cbam
    from carbontrail.services.work import SystemActor
    from platform_world import B_CBAM_MODEL

    model = B_CBAM_MODEL.lstrip("\n").replace("SECRET-B", "甲")  # a textarea drops a first newline
    cbam.save_installation(world.sessions, SystemActor("seed"), "ORG-A", "A-POTS", model.encode(), file_name="a.yaml")
    who = _manager(world)
    context, page = _signed_in(browser, server, locale)
    try:
        page.goto(f"{server}/org/ORG-A/cbam/A-POTS?period=2023")
        cell = page.locator('#see tr[data-process="pots"] .see-indirect')
        expect(cell).to_have_text("7.0000")
        expect(page.locator("#installation-form textarea[name=model]")).to_contain_text("甲 pot line")
        page.fill("#installation-form textarea[name=model]", model.replace("activity_level: 1000 t", "activity_level: lots"))
        page.click("#save-installation")
        expect(page.locator("#edit-installation [role=alert]")).to_contain_text(
            "“lots”没有单位" if locale == "zh_CN" else "'lots' has no unit")
        expect(page.locator("#installation-form textarea[name=model]")).to_have_value(
            model.replace("activity_level: 1000 t", "activity_level: lots"))
        assert cbam.see_summary(cbam.compute(world.sessions, who, "ORG-A", "A-POTS").result)["processes"][0][
            "see_indirect_t_per_t"] == pytest.approx(7.0)
        _shot(page, f"cbam-edit-refused-{locale}", request)
        page.fill("#installation-form textarea[name=model]", model.replace("activity_level: 1000 t",
                                                                           "activity_level: 2000 t"))
        page.click("#save-installation")
        expect(page.locator("#installation-saved")).to_be_visible()
        expect(cell).to_have_text("3.5000")
        assert cbam.see_summary(cbam.compute(world.sessions, who, "ORG-A", "A-POTS").result)["processes"][0][
            "see_indirect_t_per_t"] == pytest.approx(3.5)
        [entry] = organisations.audit_trail(world.sessions, who, "ORG-A", limit=1).entries
        assert (entry.action, entry.object_type, entry.actor) == ("update", "cbam_installation", MANAGER)
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_compute_and_publish_a_product(browser, server: str, world: World, locale: str,  # type: ignore[no-untyped-def]
                                       request: pytest.FixtureRequest) -> None:
    """A one-process model whose kilogram of cell emits 2 kg of fossil CO2: 2 kg CO2e per kg (GWP100 of CO2 is 1),
    computed, kept and published from the product page; a reference year that is no number refused first."""
    from playwright.sync_api import expect

    from carbontrail.services import footprints
    from carbontrail.services.pact import host as pact_host
    from carbontrail.services.work import SystemActor

    zh = locale == "zh_CN"
    footprints.store_model(world.sessions, SystemActor("seed"), "ORG-A", key="a-cell", document={
        "name": "cell", "flows": [{"id": "cell", "unit": "kg"},
                                  {"id": "co2", "name": "Carbon dioxide, fossil", "kind": "elementary", "unit": "kg",
                                   "category": "air/unspecified"}],
        "processes": [{"id": "CELL", "outputs": [{"flow": "cell", "amount": 1}, {"flow": "co2", "amount": 2.0}]}]})
    who = _manager(world)
    context, page = _signed_in(browser, server, locale)
    try:
        page.goto(f"{server}/org/ORG-A/products/a-cell/cell")
        page.fill("#publish-product-form input[name=product_id]", "urn:a:cell-2024")
        page.fill("#publish-product-form input[name=reference_year]", "20x4")
        page.click("#publish-product-form button[type=submit]")
        expect(page.locator("#publish-error")).to_contain_text("“20x4”不是数字" if zh else "'20x4' is not a number")
        expect(page.locator("#publish-product-form input[name=product_id]")).to_have_value("urn:a:cell-2024")
        assert pact_host.outbox(world.sessions, who, "ORG-A") == []
        page.fill("#publish-product-form input[name=reference_year]", "2024")
        page.click("#publish-product-form button[type=submit]")
        page.wait_for_url(f"{server}/org/ORG-A/pact#outbox")
        [published] = pact_host.outbox(world.sessions, who, "ORG-A")
        assert (float(published.pcf_excluding), published.declared_unit, published.source) == \
            (2.0, "kilogram", "computed")
        expect(page.locator(f'#outbox tr[data-pf="{published.pf_id}"]')).to_contain_text("2.000")
        _shot(page, f"product-published-{locale}", request)
        [entry] = organisations.audit_trail(world.sessions, who, "ORG-A", limit=1).entries
        assert (entry.action, entry.actor, entry.object_key) == ("publish", MANAGER, published.pf_id)
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_upload_fix_and_upload_again_then_a_facility(browser, server: str, world: World, locale: str,  # type: ignore[no-untyped-def]
                                                     tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The activity template with two rows for a new facility's 2024 diesel, the second's quantity "12,5x":
    refused with its row and field, nothing stored; the same file fixed (12.5) imports both rows. Then a facility
    created from the organisation page."""
    from playwright.sync_api import expect

    zh = locale == "zh_CN"
    who = _manager(world)
    columns = TEMPLATES["activity"].column_names
    rows = [{"organisation": "ORG-A", "facility": "A-PLANT", "kind": "fuel_combustion", "item": "diesel",
             "period_start": "2024-01-01", "period_end": "2024-01-31", "quantity": "40", "unit": "L"},
            {"organisation": "ORG-A", "facility": "A-PLANT", "kind": "fuel_combustion", "item": "diesel",
             "period_start": "2024-02-01", "period_end": "2024-02-29", "quantity": "12,5x", "unit": "L"}]

    def write(path: Path, body: list[dict[str, str]]) -> Path:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows({c: r.get(c, "") for c in columns} for r in body)
        path.write_text(out.getvalue(), encoding="utf-8")
        return path

    def diesel_2024() -> list[float]:
        with world.sessions() as s:
            return list(s.scalars(select(ActivityRecord.quantity).where(
                ActivityRecord.item == "diesel", ActivityRecord.period_start >= date(2024, 1, 1))
                .order_by(ActivityRecord.period_start)))

    context, page = _signed_in(browser, server, locale)
    try:
        page.goto(f"{server}/org/ORG-A/upload")
        page.set_input_files("#upload-form input[type=file]", str(write(tmp_path / "diesel.csv", rows)))
        page.click("#upload-form button[type=submit]")
        page.wait_for_selector("#upload-errors tr.problem", timeout=30_000)  # an import job in its own process
        problem = page.locator("#upload-errors tr.problem").first
        expect(problem.locator("td").nth(0)).to_have_text("3")  # the header is row 1
        expect(problem.locator("td").nth(1)).to_have_text("quantity")
        # the page's script shows the job's problems in the reader's language, as the page without script does
        expect(problem.locator("td").nth(2)).to_contain_text(
            "“12,5x”中的逗号可能是小数点" if zh else "'12,5x' has a comma that may be a decimal comma")
        expect(page.locator("#upload-errors .error")).to_contain_text("未导入任何数据" if zh else "Nothing was imported")
        assert diesel_2024() == []
        _shot(page, f"upload-refused-{locale}", request)
        rows[1]["quantity"] = "12.5"
        page.set_input_files("#upload-form input[type=file]", str(write(tmp_path / "diesel-fixed.csv", rows)))
        page.click("#upload-form button[type=submit]")
        page.wait_for_selector("#upload-ok", timeout=30_000)
        assert diesel_2024() == [40.0, 12.5]

        page.goto(f"{server}/org/ORG-A")
        _submit(page, "#new-facility", {"facility": "A-DEPOT", "name": "甲仓库" if zh else "A depot",
                                        "province": "Sichuan"})
        expect(page.locator("#facilities")).to_contain_text("A-DEPOT")
        assert "A-DEPOT" in [f.code for f in organisations.facilities(world.sessions, who, "ORG-A")]
        _shot(page, f"facility-created-{locale}", request)
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_register_units_and_record_their_events(browser, server: str, world: World, locale: str,  # type: ignore[no-untyped-def]
                                                request: pytest.FixtureRequest) -> None:
    """Two GB/T 34014 pack codes produced on 2024-03-15 (R = 2024, 3 = March, F = 15) registered from the form, a
    malformed code refused first with nothing stored; then the first one sold to ORG-B with a 500 CNY deposit."""
    from playwright.sync_api import expect

    from carbontrail.services import battery_units

    who = _manager(world)
    codes = ["01APBAASC00001R3F0000101", "01APBAASC00001R3F0000102"]
    context, page = _signed_in(browser, server, locale)
    try:
        page.goto(f"{server}/org/ORG-A/battery")
        page.fill("#register-form textarea[name=codes]", "\n".join([codes[0], "NOT-A-CODE"]))
        page.fill("#register-form input[name=at]", "2024-03-15T08:00")
        page.click("#register-form button[type=submit]")
        expect(page.locator("#register-error")).to_contain_text("NOT-A-CODE")
        assert battery_units.overview(world.sessions, who, "ORG-A").held == ()
        page.fill("#register-form textarea[name=codes]", "\n".join(codes))
        page.fill("#register-form input[name=at]", "2024-03-15T08:00")
        page.click("#register-form button[type=submit]")
        expect(page.locator("#units")).to_contain_text(codes[1])
        assert sorted(u.code for u in battery_units.overview(world.sessions, who, "ORG-A").held) == codes

        page.goto(f"{server}/org/ORG-A/battery/units/{codes[0]}")
        _submit(page, "#event-form", {"at": "2024-04-01T09:30", "to_actor": "ORG-B", "deposit_cny": "500"},
                choose={"kind": "sold"})
        expect(page.locator("#history")).to_contain_text("ORG-B")
        seen = battery_units.history(world.sessions, who, codes[0], organisation="ORG-A")
        assert [e.kind for e in seen.events][-1] == "sold"
        assert (seen.state.holder, seen.state.deposit.to("yuan").magnitude) == ("ORG-B", 500.0)
        _shot(page, f"battery-unit-sold-{locale}", request)
        trail = organisations.audit_trail(world.sessions, who, "ORG-A", limit=2).entries
        assert [(e.object_type, e.actor) for e in trail] == [("battery_event", MANAGER), ("battery_units", MANAGER)]
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_answer_a_footprint_request(browser, server: str, world: World, locale: str,  # type: ignore[no-untyped-def]
                                    request: pytest.FixtureRequest) -> None:
    """ORG-B asks (PACT v3 RequestCreated) for the example cathode ORG-A publishes; ORG-A's manager rejects the
    first request with a reason, accepts the second (answered with the footprint at once): each decision stored, ORG-B
    granted only after the second."""
    from playwright.sync_api import expect

    from carbontrail.services.pact import host as pact_host
    from carbontrail.services.pact import inbox as pact_inbox
    from carbontrail.services.work import SystemActor

    example = Path(__file__).resolve().parents[2] / "examples" / "pact" / "lfp-cathode.yaml"
    import yaml

    published = pact_host.publish_document(world.sessions, SystemActor("seed"), "ORG-A",
                                           yaml.safe_load(example.read_text(encoding="utf-8")), file=example.name)
    with world.sessions() as s:
        customer = principal_of(s, s.scalar(select(User.id).where(User.email == "admin@b.example")))
    for n in (1, 2):
        event = {"type": pact_inbox.EVENT_TYPES["3"]["created"], "specversion": "1.0", "id": f"b-asks-{n}",
                 "source": "https://b.example/3/events", "time": "2026-01-01T00:00:00Z",
                 "data": {"productId": list(published.product_ids), "comment": f"request {n}"}}
        pact_inbox.receive_request(world.sessions, customer, event, "3", own_origin=server)
    who = _manager(world)
    ids = sorted(r.id for r in pact_inbox.inbox(world.sessions, who, "ORG-A"))
    context, page = _signed_in(browser, server, locale)
    try:
        page.goto(f"{server}/org/ORG-A/pact")
        first = page.locator("#inbox tr", has_text="request 1")
        first.locator("input[name=reason]").fill("wrong product")
        first.locator("button", has_text="拒绝" if locale == "zh_CN" else "Reject").click()
        expect(page.locator("#inbox tr", has_text="request 1")).to_contain_text("wrong product")
        assert pact_host.outbox(world.sessions, who, "ORG-A")[0].grantees == ()  # a rejection grants nothing
        page.locator("#inbox tr", has_text="request 2").locator(
            "button", has_text="接受" if locale == "zh_CN" else "Accept").click()
        expect(page.locator("#inbox tr", has_text="request 2").locator("form")).to_have_count(0)
        decided = {r.id: (r.status, r.reason) for r in pact_inbox.inbox(world.sessions, who, "ORG-A")}
        assert decided[ids[0]] == ("rejected", "wrong product")
        assert decided[ids[1]][0] == "fulfilled"  # accepted, and answered with the footprint at once
        assert pact_host.outbox(world.sessions, who, "ORG-A")[0].grantees == ("ORG-B",)
        _shot(page, f"pact-request-answered-{locale}", request)
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_upload_a_product_model_and_see_it_computed(browser, server: str, world: World, locale: str,  # type: ignore[no-untyped-def]
                                                    tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """A model file uploaded from the products page: one kilogram of cell made with 3 kg of fossil CO2 emitted and
    0.5 kg of methane (GWP100 of fossil CH4 in AR6: 29.8): 3 + 0.5 × 29.8 = 17.9 kg CO2e per kg. A file that is no
    model is refused first, in the reader's language, with nothing stored."""
    import yaml
    from playwright.sync_api import expect

    from carbontrail.services import footprints

    who = _manager(world)
    model = {"name": "cell", "flows": [
        {"id": "cell", "unit": "kg"},
        {"id": "co2", "name": "Carbon dioxide, fossil", "kind": "elementary", "unit": "kg", "category": "air/unspecified"},
        {"id": "ch4", "name": "Methane, fossil", "kind": "elementary", "unit": "kg", "category": "air/unspecified"}],
        "processes": [{"id": "CELL", "outputs": [{"flow": "cell", "amount": 1}, {"flow": "co2", "amount": 3.0},
                                                 {"flow": "ch4", "amount": 0.5}]}]}
    (tmp_path / "cell.yaml").write_text(yaml.safe_dump(model), encoding="utf-8")
    (tmp_path / "list.yaml").write_text("- a\n- b\n", encoding="utf-8")
    context, page = _signed_in(browser, server, locale)
    try:
        page.goto(f"{server}/org/ORG-A/products")
        page.set_input_files("#model-upload input[type=file]", str(tmp_path / "list.yaml"))
        page.click("#model-upload button[type=submit]")
        expect(page.locator("#footprint-error")).to_be_visible()
        assert [m.key for m in footprints.models_of(world.sessions, who, "ORG-A")] == []
        page.fill("#model-upload input[name=key]", "b-cell")
        page.set_input_files("#model-upload input[type=file]", str(tmp_path / "cell.yaml"))
        page.click("#model-upload button[type=submit]")
        assert [m.key for m in footprints.models_of(world.sessions, who, "ORG-A")] == ["b-cell"]
        page.goto(f"{server}/org/ORG-A/products/b-cell/cell")
        expect(page.locator("#footprint-per-unit")).to_have_text("17.900")
        _shot(page, f"product-uploaded-{locale}", request)
    finally:
        context.close()
