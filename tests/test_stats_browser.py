"""The statistics pages in a real browser (Debian's chromium driven by Playwright) on a year of demo cases
(``citybot demo-data``'s generator): ``/console/stats`` at 1366×768 for a dispatcher and ``/public/`` on a
phone (390×844), each with its ECharts charts and Leaflet heat map drawn, and no CSP violation. Screenshots land
in ``test-artifacts/`` (``docs/console-stats.png`` and ``docs/public-stats.png`` are copies of them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.demo_data import generate
from bot.extensions import get_db
from tests.console import PASSWORD, add_user
from tests.support import CHROMIUM, chromium_page

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def demo_year(app):  # noqa: ANN001, ANN201
    deps = app.extensions["citybot.services"].deps
    with app.app_context(), get_db().transaction() as session:
        generate(session, deps.taxonomy, deps.calendar, cases=3000, seed=12, now=deps.now())


def watch(page) -> list[str]:  # noqa: ANN001
    """Script errors, CSP refusals and failed requests (but the browser's own favicon request) of ``page``."""
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and "Failed to load resource" not in m.text
            and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico")
            and problems.append(f"{r.status} {r.url}"))
    return problems


def test_the_stats_page_draws_its_charts_and_heat_map(app, live_url, demo_year):
    add_user(app, "wangfang", "dispatcher", name="王芳")
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium_page(1366, 768) as page:
        problems, expect = watch(page), playwright_api.expect
        page.goto(f"{live_url}/console/login")
        page.fill("input[name=username]", "wangfang")
        page.fill("input[name=password]", PASSWORD)
        page.click("button.primary")
        page.click("nav >> text=统计")
        expect(page).to_have_url(f"{live_url}/console/stats")
        for chart in ("#trend-chart", "#category-chart"):
            page.wait_for_selector(f"{chart} canvas")
            page.wait_for_selector(f"{chart}[data-ready]")
        page.wait_for_selector("#heat-map[data-ready] .leaflet-interactive")
        assert page.locator(".kpi .value").first.inner_text().endswith("%")
        assert page.locator("table.ranking tbody tr").count() >= 4
        page.screenshot(path=str(ARTIFACTS / "console-stats.png"), full_page=True)

        page.click(".heat-switch button[data-layer=overdue]")
        expect(page.locator("#heat-legend")).to_contain_text("当前超期")
        page.select_option("select[name=period]", "week")
        page.click("form.stats-filters button.primary")
        expect(page.locator("h1 .period-label")).to_contain_text("至")
        page.wait_for_selector("#trend-chart[data-ready]")
        assert page.locator("#trend-chart canvas").count() == 1
    assert not problems, problems


def test_the_public_page_on_a_phone(app, live_url, demo_year):
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium_page(390, 844) as page:
        problems = watch(page)
        response = page.goto(f"{live_url}/public/")
        assert response.status == 200 and response.headers["cache-control"] == "public, max-age=300"
        page.wait_for_selector("#category-chart[data-ready] canvas")
        page.wait_for_selector("#closed-map[data-ready] .leaflet-interactive")
        assert "%" in page.locator(".month .figures").first.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        page.screenshot(path=str(ARTIFACTS / "public-stats.png"), full_page=True)
    assert not problems, problems
