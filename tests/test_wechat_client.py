"""Our WeChat API clients, against the fake platform over HTTP."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from mypy import api as mypy
from sqlalchemy import select, update

from bot import create_app
from bot.extensions import get_redis
from bot.models import Media
from bot.wechat.client import MediaFile, OfficialAccountClient, WeWorkClient
from bot.wechat.errors import WeChatAPIError
from tests.conftest import AGENT_ID
from tests.images import street_photo
from tests.support import tick_now

OPENID = "oResident0000000000000000001"


def make_client(app) -> OfficialAccountClient:  # noqa: ANN001
    with app.app_context():
        return OfficialAccountClient(app.extensions["citybot.services"].settings, get_redis())


def make_wework(app) -> WeWorkClient:  # noqa: ANN001
    with app.app_context():
        return WeWorkClient(app.extensions["citybot.services"].settings, get_redis())


def test_every_call_goes_to_the_configured_base_url(app, fake_platform):
    client = make_client(app)
    client.send_text(OPENID, "测试")
    paths = [c["path"] for c in fake_platform.calls()]
    assert paths == ["/cgi-bin/stable_token", "/cgi-bin/message/custom/send"]
    [call] = fake_platform.calls("/cgi-bin/message/custom/send")
    assert call["body"] == {"touser": OPENID, "msgtype": "text", "text": {"content": "测试"}}


def test_a_photo_is_uploaded_whole_even_when_the_token_is_refused_first(app, fake_platform, tmp_path):
    photo = tmp_path / "after.jpg"
    photo.write_bytes(street_photo())
    client = make_client(app)
    fake_platform.fault("/cgi-bin/media/upload", errcode=40001)  # the retry must send the file again
    media_id = client.upload_image(photo)
    client.send_image(OPENID, media_id)
    assert len(fake_platform.calls("/cgi-bin/media/upload")) == 2
    assert requests.get(f"{fake_platform.url}/_fake/media/{media_id}").content == photo.read_bytes()
    [call] = fake_platform.calls("/cgi-bin/message/custom/send")
    assert call["body"] == {"touser": OPENID, "msgtype": "image", "image": {"media_id": media_id}}


def test_template_message(app, fake_platform):
    make_client(app).send_template(OPENID, "TPL-1", {"keyword1": {"value": "已派遣"}})
    [call] = fake_platform.calls("/cgi-bin/message/template/send")
    assert call["body"] == {"touser": OPENID, "template_id": "TPL-1", "data": {"keyword1": {"value": "已派遣"}}}


def test_wework_messages_go_to_a_department_or_to_members(app, fake_platform):
    client = make_wework(app)
    card = {"msgtype": "text", "text": {"content": "新案件"}}
    client.send(card, party="2")
    client.send(card, users=["zhangsan", "lisi"])
    assert [c["path"] for c in fake_platform.calls()] == ["/cgi-bin/gettoken", "/cgi-bin/message/send",
                                                          "/cgi-bin/message/send"]
    to_party, to_users = (c["body"] for c in fake_platform.calls("/cgi-bin/message/send"))
    assert to_party == {"touser": "", "toparty": "2", "agentid": int(AGENT_ID), **card}
    assert (to_users["touser"], to_users["toparty"]) == ("zhangsan|lisi", "")
    with pytest.raises(ValueError):
        client.send(card)


def test_wework_media_comes_from_the_base_url_with_one_token_refresh(app, fake_platform):
    media_id = fake_platform.upload(b"#!AMR voice", "audio/amr")
    fake_platform.fault("/cgi-bin/media/get", errcode=42001)  # token expired
    assert make_wework(app).download_media(media_id, max_bytes=1000) == MediaFile(b"#!AMR voice", "audio/amr")
    assert len(fake_platform.calls("/cgi-bin/media/get")) == 2
    assert len(fake_platform.calls("/cgi-bin/gettoken")) == 2  # the first token, then one refresh


def test_processes_share_one_token_through_redis(app, fake_platform):
    clients = [make_client(app) for _ in range(8)]  # as if 8 processes
    threads = [threading.Thread(target=c.send_text, args=(OPENID, "hi")) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake_platform.calls("/cgi-bin/stable_token")) == 1
    assert len(fake_platform.calls("/cgi-bin/message/custom/send")) == 8


def test_an_expired_token_is_refreshed_once_and_the_call_retried(app, fake_platform):
    client = make_client(app)
    client.send_text(OPENID, "1")
    fake_platform.fault("/cgi-bin/message/custom/send", errcode=40001, times=1)
    client.send_text(OPENID, "2")
    assert len(fake_platform.calls("/cgi-bin/message/custom/send")) == 3
    assert len(fake_platform.calls("/cgi-bin/stable_token")) == 2


def test_a_token_that_keeps_failing_gives_up_instead_of_looping(app, fake_platform):
    client = make_client(app)
    fake_platform.fault("/cgi-bin/message/custom/send", errcode=40001, times=100)
    with pytest.raises(WeChatAPIError) as raised:
        client.send_text(OPENID, "x")
    assert raised.value.errcode == 40001 and not raised.value.transient
    assert len(fake_platform.calls("/cgi-bin/message/custom/send")) == 2  # bounded: one retry


def test_busy_platform_is_a_transient_error(app, fake_platform):
    fake_platform.fault("/cgi-bin/message/custom/send", errcode=-1)
    with pytest.raises(WeChatAPIError) as raised:
        make_client(app).send_text(OPENID, "x")
    assert raised.value.transient


def test_a_platform_that_never_answers_times_out(settings):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts connections, never answers
    app = create_app(settings.replace(wechat_api_base_url=f"http://127.0.0.1:{silent.getsockname()[1]}",
                                      wechat_http_timeout=0.3))
    started = datetime.now(UTC)
    with pytest.raises(WeChatAPIError) as raised:
        make_client(app).send_text(OPENID, "x")
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


MISUSES = """
from pathlib import Path
from bot.wechat.client import OfficialAccountClient, WeWorkClient

def calls(oa: OfficialAccountClient, work: WeWorkClient) -> None:
    oa.send_text("openid", "text")
    oa.send_image("openid", oa.upload_image(Path("after.jpg")))
    work.send({"msgtype": "text"}, party="2")
    oa.post("message/custom/send", data={})  # error: the untyped wechatpy surface is gone
    oa.send_text("openid", text=3)  # error
    oa.upload_image("after.jpg")  # error: a Path
    work.send(party="2", msg={})  # error
    work.send({"msgtype": "text"}, users="zhangsan")  # error: a list, or "z|h|a…" would be sent
"""


def test_mypy_rejects_a_wrong_call(tmp_path):
    snippet = tmp_path / "misuse.py"
    snippet.write_text(MISUSES)
    wechat = Path(__file__).resolve().parent.parent / "bot" / "wechat"
    out, _, _ = mypy.run(["--cache-dir=/dev/null", "--follow-imports=skip", "--ignore-missing-imports",
                          "--no-error-summary", "--python-version=3.11", str(snippet),
                          *(str(wechat / name) for name in ("client.py", "tokens.py", "errors.py"))])
    flagged = {int(line.split(":")[1]) for line in out.splitlines() if ": error:" in line}
    expected = {number for number, line in enumerate(MISUSES.splitlines(), 1) if "# error" in line}
    assert flagged == expected, out
