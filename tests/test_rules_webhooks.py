"""Signed webhook requests are accepted within 300 seconds of our clock, early or late, and refused
beyond (WeChat's replay protection; ``WECHAT_MAX_CLOCK_SKEW``), on both webhooks."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

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


def test_a_residents_next_words_cost_five_statements_and_one_commit(app, wechat):  # noqa: ANN001
    """The hot path's shape (issue 16): record the message, stamp and lock the sender, read and write their draft,
    record the reply; no savepoint, no second read of anything the path already has."""
    openid = "oResidentStatements000000001"
    assert "位置" in wechat.text(openid, "路边垃圾堆了好几天没人清理").text
    statements: list[str] = []

    def keep(_conn, _cursor, statement, *_):  # noqa: ANN001, ANN202
        words = statement.split()
        last_from = max(at for at, word in enumerate(words) if word == "FROM") if words[0] == "SELECT" else 0
        table = {"INSERT": words[2], "UPDATE": words[1]}.get(words[0]) or words[last_from + 1]
        statements.append(f"{words[0]} {table}")  # a SELECT's outer table: its subqueries come before its FROM

    engine = app.extensions["citybot.db"].engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        answer = wechat.text(openid, "还有一股臭味")
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert "位置" in answer.text  # still asked for the place
    assert statements == ["INSERT inbound_message", "UPDATE resident", "SELECT draft", "UPDATE draft",
                          "UPDATE inbound_message"]
