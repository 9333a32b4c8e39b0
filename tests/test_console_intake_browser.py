"""The hotline page in a real browser (Debian's chromium driven by Playwright, 1366×768): an operator types
what a caller said and sees the category suggested with its confidence, types an address and picks a gazetteer
suggestion, then picks the exact point on the map, attaches a photo and opens the case; the squad's card goes
out. Screenshots in ``test-artifacts/``; no CSP or script error on the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.console import PASSWORD, add_user
from tests.images import street_photo
from tests.support import CHROMIUM, NUMBER, chromium_page, the_case

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def test_an_operator_takes_a_call_in_the_browser(app, live_url, db, run_worker, fake_platform, tmp_path):
    add_user(app, "zhaoli", "operator", name="赵丽")
    photo = tmp_path / "site.jpg"
    photo.write_bytes(street_photo())
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium_page(1366, 768) as page:
        problems: list[str] = []
        # Chromium asks for /favicon.ico on its own (404): not the page's problem.
        page.on("console", lambda m: m.type == "error" and "favicon" not in (m.location or {}).get("url", "")
                and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        expect = playwright_api.expect

        page.goto(f"{live_url}/console/login")
        page.fill("input[name=username]", "zhaoli")
        page.fill("input[name=password]", PASSWORD)
        page.click("button.primary")
        expect(page).to_have_url(f"{live_url}/console/intake")
        page.wait_for_selector("#intake-map .leaflet-interactive")  # the grids are drawn

        page.select_option("select[name=channel]", "96310")
        page.fill("input[name=phone]", "139 1234 5678")
        page.fill("textarea[name=description]", "明珠菜场门口有人在路边烤串，烟很大，呛得不行")
        expect(page.locator("#suggested-category")).to_have_text("露天烧烤")
        expect(page.locator("#category-suggestion .badge")).to_contain_text("置信度")
        page.fill("input[name=address]", "明珠")
        expect(page.locator("button.place").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "console-intake-1-suggestions.png"))
        page.click("button.place[data-name='明珠菜场']")
        expect(page.locator("input[name=address]")).to_have_value("明珠菜场")
        expect(page.locator("#intake-point")).to_contain_text("按地址定位：明珠菜场")

        box = page.locator("#intake-map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # the exact spot, on the map
        expect(page.locator("#intake-point")).to_contain_text("已在地图上选点")
        page.set_input_files("input[name=photo]", str(photo))
        page.screenshot(path=str(ARTIFACTS / "console-intake-2-filled.png"))
        page.click("button.primary")

        expect(page.locator(".flash.success")).to_contain_text("已受理，编号")
        number = NUMBER.search(page.locator(".flash.success").inner_text()).group(0)
        expect(page.locator("h1")).to_contain_text(number)
        page.screenshot(path=str(ARTIFACTS / "console-intake-3-opened.png"), full_page=True)
        assert problems == []

    case = the_case(db, number)
    assert case.channel == "96310" and case.location_source == "map" and case.category_code == "E0510"
    assert case.address == "明珠菜场" and len(case.media) == 1
    run_worker()
    assert the_case(db, number).state in ("dispatched", "received")  # routed where the map point lies
