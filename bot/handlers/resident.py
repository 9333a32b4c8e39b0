"""Residents' messages on the official account: reports (text, photo, voice, location) and commands."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import texts
from bot.dispatch import feedback
from bot.dispatch.errors import CaseNotFound, IllegalTransition
from bot.dispatch.queries import own_case, recent_cases, unit_name
from bot.dispatch.withdrawal import withdraw
from bot.handlers.commands import parse_answer, parse_command, parse_rating
from bot.handlers.context import ResidentContext as Context
from bot.handlers.router import Reply, Router
from bot.intake.reports import Point, Progress
from bot.models import Case
from bot.residents.privacy import anonymise, resident_info
from bot.wechat.messages import WeChatMessage


def parse_point(lat: str, lng: str) -> tuple[float, float] | None:
    try:
        lat_f, lng_f = float(lat), float(lng)
    except ValueError:
        return None
    if not (-90 <= lat_f <= 90 and -180 <= lng_f <= 180) or (lat_f == 0 and lng_f == 0):
        return None
    return lat_f, lng_f


def progress_reply(progress: Progress, prefix: str = "") -> Reply:
    opened = progress.opened
    if opened is not None and opened.merged_into is not None:
        return Reply(merged_reply(opened.case.number, **opened.merged_facts()))
    if opened is not None:
        reply = texts.case_opened(opened.case, **opened.facts())
        if progress.conflict is not None:
            reply += "\n" + texts.PLACE_CONFLICT.format(place=progress.conflict.place, number=opened.case.number,
                                                        km=f"{progress.conflict.distance_m / 1000:.1f}")
        return Reply(reply)
    if progress.relocated and progress.case is not None:
        template = texts.RELOCATED_SEPARATED if progress.separated else texts.RELOCATED
        return Reply(template.format(number=progress.case.number))
    if progress.unsure:
        return Reply((prefix if prefix != texts.DESCRIPTION_RECEIVED else "") + texts.ASK_IF_NEW_PROBLEM)
    if progress.attached and progress.case is not None:
        return Reply(texts.photo_attached(progress.case))
    return Reply(prefix + texts.missing(progress.missing))


def merged_reply(number: str, primary: str, own: bool, address: str | None, near: str | None) -> str:
    return texts.merged(number, primary, own, texts.place_of(address, near))


def on_text(msg: WeChatMessage, ctx: Context) -> Reply:
    command = parse_command(msg.content)
    answer = parse_answer(msg.content)
    if answer is not None:
        confirmed = ctx.intake().confirm(ctx.resident, answer, ctx.now)
        if confirmed is not None:
            return progress_reply(confirmed) if answer else Reply(texts.DROPPED)
    if command is None:
        rated = rating(ctx, msg.content)
        if rated is not None:
            return rated
        progress = ctx.intake().add_text(ctx.resident, msg.content.strip(), ctx.now)
        return progress_reply(progress, prefix=texts.DESCRIPTION_RECEIVED)
    if command.name == "help":
        return Reply(texts.HELP)
    if command.name == "thanks":
        return Reply(texts.THANKS)
    if command.name == "not_same":
        return not_same(ctx)
    if command.name == "query":
        return query(ctx, command.number)
    if command.name in ("my_info", "delete_me", "confirm_delete"):
        return privacy(ctx, command.name)
    return cancel(ctx, command.number)




def rating(ctx: Context, text: str) -> Reply | None:
    """1/2/3 or words about the case awaiting this resident's rating; None if the text is not one."""
    if parse_rating(text, awaiting=True) is None:  # cannot be a rating: spare the query
        return None
    awaiting = feedback.awaiting(ctx.session, ctx.deps, ctx.resident)
    parsed = parse_rating(text, awaiting is not None)
    if parsed is None:
        return None
    case = feedback.awaiting(ctx.session, ctx.deps, ctx.resident, parsed.number) if parsed.number else awaiting
    if case is None:
        if parsed.number is not None:
            return Reply(texts.CASE_NOT_FOUND.format(number=parsed.number))
        return Reply(texts.HELP) if parsed.words in ("1", "2", "3") else None
    rated = feedback.rate(ctx.session, ctx.deps, ctx.resident, case, parsed.value, parsed.words)
    if rated.outcome is feedback.RatingOutcome.REOPENED:  # this reply tells them; the push goes to the others
        return Reply(texts.REOPENED_REPLY.format(number=case.number, unit=unit_name(ctx.session, case.unit_code),
                                                 deadline=texts.local_time(case.deadline, ctx.settings.timezone)
                                                 if case.deadline else "—"))
    if rated.outcome is feedback.RatingOutcome.ESCALATED:
        return Reply(texts.ESCALATED_REPLY.format(number=case.number))
    return Reply(texts.RATED.format(label=texts.RATING_LABELS[rated.value]))


def not_same(ctx: Context) -> Reply:
    """The resident says their report merged into another is a different problem: it is handled on its own."""
    case = ctx.intake().separate_last_merge(ctx.resident, ctx.now)
    if case is None:
        return Reply(texts.NOTHING_TO_SPLIT)
    return Reply(texts.NOT_MERGED_ANY_MORE.format(number=case.number))


def privacy(ctx: Context, name: str) -> Reply:
    key = f"citybot:confirm-delete:{ctx.resident.id}"
    settings = ctx.settings
    redis, window = ctx.services.redis, settings.confirm_delete_seconds
    if name == "my_info":
        info = resident_info(ctx.session, ctx.resident)
        location = texts.NO_LOCATION_KEPT
        if info.last_position is not None:
            lat, lng = info.last_position
            location = texts.LOCATION_KEPT.format(lat=lat, lng=lng, window=texts.minutes(settings.location_memory_seconds))
        return Reply(texts.MY_INFO.format(masked=info.masked_id, first_seen=texts.local_time(info.first_seen, settings.timezone),
                                          cases=info.cases, photos=info.photos, location=location))
    if name == "delete_me":
        redis.set(key, "1", ex=int(window))
        return Reply(texts.CONFIRM_DELETE.format(window=texts.minutes(window)))
    if not redis.delete(key):
        return Reply(texts.NOTHING_TO_CONFIRM)
    anonymise(ctx.session, ctx.resident)
    return Reply(texts.DELETED)


def query(ctx: Context, number: str | None) -> Reply:
    if number is None:
        cases = recent_cases(ctx.session, ctx.resident)
        return Reply(texts.case_list(cases) if cases else texts.NO_CASES)
    case = own_case(ctx.session, ctx.resident, number)
    if case is None:
        return Reply(texts.CASE_NOT_FOUND.format(number=number))
    return Reply(texts.case_detail(case, ZoneInfo(ctx.settings.timezone), near_place(ctx, case)))


def near_place(ctx: Context, case: Case) -> str | None:
    """The named place nearest to a case that has no label (residents read it instead of coordinates)."""
    if case.address or case.lat is None or case.lng is None:
        return None
    found = ctx.deps.understanding.area(ctx.session).nearest_place(case.lat, case.lng, ctx.settings.near_place_m)
    return found.name if found else None


def cancel(ctx: Context, number: str | None) -> Reply:
    if number is None:
        return Reply(texts.ASK_NUMBER_TO_CANCEL)
    try:
        withdraw(ctx.session, ctx.deps, ctx.resident, number)
    except CaseNotFound:
        return Reply(texts.CASE_NOT_FOUND.format(number=number))
    except IllegalTransition as refused:
        state = texts.STATE_LABELS.get(refused.state or "", refused.state or "")
        return Reply(texts.TOO_LATE_TO_CANCEL.format(number=number, state=state))
    return Reply(texts.CANCELLED.format(number=number))


def on_image(msg: WeChatMessage, ctx: Context) -> Reply:
    progress = ctx.intake().add_media(ctx.resident, "image", msg.media_id, ctx.now)
    return progress_reply(progress, prefix=texts.PHOTO_RECEIVED)


def on_voice(msg: WeChatMessage, ctx: Context) -> Reply:
    intake = ctx.intake()
    recognition = msg.recognition.strip().rstrip("。")
    if recognition and (parse_command(recognition) or parse_rating(recognition, awaiting=True)):
        # "查询" or "还是没修好" said aloud: answered like the text; the voice itself is kept either way
        intake.keep_media(ctx.resident, "voice", msg.media_id)
        return on_text(WeChatMessage({**msg.fields, "Content": recognition}), ctx)
    progress = intake.add_media(ctx.resident, "voice", msg.media_id, ctx.now)
    if not recognition:
        return progress_reply(progress, prefix=texts.VOICE_UNRECOGNISED)
    return progress_reply(intake.add_text(ctx.resident, recognition, ctx.now), prefix=texts.DESCRIPTION_RECEIVED)


def on_location(msg: WeChatMessage, ctx: Context) -> Reply:
    point = parse_point(msg.get("Location_X"), msg.get("Location_Y"))
    if point is None:
        return Reply(texts.BAD_LOCATION)
    label = msg.get("Label") or None
    progress = ctx.intake().add_location(
        ctx.resident, Point(point[0], point[1], source="message", label=label), ctx.now
    )
    prefix = texts.LOCATION_RECEIVED.format(label=f"（{label}）" if label else "")
    return progress_reply(progress, prefix=prefix)


def on_anything_else(msg: WeChatMessage, ctx: Context) -> Reply | None:
    """Video, links, files…: say what we accept. Unknown events get no reply."""
    return None if msg.type == "event" else Reply(texts.UNSUPPORTED)


def register(router: Router) -> None:
    router.text(on_text)
    router.on("image")(on_image)
    router.on("voice")(on_voice)
    router.on("location")(on_location)
