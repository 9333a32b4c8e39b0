"""Inbound message → service calls → passive reply. No business rules here.

``handle_resident`` and ``handle_squad`` build the handler context of their channel (finding or
creating the sender) and run the channel's router; the inbox calls them inside its transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from bot.core.after_commit import after_commit
from bot.core.sql import dialect_insert
from bot.handlers import events, notices, resident, squad
from bot.handlers.context import Context, ResidentContext, SquadContext
from bot.handlers.router import Reply, Router
from bot.models import Resident, Staff
from bot.services import Services
from bot.wechat.messages import WeChatMessage


def build_resident_router() -> Router:
    """The official account's router, built fresh for each app."""
    router = Router()
    notices.register(router)  # its words (订阅, 通知 …) before a report's text
    resident.register(router)
    events.register(router)
    router.on("*")(resident.on_anything_else)  # last: after every specific route
    return router


def build_squad_router() -> Router:
    """The WeChat Work app's router."""
    router = Router()
    squad.register(router)
    return router


# Built once (the hot path of every message): the known sender stamped seen, or also interacting, and locked.
_STAMP = {interacting: update(Resident).where(Resident.openid == bindparam("sender"))
          .values(last_seen=bindparam("now"), **({"last_interaction_at": bindparam("now")} if interacting else {}))
          .returning(Resident) for interacting in (False, True)}
# The returned row refreshes the object (no second read); the update needs no matching in the identity map.
_REFRESHED = {"populate_existing": True, "synchronize_session": False}


def resident_for(session: Session, openid: str, now: datetime, interacting: bool) -> Resident:
    """The sender's row, created on first contact, stamped seen (and ``interacting``: in WeChat's 48-hour
    window) and locked for this transaction, in one statement when the resident is known."""
    found = session.scalar(_STAMP[interacting], {"sender": openid, "now": now}, execution_options=_REFRESHED)
    if found is None:
        # first contact; if a concurrent first message of the same resident inserts it meanwhile, this waits for
        # that one and then updates (and locks) the row instead
        seen = {"last_seen": now, **({"last_interaction_at": now} if interacting else {})}
        insert = dialect_insert(session)(Resident).values(openid=openid, subscribed=True, first_seen=now,
                                                          held_pushes=False, **seen)
        found = session.scalars(insert.on_conflict_do_update(index_elements=["openid"], set_=seen)
                                .returning(Resident), execution_options={"populate_existing": True}).one()
    return found


PASSIVE_EVENTS = frozenset({"location", "unsubscribe", "templatesendjobfinish", "view", "subscribe_msg_popup_event",
                            "subscribe_msg_change_event", "subscribe_msg_sent_event"})
# Reports from WeChat itself (FromUserName is WeChat's mass-send helper, not a resident): no resident row.
PLATFORM_EVENTS = frozenset({"masssendjobfinish"})


def handle_resident(services: Services, session: Session, msg: WeChatMessage, now: datetime) -> Reply | None:
    if msg.event in PLATFORM_EVENTS:
        return services.routers["wechat"].dispatch(msg, Context(session, services, now))
    interacting = msg.event not in PASSIVE_EVENTS  # a message or a click opens WeChat's 48-hour window
    resident = resident_for(session, msg.source, now, interacting)
    ctx = ResidentContext(session, services, now, resident=resident)
    if interacting and resident.held_pushes:
        after_commit(session, "deliver_held", resident.id)
    return services.routers["wechat"].dispatch(msg, ctx)


def handle_squad(services: Services, session: Session, msg: WeChatMessage, now: datetime) -> Reply | None:
    staff = session.scalar(select(Staff).where(Staff.wework_userid == msg.source, Staff.active).with_for_update())
    ctx = SquadContext(session, services, now, userid=msg.source, staff=staff)
    return services.routers["wework"].dispatch(msg, ctx)
