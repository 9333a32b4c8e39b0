"""Delivering queued messages, one row at a time, each with its fate recorded.

Every outbound message is an ``OutboundMessage`` row (queued by ``bot.notifications.queue``). A
transient platform error (busy, rate limit, timeout, 5xx) is recorded and raised so RQ retries with
backoff; a permanent one (invalid receiver 40003 …) marks the row failed at once.

Residents can only be sent customer-service messages within 48 hours of their last message, a
few per window (``bot.notifications.window``). Outside it we send a template message when
``WECHAT_TEMPLATE_CASE_UPDATE`` is configured, or hold the push (``window_closed``) until the
resident writes again, when the held pushes go out as one summary. A resident who unfollowed
(43004) is marked unsubscribed and gets nothing more; their cases go on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.jobs import JOBS
from bot.models import Media, OutboundMessage, Resident
from bot.notifications.render import Renderer
from bot.notifications.window import reachable, window_open
from bot.understanding.taxonomy import Taxonomy
from bot.wechat.client import OfficialAccountClient, WeWorkClient
from bot.wechat.errors import WeChatAPIError

# The first try plus the send job's retries: after the last one a transient error is final.
_retry = JOBS["send_outbound"].retry
MAX_ATTEMPTS = 1 + (_retry.max if _retry else 0)
UNFOLLOWED = 43004
WINDOW_ERRCODES = frozenset({45015, 45047})  # out of the 48-hour window / over its quota

Clients = Callable[[str], OfficialAccountClient | WeWorkClient]


class Delivery:
    """Sends queued rows through the platform clients; one per job run."""

    def __init__(self, sessions: sessionmaker[Session], clients: Clients, settings: Settings, taxonomy: Taxonomy,
                 clock: Clock) -> None:
        self.sessions = sessions
        self.clients = clients
        self.settings = settings
        self.taxonomy = taxonomy
        self.clock = clock

    def deliver(self, pk: int) -> str:
        """Send row ``pk`` if it is still queued; returns its state afterwards."""
        settings, now = self.settings, self.clock.now()
        with self.sessions.begin() as session:
            row = session.get(OutboundMessage, pk, with_for_update=True)
            if row is None or row.state != "queued":
                return row.state if row else "missing"
            channel, target = row.channel, row.target
            # A squad's message is sent again exactly as first rendered, so WeChat Work's duplicate check
            # recognises a retry whose first try arrived (its link, signed at render time, would differ).
            sent = row.payload.get("sent") if channel == "wework" else None
            payload = sent or Renderer(session, settings, self.taxonomy, self.clock).render(row)
            if channel == "wechat":
                resident = session.scalar(select(Resident).where(Resident.openid == target))
                if resident is None or not reachable(resident):
                    row.state = "skipped"
                    return row.state
                if not window_open(session, resident, settings, now):
                    if not settings.wechat_template_case_update or payload["msgtype"] != "text":
                        row.state = "window_closed"
                        resident.held_pushes = True
                        return row.state
                    payload = template_payload(settings.wechat_template_case_update, payload["text"]["content"])
            row.kind, row.payload = payload["msgtype"], {**row.payload, "sent": payload}
            row.attempts += 1
            attempts = row.attempts
        try:
            _send(self.clients(channel), channel, target, payload, self._stored_path)
        except WeChatAPIError as exc:
            if channel == "wechat" and exc.errcode in WINDOW_ERRCODES:
                self._record(pk, state="window_closed", errcode=exc.errcode, error=str(exc))
                self._set_resident(target, held_pushes=True)
                return "window_closed"
            if channel == "wechat" and exc.errcode == UNFOLLOWED:
                self._set_resident(target, subscribed=False)
            give_up = not exc.transient or attempts >= MAX_ATTEMPTS
            self._record(pk, state="failed" if give_up else "queued", errcode=exc.errcode, error=str(exc))
            if give_up:
                return "failed"
            raise
        self._record(pk, state="sent")
        return "sent"

    def _stored_path(self, media_pk: int) -> Path | None:
        with self.sessions() as session:
            media = session.get(Media, media_pk)
            return Path(self.settings.media_dir) / media.path if media and media.path else None

    def _set_resident(self, openid: str, **values: bool) -> None:
        with self.sessions.begin() as session:
            resident = session.scalar(select(Resident).where(Resident.openid == openid))
            for name, value in values.items():
                if resident is not None:
                    setattr(resident, name, value)

    def _record(self, pk: int, state: str, errcode: int | None = None, error: str | None = None) -> None:
        with self.sessions.begin() as session:
            row = session.get_one(OutboundMessage, pk)
            row.state = state
            if state == "sent":
                row.sent_at = self.clock.now()
            else:
                row.last_errcode, row.last_error = errcode, error


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
        client.send(payload, party=ids, once=True)
    else:
        client.send(payload, users=ids.split("|"), once=True)


def _upload(client: OfficialAccountClient, path: Path | None) -> str:
    """Upload a stored photo as temporary media (valid 3 days) and return its media_id."""
    if path is None or not path.exists():
        raise WeChatAPIError(None, "photo not stored yet", transient=True)
    return client.upload_image(path)
