"""Sending messages: queue a row in the caller's transaction, deliver it in a job.

Every outbound message is an ``OutboundMessage`` row with its fate. A transient platform error
(busy, rate limit, timeout, 5xx) is recorded and raised so RQ retries with backoff; a permanent
one (invalid receiver 40003, unfollowed 43004 …) marks the row failed at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.models import OutboundMessage, Resident
from bot.wechat.client import OfficialAccountClient, WeWorkClient
from bot.wechat.errors import WeChatAPIError

MAX_ATTEMPTS = 6


def queue_text_to_resident(session: Session, resident: Resident, text: str, case_id: int | None) -> OutboundMessage:
    return _queue(session, "wechat", resident.openid, {"msgtype": "text", "text": {"content": text}}, case_id)


def queue_to_party(session: Session, party_id: str, payload: dict[str, Any], case_id: int | None) -> OutboundMessage:
    """A WeChat Work message to a department (a squad): ``toparty`` with the id as a string."""
    return _queue(session, "wework", f"party:{party_id}", payload, case_id)


def queue_to_users(session: Session, userids: list[str], payload: dict[str, Any],
                   case_id: int | None) -> OutboundMessage:
    return _queue(session, "wework", "user:" + "|".join(userids), payload, case_id)


def _queue(session: Session, channel: str, target: str, payload: dict[str, Any], case_id: int | None) -> OutboundMessage:
    row = OutboundMessage(channel=channel, target=target, kind=payload["msgtype"], payload=payload, case_id=case_id)
    session.add(row)
    session.flush()
    return row


Clients = Callable[[str], OfficialAccountClient | WeWorkClient]


def deliver(sessions: sessionmaker[Session], clients: Clients, pk: int) -> str:
    with sessions.begin() as session:
        row = session.get(OutboundMessage, pk)
        if row is None or row.state != "queued":
            return row.state if row else "missing"
        row.attempts += 1
        channel, target, payload, attempts = row.channel, row.target, dict(row.payload), row.attempts
    try:
        _send(clients(channel), channel, target, payload)
    except WeChatAPIError as exc:
        give_up = not exc.transient or attempts >= MAX_ATTEMPTS
        _record(sessions, pk, state="failed" if give_up else "queued", errcode=exc.errcode, error=str(exc))
        if give_up:
            return "failed"
        raise
    _record(sessions, pk, state="sent")
    return "sent"


def _send(client: OfficialAccountClient | WeWorkClient, channel: str, target: str, payload: dict[str, Any]) -> None:
    if channel == "wechat":
        assert isinstance(client, OfficialAccountClient)
        client.post("message/custom/send", data={"touser": target, **payload})
        return
    assert isinstance(client, WeWorkClient)
    kind, _, ids = target.partition(":")
    if kind == "party":
        client.send(party=ids, msg=payload)
    else:
        client.send(users=ids.split("|"), msg=payload)


def _record(sessions: sessionmaker[Session], pk: int, state: str, errcode: int | None = None,
            error: str | None = None) -> None:
    with sessions.begin() as session:
        row = session.get(OutboundMessage, pk)
        row.state = state
        if state == "sent":
            row.sent_at = datetime.now(UTC)
        else:
            row.last_errcode, row.last_error = errcode, error
