"""Media a resident sent (photos, voice notes), downloaded by a job from WeChat's media API."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class Media(Base):
    """A photo or voice note. Photos are stored without EXIF; the GPS it carried is kept here.

    ``state``: ``pending`` (download queued) → ``stored`` or ``failed`` (with ``error``).
    ``path``/``thumb_path`` are relative to ``MEDIA_DIR`` and named by the sha256 of the download.
    """

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "image" | "voice"
    media_id: Mapped[str] = mapped_column(String(128))  # WeChat's media id; for a URL or an upload, our own label
    # wechat | wework (WeChat's media API) | url (an Open311 media_url, fetched by a job) | upload (the console)
    channel: Mapped[str] = mapped_column(String(16), default="wechat", server_default="wechat")
    url: Mapped[str | None] = mapped_column(Text)  # where a ``url`` photo is fetched from
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), index=True)
    staff_userid: Mapped[str | None] = mapped_column(String(64), index=True)  # a squad member's photo
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("draft.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))
    path: Mapped[str | None] = mapped_column(String(255))
    thumb_path: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(64))
    width: Mapped[int | None]
    height: Mapped[int | None]
    gps_lat: Mapped[float | None]  # WGS-84, from EXIF
    gps_lng: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    stored_at: Mapped[datetime | None]
