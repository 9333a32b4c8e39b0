"""A resident: a follower of the official account, known only by openid."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, false
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class Resident(Base):
    __tablename__ = "resident"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    subscribed: Mapped[bool] = mapped_column(default=True)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    # Last message or menu click: opens WeChat's 48-hour customer-service window.
    last_interaction_at: Mapped[datetime | None]
    # Pushes are waiting for the window to reopen (saves a query on every message).
    held_pushes: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The subscription message (订阅通知) template the resident accepted (None: none, or refused since).
    subscription_template: Mapped[str | None] = mapped_column(String(64))
    # Last position reported by a LOCATION event (GCJ-02), used when a report has no location.
    last_lat: Mapped[float | None]
    last_lng: Mapped[float | None]
    last_location_at: Mapped[datetime | None]
