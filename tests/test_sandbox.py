"""The simulator's server side: only with the fake platform; actions go through the real webhooks."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from bot import create_app
from bot.config import Settings
from bot.models import Case, InboundMessage

OPENID = "oSandboxResident000000000001"


def test_not_served_without_the_fake_platform(settings):
    app = create_app(settings.replace(fake_platform=False))
    assert app.test_client().get("/sandbox/").status_code == 404


def test_production_refuses_the_fake_platform():
    env = {"DATABASE_URL": "postgresql://x@y/z", "CITYBOT_FAKE_PLATFORM": "1", "SECRET_KEY": "s",
           "WECHAT_TOKEN": "t", "WECHAT_APPID": "a", "WECHAT_SECRET": "s", "WEWORK_CORP_ID": "c",
           "WEWORK_SECRET": "s", "WEWORK_AGENT_ID": "1", "WEWORK_TOKEN": "t", "WEWORK_AES_KEY": "k" * 43,
           "CONTACT_ENCRYPTION_KEY": "MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA="}
    with pytest.raises(RuntimeError, match="fake WeChat platform"):
        create_app(Settings.from_env(env))
    with pytest.raises(RuntimeError, match="missing settings"):
        create_app(Settings.from_env({"DATABASE_URL": "postgresql://x@y/z", "WECHAT_APPID": "wx-real"}))


def test_page_assets_and_samples_are_served_locally(client):
    page = client.get("/sandbox/")
    assert page.status_code == 200 and b"static/vendor/leaflet/leaflet.js" in page.data
    assert b"http" not in page.data.split(b"<body>")[1].split(b"<script")[0]  # no CDN
    assert client.get("/sandbox/static/vendor/leaflet/leaflet.js").status_code == 200
    sample = client.get("/sandbox/samples/barbecue.jpg")
    assert sample.status_code == 200 and sample.mimetype == "image/jpeg" and sample.data[:2] == b"\xff\xd8"
    assert client.get("/sandbox/samples/nothing.jpg").status_code == 404


def test_actions_go_through_the_real_webhook_in_aes_mode(live_url, db):
    def act(**form: str) -> dict:
        return requests.post(f"{live_url}/sandbox/api/resident", data={"openid": OPENID, "encrypted": "1", **form}).json()

    assert "照片已收到" in act(kind="image", sample="manhole")["reply"]
    assert "已收到位置" in act(kind="location", lat="29.600564", lng="119.043399", label="秀水广场")["reply"]
    result = act(kind="text", content="这里井盖没了")
    assert result["encrypted"] is True and "已受理" in result["reply"]
    assert db.scalar(select(Case.number)) in result["reply"]
    assert db.scalar(select(InboundMessage.msg_type).where(InboundMessage.msg_type == "image")) == "image"
    status = requests.get(f"{live_url}/sandbox/api/status", params={"openid": OPENID}).json()["case"]
    assert status["category"] == "井盖缺失破损" and status["unit"] == "市政处"


def test_a_real_size_photo_from_disk_can_be_sent(live_url, db):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.effect_noise((1600, 1200), 90).convert("RGB").save(buffer, "JPEG", quality=95)
    assert len(buffer.getvalue()) > 500_000  # far above the webhook's 64 KB limit
    reply = requests.post(f"{live_url}/sandbox/api/resident", data={"openid": OPENID, "kind": "image"},
                          files={"photo": ("photo.jpg", buffer.getvalue(), "image/jpeg")}).json()
    assert reply["status"] == 200 and "照片已收到" in reply["reply"]


def test_database_url_alone_is_enough_for_operator_commands(tmp_path):
    """Operators run `DATABASE_URL=… citybot init-db` without the service's secrets."""
    settings = Settings.from_env({"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test",
                                  "CITYBOT_INSTANCE_DIR": str(tmp_path)})
    assert settings.profile == "embedded" and settings.database_url.startswith("postgresql+psycopg://")
    settings.check()
    assert Settings.from_env({"WECHAT_APPID": "wx1"}).profile == "production"


def test_the_feed_reads_one_phone_by_sequence_and_starts_again_after_a_restart(live_url, fake_platform, run_worker):
    def report(lat: str, lng: str, text: str) -> None:
        for form in ({"kind": "location", "lat": lat, "lng": lng}, {"kind": "text", "content": text}):
            requests.post(f"{live_url}/sandbox/api/resident", data={"openid": OPENID, **form}).raise_for_status()
        run_worker()

    def feed(phone: str, **query: object) -> dict:
        return requests.get(f"{live_url}/sandbox/api/feed/{phone}", params=query).json()

    report("29.609943", "119.053925", "明珠菜场门口有人在路边烤串")  # 城区二中队
    first = feed("resident", openid=OPENID, since=0, mark=0)
    assert [b["text"][:9] for b in first["bubbles"]] == ["您反映的问题（编号"] and not first["restarted"]
    assert len(feed("squad", userid="wujingjing", since=0, mark=0)["bubbles"]) == 1  # the department's card
    assert feed("squad", userid="fangxiaoyu", since=0, mark=0)["bubbles"] == []  # 城区一中队
    again = feed("resident", openid=OPENID, since=first["last"], mark=first["mark"])
    assert again["bubbles"] == [] and again["last"] == first["last"] and not again["restarted"]

    fake_platform.reset()  # as a restarted fake: its log starts again from 1, our cached token is unknown to it
    report("29.61828", "119.054707", "阳光路上有人占道摆摊卖水果")
    after = feed("resident", openid=OPENID, since=first["last"], mark=first["mark"])
    assert after["restarted"] and [b["seq"] for b in after["bubbles"]] == sorted(b["seq"] for b in after["bubbles"])
    keys = {b["key"] for b in after["bubbles"]}
    assert len(after["bubbles"]) == 2 and len(keys) == 1  # refused once with the old token, sent again: one key
    assert requests.get(f"{live_url}/sandbox/api/feed/squad", params={"userid": "nobody"}).status_code == 404
