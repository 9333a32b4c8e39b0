"""Squads' rules, each pinned at its boundary: the 10-minute after-photo window, the reminder at 75 %
of the handling time, an approved extension ending 督办, and no part of a resident's openid ever
reaching a squad."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from bot.models import ExtensionRequest
from tests.support import (
    MEMBER,
    TUESDAY_9AM,
    advance,
    card_title,
    card_url,
    cards,
    freeze,
    freeze_now,
    report_case,
    send_after_photo,
    squad_messages,
    the_case,
    tick_now,
)

RESIDENT = "oResidentSquadRules00000001"
# Dispatched at TUESDAY_9AM, a 露天烧烤 case (2 working hours) is due at 11:00; 75 % of it is 10:30.
DEADLINE = TUESDAY_9AM + timedelta(hours=2)
REMIND_AT = TUESDAY_9AM + timedelta(hours=1, minutes=30)


def dispatched_on_tuesday_morning(wechat, run_worker, clock, db, openid: str = RESIDENT) -> str:  # noqa: ANN001
    freeze(clock, TUESDAY_9AM)
    number = report_case(wechat, openid)
    run_worker()
    assert the_case(db, number).deadline == DEADLINE
    return number


def reminders(fake_platform) -> list[dict]:  # noqa: ANN001
    return [card for card in cards(fake_platform) if "即将超期" in card_title(card)]


def supervised(app) -> str:  # noqa: ANN001
    """The 督办 list as the bureau reads it (``citybot overdue``)."""
    return app.test_cli_runner().invoke(args=["overdue"]).output


# -- after-photos ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("photo_age", "counted"), [
    (timedelta(minutes=9, seconds=30), True),
    (timedelta(minutes=10, seconds=30), False),
], ids=["sent 9.5 min before 办结: counts", "10.5 min before: does not"])
def test_after_photos_sent_within_10_minutes_before_resolving_count(wechat, wework, run_worker, fake_platform, db,
                                                                   clock, photo_age, counted):
    freeze_now(clock)
    number = report_case(wechat, RESIDENT)
    run_worker()
    wework.text(MEMBER, f"签收 {number}")
    send_after_photo(wework, fake_platform)
    advance(clock, seconds=photo_age.total_seconds())
    answer = wework.text(MEMBER, f"办结 {number} 已清理").text
    assert ("已办结" in answer and "照片 1 张" in answer) is counted
    assert ("办结需要处置后照片" in answer) is not counted
    assert the_case(db, number).state == ("resolved" if counted else "accepted")


# -- deadlines ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("moment", "reminded"), [
    (REMIND_AT - timedelta(minutes=1), False),
    (REMIND_AT + timedelta(minutes=1), True),
], ids=["just before 75 %: no card", "just after 75 %: the reminder card"])
def test_the_squad_is_reminded_once_75_percent_of_the_handling_time_is_used(app, wechat, run_worker, fake_platform,
                                                                            clock, db, moment, reminded):
    number = dispatched_on_tuesday_morning(wechat, run_worker, clock, db)
    freeze(clock, moment)
    tick_now(app)
    run_worker()
    sent = reminders(fake_platform)
    assert len(sent) == int(reminded)
    if reminded:
        assert number in card_title(sent[0]) and sent[0]["toparty"] == "3"


def overdue_since_tuesday(app, wechat, run_worker, clock, db) -> str:  # noqa: ANN001
    number = dispatched_on_tuesday_morning(wechat, run_worker, clock, db)
    freeze(clock, DEADLINE + timedelta(minutes=1))
    tick_now(app)
    run_worker()
    assert number in supervised(app)
    return number


def decide_extension(app, wework, db, number: str, days: int, decision: str) -> None:  # noqa: ANN001
    assert "待指挥中心审批" in wework.text(MEMBER, f"延期 {number} {days}天 需协调市场管理方").text
    request = db.scalars(select(ExtensionRequest)).one()
    assert app.test_cli_runner().invoke(args=["extension", decision, str(request.id)]).exit_code == 0


@pytest.mark.parametrize(("decision", "still_supervised"), [("approve", False), ("refuse", True)],
                         ids=["approved: off the 督办 list", "refused: stays on it"])
def test_an_approved_extension_ends_the_supervision_of_an_overdue_case(app, wechat, wework, run_worker, db, clock,
                                                                       decision, still_supervised):
    number = overdue_since_tuesday(app, wechat, run_worker, clock, db)
    decide_extension(app, wework, db, number, 1, decision)  # approved: due Wednesday 11:00
    assert (number in supervised(app)) is still_supervised


def test_an_extension_that_is_already_over_keeps_the_case_supervised(app, wechat, wework, run_worker, db, clock):
    """Outside side: approved on Thursday, one day from Tuesday's deadline (Wednesday 11:00) has passed too."""
    number = overdue_since_tuesday(app, wechat, run_worker, clock, db)
    freeze(clock, DEADLINE + timedelta(days=2, minutes=1))
    decide_extension(app, wework, db, number, 1, "approve")
    assert number in supervised(app)


# -- the resident's identity ----------------------------------------------------------------------
OPENID = "oQx7Vb3KmZ9pLw2RtYn5JcHd4sGe"  # shaped like a real openid
SIGNED_LINK = re.compile(r"/([sm])/([\w-]+)\.[\w-]+\.[\w-]+")


def readable(text: str) -> str:
    """``text`` with each signed link's token shown as the data it carries (its timestamp and
    signature are opaque bytes, which could match four characters of anything by chance)."""
    def carried(match: re.Match[str]) -> str:
        data = match.group(2)
        return f"/{match.group(1)}/{base64.urlsafe_b64decode(data + '=' * (-len(data) % 4)).decode()}"

    return SIGNED_LINK.sub(carried, text)


def test_no_part_of_the_reporters_openid_reaches_the_squad(app, wechat, wework, run_worker, fake_platform, client,
                                                           clock, db):
    """Cards (new case, reminder, rework with the resident's words), the leader's 督办 notice, the
    squad's chat replies and the case page: no 4 characters of the openid in a row, no masked form."""
    number = dispatched_on_tuesday_morning(wechat, run_worker, clock, db, openid=OPENID)
    freeze(clock, REMIND_AT + timedelta(minutes=1))
    tick_now(app)
    run_worker()
    replies = [wework.text(MEMBER, "待办").text, wework.text(MEMBER, f"签收 {number}").text,
               send_after_photo(wework, fake_platform).text, wework.text(MEMBER, f"办结 {number} 已清理").text]
    run_worker()
    assert "返工" in wechat.text(OPENID, "还是老样子，没人来管").text
    run_worker()
    freeze(clock, TUESDAY_9AM + timedelta(hours=6))  # past the rework's deadline: 督办
    tick_now(app)
    run_worker()

    received = squad_messages(fake_platform)
    titles = [card_title(m) for m in received if m["msgtype"] in ("template_card", "textcard")]
    assert [t[:4] for t in titles] == ["【新案件", "【即将超", "【返工】"]
    assert any("超期督办" in m["text"]["content"] for m in received if m["msgtype"] == "text")
    page = client.get(urlsplit(card_url(received[0])).path).get_data(as_text=True)
    seen = readable(json.dumps(received, ensure_ascii=False) + "\n".join(replies) + page)
    leaked = {OPENID[i:i + 4] for i in range(len(OPENID) - 3)} & {seen[i:i + 4] for i in range(len(seen) - 3)}
    assert leaked == set() and "***" not in seen
