"""The squad's mobile work page on a phone-sized screen (Debian's chromium, Playwright), screenshot saved."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support import CHROMIUM, card_url, cards, chromium_page, report_case

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def test_the_work_page_fits_a_phone_and_offers_sign_in(live_url, wechat, run_worker, fake_platform):
    report_case(wechat, "oWorkPageBrowser00000000001")
    run_worker()
    path = urlsplit(card_url(cards(fake_platform)[0])).path
    with chromium_page(390, 844) as page:
        page.goto(f"{live_url}{path}")
        expect = playwright_api.expect
        expect(page.locator("h1")).to_contain_text("案件")
        expect(page.locator("#map .leaflet-interactive")).to_have_count(1)  # the point on the map
        expect(page.get_by_role("link", name="高德地图")).to_have_attribute("href", "https://uri.amap.com/navigation?"
                                                                        "to=119.053925%2C29.609943%2C%E6%98%8E%E7%8F%A0%E8%8F%9C%E5%9C%BA"
                                                                        "+%E6%98%8E%E7%8F%A0%E8%8F%9C%E5%9C%BA%E7%BD%91%E6%A0%BC"
                                                                        "&mode=car&coordinate=gaode&callnative=1")
        expect(page.get_by_text("以企业微信身份登录后办理")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "squad-work-page.png"), full_page=True)
