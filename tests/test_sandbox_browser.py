"""The simulator in a real browser (Debian's chromium driven by Playwright) at 1280×720.

Screenshots land in ``test-artifacts/``. Skipped, with the reason, where chromium or Playwright is
missing (``.ci/run`` installs both).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from bot.sandbox import samples
from tests.support import CHROMIUM, chromium_page

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
WIDTH, HEIGHT = 1280, 720
OPENID = "oSandboxResident000000000001"
MARKET = (29.609943, 119.053925)  # 明珠菜场, a grid of 城区二中队
SUNNY_ROAD = (29.61828, 119.054707)  # 阳光路, also 城区二中队
DREAM_POND = (29.600035, 119.053573)  # 梦姑塘, 城区二中队 too


@pytest.fixture
def page():  # noqa: ANN201
    with chromium_page(WIDTH, HEIGHT) as page:
        yield page


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    """A photo on disk, as a resident or a squad member would pick it."""
    path = tmp_path / "现场.jpg"
    path.write_bytes(samples.render("garbage"))
    return path


def shot(page, name: str) -> None:  # noqa: ANN001
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"sandbox-{name}.png"), full_page=True)


def open_sandbox(page, live_url: str) -> None:  # noqa: ANN001
    page.goto(f"{live_url}/sandbox/")
    page.wait_for_selector("body[data-ready='1']")


def pick_file(page, button: str, path: Path) -> None:  # noqa: ANN001
    """Click a photo button and choose ``path`` in the file chooser it opens."""
    with page.expect_file_chooser() as chooser:
        page.click(button)
    chooser.value.set_files(str(path))


def click_map(page, lat: float, lng: float) -> None:  # noqa: ANN001
    x, y = page.evaluate("([lat, lng]) => { const p = window.citybotSandboxMap.latLngToContainerPoint([lat, lng]);"
                         " return [p.x, p.y]; }", [lat, lng])
    page.locator("#map").click(position={"x": x, "y": y})


def report(live_url: str, where: tuple[float, float], text: str) -> None:
    """A resident's report through the simulator's API (the real webhook), before the page is open."""
    for form in ({"kind": "location", "lat": str(where[0]), "lng": str(where[1])}, {"kind": "text", "content": text}):
        response = requests.post(f"{live_url}/sandbox/api/resident", data={"openid": OPENID, **form}, timeout=10)
        assert response.json()["status"] == 200


def inside_viewport(page, selector: str) -> bool:  # noqa: ANN001
    box = page.locator(selector).bounding_box()
    return box is not None and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= WIDTH \
        and box["y"] + box["height"] <= HEIGHT


def test_report_accept_resolve_in_the_browser(live_url, page, run_worker, photo):
    expect = playwright_api.expect
    open_sandbox(page, live_url)
    resident, squad = page.locator("#resident-chat"), page.locator("#squad-chat")

    page.click("#resident-plus")
    pick_file(page, "#resident-panel [data-plus='photo']", photo)  # a real file through the ＋ panel's 照片
    expect(resident).to_contain_text("照片已收到")
    expect(page.locator("#resident-panel")).to_be_hidden()

    page.click("#resident-plus")
    page.click("#resident-panel [data-plus='location']")
    page.wait_for_selector("#map .leaflet-interactive")
    click_map(page, *MARKET)
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
    pick_file(page, "#squad-photo-btn", photo)  # the after-photo, a real file through 处置照片
    expect(squad).to_contain_text("照片已收到")
    page.click("#squad-phone .menu button[data-cmd='办结']")
    expect(squad).to_contain_text("已办结")
    shot(page, "2-squad")

    run_worker()  # the after-photo is fetched; the pushes go out
    expect(resident).to_contain_text("已处置完毕", timeout=5000)
    expect(resident.locator("img")).to_have_count(2, timeout=5000)  # the resident's photo and the after-photo
    expect(page.locator("#strip")).to_contain_text("已处置")
    shot(page, "3-resolved")


def test_the_plus_panel_holds_photo_location_and_samples_like_wechat(live_url, page, settings, tmp_path):
    expect = playwright_api.expect
    open_sandbox(page, live_url)
    panel = page.locator("#resident-panel")
    expect(panel).to_be_hidden()
    plus, text = page.locator("#resident-plus"), page.locator("#resident-text")
    plus_box, text_box = plus.bounding_box(), text.bounding_box()
    assert plus_box and text_box and plus_box["x"] > text_box["x"] + text_box["width"] - 1  # beside the input
    assert abs((plus_box["y"] + plus_box["height"] / 2) - (text_box["y"] + text_box["height"] / 2)) < 4

    plus.click()
    expect(panel).to_be_visible()
    expect(panel.locator(".plus-item")).to_have_text(["照片", "位置", "示例照片"])
    assert inside_viewport(page, "#resident-phone")
    shot(page, "plus-panel")

    panel.locator("[data-plus='samples']").click()
    shot(page, "plus-samples")
    panel.locator("button[data-sample='barbecue']").click()
    expect(page.locator("#resident-chat")).to_contain_text("照片已收到")
    expect(panel).to_be_hidden()  # like WeChat, sending closes the panel

    too_big = tmp_path / "太大.jpg"
    too_big.write_bytes(samples.render("stall") + b"\0" * settings.max_media_bytes)
    plus.click()
    pick_file(page, "#resident-panel [data-plus='photo']", too_big)
    expect(page.locator("#resident-chat .note.error")).to_contain_text("上传的文件超过 10 MB")

    text.fill("路边")  # with words typed, 发送 takes the place of ＋
    expect(page.locator("#resident-form button[type=submit]")).to_be_visible()
    expect(plus).to_be_hidden()


def test_squad_pane_reads_earlier_cards_once_per_member(live_url, page, run_worker, fake_platform):
    expect = playwright_api.expect

    def restart_fake_and_report(where: tuple[float, float], text: str) -> None:
        """A fake restarted (its tokens gone, ours still cached): the first push is refused and sent again."""
        requests.post(f"{fake_platform.url}/_fake/expire-tokens", timeout=5)
        report(live_url, where, text)
        run_worker()
        cards = [c["body"] for c in fake_platform.calls("/cgi-bin/message/send") if c["body"].get("msgtype") == "template_card"]
        assert cards[-1] == cards[-2]  # the same card twice at the fake: refused with the stale token, then sent

    report(live_url, MARKET, "明珠菜场门口有人在路边烤串")
    run_worker()
    restart_fake_and_report(SUNNY_ROAD, "阳光路上有人占道摆摊卖水果")

    open_sandbox(page, live_url)  # both cards came before the page was opened
    squad = page.locator("#squad-chat")
    expect(squad.locator(".card")).to_have_count(2)
    expect(page.locator("#resident-chat").get_by_text("已派遣至城区二中队")).to_have_count(2)

    page.select_option("#staff", "fangxiaoyu")  # 城区一中队: not theirs
    expect(squad).to_contain_text("还没有收到消息")
    expect(squad.locator(".card")).to_have_count(0)
    page.select_option("#staff", "yuzhiqiang")  # 城区二中队's leader: the department's cards
    expect(squad.locator(".card")).to_have_count(2)

    restart_fake_and_report(DREAM_POND, "梦姑塘路边墙上贴满了小广告")  # while the page is open
    expect(squad.locator(".card")).to_have_count(3, timeout=5000)
    page.wait_for_timeout(1500)  # a few more polls must not repeat anything
    expect(squad.locator(".card")).to_have_count(3)
    expect(page.locator("#resident-chat").get_by_text("已派遣至城区二中队")).to_have_count(3)
    shot(page, "squad-history")


def test_the_strip_shows_the_case_the_last_action_concerned(live_url, page, run_worker, db):
    from sqlalchemy import select

    from bot.models import Case

    expect = playwright_api.expect
    report(live_url, MARKET, "明珠菜场门口有人在路边烤串")
    report(live_url, SUNNY_ROAD, "阳光路上有人占道摆摊卖水果")
    run_worker()
    first, second = db.scalars(select(Case.number).order_by(Case.id)).all()

    open_sandbox(page, live_url)
    strip = page.locator("#strip")
    expect(strip).to_contain_text(second)
    page.fill("#squad-text", f"签收 {first}")  # the squad works on the earlier case
    page.click("#squad-form button[type=submit]")
    expect(page.locator("#squad-chat")).to_contain_text("已签收")
    expect(strip).to_contain_text(first)
    expect(strip.locator("[data-field=状态]")).to_have_text("状态处理中")
    expect(strip).not_to_contain_text(second)
    expect(strip).not_to_contain_text("控制台")
    expect(strip.locator("a.console-link")).to_have_attribute("href", f"/console/cases/{first}")  # the bureau's view


def test_map_names_squads_has_a_legend_and_labels_do_not_overlap(live_url, page):
    expect = playwright_api.expect
    open_sandbox(page, live_url)
    page.click("#resident-plus")
    page.click("#resident-panel [data-plus='location']")
    page.wait_for_selector("#map .leaflet-interactive")
    for selector in ("#resident-phone", "#squad-phone", "#map-panel"):  # everything fits at 1280×720
        assert inside_viewport(page, selector), selector

    legend = page.locator("#map .legend")
    expect(legend.locator("li")).to_have_text(["城区一中队", "城区二中队", "城区三中队", "城区四中队"])
    colours = legend.locator(".swatch").evaluate_all("nodes => nodes.map(n => getComputedStyle(n).backgroundColor)")
    assert len(set(colours)) == 4

    box = page.locator("#map").bounding_box()
    assert box is not None
    x, y = page.evaluate("() => { const p = window.citybotSandboxMap.latLngToContainerPoint([29.6125, 119.0595]);"
                         " return [p.x, p.y]; }")
    page.mouse.move(box["x"] + x, box["y"] + y)  # over a grid of 城区二中队
    tooltip = page.locator("#map .leaflet-tooltip.grid-tip")
    expect(tooltip).to_contain_text("城区二中队")
    expect(tooltip).not_to_contain_text("SQ02")

    def visible_labels() -> dict[str, dict]:
        return page.locator("#map .place-label").evaluate_all(
            "nodes => Object.fromEntries(nodes.filter(n => getComputedStyle(n).visibility !== 'hidden').map(n => {"
            " const r = n.getBoundingClientRect(); return [n.textContent, {l: r.left, r: r.right, t: r.top, b: r.bottom}]; }))")

    def overlapping(labels: dict[str, dict]) -> list[tuple[str, str]]:
        boxes = list(labels.items())
        return [(m, n) for i, (m, a) in enumerate(boxes) for n, b in boxes[i + 1:]
                if a["l"] < b["r"] and b["l"] < a["r"] and a["t"] < b["b"] and b["t"] < a["b"]]

    shown = visible_labels()
    assert len(shown) >= 6 and not overlapping(shown)
    page.evaluate("() => window.citybotSandboxMap.setZoom(window.citybotSandboxMap.getZoom() + 1, {animate: false})")
    page.wait_for_timeout(300)
    closer = visible_labels()
    assert set(closer) - set(shown) and not overlapping(closer)  # zooming in shows names that did not fit
    shot(page, "map")


def test_a_tap_on_the_cards_accept_button_goes_through_wework(live_url, page, run_worker, db):
    """The squad pane shows the button card; 签收 on it is a template_card_event posted (encrypted, by the fake
    platform) to the real /wework; the card then says who accepted it, its buttons gone."""
    expect = playwright_api.expect
    report(live_url, MARKET, "明珠菜场门口有人在路边烤串")
    run_worker()
    open_sandbox(page, live_url)
    card = page.locator("#squad-chat .button-card")
    expect(card).to_have_count(1)
    expect(card.locator(".buttons button")).to_have_text(["签收", "退回"])
    expect(card.locator(".buttons a")).to_have_text("办结")
    expect(card.locator(".reasons select option")).to_have_text(["非本单位职责", "位置有误", "其他"])
    shot(page, "4-button-card")

    card.locator(".buttons button", has_text="签收").click()
    expect(page.locator("#strip")).to_contain_text("处理中")
    run_worker()  # the card update goes out
    expect(card.locator("button.done")).to_contain_text("签收", timeout=5000)
    expect(card.locator("button.done")).to_be_disabled()
    expect(page.locator("#resident-chat")).to_contain_text("已签收", timeout=5000)
    shot(page, "5-card-accepted")
