"""Sending messages: queue a row in the caller's transaction, deliver it in a job.

Every outbound message is an ``OutboundMessage`` row with its fate. A transient platform error
(busy, rate limit, timeout, 5xx) is recorded and raised so RQ retries with backoff; a permanent
one (invalid receiver 40003 …) marks the row failed at once.

Residents can only be sent customer-service messages within 48 hours of their last message, a
few per window. Outside it we send a template message when ``WECHAT_TEMPLATE_CASE_UPDATE`` is
configured, or hold the push (``window_closed``) until the resident writes again, when the held
pushes go out as one summary. A resident who unfollowed (43004) is marked unsubscribed and gets
nothing more; their cases go on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.models import Media, OutboundMessage, Resident
from bot.wechat.client import OfficialAccountClient, WeWorkClient
from bot.wechat.errors import WeChatAPIError

MAX_ATTEMPTS = 6
UNFOLLOWED = 43004
WINDOW_ERRCODES = frozenset({45015, 45047})  # out of the 48-hour window / over its quota


def queue_text_to_resident(session: Session, resident: Resident, text: str, case_id: int | None) -> OutboundMessage:
    return _queue(session, "wechat", resident.openid, {"msgtype": "text", "text": {"content": text}}, case_id)


def queue_image_to_resident(session: Session, resident: Resident, media_pk: int, case_id: int | None) -> OutboundMessage:
    """A stored photo (e.g. the after-photo), uploaded to WeChat as temporary media when delivered."""
    return _queue(session, "wechat", resident.openid, {"msgtype": "image", "media_pk": media_pk}, case_id)


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


def window_open(session: Session, resident: Resident, settings: Settings, now: datetime) -> bool:
    """Whether a customer-service message may reach ``resident`` now (48-hour window and its quota)."""
    last = resident.last_interaction_at
    if last is None or now - last >= timedelta(hours=settings.service_window_hours):
        return False
    used = session.scalars(select(func.count()).select_from(OutboundMessage).where(
        OutboundMessage.target == resident.openid, OutboundMessage.state == "sent",
        OutboundMessage.kind != "template", OutboundMessage.sent_at >= last)).one()
    return used < settings.service_quota


def deliver(sessions: sessionmaker[Session], clients: Clients, settings: Settings, pk: int) -> str:
    now = datetime.now(UTC)
    with sessions.begin() as session:
        row = session.get(OutboundMessage, pk, with_for_update=True)
        if row is None or row.state != "queued":
            return row.state if row else "missing"
        channel, target, payload = row.channel, row.target, dict(row.payload)
        if channel == "wechat":
            resident = session.scalar(select(Resident).where(Resident.openid == target))
            if resident is None or not resident.subscribed:
                row.state = "skipped"
                return row.state
            if not window_open(session, resident, settings, now):
                if not settings.wechat_template_case_update or payload["msgtype"] != "text":
                    row.state = "window_closed"
                    resident.held_pushes = True
                    return row.state
                payload = template_payload(settings.wechat_template_case_update, payload["text"]["content"])
                row.kind, row.payload = "template", payload
        row.attempts += 1
        attempts = row.attempts
    try:
        _send(clients(channel), channel, target, payload, lambda pk: _stored_path(sessions, settings, pk))
    except WeChatAPIError as exc:
        if channel == "wechat" and exc.errcode in WINDOW_ERRCODES:
            _record(sessions, pk, state="window_closed", errcode=exc.errcode, error=str(exc))
            _set_resident(sessions, target, held_pushes=True)
            return "window_closed"
        if channel == "wechat" and exc.errcode == UNFOLLOWED:
            _set_resident(sessions, target, subscribed=False)
        give_up = not exc.transient or attempts >= MAX_ATTEMPTS
        _record(sessions, pk, state="failed" if give_up else "queued", errcode=exc.errcode, error=str(exc))
        if give_up:
            return "failed"
        raise
    _record(sessions, pk, state="sent")
    return "sent"


def template_payload(template_id: str, text: str) -> dict[str, Any]:
    """Our case update in a 服务进度通知-style template: the text as its content."""
    return {"msgtype": "template", "template_id": template_id,
            "data": {"first": {"value": "您反映的问题有新进展"}, "keyword1": {"value": text[:200]},
                     "remark": {"value": "回复消息可查看详情"}}}


def _send(client: OfficialAccountClient | WeWorkClient, channel: str, target: str, payload: dict[str, Any],
          photo_path: Callable[[int], Path | None]) -> None:
    if channel == "wechat":
        assert isinstance(client, OfficialAccountClient)
        if payload["msgtype"] == "template":
            client.send_template(target, payload["template_id"], payload["data"])
        elif payload["msgtype"] == "image":
            client.send_image(target, _upload(client, photo_path(payload["media_pk"])))
        else:
            client.send_text(target, payload["text"]["content"])
        return
    assert isinstance(client, WeWorkClient)
    kind, _, ids = target.partition(":")
    if kind == "party":
        client.send(payload, party=ids)
    else:
        client.send(payload, users=ids.split("|"))


def _stored_path(sessions: sessionmaker[Session], settings: Settings, media_pk: int) -> Path | None:
    with sessions() as session:
        media = session.get(Media, media_pk)
        return Path(settings.media_dir) / media.path if media and media.path else None


def _upload(client: OfficialAccountClient, path: Path | None) -> str:
    """Upload a stored photo as temporary media (valid 3 days) and return its media_id."""
    if path is None or not path.exists():
        raise WeChatAPIError(None, "photo not stored yet", transient=True)
    return client.upload_image(path)


def _set_resident(sessions: sessionmaker[Session], openid: str, **values: bool) -> None:
    with sessions.begin() as session:
        resident = session.scalar(select(Resident).where(Resident.openid == openid))
        for name, value in values.items():
            if resident is not None:
                setattr(resident, name, value)


def _record(sessions: sessionmaker[Session], pk: int, state: str, errcode: int | None = None,
            error: str | None = None) -> None:
    with sessions.begin() as session:
        row = session.get_one(OutboundMessage, pk)
        row.state = state
        if state == "sent":
            row.sent_at = datetime.now(UTC)
        else:
            row.last_errcode, row.last_error = errcode, error


def held_for(session: Session, resident: Resident) -> list[OutboundMessage]:
    """Pushes held while the window was closed, oldest first."""
    return list(session.scalars(select(OutboundMessage).where(
        OutboundMessage.target == resident.openid, OutboundMessage.state == "window_closed")
        .order_by(OutboundMessage.id)))
