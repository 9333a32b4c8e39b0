"""WeChat Work's per-member limits: 30 messages a minute and 1000 an hour to one member. Our shared limiter
(Redis) makes the 31st wait instead of letting WeChat Work drop it; the fake can answer it with 45009."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from bot.core.rate_limit import MemberRateLimiter
from bot.extensions import get_db, get_redis
from bot.models import OutboundMessage
from bot.notifications.queue import notify_staff
from bot.wechat.client import WeWorkClient
from bot.wechat.errors import WeChatAPIError
from tests.support import MEMBER, TUESDAY_9AM, advance, freeze_now, make_case, make_resident, tick_now

START = TUESDAY_9AM.timestamp()  # a whole minute (and hour)


@pytest.mark.parametrize(("sent", "wait"), [(29, 0), (30, 60)], ids=["30th: goes", "31st: waits for the minute"])
def test_the_minute_window_of_one_member(app, sent: int, wait: float):
    with app.app_context():
        limiter = MemberRateLimiter(get_redis(), per_minute=30, per_hour=1000)
        for i in range(sent):
            assert limiter.reserve([MEMBER], START + i) == 0
        assert limiter.reserve([MEMBER], START + 59 - 59 * (wait == 0)) == (wait and 1)
        assert limiter.reserve(["fangxiaoyu"], START + 59) == 0  # another member is not held up


def test_the_hour_window_and_a_department_waits_for_its_fullest_member(app):
    with app.app_context():
        limiter = MemberRateLimiter(get_redis(), per_minute=30, per_hour=3)
        for minute in range(3):
            assert limiter.reserve([MEMBER], START + 60 * minute) == 0
        assert limiter.reserve([MEMBER, "yuzhiqiang"], START + 600) == 3000  # till the hour ends
        assert limiter.reserve(["yuzhiqiang"], START + 600) == 0  # nothing was counted for them above


def test_the_fake_answers_a_members_31st_message_in_a_minute_with_45009(app, fake_platform):
    requests.post(f"{fake_platform.url}/_fake/wework/member-limit", json={"per_minute": 30})
    with app.app_context():
        client = WeWorkClient(app.extensions["citybot.services"].settings, get_redis())
        for _ in range(30):
            client.send({"msgtype": "text", "text": {"content": "提醒"}}, users=[MEMBER])
        with pytest.raises(WeChatAPIError) as refused:
            client.send({"msgtype": "text", "text": {"content": "提醒"}}, users=[MEMBER])
    assert refused.value.errcode == 45009 and refused.value.transient


def test_the_31st_message_to_a_member_waits_and_goes_in_the_next_minute(app, fake_platform, run_worker, clock, db):
    requests.post(f"{fake_platform.url}/_fake/wework/member-limit", json={"per_minute": 30})  # WeChat Work's rule
    requests.post(f"{fake_platform.url}/_fake/wework/departments", json={"3": [MEMBER, "yuzhiqiang"]})
    freeze_now(clock)  # rows are stamped with the real time: the sweeper compares it with this clock
    case = make_case(db, make_resident(db), state="dispatched")
    with app.app_context(), get_db().transaction() as session:
        for _ in range(31):
            notify_staff(session, [MEMBER], "reminder_card", session.get_one(type(case), case.id))
    run_worker()
    states = db.scalars(select(OutboundMessage.state).order_by(OutboundMessage.id)).all()
    assert states == ["sent"] * 30 + ["queued"]  # waiting, not dropped and not refused
    assert len(fake_platform.calls("/cgi-bin/message/send")) == 30  # WeChat Work never had to refuse one

    advance(clock, minutes=3)  # the next minute (and the sweeper's patience) has passed
    requests.post(f"{fake_platform.url}/_fake/wework/member-limit", json={"per_minute": 30})  # at WeChat Work too
    tick_now(app)
    run_worker()
    db.expire_all()
    assert db.scalars(select(OutboundMessage.state)).all() == ["sent"] * 31
    assert len(fake_platform.calls("/cgi-bin/message/send")) == 31
