"""What a resident or a squad member sees when a page fails: short Chinese pages, the same status codes."""

from __future__ import annotations

import io
import re

import requests
from flask import request
from sqlalchemy import select

from bot import create_app
from bot.core.signing import case_link
from bot.models import Case

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def assert_chinese_page(response, status: int, *words: str) -> None:  # noqa: ANN001
    body = response.get_data(as_text=True) if hasattr(response, "get_data") else response.text
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert '<html lang="zh-CN">' in body and f"错误代码 {status}" in body
    for word in words:
        assert word in body, word
    for english in ("Not Found", "Request Entity Too Large", "Method Not Allowed", "Internal Server Error",
                    "The requested URL"):
        assert english not in body


def test_root_says_what_the_service_is_and_points_to_the_simulator(client, settings):
    page = client.get("/")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "有问题发微信" in body and "城市管理局" in body
    assert 'href="/sandbox/"' in body
    without = create_app(settings.replace(fake_platform=False)).test_client().get("/")
    assert without.status_code == 200 and "/sandbox/" not in without.get_data(as_text=True)


def test_unknown_pages_get_a_chinese_404(client):
    assert_chinese_page(client.get("/no-such-page"), 404, "页面不存在", "公众号")


def test_bad_and_expired_case_links_get_a_chinese_404(client, wechat, db, clock, settings):
    assert_chinese_page(client.get("/s/forged-token"), 404, "链接无效或已过期", "14 天", "待办")
    assert_chinese_page(client.get("/m/forged-token"), 404, "链接无效或已过期")
    wechat.location("oLinkReader", 29.609943, 119.053925)
    wechat.text("oLinkReader", "明珠菜场门口有人在路边烤串")
    link = case_link("", settings.secret_key, db.scalar(select(Case.id)), clock.time())
    assert client.get(link).status_code == 200
    clock.freeze(clock.time() + settings.link_max_age + 60)
    assert_chinese_page(client.get(link), 404, "链接无效或已过期")


def test_wrong_method_gets_a_chinese_405(client):
    assert_chinese_page(client.post("/"), 405, "无法这样打开此页面")


def test_an_upload_over_the_limit_gets_a_chinese_413(settings):
    app = create_app(settings)
    app.add_url_rule("/upload", "upload", lambda: str(len(request.files)), methods=["POST"])  # a page with a form
    too_big = b"\xff\xd8" + b"0" * settings.max_media_bytes
    page = app.test_client().post("/upload", data={"photo": (io.BytesIO(too_big), "photo.jpg")})
    assert_chinese_page(page, 413, "文件太大", "10 MB")


def test_the_simulator_api_answers_errors_in_json_with_chinese_messages(live_url, settings):
    too_big = b"\xff\xd8" + b"0" * settings.max_media_bytes
    answer = requests.post(f"{live_url}/sandbox/api/resident", data={"kind": "image"},
                           files={"photo": ("photo.jpg", too_big, "image/jpeg")}, timeout=30)
    assert answer.status_code == 413 and answer.json()["message"].startswith("上传的文件超过 10 MB")
    missing = requests.get(f"{live_url}/sandbox/api/nothing", timeout=5)
    assert missing.status_code == 404 and missing.json() == {"error": 404, "title": "页面不存在",
                                                             "message": "您要找的页面不存在，可能是网址输错了。"}


def test_a_crash_gets_a_chinese_500(settings):
    app = create_app(settings)
    app.add_url_rule("/crash", "crash", lambda: 1 / 0)  # a bug somewhere behind a page
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert_chinese_page(app.test_client().get("/crash"), 500, "系统开小差了")


def test_the_fake_platforms_root_is_a_chinese_page(fake_platform):
    page = requests.get(f"{fake_platform.url}/", timeout=5)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "模拟微信平台" in page.text and "/sandbox/" in page.text and CHINESE.search(page.text)
