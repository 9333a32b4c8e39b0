"""The console in a real browser (Debian's chromium driven by Playwright), at 1366×768: a dispatcher signs in,
triages a vague report, the squad resolves it in WeChat Work, the dispatcher verifies and closes it, and the
resident gets the closing push. Screenshots land in ``test-artifacts/``; no page may break its CSP."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.console import PASSWORD, add_user
from tests.support import CHROMIUM, MARKET, NUMBER, card_title, chromium_page, pushes, resolve

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
RESIDENT = "oConsoleBrowserResident00001"


@pytest.fixture
def browser_page():  # noqa: ANN201
    with chromium_page(1366, 768) as page:
        page.problems = []
        page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
        page.on("pageerror", lambda e: page.problems.append(str(e)))
        yield page


def shot(page, name: str, full: bool = False) -> None:  # noqa: ANN001
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=full)


def test_triage_dispatch_resolve_verify_and_close_in_the_browser(app, live_url, browser_page, wechat, wework,
                                                                 fake_platform, run_worker):
    page, expect = browser_page, playwright_api.expect
    add_user(app, "wangfang", "dispatcher", name="王芳")

    # A resident's words describe no problem yet: asked first, they insist, and the case waits for triage.
    wechat.location(RESIDENT, *MARKET, label="明珠菜场")
    assert "您是要反映新问题吗？" in wechat.text(RESIDENT, "这里有点乱").text
    number = NUMBER.search(wechat.text(RESIDENT, "是").text).group(0)

    page.goto(f"{live_url}/console/")
    expect(page).to_have_url(f"{live_url}/console/login?next=%2Fconsole%2F")
    page.fill("input[name=username]", "wangfang")
    page.fill("input[name=password]", PASSWORD)
    shot(page, "0-login")
    page.click("button.primary")
    expect(page.locator(".counter.triage .value")).to_have_text("1")
    expect(page.locator("table.cases")).to_contain_text(number)
    shot(page, "1-dashboard")

    page.click(".counter.triage")  # the counter opens its list
    expect(page.locator("table.cases")).to_contain_text("分类不确定")
    page.click(f"text={number}")
    expect(page.locator("h1")).to_contain_text(number)
    expect(page.locator(".messages")).to_contain_text("这里有点乱")
    page.wait_for_selector("#case-map .leaflet-interactive")
    shot(page, "2-triage", full=True)

    page.select_option("form[action$='/dispatch'] select[name=category]", "E0507")  # 乱堆物堆料
    page.select_option("form[action$='/dispatch'] select[name=unit]", "SQ02")
    page.click("form[action$='/dispatch'] button")
    expect(page.locator(".flash.success")).to_contain_text("已派遣")
    expect(page.locator("h1 .badge").first).to_have_text("已派遣")

    run_worker()  # the card goes to 城区二中队's WeChat Work
    card = [c["body"] for c in fake_platform.calls("/cgi-bin/message/send")][-1]
    assert card["toparty"] == "3" and number in card_title(card)
    resolve(wework, fake_platform, number)  # 签收, a photo, 办结 through /wework
    run_worker()  # the after-photo is fetched, the resident told

    page.reload()
    expect(page.locator("h1 .badge").first).to_have_text("已处置")
    expect(page.locator(".timeline")).to_contain_text("办结")
    expect(page.locator("img.thumb")).to_have_count(1)
    shot(page, "3-resolved", full=True)
    page.click("form[action$='/close'] button")
    expect(page.locator(".flash.success")).to_contain_text("已核查结案")
    expect(page.locator(".timeline")).to_contain_text("王芳")
    shot(page, "4-closed")

    run_worker()
    assert any(f"编号 {number}：已核查结案" in p for p in pushes(fake_platform, RESIDENT))

    page.goto(f"{live_url}/console/map")
    page.wait_for_selector("#cases-map[data-ready]")
    shot(page, "5-map")
    page.goto(f"{live_url}/console/cases")
    shot(page, "6-cases")
    assert not [p for p in page.problems if "Content Security Policy" in p or "Refused" in p], page.problems


def test_the_admin_adds_an_account_in_the_browser(app, live_url, browser_page):
    page, expect = browser_page, playwright_api.expect
    add_user(app, "chief", "admin", name="局长")
    page.goto(f"{live_url}/console/login")
    page.fill("input[name=username]", "chief")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.click("nav >> text=账号")
    page.fill("form[action$='/console/users'] input[name=username]", "wangfang")
    page.fill("form[action$='/console/users'] input[name=name]", "王芳")
    page.select_option("form[action$='/console/users'] select[name=role]", "dispatcher")
    page.fill("form[action$='/console/users'] input[name=password]", PASSWORD)
    page.click("form[action$='/console/users'] button.primary")
    expect(page.locator(".flash.ok")).to_contain_text("已添加账号 wangfang")
    expect(page.locator("table.list")).to_contain_text("王芳")
    shot(page, "7-users")
    assert not [p for p in page.problems if "Content Security Policy" in p or "Refused" in p], page.problems
