"""Every message we send, with its fate: nothing leaves without a row saying what became of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class OutboundMessage(Base):
    """``state``: queued → sent; failed (permanent error, retries exhausted); skipped (the resident
    unfollowed); window_closed (outside WeChat's 48-hour window and no template configured: held
    until the resident writes again) → summarized (delivered in one summary message)."""

    __tablename__ = "outbound_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # wechat (resident) | wework (squad)
    target: Mapped[str] = mapped_column(String(64), index=True)  # openid, or WeChat Work party id
    kind: Mapped[str] = mapped_column(String(16))  # text | image | textcard | template
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_errcode: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
