"""Squad members' messages in the WeChat Work app: 签收 / 办结 / 退回 / 延期 / 待办, and after-photos."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import texts
from bot.dispatch.squad import SquadDesk
from bot.handlers.context import SquadContext as Context
from bot.handlers.router import Reply, Router
from bot.models import Media
from bot.wechat.messages import WeChatMessage

COMMAND = re.compile(r"^(签收|办结|退回|延期|待办)[\s:,，]*(\d{8}-\d{4,})?\s*(.*)$", re.S)
DAYS = re.compile(r"^(\d{1,2})\s*(?:个工作日|个?天|日)?\s*(.*)$", re.S)


@dataclass(frozen=True)
class SquadCommand:
    word: str
    number: str | None
    rest: str


# Full-width digits, hyphen, colon and space → ASCII; the member's own words (the note) keep their punctuation.
FOLD = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "－": "-", "：": ":", "\u3000": " "})


def parse_squad_command(text: str) -> SquadCommand | None:
    match = COMMAND.match(text.translate(FOLD).strip())
    return SquadCommand(match.group(1), match.group(2), match.group(3).strip(" ，,：:")) if match else None


def on_text(msg: WeChatMessage, ctx: Context) -> Reply:
    if ctx.staff is None:
        return Reply(texts.NOT_IN_DIRECTORY)
    command = parse_squad_command(msg.content)
    if command is None:
        return Reply(texts.SQUAD_HELP)
    desk = SquadDesk(ctx.session, ctx.services)
    if command.word == "待办":
        return Reply(desk.todo(ctx.staff))
    if command.number is None:
        return Reply(texts.SQUAD_NEEDS_NUMBER.format(word=command.word))
    staff, number, now = ctx.staff, command.number, ctx.now
    if command.word == "签收":
        outcome = desk.accept(staff, number, now)
    elif command.word == "办结":
        outcome = desk.resolve(staff, number, command.rest or "已处置", now)
    elif command.word == "退回":
        if not command.rest:
            return Reply(texts.SQUAD_NEEDS_REASON.format(what="退回原因", example=f"退回 {number} 不属于城管职责"))
        outcome = desk.return_case(staff, number, command.rest, now)
    else:
        days = DAYS.match(command.rest)
        if days is None or int(days.group(1)) < 1 or not days.group(2).strip():
            return Reply(texts.SQUAD_NEEDS_REASON.format(what="延期天数和原因", example=f"延期 {number} 3 需协调产权单位"))
        outcome = desk.request_extension(staff, number, int(days.group(1)), days.group(2).strip(), now)
    for message_id in outcome.sent.ids:
        ctx.defer("send_outbound", message_id)
    return Reply(outcome.reply)


def on_image(msg: WeChatMessage, ctx: Context) -> Reply:
    if ctx.staff is None:
        return Reply(texts.NOT_IN_DIRECTORY)
    media = Media(kind="image", channel="wework", media_id=msg.media_id, staff_userid=ctx.staff.wework_userid,
                  created_at=ctx.now)
    ctx.session.add(media)
    ctx.session.flush()
    ctx.defer("fetch_media", media.id)
    return Reply(texts.SQUAD_PHOTO_RECEIVED)


def on_anything_else(msg: WeChatMessage, ctx: Context) -> Reply | None:
    return None if msg.type == "event" else Reply(texts.SQUAD_HELP)


def register(router: Router) -> None:
    router.text(on_text)
    router.on("image")(on_image)
    router.on("*")(on_anything_else)
