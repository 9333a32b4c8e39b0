"""Residents and the bureau's notices: 订阅 / 退订 / 我的订阅 / 通知 (and the menu's NOTICES), and WeChat's
``MASSSENDJOBFINISH`` report of a mass send, which arrives on the same webhook."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import texts
from bot.broadcasts import subscriptions
from bot.broadcasts.audience import areas
from bot.broadcasts.compose import notice_url
from bot.broadcasts.errors import AmbiguousArea, NotSubscribed, UnknownArea
from bot.broadcasts.queries import recent_notices
from bot.broadcasts.sending import Finish, record_finish
from bot.core.text import normalise
from bot.handlers.context import Context, ResidentContext
from bot.handlers.router import Reply, Router
from bot.wechat.messages import WeChatMessage

COMMAND = re.compile(r"^(订阅|退订|取消订阅|我的订阅|通知|查看通知|最新通知)[\s:：,，]*(.*)$", re.S)
TRAILING = " 。.!！,，"


@dataclass(frozen=True)
class NoticeCommand:
    word: str  # subscribe | unsubscribe | mine | notices
    area: str


WORDS = {"订阅": "subscribe", "退订": "unsubscribe", "取消订阅": "unsubscribe", "我的订阅": "mine", "通知": "notices",
         "查看通知": "notices", "最新通知": "notices"}


def parse_notice_command(text: str) -> NoticeCommand | None:
    match = COMMAND.match(normalise(text).strip(TRAILING))
    if match is None:
        return None
    word, rest = WORDS[match.group(1)], match.group(2).strip()
    if word in ("mine", "notices") and rest:
        return None  # "通知我一下…" is a sentence, not the command
    return NoticeCommand(word, rest)


def on_text(msg: WeChatMessage, ctx: ResidentContext) -> Reply | None:
    command = parse_notice_command(msg.content)
    if command is None:
        return None
    if command.word == "notices":
        return notices(msg, ctx)
    if command.word == "mine":
        mine = subscriptions.subscribed_areas(ctx.session, ctx.resident)
        return Reply(texts.MY_SUBSCRIPTIONS.format(areas=texts.area_names(mine)) if mine else texts.NO_SUBSCRIPTIONS)
    names = [a.name for a in areas(ctx.session)]
    example = names[-1] if names else "某某社区"
    if command.word == "subscribe" and not command.area:
        return Reply(texts.AREAS_TO_CHOOSE.format(areas=texts.area_names(names), example=example))
    if not command.area:
        return Reply(texts.ASK_AREA_TO_UNSUBSCRIBE.format(example=example))
    try:
        if command.word == "subscribe":
            done = subscriptions.subscribe(ctx.session, ctx.resident, command.area, ctx.now)
            return Reply((texts.ALREADY_SUBSCRIBED if done.already else texts.SUBSCRIBED).format(area=done.area.name))
        area = subscriptions.unsubscribe(ctx.session, ctx.resident, command.area, ctx.now)
        return Reply(texts.UNSUBSCRIBED.format(area=area.name))
    except AmbiguousArea as unclear:
        return Reply(texts.AMBIGUOUS_AREA.format(query=unclear.query, choices=texts.area_names(unclear.choices)))
    except UnknownArea as unknown:
        return Reply(texts.UNKNOWN_AREA.format(query=unknown.query, choices=texts.area_names(unknown.choices)))
    except NotSubscribed as refused:
        return Reply(texts.NOT_SUBSCRIBED.format(area=refused.area))


def notices(msg: WeChatMessage, ctx: ResidentContext) -> Reply:
    found = recent_notices(ctx.session, ctx.resident)
    if not found:
        return Reply(texts.NO_NOTICES)
    zone = ctx.settings.timezone
    return Reply(texts.notice_list([(texts.local_date(n.started_at or n.created_at, zone), n.title,
                                     notice_url(ctx.deps, n.id)) for n in found]))


def on_mass_send_finished(msg: WeChatMessage, ctx: Context) -> None:
    """WeChat's counts for a mass-send job, matched to our send by MsgID (nothing to answer)."""

    def count(name: str) -> int:
        value = msg.get(name)
        return int(value) if value.isdigit() else 0

    finish = Finish(msg.get("MsgID"), msg.get("Status"), count("TotalCount"), count("FilterCount"),
                    count("SentCount"), count("ErrorCount"))
    record_finish(ctx.session, finish, ctx.now)
    return None


def register(router: Router) -> None:
    """Before the resident's own text handler: these words are commands, not reports."""
    router.text(on_text)
    router.click("NOTICES")(notices)
    router.event("masssendjobfinish")(on_mass_send_finished)
