"""Bad input gets a clear answer and changes nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bot.models import Case, InboundMessage, Media, Resident
from bot.wechat.envelope import sign
from tests.images import corrupt_jpeg, pixel_bomb, street_photo

OPENID = "oResident0000000000000000001"

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<xml><ToUserName>gh</ToUserName><FromUserName>oAttacker</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol9;</Content><MsgId>1</MsgId></xml>"""

XXE = """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<xml><FromUserName>oAttacker</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&e;</Content></xml>"""


def nothing_stored(db) -> bool:  # noqa: ANN001
    return all(db.scalar(select(func.count()).select_from(model)) == 0 for model in (InboundMessage, Resident, Case))


def test_wrong_signature_is_refused(wechat, db):
    answer = wechat.post(wechat.xml(OPENID, "text", {"Content": "hi"}), signature="0" * 40)
    assert answer.status == 403 and b"signature" in answer.response.data
    assert nothing_stored(db)


def test_wrong_aes_signature_is_refused(wechat, client, clock, db):
    wechat.encrypted = True
    xml = wechat.xml(OPENID, "text", {"Content": "hi"})
    ts = str(int(clock.time()))
    response = client.post("/wechat", query_string={"timestamp": ts, "nonce": "1", "encrypt_type": "aes",
                                                    "msg_signature": "f" * 40, "signature": sign("spamtest", ts, "1")},
                           data="<xml><Encrypt><![CDATA[AAAA]]></Encrypt></xml>", content_type="text/xml")
    assert response.status_code == 403
    assert xml and nothing_stored(db)


def test_stale_timestamp_is_refused(wechat, clock, db):
    answer = wechat.post(wechat.xml(OPENID, "text", {"Content": "hi"}), timestamp=str(int(clock.time()) - 3600))
    assert answer.status == 403 and b"timestamp" in answer.response.data
    assert nothing_stored(db)


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "external-entity"])
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "aes"])
def test_hostile_xml_is_refused(wechat, db, body, encrypted):
    answer = wechat.post(body, encrypted=encrypted)
    assert answer.status == 400
    assert nothing_stored(db)


def test_huge_body_is_refused(wechat, db):
    xml = wechat.xml(OPENID, "text", {"Content": "垃圾" * (1024 * 1024)})  # ~2 MB
    assert len(xml.encode()) > 2_000_000
    assert wechat.post(xml).status == 413
    assert nothing_stored(db)


@pytest.mark.parametrize("body", ["<xml><FromUserName>o</FromUserName><CreateTime>1</Create", "", "not xml",
                                  "<other/>", "<xml><MsgType>text</MsgType></xml>"])
def test_truncated_or_malformed_xml_is_refused(wechat, db, body):
    assert wechat.post(body).status == 400
    assert nothing_stored(db)


def test_get_verification(client, clock):
    ts = str(int(clock.time()))
    ok = client.get("/wechat", query_string={"signature": sign("spamtest", ts, "n1"), "timestamp": ts, "nonce": "n1",
                                              "echostr": "e123"})
    assert ok.status_code == 200 and ok.data == b"e123"
    bad = client.get("/wechat", query_string={"signature": "x", "timestamp": ts, "nonce": "n1", "echostr": "e123"})
    assert bad.status_code == 403


@pytest.mark.parametrize(("lat", "lng"), [("abc", "119.04"), ("95", "119.04"), ("29.6", "200"), ("0", "0"), ("", "")])
def test_nonsense_coordinates_get_a_clear_reply_and_change_nothing(wechat, db, lat, lng):
    answer = wechat.location(OPENID, lat, lng)
    assert "位置信息无法识别" in answer.text
    assert db.scalar(select(func.count()).select_from(Case)) == 0


@pytest.mark.parametrize(("payload", "reason"), [(corrupt_jpeg(), "unreadable"), (pixel_bomb(), "too large"),
                                                 (b"GIF89a not really", "unreadable")])
def test_broken_or_enormous_images_fail_without_crashing_the_worker(
    wechat, fake_platform, run_worker, db, payload, reason
):
    bad = fake_platform.upload(payload)
    good = fake_platform.upload(street_photo())
    wechat.image(OPENID, bad)
    wechat.image(OPENID, good)
    run_worker()  # returns: the worker survived
    states = {m.media_id: (m.state, m.error or "") for m in db.scalars(select(Media))}
    assert states[bad][0] == "failed" and reason in states[bad][1]
    assert states[good][0] == "stored"
    # a permanent failure is not retried: the queues are empty and the platform was asked once
    assert len([c for c in fake_platform.calls("/cgi-bin/media/get") if c["params"]["media_id"] == bad]) == 1


def test_expired_media_id_is_recorded_as_failed(wechat, run_worker, db):
    wechat.image(OPENID, "media-that-expired")
    run_worker()
    media = db.scalar(select(Media))
    assert media.state == "failed" and "40007" in media.error


def test_oversized_download_is_refused(wechat, fake_platform, run_worker, db, app):
    services = app.extensions["citybot.services"]
    services.deps = replace(services.deps, settings=services.settings.replace(max_media_bytes=1000))
    wechat.image(OPENID, fake_platform.upload(b"\xff\xd8" + b"\x00" * 5000))
    run_worker()
    media = db.scalar(select(Media))
    assert media.state == "failed" and "bytes" in media.error
