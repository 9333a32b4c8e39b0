"""Squad members' messages in the WeChat Work app: 签收 / 办结 / 退回 / 延期 / 待办, and after-photos."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot import texts
from bot.core.after_commit import after_commit
from bot.core.text import normalise
from bot.dispatch import squad
from bot.dispatch.errors import CaseNotFound, DomainError, IllegalTransition, NotYourCase
from bot.dispatch.numbers import PATTERN
from bot.dispatch.queries import unit_todo
from bot.handlers.context import SquadContext as Context
from bot.handlers.router import Reply, Router
from bot.models import Case, Media
from bot.notifications.queue import update_card
from bot.wechat.messages import WeChatMessage

COMMAND = re.compile(rf"^(签收|办结|退回|延期|待办)[\s:,，：]*({PATTERN})?\s*(.*)$", re.S)
DAYS = re.compile(r"^(\d{1,2})\s*(?:个工作日|个?天|日)?\s*(.*)$", re.S)


@dataclass(frozen=True)
class SquadCommand:
    word: str
    number: str | None
    rest: str


def parse_squad_command(text: str) -> SquadCommand | None:
    match = COMMAND.match(normalise(text))
    return SquadCommand(match.group(1), match.group(2), match.group(3).strip(" ，,：:")) if match else None


def on_text(msg: WeChatMessage, ctx: Context) -> Reply:
    if ctx.staff is None:
        return Reply(texts.NOT_IN_DIRECTORY)
    command = parse_squad_command(msg.content)
    if command is None:
        return Reply(texts.SQUAD_HELP)
    if command.word == "待办":
        return Reply(todo(ctx))
    if command.number is None:
        return Reply(texts.SQUAD_NEEDS_NUMBER.format(word=command.word))
    try:
        return Reply(act(ctx, command, command.number))
    except DomainError as refused:
        return Reply(texts.squad_refusal(refused, command.number))


def act(ctx: Context, command: SquadCommand, number: str) -> str:
    """Run the member's command; the reply on success (a refusal raises)."""
    session, deps, actor = ctx.session, ctx.deps, ctx.actor
    if command.word == "签收":
        case = squad.accept(session, deps, actor, number)
        return texts.SQUAD_ACCEPTED.format(number=number, deadline=_when(ctx, case.deadline))
    if command.word == "办结":
        resolved = squad.resolve(session, deps, actor, number, command.rest or "已处置")
        return texts.SQUAD_RESOLVED.format(number=number, photos=resolved.photos,
                                           timeliness=texts.TIMELINESS[resolved.on_time])
    if command.word == "退回":
        if not command.rest:
            return texts.SQUAD_NEEDS_REASON.format(what="退回原因", example=f"退回 {number} 不属于城管职责")
        squad.return_case(session, deps, actor, number, command.rest)
        return texts.SQUAD_RETURNED.format(number=number)
    days = DAYS.match(command.rest)
    if days is None or int(days.group(1)) < 1 or not days.group(2).strip():
        return texts.SQUAD_NEEDS_REASON.format(what="延期天数和原因", example=f"延期 {number} 3 需协调产权单位")
    request = squad.request_extension(session, deps, actor, number, int(days.group(1)), days.group(2).strip())
    return texts.SQUAD_EXTENSION_REQUESTED.format(number=number, days=request.days)


def todo(ctx: Context) -> str:
    assert ctx.staff is not None, "checked by on_text"
    cases = unit_todo(ctx.session, ctx.staff.unit_code)
    if not cases:
        return texts.SQUAD_NO_TODO
    taxonomy = ctx.deps.taxonomy
    return texts.squad_todo([
        (c.number, taxonomy[c.category_code].name if c.category_code else "—",
         texts.STATE_LABELS.get(c.state, c.state), _when(ctx, c.deadline))
        for c in cases])


def _when(ctx: Context, moment: datetime | None) -> str:
    return texts.local_time(moment, ctx.settings.timezone) if moment else "—"


def on_image(msg: WeChatMessage, ctx: Context) -> Reply:
    if ctx.staff is None:
        return Reply(texts.NOT_IN_DIRECTORY)
    media = Media(kind="image", channel="wework", media_id=msg.media_id, staff_userid=ctx.staff.wework_userid,
                  created_at=ctx.now)
    ctx.session.add(media)
    ctx.session.flush()
    after_commit(ctx.session, "fetch_media", media.id)
    return Reply(texts.SQUAD_PHOTO_RECEIVED)


def on_card_click(msg: WeChatMessage, ctx: Context) -> Reply | None:
    """A tap on a dispatch card's 签收 or 退回 (``template_card_event``): the same service call as the typed
    command, then the card is updated with the click's ResponseCode: who did what (for everyone who received
    it), or why this member's click was refused (for them alone). WeChat Work's retries of the same click
    carry the same ResponseCode and are dropped by the inbox, so a click acts once."""
    action, _, number = msg.get("EventKey").partition(":")
    code = msg.get("ResponseCode")
    if action not in texts.CARD_ACTIONS or not code:
        return None
    case = ctx.session.scalar(select(Case).where(Case.number == number))
    if ctx.staff is None:
        update_card(ctx.session, case, code, ctx.userid, action=action, refused="not_in_directory")
        return None
    try:
        if action == "accept":
            squad.accept(ctx.session, ctx.deps, ctx.actor, number)
        else:
            squad.return_case(ctx.session, ctx.deps, ctx.actor, number, return_reason(msg))
    except DomainError as refused:
        reason, state = _refusal_kind(refused)
        update_card(ctx.session, case, code, ctx.userid, action=action, refused=reason, state=state)
        return None
    update_card(ctx.session, case, code, None, action=action, name=ctx.staff.name, at=ctx.now.isoformat())
    return None


def return_reason(msg: WeChatMessage) -> str:
    """The reason picked on the card (``SelectedItems``), in words; 其他 when none was picked."""
    for item in (msg.nested("SelectedItems") or {}).get("SelectedItem", []):
        if item.get("QuestionKey") == texts.RETURN_QUESTION:
            options = (item.get("OptionIds") or {}).get("OptionId", [])
            if options and options[0] in texts.RETURN_REASONS:
                return texts.RETURN_REASONS[options[0]]
    return texts.RETURN_REASONS["other"]


def _refusal_kind(error: DomainError) -> tuple[str, str | None]:
    if isinstance(error, CaseNotFound):
        return "not_found", None
    if isinstance(error, NotYourCase):
        return "not_ours", None
    assert isinstance(error, IllegalTransition), f"no card wording for {error!r}"
    return "illegal", error.state


def on_anything_else(msg: WeChatMessage, ctx: Context) -> Reply | None:
    return None if msg.type == "event" else Reply(texts.SQUAD_HELP)


def register(router: Router) -> None:
    router.text(on_text)
    router.on("image")(on_image)
    router.on("event:template_card_event")(on_card_click)
    router.on("*")(on_anything_else)
