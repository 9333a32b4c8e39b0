"""Our wrapper around wechatpy's client, against the fake platform over HTTP."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot import create_app
from bot.extensions import get_redis
from bot.models import Media
from bot.wechat.client import OfficialAccountClient
from bot.wechat.errors import WeChatAPIError
from tests.images import street_photo
from tests.support import tick_now

OPENID = "oResident0000000000000000001"


def make_client(app) -> OfficialAccountClient:  # noqa: ANN001
    with app.app_context():
        return OfficialAccountClient(app.extensions["citybot.services"].settings, get_redis())


def test_every_call_goes_to_the_configured_base_url(app, fake_platform):
    client = make_client(app)
    client.message.send_text(OPENID, "测试")
    paths = [c["path"] for c in fake_platform.calls()]
    assert paths == ["/cgi-bin/stable_token", "/cgi-bin/message/custom/send"]


def test_processes_share_one_token_through_redis(app, fake_platform):
    clients = [make_client(app) for _ in range(8)]  # as if 8 processes
    threads = [threading.Thread(target=c.message.send_text, args=(OPENID, "hi")) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake_platform.calls("/cgi-bin/stable_token")) == 1
    assert len(fake_platform.calls("/cgi-bin/message/custom/send")) == 8


def test_an_expired_token_is_refreshed_once_and_the_call_retried(app, fake_platform):
    client = make_client(app)
    client.message.send_text(OPENID, "1")
    fake_platform.fault("/cgi-bin/message/custom/send", errcode=40001, times=1)
    client.message.send_text(OPENID, "2")
    assert len(fake_platform.calls("/cgi-bin/message/custom/send")) == 3
    assert len(fake_platform.calls("/cgi-bin/stable_token")) == 2


def test_a_token_that_keeps_failing_gives_up_instead_of_looping(app, fake_platform):
    client = make_client(app)
    fake_platform.fault("/cgi-bin/message/custom/send", errcode=40001, times=100)
    with pytest.raises(WeChatAPIError) as raised:
        client.message.send_text(OPENID, "x")
    assert raised.value.errcode == 40001 and not raised.value.transient
    assert len(fake_platform.calls("/cgi-bin/message/custom/send")) == 2  # bounded: one retry


def test_busy_platform_is_a_transient_error(app, fake_platform):
    fake_platform.fault("/cgi-bin/message/custom/send", errcode=-1)
    with pytest.raises(WeChatAPIError) as raised:
        make_client(app).message.send_text(OPENID, "x")
    assert raised.value.transient


def test_a_platform_that_never_answers_times_out(settings):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts connections, never answers
    app = create_app(settings.replace(wechat_api_base_url=f"http://127.0.0.1:{silent.getsockname()[1]}",
                                      wechat_http_timeout=0.3))
    started = datetime.now(UTC)
    with pytest.raises(WeChatAPIError) as raised:
        make_client(app).message.send_text(OPENID, "x")
    assert raised.value.transient
    assert datetime.now(UTC) - started < timedelta(seconds=3)
    silent.close()


def test_transient_download_errors_are_retried_by_rq(wechat, fake_platform, run_worker, db):
    fake_platform.fault("/cgi-bin/media/get", status=502)
    wechat.image(OPENID, fake_platform.upload(street_photo()))
    run_worker()
    media = db.scalar(select(Media))
    assert media.state == "pending" and media.attempts == 1  # waiting for RQ's scheduled retry


def test_media_queued_while_redis_was_down_is_swept_up(offline_wechat, fake_platform, app, run_worker, db):
    answer = offline_wechat.image(OPENID, fake_platform.upload(street_photo()))
    assert "照片已收到" in answer.text  # the resident is answered although Redis is down
    db.execute(update(Media).values(created_at=datetime.now(UTC) - timedelta(minutes=5)))
    db.commit()

    tick_now(app)  # the periodic scheduler enqueues the sweep
    run_worker()
    db.expire_all()
    assert db.scalar(select(Media)).state == "stored"
