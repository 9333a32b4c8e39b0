"""A resident's conversation through the real webhook, database, Redis, worker and fake platform."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from bot.models import Case, CaseEvent, InboundMessage, Media
from tests.images import street_photo
from tests.support import case_number, the_case

OPENID = "oResident0000000000000000001"


def test_follow_gets_a_welcome_that_explains_reporting(wechat):
    answer = wechat.event(OPENID, "subscribe")
    assert answer.status == 200
    assert "欢迎" in answer.text or "感谢关注" in answer.text
    assert "位置" in answer.text and "查询" in answer.text


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "aes"])
def test_photo_location_text_makes_a_case_and_the_worker_stores_the_photo(
    wechat, fake_platform, run_worker, db, settings, encrypted
):
    wechat.encrypted = encrypted
    media_id = fake_platform.upload(street_photo(gps=(29.6, 119.04)))

    first = wechat.image(OPENID, media_id)
    assert "照片已收到" in first.text and "位置" in first.text and "描述" in first.text

    second = wechat.location(OPENID, "29.605", "119.042", label="千岛湖广场")
    assert "千岛湖广场" in second.text and "描述" in second.text

    third = wechat.text(OPENID, "南山大街有人占道烧烤")
    assert third.text.startswith("已受理，编号 ")
    assert "已识别为：露天烧烤" in third.text and "秀水广场网格" in third.text and "已转城区一中队处理" in third.text
    number = case_number(third.text)
    if encrypted:
        assert third.response.get_data(as_text=True).count("<Encrypt>") == 1  # answered in AES mode

    case = the_case(db, number)
    assert case.state == "received" and case.description == "南山大街有人占道烧烤"
    assert (case.lat, case.lng, case.datum, case.location_source) == (29.605, 119.042, "gcj02", "message")
    assert case.address == "千岛湖广场"
    assert (case.category_code, case.grid_code, case.unit_code, case.triage_reason) == (
        "E0510", "330127001002002", "SQ01", None)
    assert [e.to_state for e in case.events] == ["received"]

    run_worker()
    db.expire_all()
    photo = db.scalar(select(Media).where(Media.case_id == case.id))
    assert photo.state == "stored", photo.error
    assert any(c["path"] == "/cgi-bin/media/get" and c["params"]["media_id"] == media_id
               for c in fake_platform.calls())
    assert photo.gps_lat == pytest.approx(29.6, abs=1e-4) and photo.gps_lng == pytest.approx(119.04, abs=1e-4)
    stored = Image.open(Path(settings.media_dir) / photo.path)
    assert stored.size == (32, 64)  # turned upright (EXIF orientation 6), then EXIF dropped
    assert not stored.getexif()
    assert (Path(settings.media_dir) / photo.thumb_path).exists()
    assert photo.path.startswith(photo.sha256[:2] + "/" + photo.sha256)


def test_retried_messages_make_exactly_one_case(wechat, db):
    wechat.location(OPENID, 29.60, 119.04)
    xml = wechat.xml(OPENID, "text", {"Content": "路边垃圾堆了三天没人清"}, msg_id=777)
    answers = [wechat.post(xml) for _ in range(4)]  # the first delivery plus WeChat's three retries
    assert all(a.status == 200 for a in answers)
    assert len({a.text for a in answers}) == 1  # every retry gets the same reply
    assert db.scalar(select(func.count()).select_from(Case)) == 1
    assert db.scalar(select(func.count()).select_from(InboundMessage)) == 2


def test_retried_events_have_one_effect(wechat, db):
    xml = wechat.xml(OPENID, "event", {"Event": "subscribe"})
    for _ in range(3):
        wechat.post(xml)
    assert db.scalar(select(func.count()).select_from(InboundMessage).where(InboundMessage.event == "subscribe")) == 1


def test_text_first_then_location(wechat, db):
    ask = wechat.text(OPENID, "小区门口井盖没了，很危险")
    assert "请发送问题位置：点击输入框旁的＋" in ask.text
    done = wechat.location(OPENID, 29.61, 119.05, label="新安东路")
    number = case_number(done.text)
    assert db.scalar(select(Case.description).where(Case.number == number)) == "小区门口井盖没了，很危险"


def test_location_event_is_used_when_no_location_is_sent(wechat, db, clock):
    assert wechat.event(OPENID, "LOCATION", Latitude="29.6012", Longitude="119.0423", Precision="30").text == ""
    answer = wechat.text(OPENID, "路灯不亮好几天了")
    number = case_number(answer.text)
    case = the_case(db, number)
    assert (case.lat, case.lng, case.location_source) == (29.6012, 119.0423, "event")


def test_stale_location_event_is_not_used(wechat, clock):
    wechat.event(OPENID, "LOCATION", Latitude="29.6012", Longitude="119.0423", Precision="30")
    clock.freeze(clock.time() + 11 * 60)
    assert "请发送问题位置" in wechat.text(OPENID, "路灯不亮好几天了").text


def test_photo_after_the_case_attaches_to_it(wechat, fake_platform, db):
    wechat.location(OPENID, 29.60, 119.04)
    number = case_number(wechat.text(OPENID, "人行道上堆满了建筑垃圾").text)
    answer = wechat.image(OPENID, fake_platform.upload(street_photo()))
    assert number in answer.text and "补充" in answer.text
    case = the_case(db, number)
    assert len(case.media) == 1


def test_voice_recognition_is_the_description_and_the_voice_is_kept(wechat, fake_platform, run_worker, db):
    wechat.location(OPENID, 29.60, 119.04)
    voice = fake_platform.upload(b"#!AMR\n" + b"\x00" * 200, "audio/amr")
    number = case_number(wechat.voice(OPENID, voice, recognition="这里有人乱摆摊。").text)
    case = the_case(db, number)
    assert case.description == "这里有人乱摆摊"
    run_worker()
    db.expire_all()
    kept = db.scalar(select(Media).where(Media.kind == "voice"))
    assert kept.state == "stored" and kept.path.endswith(".amr") and kept.case_id == case.id


def test_voice_without_recognition_asks_for_words(wechat, fake_platform):
    voice = fake_platform.upload(b"#!AMR\n", "audio/amr")
    answer = wechat.voice(OPENID, voice, recognition="")
    assert "未能识别" in answer.text and "描述" in answer.text


def test_query_lists_and_shows_own_cases(wechat):
    assert "还没有反映过问题" in wechat.text(OPENID, "查询").text
    wechat.location(OPENID, 29.60, 119.04)
    number = case_number(wechat.text(OPENID, "广场舞音响太吵了").text)
    listing = wechat.text(OPENID, "查询").text
    assert number in listing and "已受理" in listing
    detail = wechat.text(OPENID, f"查询　{number}").text  # full-width space
    assert number in detail and "广场舞" in detail
    assert "未找到" in wechat.text("oSomebodyElse", f"查询 {number}").text  # others' cases stay private


def test_cancel_before_dispatch(wechat, db):
    wechat.location(OPENID, 29.60, 119.04)
    number = case_number(wechat.text(OPENID, "路边有辆车停了半年没动").text)
    assert "已撤销" in wechat.text(OPENID, f"撤销 {number}").text
    case = the_case(db, number)
    assert case.state == "cancelled"
    assert [e.action for e in case.events] == ["receive", "cancel"]
    assert "无法撤销" in wechat.text(OPENID, f"撤销 {number}").text  # cancelled cannot be cancelled again
    assert db.scalar(select(func.count()).select_from(CaseEvent)) == 2
    assert "撤销 编号" in wechat.text(OPENID, "撤销").text


@pytest.mark.parametrize(
    ("key", "expected"), [("REPORT", "拍一张现场照片"), ("MY_CASES", "还没有反映过问题"), ("HELP", "查询 编号")]
)
def test_menu_clicks(wechat, key, expected):
    assert expected in wechat.event(OPENID, "CLICK", EventKey=key).text


def test_greetings_and_unsupported_messages_get_help(wechat, db):
    assert "拍一张现场照片" in wechat.text(OPENID, "你好").text
    assert "暂不支持" in wechat.post(wechat.xml(OPENID, "video", {"MediaId": "v", "ThumbMediaId": "t"})).text
    assert db.scalar(select(func.count()).select_from(Case)) == 0


def test_case_numbers_count_up_per_day(wechat):
    numbers = []
    for i in range(3):
        openid = f"oResident{i:019d}"
        wechat.location(openid, 29.595 + i * 0.01, 119.04)  # a kilometre apart: not duplicates
        numbers.append(case_number(wechat.text(openid, f"第{i}处垃圾没人清").text))
    assert [int(n[-4:]) for n in numbers] == [1, 2, 3]
    assert len({n[:8] for n in numbers}) == 1


def test_simultaneous_retries_make_one_case(live_url, db):
    """WeChat's retries can overlap the first delivery: real concurrent HTTP requests, one effect."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from bot.sandbox.phone import OfficialAccountSender, message_xml
    from tests.conftest import AES_KEY, APPID, TOKEN

    sender = OfficialAccountSender(TOKEN, AES_KEY, APPID)
    now = int(time.time())

    def post(xml: str) -> str:
        args, body = sender.seal(xml, str(now))
        response = requests.post(f"{live_url}/wechat", params=args, data=body, timeout=10)
        assert response.status_code == 200
        return response.text

    post(message_xml("gh", OPENID, "location", {"Location_X": 29.6, "Location_Y": 119.04, "Label": "x"},
                     created=now))
    text = message_xml("gh", OPENID, "text", {"Content": "路边有人烤串"}, created=now, msg_id=4242)
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(post, [text] * 6))
    assert db.scalar(select(func.count()).select_from(Case)) == 1
    assert db.scalar(select(func.count()).select_from(InboundMessage).where(InboundMessage.msg_id == "4242")) == 1
