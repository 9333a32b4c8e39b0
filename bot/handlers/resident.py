"""Residents' messages on the official account: reports (text, photo, voice, location) and commands."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import texts
from bot.dispatch.feedback import Feedback, parse_rating
from bot.handlers.commands import parse_command
from bot.handlers.context import ResidentContext as Context
from bot.handlers.router import Reply, Router
from bot.intake.cases import CancelOutcome, cancel_case, find_own_case, recent_cases
from bot.intake.reports import Point, Progress
from bot.intake.units import unit_name
from bot.residents.privacy import anonymise, describe
from bot.wechat.messages import WeChatMessage


def parse_point(lat: str, lng: str) -> tuple[float, float] | None:
    try:
        lat_f, lng_f = float(lat), float(lng)
    except ValueError:
        return None
    if not (-90 <= lat_f <= 90 and -180 <= lng_f <= 180) or (lat_f == 0 and lng_f == 0):
        return None
    return lat_f, lng_f


def progress_reply(progress: Progress, ctx: Context, prefix: str = "") -> Reply:
    for media in progress.media:
        ctx.defer("fetch_media", media.id)
    if progress.created and progress.merged_into is not None and progress.case is not None:
        return Reply(texts.merged(progress.case, progress.merged_into))
    if progress.created and progress.case is not None and progress.understood is not None:
        if not progress.understood.routing.needs_triage:
            ctx.defer("dispatch_case", progress.case.id)
        unit = unit_name(ctx.session, progress.understood.routing.unit_code)
        return Reply(texts.case_created(progress.case, progress.understood, unit))
    if progress.relocated and progress.case is not None:
        return Reply(texts.RELOCATED.format(number=progress.case.number))
    if progress.attached and progress.case is not None:
        return Reply(texts.photo_attached(progress.case))
    return Reply(prefix + texts.missing(progress.missing))


def on_text(msg: WeChatMessage, ctx: Context) -> Reply:
    command = parse_command(msg.content)
    if command is None:
        rated = rating(ctx, msg.content)
        if rated is not None:
            return rated
        progress = ctx.intake().add_text(ctx.resident, msg.content.strip(), ctx.now)
        return progress_reply(progress, ctx, prefix=texts.DESCRIPTION_RECEIVED)
    if command.name == "help":
        return Reply(texts.HELP)
    if command.name == "query":
        return query(ctx, command.number)
    if command.name in ("my_info", "delete_me", "confirm_delete"):
        return privacy(ctx, command.name)
    return cancel(ctx, command.number)


def rating(ctx: Context, text: str) -> Reply | None:
    """1/2/3 or words about the case awaiting this resident's rating; None if the text is not one."""
    if parse_rating(text, awaiting=True) is None:  # cannot be a rating: spare the query
        return None
    feedback = Feedback(ctx.session, ctx.services)
    awaiting = feedback.awaiting(ctx.resident, ctx.now)
    parsed = parse_rating(text, awaiting is not None)
    if parsed is None:
        return None
    case = feedback.awaiting(ctx.resident, ctx.now, parsed.number) if parsed.number else awaiting
    if case is None:
        if parsed.number is not None:
            return Reply(texts.CASE_NOT_FOUND.format(number=parsed.number))
        return Reply(texts.HELP) if text.strip() in ("1", "2", "3") else None
    outcome = feedback.rate(ctx.resident, case, parsed, ctx.now)
    for message_id in outcome.sent.ids:
        ctx.defer("send_outbound", message_id)
    return Reply(outcome.reply)


def privacy(ctx: Context, name: str) -> Reply:
    key = f"citybot:confirm-delete:{ctx.resident.id}"
    redis = ctx.services.redis
    if name == "my_info":
        return Reply(describe(ctx.session, ctx.resident, ctx.settings.timezone))
    if name == "delete_me":
        redis.set(key, "1", ex=600)
        return Reply(texts.CONFIRM_DELETE)
    if not redis.delete(key):
        return Reply(texts.NOTHING_TO_CONFIRM)
    anonymise(ctx.session, ctx.resident)
    return Reply(texts.DELETED)


def query(ctx: Context, number: str | None) -> Reply:
    if number is None:
        cases = recent_cases(ctx.session, ctx.resident)
        return Reply(texts.case_list(cases) if cases else texts.NO_CASES)
    case = find_own_case(ctx.session, ctx.resident, number)
    if case is None:
        return Reply(texts.CASE_NOT_FOUND.format(number=number))
    return Reply(texts.case_detail(case, ZoneInfo(ctx.settings.timezone)))


def cancel(ctx: Context, number: str | None) -> Reply:
    if number is None:
        return Reply(texts.ASK_NUMBER_TO_CANCEL)
    outcome, case = cancel_case(ctx.session, ctx.resident, number, ctx.now)
    if outcome is CancelOutcome.NOT_FOUND or case is None:
        return Reply(texts.CASE_NOT_FOUND.format(number=number))
    if outcome is CancelOutcome.TOO_LATE:
        state = texts.STATE_LABELS.get(case.state, case.state)
        return Reply(texts.TOO_LATE_TO_CANCEL.format(number=number, state=state))
    return Reply(texts.CANCELLED.format(number=number))


def on_image(msg: WeChatMessage, ctx: Context) -> Reply:
    progress = ctx.intake().add_media(ctx.resident, "image", msg.media_id, ctx.now)
    return progress_reply(progress, ctx, prefix=texts.PHOTO_RECEIVED)


def on_voice(msg: WeChatMessage, ctx: Context) -> Reply:
    intake = ctx.intake()
    recognition = msg.recognition.strip().rstrip("。")
    if recognition and (parse_command(recognition) or parse_rating(recognition, awaiting=True)):
        # "查询" or "还是没修好" said aloud: answered like the text; the voice itself is kept either way
        ctx.defer("fetch_media", intake.keep_media(ctx.resident, "voice", msg.media_id).id)
        return on_text(WeChatMessage({**msg.fields, "Content": recognition}), ctx)
    progress = intake.add_media(ctx.resident, "voice", msg.media_id, ctx.now)
    if not recognition:
        return progress_reply(progress, ctx, prefix=texts.VOICE_UNRECOGNISED)
    progress_text = intake.add_text(ctx.resident, recognition, ctx.now)
    progress_text.media = progress.media
    return progress_reply(progress_text, ctx, prefix=texts.DESCRIPTION_RECEIVED)


def on_location(msg: WeChatMessage, ctx: Context) -> Reply:
    point = parse_point(msg.get("Location_X"), msg.get("Location_Y"))
    if point is None:
        return Reply(texts.BAD_LOCATION)
    label = msg.get("Label") or None
    progress = ctx.intake().add_location(
        ctx.resident, Point(point[0], point[1], source="message", label=label), ctx.now
    )
    prefix = texts.LOCATION_RECEIVED.format(label=f"（{label}）" if label else "")
    return progress_reply(progress, ctx, prefix=prefix)


def on_anything_else(msg: WeChatMessage, ctx: Context) -> Reply | None:
    """Video, links, files…: say what we accept. Unknown events get no reply."""
    return None if msg.type == "event" else Reply(texts.UNSUPPORTED)


def register(router: Router) -> None:
    router.text(on_text)
    router.on("image")(on_image)
    router.on("voice")(on_voice)
    router.on("location")(on_location)
