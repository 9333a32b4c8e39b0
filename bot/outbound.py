"""Delivering queued messages, one row at a time, each with its fate recorded.

Every outbound message is an ``OutboundMessage`` row (queued by ``bot.notifications.queue``). A
transient platform error (busy, rate limit, timeout, 5xx) is recorded and raised so RQ retries with
backoff; a permanent one (invalid receiver 40003 …) marks the row failed at once.

Residents can only be sent customer-service messages within 48 hours of their last message, a
few per window (``bot.notifications.window``). Outside it we send a template message when
``WECHAT_TEMPLATE_CASE_UPDATE`` is configured, or hold the push (``window_closed``) until the
resident writes again, when the held pushes go out as one summary. A resident who accepted the configured
subscription message (订阅通知) gets that first. Both carry our case facts mapped onto the template's keys
(``bot.notifications.fields``) and link to the resident's own case page (``/r/<token>``).

Squads' messages respect WeChat Work's per-member limits (``bot.core.rate_limit``): one that would exceed
them waits (``later``) and is delivered when the window has room; it is never dropped. A resident who unfollowed
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
from bot.core.rate_limit import MemberRateLimiter
from bot.core.signing import resident_link
from bot.jobs import JOBS
from bot.models import Media, OutboundMessage, Resident, Staff, StatsReport, Unit
from bot.notifications.fields import fill, parse_mapping
from bot.notifications.render import Renderer
from bot.notifications.window import reachable, window_open
from bot.understanding.taxonomy import Taxonomy
from bot.wechat.client import OfficialAccountClient, WeWorkClient
from bot.wechat.errors import WeChatAPIError

# The first try plus the send job's retries: after the last one a transient error is final.
_retry = JOBS["send_outbound"].retry
MAX_ATTEMPTS = 1 + (_retry.max if _retry else 0)
UNFOLLOWED = 43004
SUBSCRIPTION_REFUSED = 43101  # the resident refused (or withdrew) the subscription message
WINDOW_ERRCODES = frozenset({45015, 45047})  # out of the 48-hour window / over its quota
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Clients = Callable[[str], OfficialAccountClient | WeWorkClient]
Later = Callable[[int, float], None]


def members(session: Session, target: str) -> list[str]:
    """The WeChat Work members a message reaches: a department's active staff, or the users named."""
    kind, _, ids = target.partition(":")
    if kind == "user":
        return ids.split("|")
    return list(session.scalars(select(Staff.wework_userid).join(Unit, Unit.code == Staff.unit_code).where(
        Unit.wework_party_id.in_(ids.split("|")), Staff.active)))


class Delivery:
    """Sends queued rows through the platform clients; one per job run."""

    def __init__(self, sessions: sessionmaker[Session], clients: Clients, settings: Settings, taxonomy: Taxonomy,
                 clock: Clock, limiter: MemberRateLimiter, later: Later) -> None:
        self.sessions = sessions
        self.clients = clients
        self.settings = settings
        self.taxonomy = taxonomy
        self.clock = clock
        self.limiter = limiter
        self.later = later  # schedules another delivery attempt of a row after some seconds

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
                    outside = self._outside_window(session, row, resident, payload)
                    if outside is None:
                        row.state = "window_closed"
                        resident.held_pushes = True
                        return row.state
                    payload = outside
            if channel == "wework" and payload["msgtype"] != "card_update":
                wait = self.limiter.reserve(members(session, target), self.clock.time())
                if wait:  # a member had their 30 a minute (or 1000 an hour): wait, never drop
                    self.later(pk, wait)
                    return "waiting"
            row.attempts += 1
            attempts = row.attempts
            # A button card's retry carries the same task_id: WeChat Work's duplicate check (enable_duplicate_check)
            # answers a retry whose first try arrived without sending it again.
            row.kind, row.payload = payload["msgtype"], {**row.payload, "sent": payload}
        try:
            _send(self.clients(channel), channel, target, payload, self._stored_path, self._report_file)
        except WeChatAPIError as exc:
            if payload["msgtype"] == "subscribe" and exc.errcode == SUBSCRIPTION_REFUSED:
                self._set_resident(target, subscription_template=None)  # withdrawn: the next try falls back
                self._record(pk, state="queued", errcode=exc.errcode, error=str(exc))
                return self.deliver(pk)
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

    def _outside_window(self, session: Session, row: OutboundMessage, resident: Resident,
                        payload: dict[str, Any]) -> dict[str, Any] | None:
        """A case update outside the 48-hour window: the subscription message the resident accepted, else the
        template message, when configured; None: hold it."""
        settings = self.settings
        if payload["msgtype"] != "text" or row.case_id is None:
            return None
        subscribed = settings.wechat_subscribe_template_id and \
            resident.subscription_template == settings.wechat_subscribe_template_id
        if not subscribed and not settings.wechat_template_case_update:
            return None
        facts = Renderer(session, settings, self.taxonomy, self.clock).facts(row)
        link = resident_link(settings.public_base_url, settings.secret_key, row.case_id, resident.id, self.clock.time())
        if subscribed:
            return {"msgtype": "subscribe", "template_id": settings.wechat_subscribe_template_id, "page": link,
                    "data": fill(parse_mapping(settings.wechat_subscribe_fields), facts)}
        return {"msgtype": "template", "template_id": settings.wechat_template_case_update, "url": link,
                "data": fill(parse_mapping(settings.wechat_template_fields), facts)}

    def _stored_path(self, media_pk: int) -> Path | None:
        with self.sessions() as session:
            media = session.get(Media, media_pk)
            return Path(self.settings.media_dir) / media.path if media and media.path else None

    def _report_file(self, report_pk: int) -> tuple[str, bytes]:
        with self.sessions() as session:
            report = session.get_one(StatsReport, report_pk)
            return report.filename, report.workbook

    def _set_resident(self, openid: str, **values: bool | None) -> None:
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


def _send(client: OfficialAccountClient | WeWorkClient, channel: str, target: str, payload: dict[str, Any],
          photo_path: Callable[[int], Path | None], report_file: Callable[[int], tuple[str, bytes]]) -> None:
    if channel == "wechat":
        assert isinstance(client, OfficialAccountClient)
        if payload["msgtype"] == "template":
            client.send_template(target, payload["template_id"], payload["data"], payload.get("url", ""))
        elif payload["msgtype"] == "subscribe":
            client.send_subscribe(target, payload["template_id"], payload["data"], payload.get("page", ""))
        elif payload["msgtype"] == "image":
            client.send_image(target, _upload(client, photo_path(payload["media_pk"])))
        else:
            client.send_text(target, payload["text"]["content"])
        return
    assert isinstance(client, WeWorkClient)
    if payload["msgtype"] == "file":  # a stored report: uploaded at each try (temporary media lasts 3 days)
        name, content = report_file(payload["report_pk"])
        payload = {"msgtype": "file", "file": {"media_id": client.upload_file(name, content, XLSX)}}
    kind, _, ids = target.partition(":")
    if payload["msgtype"] == "card_update":
        client.update_card(payload["response_code"], payload["replace_name"],
                           users=ids.split("|") if kind == "user" else None)
    elif kind == "party":
        client.send(payload, party=ids, once=True)
    else:
        client.send(payload, users=ids.split("|"), once=True)


def _upload(client: OfficialAccountClient, path: Path | None) -> str:
    """Upload a stored photo as temporary media (valid 3 days) and return its media_id."""
    if path is None or not path.exists():
        raise WeChatAPIError(None, "photo not stored yet", transient=True)
    return client.upload_image(path)
