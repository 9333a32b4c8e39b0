"""The inbound pipeline shared by the webhooks: record, dedupe, handle and remember the reply in one transaction.

1. The message is inserted first (``INSERT … ON CONFLICT DO NOTHING RETURNING``): its unique ``dedupe_key``
   makes WeChat's retries collide. A retry that arrives while the first attempt is still running waits for
   it on the key, then gets the reply it gave; a retry after a first attempt that died (the transaction
   rolled back) is handled afresh. Either way: one effect per message.
2. The channel's handler runs in the same transaction (it locks the sender's row, so one message per sender
   is handled at a time, across processes).
3. One commit records the message with its outcome: one durable write per message, the floor any service
   that records before it answers has to pay. Jobs the services registered are enqueued after the commit
   (``bot.core.after_commit``); if Redis is unreachable then, the rows they concern stay pending and the
   worker's sweeper picks them up.

If the handler fails, its transaction is rolled back whole and the message is recorded again, ``failed``
with the error, in a second short transaction: nothing the handler did survives, the message does. (A
savepoint around the handler would keep the first insert, at two more round trips on every message; a
failing handler is rare, so it pays instead.)

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
from functools import cache

from sqlalchemy import Executable, Table, bindparam, select, update
from sqlalchemy.exc import InterfaceError, OperationalError, PendingRollbackError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from bot.core.sql import insert_for
from bot.handlers.router import Reply
from bot.models import InboundMessage
from bot.wechat.messages import WeChatMessage

log = logging.getLogger(__name__)

Handle = Callable[[Session, WeChatMessage, datetime], Reply | None]
# The database cannot be reached: refused, timed out, the connection lost (also found on a session it left unusable).
Unavailable = (OperationalError, InterfaceError, PoolTimeout, PendingRollbackError)


@dataclass(frozen=True)
class Outcome:
    reply_text: str | None
    duplicate: bool = False
    failed: bool = False


# Built once: a statement object keeps its cache key, so each message pays neither construction nor key.
_INBOUND: Table = InboundMessage.__table__  # type: ignore[assignment]  # a Table, typed as FromClause
_SET_OUTCOME = (update(_INBOUND).where(_INBOUND.c.id == bindparam("row_id"))
                .values(state=bindparam("new_state"), reply_text=bindparam("new_reply"), error=bindparam("new_error")))


@cache
def _insert_new(dialect: str) -> Executable:
    """``INSERT … ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`` in the backend's words."""
    return insert_for(dialect)(_INBOUND).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(_INBOUND.c.id)


def record(session: Session, channel: str, msg: WeChatMessage, xml: str, now: datetime,
           state: str = "received", error: str | None = None) -> int | None:
    """Insert the inbound row in the session's transaction; its id, or ``None`` if the message is known."""
    values = dict(channel=channel, dedupe_key=f"{channel}:{msg.dedupe_key}", msg_id=msg.msg_id, from_user=msg.source,
                  msg_type=msg.type, event=msg.event, raw_xml=xml, received_at=now, state=state, error=error,
                  attempts=0)
    connection = session.connection()
    return connection.execute(_insert_new(connection.dialect.name), values).scalar()


def process(session: Session, channel: str, msg: WeChatMessage, xml: str, now: datetime, handle: Handle) -> Outcome:
    """Record, dedupe and handle one message of ``channel``, committed once."""
    row_id = record(session, channel, msg, xml, now)
    if row_id is None:
        session.rollback()
        previous = session.scalar(
            select(InboundMessage.reply_text).where(InboundMessage.dedupe_key == f"{channel}:{msg.dedupe_key}")
        )
        return Outcome(previous, duplicate=True)

    def record_failure(error: str) -> None:  # the first insert went with the handler's rollback
        record(session, channel, msg, xml, now, state="failed", error=error)

    return _handle(session, row_id, msg, now, handle, record_failure)


def retry(session: Session, pk: int, handle: Handle, max_attempts: int) -> Outcome | None:
    """Handle a ``failed`` row again (the worker, in arrival order); ``None`` if another worker has it, it
    was handled meanwhile, or it is out of attempts."""
    row = session.scalar(select(InboundMessage).where(InboundMessage.id == pk).with_for_update(skip_locked=True))
    if row is None or row.state != "failed" or row.attempts >= max_attempts:
        session.rollback()
        return None
    row.attempts += 1
    session.commit()  # counted even if the worker dies in the handler

    def record_failure(error: str) -> None:  # the row is committed already
        _set_outcome(session, pk, "failed", None, error)

    return _handle(session, pk, WeChatMessage.from_xml(row.raw_xml), row.received_at, handle, record_failure)


def _handle(session: Session, row_id: int, msg: WeChatMessage, now: datetime, handle: Handle,
            record_failure: Callable[[str], None]) -> Outcome:
    """Run the handler and commit the row with its outcome (one commit); a failure is recorded apart."""
    try:
        reply = handle(session, msg, now)
        session.flush()  # the handler's changes fail here, as the handler's, if they fail
        text = reply.text if reply is not None else None
        _set_outcome(session, row_id, "processed", text, None)
        session.commit()
        return Outcome(text)
    except Unavailable:
        raise  # the database went away: nothing is committed, the caller keeps the message
    except Exception as exc:
        log.exception("handler failed for %s", msg.dedupe_key)
        session.rollback()
        error = f"{type(exc).__name__}: {exc}"
    record_failure(error)
    session.commit()
    return Outcome(None, failed=True)


def _set_outcome(session: Session, row_id: int, state: str, reply_text: str | None, error: str | None) -> None:
    session.connection().execute(_SET_OUTCOME, dict(row_id=row_id, new_state=state, new_reply=reply_text,
                                                    new_error=error))
