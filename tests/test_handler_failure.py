"""A handler that fails takes the production path: the message is kept as ``failed``, the resident
gets a polite answer, nothing the handler did is committed, and WeChat's retry has no second effect."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.models import Case, InboundMessage, Media, Resident
from tests.support import report_case

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
