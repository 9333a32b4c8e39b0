"""The inbound pipeline shared by the webhooks: record first, dedupe, handle, remember the reply.

1. The message is inserted and committed before any handler runs, so nothing is lost if a
   handler fails. Its unique ``dedupe_key`` makes WeChat's retries collide: a retry gets the
   reply we already gave (or nothing while the first attempt is still running) and no effect.
2. The channel's handler runs in one transaction (it locks the sender's row, so one message per
   sender is handled at a time, across processes).
3. Jobs the services registered on the session are enqueued after the commit
   (``bot.core.after_commit``). If Redis is unreachable then, the rows they concern stay pending and
   the worker's sweeper picks them up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.handlers.router import Reply
from bot.models import InboundMessage
from bot.wechat.messages import WeChatMessage

log = logging.getLogger(__name__)

Handle = Callable[[Session, WeChatMessage, datetime], Reply | None]


@dataclass(frozen=True)
class Outcome:
    reply_text: str | None
    duplicate: bool = False
    failed: bool = False


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


def process(session: Session, channel: str, msg: WeChatMessage, xml: str, now: datetime, handle: Handle) -> Outcome:
    """Record, dedupe and handle one message of ``channel``."""
    row = record(session, channel, msg, xml, now)
    if row is None:
        previous = session.scalar(
            select(InboundMessage.reply_text).where(InboundMessage.dedupe_key == f"{channel}:{msg.dedupe_key}")
        )
        return Outcome(previous, duplicate=True)
    try:
        reply = handle(session, msg, now)
        row.state = "processed"
        row.reply_text = reply.text if reply is not None else None
        session.commit()
    except Exception as exc:
        session.rollback()
        log.exception("handler failed for %s", msg.dedupe_key)
        row.state, row.error = "failed", f"{type(exc).__name__}: {exc}"
        session.commit()
        return Outcome(None, failed=True)
    return Outcome(row.reply_text)
