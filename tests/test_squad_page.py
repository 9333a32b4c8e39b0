"""The squad's mobile work page: anyone with the link sees the case; only a member of the owning unit,
identified by WeChat Work OAuth (not by the link), can 签收 / 办结 with photos from the camera / 退回 / 延期."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from PIL import Image
from sqlalchemy import select

from bot.models import ExtensionRequest, Media
from tests.images import street_photo
from tests.support import MEMBER, TUESDAY_9AM, card_url, cards, freeze, images_to, report_case, the_case

OPENID = "oResidentWorkPage0000000001"
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def page_path(wechat, run_worker, fake_platform) -> tuple[str, str]:  # noqa: ANN001
    number = report_case(wechat, OPENID)
    run_worker()  # the card, with the page's link
    [card] = cards(fake_platform)
    return number, urlsplit(card_url(card)).path


def sign_in(client, fake_platform, path: str, userid: str) -> None:  # noqa: ANN001
    """The member opens the page in WeChat Work: OAuth at the (fake) platform, back with a code."""
    to_platform = client.get(f"{path}/signin")
    assert to_platform.status_code == 302
    phone = requests.Session()
    phone.get(f"{fake_platform.url}/_fake/wework/signin", params={"userid": userid}, allow_redirects=False)
    back = phone.get(to_platform.headers["Location"].split("#")[0], allow_redirects=False)
    assert back.status_code == 302
    target = urlsplit(back.headers["Location"])
    assert target.path == "/oauth/wework" and parse_qs(target.query)["code"]
    assert client.get(f"{target.path}?{target.query}").status_code == 302


def csrf(client, path: str) -> str:  # noqa: ANN001
    match = CSRF.search(client.get(path).get_data(as_text=True))
    assert match, "the page has no form"
    return match.group(1)


def test_the_page_shows_the_case_a_map_and_navigation_in_the_right_datums(wechat, run_worker, fake_platform,
                                                                          client):
    number, path = page_path(wechat, run_worker, fake_platform)
    page = client.get(path).get_data(as_text=True)
    assert f"案件 {number}" in page and "明珠菜场" in page and "处理过程" in page
    assert 'id="map" data-lat="29.609943" data-lng="119.053925"' in page
    assert "https://uri.amap.com/navigation?to=119.053925%2C29.609943" in page and "coordinate=gaode" in page
    assert "tocoord=29.609943%2C119.053925" in page  # 腾讯: GCJ-02 too
    geo = re.search(r'href="geo:([\d.]+),([\d.]+)', page)
    assert geo is not None and (float(geo.group(1)), float(geo.group(2))) != (29.609943, 119.053925)  # WGS-84
    assert abs(float(geo.group(1)) - 29.6123) < 0.01 and abs(float(geo.group(2)) - 119.0490) < 0.01
    assert "以企业微信身份登录后办理" in page and "<button>签收</button>" not in page  # nobody identified: view only


def test_a_forwarded_page_without_oauth_cannot_act(wechat, run_worker, fake_platform, client, db):
    number, path = page_path(wechat, run_worker, fake_platform)
    token = csrf(client, "/console/login")  # any form token of this browser: the page itself offers no form
    refused = client.post(f"{path}/accept", data={"csrf_token": token})
    assert refused.status_code == 403 and "转发的链接只能查看" in refused.get_data(as_text=True)
    assert the_case(db, number).state == "dispatched"


def test_a_member_of_another_unit_signed_in_cannot_act(wechat, run_worker, fake_platform, client, db):
    number, path = page_path(wechat, run_worker, fake_platform)
    sign_in(client, fake_platform, path, "fangxiaoyu")  # 城区一中队
    page = client.get(path).get_data(as_text=True)
    assert "此案件不属于您所在单位，只能查看" in page
    refused = client.post(f"{path}/accept", data={"csrf_token": csrf(client, "/console/login")})
    assert refused.status_code == 403 and "不属于本单位" in refused.get_data(as_text=True)
    assert the_case(db, number).state == "dispatched"


def test_a_used_oauth_code_identifies_nobody(wechat, run_worker, fake_platform, client):
    _, path = page_path(wechat, run_worker, fake_platform)
    to_platform = client.get(f"{path}/signin")
    phone = requests.Session()
    phone.get(f"{fake_platform.url}/_fake/wework/signin", params={"userid": MEMBER}, allow_redirects=False)
    back = urlsplit(phone.get(to_platform.headers["Location"].split("#")[0], allow_redirects=False).headers["Location"])
    assert client.get(f"{back.path}?{back.query}").status_code == 302
    client.get(f"{path}/signin")  # a new state in the session
    assert client.get(f"{back.path}?{back.query}").status_code == 403  # the same code again: refused


def test_resolve_from_the_page_with_a_camera_photo(wechat, run_worker, fake_platform, client, db, settings, clock):
    freeze(clock, TUESDAY_9AM)
    number, path = page_path(wechat, run_worker, fake_platform)
    sign_in(client, fake_platform, path, MEMBER)
    assert client.post(f"{path}/accept", data={"csrf_token": csrf(client, path)}).status_code == 302
    assert the_case(db, number).state == "accepted"

    photo = street_photo(gps=(29.6, 119.04))  # a phone's JPEG with EXIF GPS
    done = client.post(f"{path}/resolve", content_type="multipart/form-data", data={
        "csrf_token": csrf(client, path), "note": "已清理烧烤摊", "photos": (io.BytesIO(photo), "IMG_0001.jpg")})
    assert done.status_code == 302 and "done=resolve" in done.headers["Location"]
    case = the_case(db, number)
    assert case.state == "resolved" and case.events[-1].actor_name == "吴晶晶" and case.events[-1].note == "已清理烧烤摊"
    [stored] = db.scalars(select(Media).where(Media.case_id == case.id, Media.staff_userid == MEMBER)).all()
    assert (stored.gps_lat, stored.gps_lng) != (None, None)  # read before stripping
    with Image.open(Path(settings.media_dir) / stored.path) as kept:
        assert not kept.getexif().get_ifd(0x8825) and 0x010F not in kept.getexif()  # the stored file has none
    assert (Path(settings.media_dir) / stored.thumb_path).exists()
    run_worker()
    assert images_to(fake_platform, OPENID) == 1  # the resident gets the after-photo
    assert "已办结" in client.get(f"{path}?done=resolve").get_data(as_text=True)


def test_return_and_extension_from_the_page(wechat, run_worker, fake_platform, client, db):
    number, path = page_path(wechat, run_worker, fake_platform)
    sign_in(client, fake_platform, path, MEMBER)
    asked = client.post(f"{path}/extend", data={"csrf_token": csrf(client, path), "days": "3", "reason": "需协调产权单位"})
    assert asked.status_code == 302
    assert db.scalar(select(ExtensionRequest.days)) == 3
    client.post(f"{path}/return", data={"csrf_token": csrf(client, path), "reason": "not_ours", "note": "属市政"})
    case = the_case(db, number)
    assert case.state == "returned" and case.events[-1].note == "非本单位职责 属市政"
