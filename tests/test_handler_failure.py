"""A handler that fails takes the production path: the message is kept as ``failed``, the resident
gets a polite answer, nothing the handler did is committed, and WeChat's retry has no second effect."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.handlers.router import Reply
from bot.models import Case, InboundMessage, Media, Resident
from tests.support import advance, freeze_now, pushes, report_case
from worker.jobs import recover_inbound

OPENID = "oResidentFailure00000000001"
pytestmark = pytest.mark.handler_failure


@pytest.fixture
def broken_video_handler(app) -> list[str | None]:  # noqa: ANN001
    """A handler for videos on this app's own router: it keeps the video (a media row and its
    download job), then fails. Returns the MsgIds it was called with."""
    calls: list[str | None] = []

    def keeps_the_video_then_fails(msg, ctx):  # noqa: ANN001, ANN202
        calls.append(msg.msg_id)
        ctx.intake().keep_media(ctx.resident, "video", msg.media_id)  # its download job waits for the commit
        raise RuntimeError("video handler bug")

    app.extensions["citybot.services"].routers["wechat"].on("video")(keeps_the_video_then_fails)
    return calls


def test_a_failing_handler_answers_politely_and_commits_nothing(wechat, broken_video_handler, run_worker,
                                                                fake_platform, db):
    video = wechat.xml(OPENID, "video", {"MediaId": "video-1", "ThumbMediaId": "thumb-1"}, msg_id=4242)
    answer = wechat.post(video)
    assert answer.status == 200 and "系统繁忙" in answer.text and "已记录" in answer.text

    row = db.scalars(select(InboundMessage).where(InboundMessage.msg_id == "4242")).one()
    assert (row.state, row.error) == ("failed", "RuntimeError: video handler bug")  # kept, with the reason
    assert db.scalar(select(func.count()).select_from(Media)) == 0  # the handler's work was rolled back…
    assert db.scalar(select(Resident).where(Resident.openid == OPENID)) is None  # …even the new resident row
    run_worker()
    assert fake_platform.calls("/cgi-bin/media/get") == []  # and its job was never enqueued

    retry = wechat.post(video)  # WeChat delivers the same MsgId again
    assert retry.status == 200 and broken_video_handler == ["4242"]  # not handled a second time
    assert db.scalar(select(func.count()).select_from(InboundMessage).where(InboundMessage.msg_id == "4242")) == 1
    assert db.scalar(select(func.count()).select_from(Media)) == 0


def test_after_a_failure_the_resident_carries_on(wechat, broken_video_handler, db):
    wechat.post(wechat.xml(OPENID, "video", {"MediaId": "video-1", "ThumbMediaId": "thumb-1"}))
    number = report_case(wechat, OPENID)
    assert db.scalar(select(Case.state).where(Case.number == number)) == "received"
    assert db.scalar(select(Resident.openid)) == OPENID


@pytest.fixture
def video_handler_failing(app) -> list[int]:  # noqa: ANN001
    """A video handler that fails while ``failures[0]`` > 0 (then answers): a bug fixed, or a passing fault."""
    failures = [1]

    def flaky(msg, ctx):  # noqa: ANN001, ANN202
        if failures[0] > 0:
            failures[0] -= 1
            raise RuntimeError("video handler bug")
        return Reply("视频已收到")

    app.extensions["citybot.services"].routers["wechat"].on("video")(flaky)
    return failures


def recover(app, run_worker) -> dict[str, int]:  # noqa: ANN001
    with app.app_context():
        counts = recover_inbound()
    run_worker()
    return counts


def test_a_failed_message_is_handled_again_by_the_worker_and_answered(app, wechat, clock, video_handler_failing,
                                                                     run_worker, fake_platform, db):
    freeze_now(clock)
    video = wechat.xml(OPENID, "video", {"MediaId": "video-1", "ThumbMediaId": "thumb-1"}, msg_id=4343)
    assert "系统繁忙" in wechat.post(video).text
    assert recover(app, run_worker)["rows"] == 0  # not before ``inbound_retry_after_seconds``
    advance(clock, seconds=31)
    assert recover(app, run_worker)["rows"] == 1
    row = db.scalars(select(InboundMessage).where(InboundMessage.msg_id == "4343")).one()
    db.refresh(row)
    assert (row.state, row.attempts, row.reply_text) == ("processed", 1, "视频已收到")
    assert pushes(fake_platform, OPENID) == ["视频已收到"]  # the reply, as a customer-service message
    assert recover(app, run_worker)["rows"] == 0  # once


def test_a_message_that_keeps_failing_is_tried_a_bounded_number_of_times(app, wechat, clock, video_handler_failing,
                                                                        run_worker, fake_platform, db):
    video_handler_failing[0] = 100
    freeze_now(clock)
    wechat.post(wechat.xml(OPENID, "video", {"MediaId": "video-1", "ThumbMediaId": "thumb-1"}, msg_id=4444))
    for _ in range(7):
        advance(clock, seconds=31)
        recover(app, run_worker)
    row = db.scalars(select(InboundMessage).where(InboundMessage.msg_id == "4444")).one()
    db.refresh(row)
    assert (row.state, row.attempts) == ("failed", 5) and video_handler_failing[0] == 100 - 6
    assert pushes(fake_platform, OPENID) == []
