"""The inbound pipeline shared by the webhooks: record first, dedupe, handle, remember the reply.

1. The message is inserted and committed before any handler runs, so nothing is lost if a
   handler fails. Its unique ``dedupe_key`` makes WeChat's retries collide: a retry gets the
   reply we already gave (or nothing while the first attempt is still running) and no effect.
2. The channel's handler runs in one transaction (it locks the sender's row, so one message per
   sender is handled at a time, across processes).
3. Jobs the services registered on the session are enqueued after the commit
   (``bot.core.after_commit``). If Redis is unreachable then, the rows they concern stay pending and
   the worker's sweeper picks them up.

When the database cannot take the row at all (``Unavailable``), the webhook keeps the message in the
spool (``bot.core.spool``); a row left ``received`` or ``failed`` is handled again by the worker
(``retry``). Both are then answered with a customer-service message (``worker.jobs.recover_inbound``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from bot.handlers.router import Reply
from bot.models import InboundMessage
from bot.wechat.messages import WeChatMessage

log = logging.getLogger(__name__)

Handle = Callable[[Session, WeChatMessage, datetime], Reply | None]
# The database cannot be reached (refused, timed out, connection lost, pool exhausted).
Unavailable = (OperationalError, InterfaceError, PoolTimeout)


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
    """Record, dedupe and handle one message of ``channel``.

    Raises one of ``Unavailable`` only when the message could not be recorded; once recorded it is never
    lost: a failure afterwards leaves the row ``received`` or ``failed`` for the worker.
    """
    row = record(session, channel, msg, xml, now)
    if row is None:
        previous = session.scalar(
            select(InboundMessage.reply_text).where(InboundMessage.dedupe_key == f"{channel}:{msg.dedupe_key}")
        )
        return Outcome(previous, duplicate=True)
    return _handle(session, row, msg, now, handle)


def retry(session: Session, pk: int, handle: Handle, max_attempts: int) -> Outcome | None:
    """Handle again a row left ``received`` or ``failed`` (the worker, in arrival order); ``None`` if it
    is taken by another worker, finished meanwhile, or out of attempts."""
    row = session.scalar(select(InboundMessage).where(InboundMessage.id == pk).with_for_update(skip_locked=True))
    if row is None or row.state not in ("received", "failed") or row.attempts >= max_attempts:
        session.rollback()
        return None
    row.attempts += 1
    session.commit()  # counted even if the worker dies in the handler
    return _handle(session, row, WeChatMessage.from_xml(row.raw_xml), row.received_at, handle)


def _handle(session: Session, row: InboundMessage, msg: WeChatMessage, now: datetime, handle: Handle) -> Outcome:
    try:
        reply = handle(session, msg, now)
        row.state = "processed"
        row.reply_text = reply.text if reply is not None else None
        session.commit()
    except Exception as exc:
        session.rollback()
        log.exception("handler failed for %s", msg.dedupe_key)
        try:
            row.state, row.error = "failed", f"{type(exc).__name__}: {exc}"
            session.commit()
        except SQLAlchemyError:  # the database went away: the row stays ``received`` for the worker
            session.rollback()
            log.warning("could not mark %s failed; the worker will handle it again", msg.dedupe_key)
        return Outcome(None, failed=True)
    return Outcome(row.reply_text)
