"""Signed webhook requests are accepted within 300 seconds of our clock, early or late, and refused
beyond (WeChat's replay protection; ``WECHAT_MAX_CLOCK_SKEW``), on both webhooks."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.models import InboundMessage
from tests.support import MEMBER

SKEW = 300  # seconds: the default of Settings.wechat_max_clock_skew
OFFSETS = [(SKEW, True), (SKEW + 1, False), (-SKEW, True), (-SKEW - 1, False)]
IDS = ["300 s ahead: accepted", "301 s ahead: refused", "300 s old: accepted", "301 s old: refused"]


def recorded(db) -> int:  # noqa: ANN001
    return db.scalar(select(func.count()).select_from(InboundMessage))


@pytest.mark.parametrize(("offset", "accepted"), OFFSETS, ids=IDS)
def test_a_residents_message_is_accepted_within_300_seconds_of_our_clock(wechat, clock, db, offset, accepted):
    clock.freeze(1_795_000_000)
    answer = wechat.post(wechat.xml("oResidentSkew00000000000001", "text", {"Content": "你好"}),
                         timestamp=str(1_795_000_000 + offset))
    assert answer.status == (200 if accepted else 403)
    assert ("拍一张现场照片" in answer.text) is accepted  # the help a greeting gets
    assert recorded(db) == int(accepted)


@pytest.mark.parametrize(("offset", "accepted"), OFFSETS, ids=IDS)
def test_a_squad_members_message_is_accepted_within_300_seconds_of_our_clock(wework, clock, db, offset, accepted):
    clock.freeze(1_795_000_000)
    answer = wework.post_xml(wework.xml(MEMBER, "text", {"Content": "待办"}), timestamp=str(1_795_000_000 + offset))
    assert answer.status == (200 if accepted else 403)
    assert ("暂无待办" in answer.text) is accepted
    assert recorded(db) == int(accepted)
