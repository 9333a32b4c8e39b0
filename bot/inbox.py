"""The inbound pipeline shared by the webhooks: record first, dedupe, handle, remember the reply.

1. The message is inserted and committed before any handler runs, so nothing is lost if a
   handler fails. Its unique ``dedupe_key`` makes WeChat's retries collide: a retry gets the
   reply we already gave (or nothing while the first attempt is still running) and no effect.
2. Handlers run in one transaction with the resident's row locked (one message per resident at a
   time, across processes).
3. Jobs the handlers deferred are enqueued after the commit. If Redis is unreachable they are
   not lost: the rows they concern stay ``pending`` and the worker's sweeper picks them up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.handlers.router import Context, Router
from bot.intake.understand import Understanding
from bot.jobs import Deferred
from bot.models import InboundMessage, Resident
from bot.wechat.messages import WeChatMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    reply_text: str | None
    duplicate: bool = False
    failed: bool = False
    jobs: list[Deferred] = field(default_factory=list)


def record(session: Session, channel: str, msg: WeChatMessage, xml: str, now: datetime) -> InboundMessage | None:
    """Insert and commit the inbound row; ``None`` if this message was already recorded."""
    row = InboundMessage(
        channel=channel,
        dedupe_key=f"{channel}:{msg.dedupe_key}",
        msg_id=msg.msg_id,
        from_user=msg.source,
        msg_type=msg.type,
        event=msg.event,
        raw_xml=xml,
        received_at=now,
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return row


def resident_for(session: Session, openid: str, now: datetime) -> Resident:
    """The sender's row, created on first contact and locked for this transaction."""
    query = select(Resident).where(Resident.openid == openid).with_for_update()
    resident = session.scalar(query)
    if resident is None:
        try:
            with session.begin_nested():
                resident = Resident(openid=openid, first_seen=now, last_seen=now)
                session.add(resident)
        except IntegrityError:  # created meanwhile by a concurrent message of the same resident
            resident = session.scalars(query).one()
    resident.last_seen = now
    return resident


def process(
    session: Session,
    settings: Settings,
    router: Router,
    understanding: Understanding,
    msg: WeChatMessage,
    xml: str,
    now: datetime,
    *,
    raise_errors: bool = False,
) -> Outcome:
    """Record, dedupe and handle one official-account message."""
    row = record(session, "wechat", msg, xml, now)
    if row is None:
        previous = session.scalar(
            select(InboundMessage.reply_text).where(InboundMessage.dedupe_key == f"wechat:{msg.dedupe_key}")
        )
        return Outcome(previous, duplicate=True)
    try:
        resident = resident_for(session, msg.source, now)
        ctx = Context(session=session, settings=settings, now=now, resident=resident, understanding=understanding)
        reply = router.dispatch(msg, ctx)
        row.state = "processed"
        row.reply_text = reply.text if reply is not None else None
        session.commit()
    except Exception as exc:
        session.rollback()
        log.exception("handler failed for %s", msg.dedupe_key)
        row.state, row.error = "failed", f"{type(exc).__name__}: {exc}"
        session.commit()
        if raise_errors:
            raise
        return Outcome(None, failed=True)
    return Outcome(row.reply_text, jobs=ctx.jobs)
