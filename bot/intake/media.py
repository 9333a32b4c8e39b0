"""Fetching resident media from WeChat (temporary media expire after 3 days: fetch at once)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.intake.images import ImageRejected, store_blob, store_image
from bot.jobs import JOBS
from bot.models import Case, Media, Resident
from bot.notifications.queue import notify_resident
from bot.wechat.client import OfficialAccountClient, WeWorkClient
from bot.wechat.errors import MediaTooLarge, WeChatAPIError

log = logging.getLogger(__name__)

_retry = JOBS["fetch_media"].retry
MAX_ATTEMPTS = 1 + (_retry.max if _retry else 0)  # the first try plus the job's retries
EXTENSIONS = {"audio/amr": "amr", "audio/mpeg": "mp3", "audio/speex": "speex", "voice/speex": "speex"}


def fetch_media(sessions: sessionmaker[Session], client: OfficialAccountClient | WeWorkClient, settings: Settings,
                clock: Clock, pk: int) -> str:
    """Download, process and store one media row. Returns its final state.

    Transient platform errors raise (the job is retried); anything the platform or the file
    itself makes hopeless is recorded as ``failed`` and returns normally.
    """
    with sessions.begin() as session:
        media = session.get(Media, pk)
        if media is None or media.state != "pending":
            return media.state if media else "missing"
        media.attempts += 1
        if media.attempts > MAX_ATTEMPTS:
            media.state, media.error = "failed", "gave up after repeated transient errors"
            return media.state
        media_id, kind = media.media_id, media.kind

    try:
        data, content_type = client.download_media(media_id, max_bytes=settings.max_media_bytes)
        if kind == "image":
            stored = store_image(data, settings.media_dir, settings.max_image_pixels, settings.thumbnail_size,
                                     settings.max_decoded_pixels)
        else:
            sha, path = store_blob(data, settings.media_dir, EXTENSIONS.get(content_type.split(";")[0], "bin"))
    except WeChatAPIError as exc:
        if exc.transient:
            raise
        return fail(sessions, pk, "unavailable", exc)
    except MediaTooLarge as exc:
        return fail(sessions, pk, "too_large", exc)
    except ImageRejected as exc:
        kind = "too_many_pixels" if exc.too_many_pixels else "too_large" if exc.too_large else "unreadable"
        return fail(sessions, pk, kind, exc)

    with sessions.begin() as session:
        media = session.get_one(Media, pk)
        media.state, media.stored_at, media.error = "stored", clock.now(), None
        media.content_type = "image/jpeg" if kind == "image" else content_type
        if kind == "image":
            media.sha256, media.path, media.thumb_path = stored.sha256, stored.path, stored.thumb_path
            media.width, media.height = stored.width, stored.height
            media.gps_lat, media.gps_lng = stored.gps or (None, None)
        else:
            media.sha256, media.path = sha, path
    return "stored"


def store_upload(session: Session, settings: Settings, data: bytes, staff_userid: str, now: datetime) -> Media:
    """A squad member's photo uploaded from the phone's camera (the mobile work page): the same pipeline as a
    downloaded one (size limits, EXIF GPS read then stripped, upright, thumbnail). Not yet on a case: 办结 takes
    the member's recent photos as its after-photos. Raises ``ImageRejected`` (nothing stored)."""
    if len(data) > settings.max_media_bytes:
        raise ImageRejected(f"{len(data)} bytes, limit {settings.max_media_bytes}", too_large=True)
    stored = store_image(data, settings.media_dir, settings.max_image_pixels, settings.thumbnail_size)
    media = Media(kind="image", channel="wework", media_id=f"upload:{stored.sha256[:32]}", staff_userid=staff_userid,
                  state="stored", content_type="image/jpeg", sha256=stored.sha256, path=stored.path,
                  thumb_path=stored.thumb_path, width=stored.width, height=stored.height, created_at=now,
                  stored_at=now)
    media.gps_lat, media.gps_lng = stored.gps or (None, None)
    session.add(media)
    session.flush()
    return media


# Why a photo could not be used (the resident is told).
FAILURES = ("too_large", "too_many_pixels", "unreadable", "unavailable")


def fail(sessions: sessionmaker[Session], pk: int, kind: str, exc: Exception) -> str:
    """Mark the media row failed for ``kind`` (one of ``FAILURES``), in its own transaction."""
    log.warning("media %s failed (%s): %s", pk, kind, exc)
    with sessions.begin() as session:
        media = session.get_one(Media, pk)
        media.state, media.error = "failed", f"{kind}: {exc}"
    return "failed"


def failure_kind(media: Media) -> str:
    """Why ``media`` failed, one of ``FAILURES``."""
    kind = (media.error or "").split(":", 1)[0]
    return kind if kind in FAILURES else "unavailable"


def stale_pending(session: Session, cutoff: datetime, *, by_url: bool = False) -> list[int]:
    """Media still pending since before ``cutoff``: their job was lost (Redis down) or is retrying. WeChat's
    media (``fetch_media``), or with ``by_url`` the photos Open311 clients gave by URL (``fetch_media_url``)."""
    kind = Media.channel == "url" if by_url else Media.channel != "url"
    return list(session.scalars(select(Media.id).where(Media.state == "pending", Media.created_at < cutoff, kind)))


def tell_photo_failed(session: Session, item: Media) -> None:
    """A resident's photo that cannot be used: they are told why, so they can send another."""
    resident = session.get(Resident, item.resident_id) if item.resident_id else None
    if item.kind == "image" and resident is not None:
        case = session.get(Case, item.case_id) if item.case_id else None
        notify_resident(session, resident, "photo_failed", case, reason=failure_kind(item))
