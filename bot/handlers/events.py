"""Official-account events: follow/unfollow, periodic LOCATION reports, menu clicks."""

from __future__ import annotations

from bot import texts
from bot.broadcasts.subscriptions import forget_all
from bot.handlers.context import ResidentContext as Context
from bot.handlers.resident import parse_point, query
from bot.handlers.router import Reply, Router
from bot.wechat.messages import WeChatMessage


def on_subscribe(msg: WeChatMessage, ctx: Context) -> Reply:
    ctx.resident.subscribed = True
    return Reply(texts.WELCOME)


def on_unsubscribe(msg: WeChatMessage, ctx: Context) -> None:
    ctx.resident.subscribed = False  # no reply can reach them; cases go on
    forget_all(ctx.session, ctx.resident, ctx.now)  # their area tags are removed by the sync job
    return None


def on_location_event(msg: WeChatMessage, ctx: Context) -> None:
    point = parse_point(msg.get("Latitude"), msg.get("Longitude"))
    if point is not None:
        ctx.intake().remember_location(ctx.resident, *point, ctx.now)
    return None  # WeChat shows nothing for LOCATION events; answer "success"


def register(router: Router) -> None:
    router.event("subscribe")(on_subscribe)
    router.event("unsubscribe")(on_unsubscribe)
    router.event("location")(on_location_event)
    router.click("REPORT")(lambda msg, ctx: Reply(texts.HOW_TO_REPORT))
    router.click("MY_CASES")(lambda msg, ctx: query(ctx, None))
    router.click("HELP")(lambda msg, ctx: Reply(texts.HELP))
