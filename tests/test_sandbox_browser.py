"""The simulator in a real browser (Debian's chromium driven by Playwright): report, accept, resolve.

Screenshots land in ``test-artifacts/``. Skipped, with the reason, where chromium or Playwright is
missing (``.ci/run`` installs both).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def page():  # noqa: ANN201
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        yield context.new_page()
        browser.close()


def shot(page, name: str) -> None:  # noqa: ANN001
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"sandbox-{name}.png"), full_page=True)


def test_report_accept_resolve_in_the_browser(live_url, page, run_worker):
    expect = playwright_api.expect
    page.goto(f"{live_url}/sandbox/")
    page.wait_for_selector("body[data-ready='1']")
    resident, squad = page.locator("#resident-chat"), page.locator("#squad-chat")

    page.click("#toggle-samples")
    page.click("button[data-sample='barbecue']")
    expect(resident).to_contain_text("照片已收到")

    page.click("#toggle-map")
    page.wait_for_selector("#map .leaflet-interactive")
    x, y = page.evaluate("() => { const p = window.citybotSandboxMap.latLngToContainerPoint([29.609943, 119.053925]);"
                         " return [p.x, p.y]; }")
    page.locator("#map").click(position={"x": x, "y": y})
    expect(resident).to_contain_text("已收到位置")

    page.fill("#resident-text", "明珠菜场门口有人在路边烤串，烟很大")
    page.click("#resident-form button[type=submit]")
    expect(resident).to_contain_text("已受理，编号")
    expect(resident).to_contain_text("已转城区二中队处理")
    shot(page, "1-reported")

    run_worker()  # the dispatch job: the card reaches the squad's WeChat Work, the resident is told
    expect(squad.locator(".card h4")).to_contain_text("新案件", timeout=5000)
    expect(resident).to_contain_text("已派遣至城区二中队", timeout=5000)
    expect(page.locator("#strip")).to_contain_text("已派遣")

    page.click("#squad-phone .menu button[data-cmd='签收']")
    expect(squad).to_contain_text("已签收")
    page.click("#squad-sample")
    expect(squad).to_contain_text("照片已收到")
    page.click("#squad-phone .menu button[data-cmd='办结']")
    expect(squad).to_contain_text("已办结")
    shot(page, "2-squad")

    run_worker()  # the after-photo is fetched; the pushes go out
    expect(resident).to_contain_text("已处置完毕", timeout=5000)
    expect(resident.locator("img")).to_have_count(2, timeout=5000)  # the resident's photo and the after-photo
    expect(page.locator("#strip")).to_contain_text("已处置")
    shot(page, "3-resolved")
