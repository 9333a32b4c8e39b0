"""Every sentence residents and squads read, pinned: whole conversations compared with stored transcripts.

Each scenario drives the real webhooks, worker and fake platform at a fixed moment and writes what each
side saw (passive replies and every message the platform delivered) as a transcript; the test compares it
with ``tests/snapshots/<name>.txt``. A wording change shows up here as a diff to review. To accept new
wording, run ``UPDATE_SNAPSHOTS=1 pytest tests/test_transcripts.py`` and read the diff before committing.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.models import Case
from tests.images import street_photo
from worker import jobs

SNAPSHOTS = Path(__file__).parent / "snapshots"
RESIDENT, NEIGHBOUR = "oTranscriptResident000000001", "oTranscriptNeighbour00000002"
MEMBER, LEADER, OTHER_SQUAD = "wujingjing", "yuzhiqiang", "fangxiaoyu"
MONDAY_10AM = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai, a working day
TOKEN = re.compile(r"/s/[A-Za-z0-9_.\-]+")


class Transcript:
    """What each side saw, in order: '> ' what someone sent, '< ' the passive reply, '<< ' a delivered push."""

    def __init__(self, fake_platform) -> None:  # noqa: ANN001
        self.fake = fake_platform
        self.lines: list[str] = []
        self.seen = 0

    def said(self, who: str, words: str, reply: str) -> str:
        self.lines.append(f"> {who}: {words}")
        if reply:
            self.lines.append(f"< {reply}")
        return reply

    def delivered(self) -> None:
        for call in self.fake.calls():
            if call["seq"] <= self.seen:
                continue
            self.seen = call["seq"]
            body = call["body"] or {}
            if call["path"] == "/cgi-bin/message/custom/send":
                shown = body["text"]["content"] if body["msgtype"] == "text" else "[图片]"
                self.lines.append(f"<< {body['touser']}: {shown}")
            elif call["path"] == "/cgi-bin/message/send":
                to = f"party {body['toparty']}" if body.get("toparty") else f"users {body['touser']}"
                if body["msgtype"] == "textcard":
                    card = body["textcard"]
                    shown = f"{card['title']} | {card['description']} | {card['url']} | {card['btntxt']}"
                else:
                    shown = body["text"]["content"]
                self.lines.append(f"<< {to}: {shown}")

    def check(self, name: str) -> None:
        text = TOKEN.sub("/s/<token>", "\n".join(self.lines)) + "\n"
        path = SNAPSHOTS / f"{name}.txt"
        if os.environ.get("UPDATE_SNAPSHOTS") or not path.exists():
            path.write_text(text, encoding="utf-8")
        assert text == path.read_text(encoding="utf-8"), f"wording changed: compare with {path}"


def number_in(text: str) -> str:
    match = re.search(r"\d{8}-\d{4}", text)
    assert match, text
    return match.group(0)


def test_resident_and_squad_journey(app, wechat, wework, fake_platform, run_worker, db, clock):
    clock.freeze(MONDAY_10AM.timestamp())
    t = Transcript(fake_platform)

    def resident(words: str) -> str:
        return t.said("市民", words, wechat.text(RESIDENT, words).text)

    def member(words: str, who: str = MEMBER) -> str:
        return t.said(who, words, wework.text(who, words).text)

    t.said("市民", "[关注]", wechat.event(RESIDENT, "subscribe").text)
    resident("你好")
    resident("查询")
    t.said("市民", "[位置 明珠菜场]", wechat.location(RESIDENT, 29.609943, 119.053925, label="明珠菜场").text)
    number = number_in(resident("明珠菜场门口天天晚上有人在路边烤串，烟很大"))
    t.said("市民", "[照片]", wechat.image(RESIDENT, fake_platform.upload(street_photo(gps=None))).text)
    run_worker()
    t.delivered()
    resident("查询")
    resident(f"查询 {number}")
    resident(f"撤销 {number}")
    resident("撤销")

    member("待办")
    member(f"签收 {number}", who=OTHER_SQUAD)
    member("签收 20261123-9999")
    member("签收")
    member(f"签收 {number}")
    member(f"办结 {number} 已清理")
    member(f"退回 {number}")
    member(f"延期 {number} 很多天")
    t.said(MEMBER, "[照片]", wework.image(MEMBER, fake_platform.upload(street_photo(gps=None))).text)
    member(f"办结 {number} 摊位已取缔，现场已清理")
    member(f"签收 {number}")
    member("你好")
    run_worker()
    t.delivered()

    resident("３")  # a full-width digit, as many Chinese keyboards type it: 不满意 reopens the case
    run_worker()
    t.delivered()
    member(f"签收 {number}")
    wework.image(MEMBER, fake_platform.upload(street_photo(gps=None)))
    member(f"办结 {number} 已彻底清理，安排人员值守")
    run_worker()
    t.delivered()
    clock.freeze(MONDAY_10AM.timestamp() + 3600)
    resident("满意")  # also opens the window again: the pushes held over the quota follow as one summary
    run_worker()
    t.delivered()
    resident("1")
    resident("我的信息")
    resident("删除我的信息")
    resident("确认删除")
    resident("确认删除")
    t.check("resident_and_squad_journey")


def test_deadlines_duplicates_and_the_closed_window(app, wechat, wework, fake_platform, run_worker, db, clock):
    clock.freeze(MONDAY_10AM.timestamp())
    t = Transcript(fake_platform)
    t.said("市民", "[位置]", wechat.location(RESIDENT, 29.609943, 119.053925, label="明珠菜场").text)
    number = number_in(t.said("市民", "路边烤串", wechat.text(RESIDENT, "路边有人烤串").text))
    t.said("邻居", "[位置]", wechat.location(NEIGHBOUR, 29.60995, 119.05393).text)
    t.said("邻居", "烧烤", wechat.text(NEIGHBOUR, "这里有人露天烧烤，烟很大").text)
    run_worker()
    t.delivered()
    case = db.scalar(select(Case).where(Case.number == number))
    assert case.remind_at is not None and case.deadline is not None

    def at(moment: datetime) -> None:
        clock.freeze(moment.timestamp())
        with app.app_context():
            jobs.escalate()
        run_worker()
        t.delivered()

    t.lines.append("-- 75% of the handling time")
    at(case.remind_at + timedelta(minutes=1))
    t.lines.append("-- past the deadline")
    at(case.deadline + timedelta(minutes=1))
    t.said(MEMBER, f"延期 {number} 2 需协调产权单位", wework.text(MEMBER, f"延期 {number} 2 需协调产权单位").text)

    t.lines.append("-- three days later: WeChat's 48-hour window has closed")
    clock.freeze((case.deadline + timedelta(days=3)).timestamp())
    wework.text(MEMBER, f"签收 {number}")
    wework.image(MEMBER, fake_platform.upload(street_photo(gps=None)))
    t.said(MEMBER, "办结", wework.text(MEMBER, f"办结 {number} 已清理").text)
    run_worker()
    t.delivered()
    t.lines.append("-- the resident writes again")
    t.said("市民", "在吗", wechat.text(RESIDENT, "在吗").text)
    run_worker()
    t.delivered()
    t.check("deadlines_duplicates_and_the_closed_window")


def test_notices_and_area_subscriptions(app, wechat, fake_platform, run_worker, db, clock):
    """订阅 / 退订 / 我的订阅 / 通知, and what a notice looks like when it arrives (the mass message's text)."""
    from bot.broadcasts import compose
    from bot.broadcasts.audience import parse_audience
    from bot.dispatch.actor import Actor
    from bot.extensions import get_db

    clock.freeze(MONDAY_10AM.timestamp())
    t = Transcript(fake_platform)

    def resident(words: str) -> str:
        return t.said("市民", words, wechat.text(RESIDENT, words).text)

    for words in ("通知", "我的订阅", "订阅", "订阅 明珠", "订阅 明珠社区", "订阅 坪山", "订阅 火星", "订阅 排岭街道",
                  "我的订阅", "退订", "退订 排岭街道", "退订 排岭街道"):
        resident(words)
    wechat.text(NEIGHBOUR, "订阅 明珠社区")
    with app.app_context(), get_db().transaction() as session:
        deps, author = app.extensions["citybot.services"].deps, Actor.dispatcher("wangfang", "王芳")
        notice = compose.compose(session, deps, author, compose.Draft(
            "新安路夜间施工绕行通知", "11月25日至12月10日每晚22时至次日5时，新安路封闭施工，请绕行。",
            parse_audience(session, "area:明珠社区")))
        compose.submit(session, deps, author, notice)
    run_worker()
    for call in fake_platform.calls("/cgi-bin/message/mass/sendall"):
        t.lines.append(f"<<< 群发 {call['body']['filter']}: {call['body']['text']['content']}")
    resident("通知")
    t.said("市民", "[菜单 最新通知]", wechat.event(RESIDENT, "CLICK", EventKey="NOTICES").text)
    t.check("notices_and_area_subscriptions")
