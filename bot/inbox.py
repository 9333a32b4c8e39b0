"""The inbound pipeline shared by the webhooks: record, dedupe, handle and remember the reply in one transaction.

1. The message is inserted first (``INSERT … ON CONFLICT DO NOTHING RETURNING``): its unique ``dedupe_key``
   makes WeChat's retries collide. A retry that arrives while the first attempt is still running waits for
   it on the key, then gets the reply it gave; a retry after a first attempt that died (the transaction
   rolled back) is handled afresh. Either way: one effect per message.
2. The channel's handler runs inside a savepoint (it locks the sender's row, so one message per sender is
   handled at a time, across processes). If it fails, only its savepoint is rolled back: the message is
   still committed, marked ``failed`` with the error.
3. One commit records the message with its outcome: one durable write per message, the floor any service
   that records before it answers has to pay. Jobs the services registered are enqueued after the commit
   (``bot.core.after_commit``); if Redis is unreachable then, the rows they concern stay pending and the
   worker's sweeper picks them up.

When the database cannot be reached (``Unavailable``: down, frozen past the timeouts, gone mid-handler)
nothing is committed, and the webhook keeps the message in the spool (``bot.core.spool``) for the worker to
replay. A ``failed`` row is handled again by the worker (``retry``). Both are then answered with a
customer-service message (``worker.jobs.recover_inbound``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import InterfaceError, OperationalError, PendingRollbackError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from bot.core.sql import dialect_insert
from bot.handlers.router import Reply
from bot.models import InboundMessage
from bot.wechat.messages import WeChatMessage

log = logging.getLogger(__name__)

Handle = Callable[[Session, WeChatMessage, datetime], Reply | None]
# The database cannot be reached: refused, timed out, the connection lost (also while a savepoint unwinds).
Unavailable = (OperationalError, InterfaceError, PoolTimeout, PendingRollbackError)


@dataclass(frozen=True)
class Outcome:
    reply_text: str | None
    duplicate: bool = False
    failed: bool = False


def record(session: Session, channel: str, msg: WeChatMessage, xml: str, now: datetime) -> int | None:
    """Insert the inbound row in the session's transaction; its id, or ``None`` if the message is known."""
    insert = dialect_insert(session)
    values = dict(channel=channel, dedupe_key=f"{channel}:{msg.dedupe_key}", msg_id=msg.msg_id, from_user=msg.source,
                  msg_type=msg.type, event=msg.event, raw_xml=xml, received_at=now, state="received")
    statement = insert(InboundMessage).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return session.scalar(statement.returning(InboundMessage.id))


def process(session: Session, channel: str, msg: WeChatMessage, xml: str, now: datetime, handle: Handle) -> Outcome:
    """Record, dedupe and handle one message of ``channel``, committed once."""
    row_id = record(session, channel, msg, xml, now)
    if row_id is None:
        session.rollback()
        previous = session.scalar(
            select(InboundMessage.reply_text).where(InboundMessage.dedupe_key == f"{channel}:{msg.dedupe_key}")
        )
        return Outcome(previous, duplicate=True)
    return _handle(session, row_id, msg, now, handle)


def retry(session: Session, pk: int, handle: Handle, max_attempts: int) -> Outcome | None:
    """Handle a ``failed`` row again (the worker, in arrival order); ``None`` if another worker has it, it
    was handled meanwhile, or it is out of attempts."""
    row = session.scalar(select(InboundMessage).where(InboundMessage.id == pk).with_for_update(skip_locked=True))
    if row is None or row.state != "failed" or row.attempts >= max_attempts:
        session.rollback()
        return None
    row.attempts += 1
    session.commit()  # counted even if the worker dies in the handler
    return _handle(session, pk, WeChatMessage.from_xml(row.raw_xml), row.received_at, handle)


def _handle(session: Session, row_id: int, msg: WeChatMessage, now: datetime, handle: Handle) -> Outcome:
    """Run the handler in a savepoint and commit the row with its outcome (one commit)."""
    outcome: Outcome
    try:
        with session.begin_nested():
            reply = handle(session, msg, now)
        outcome = Outcome(reply.text if reply is not None else None)
        state, error = "processed", None
    except Unavailable:
        raise  # the database went away: nothing is committed, the caller keeps the message
    except Exception as exc:
        log.exception("handler failed for %s", msg.dedupe_key)
        outcome, state, error = Outcome(None, failed=True), "failed", f"{type(exc).__name__}: {exc}"
    session.execute(update(InboundMessage).where(InboundMessage.id == row_id)
                    .values(state=state, reply_text=outcome.reply_text, error=error))
    session.commit()
    return outcome
