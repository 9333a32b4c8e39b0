"""Sending messages: queue a row in the caller's transaction, deliver it in a job.

A transient platform error (busy, rate limit, timeout, 5xx) raises so RQ retries with backoff;
a permanent one (bad openid, unfollowed: 43004 …) marks the row failed at once.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.models import OutboundMessage, Resident
from bot.wechat.client import OfficialAccountClient
from bot.wechat.errors import WeChatAPIError

MAX_ATTEMPTS = 6


def queue_text_to_resident(session: Session, resident: Resident, text: str, case_id: int | None) -> OutboundMessage:
    row = OutboundMessage(channel="wechat", target=resident.openid, kind="text", payload={"content": text},
                          case_id=case_id)
    session.add(row)
    session.flush()
    return row


def deliver(sessions: sessionmaker[Session], client: OfficialAccountClient, pk: int) -> str:
    with sessions.begin() as session:
        row = session.get(OutboundMessage, pk)
        if row is None or row.state != "queued":
            return row.state if row else "missing"
        row.attempts += 1
        channel, target, kind, payload, attempts = row.channel, row.target, row.kind, dict(row.payload), row.attempts
    try:
        if channel == "wechat" and kind == "text":
            client.message.send_text(target, payload["content"])
        else:
            raise ValueError(f"cannot send {kind} on {channel}")
    except WeChatAPIError as exc:
        give_up = not exc.transient or attempts >= MAX_ATTEMPTS
        _record_error(sessions, pk, exc.errcode, str(exc), failed=give_up)
        if give_up:
            return "failed"
        raise
    with sessions.begin() as session:
        row = session.get(OutboundMessage, pk)
        row.state, row.sent_at = "sent", datetime.now(UTC)
    return "sent"


def _record_error(sessions: sessionmaker[Session], pk: int, errcode: int | None, error: str, failed: bool) -> None:
    with sessions.begin() as session:
        row = session.get(OutboundMessage, pk)
        row.last_errcode, row.last_error = errcode, error
        if failed:
            row.state = "failed"
