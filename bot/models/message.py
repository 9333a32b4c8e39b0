"""Inbound messages, written before anything else can fail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class InboundMessage(Base):
    """One message or event as WeChat delivered it (decrypted XML kept verbatim).

    ``dedupe_key`` is unique: WeChat's retries of the same message collide on it, so a message
    has exactly one effect however often it arrives. ``reply_text`` keeps the passive reply we
    gave, so a retry gets the same answer.
    """

    __tablename__ = "inbound_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # "wechat" | "wework"
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    msg_id: Mapped[str | None] = mapped_column(String(64))
    from_user: Mapped[str] = mapped_column(String(64), index=True)
    msg_type: Mapped[str] = mapped_column(String(32))
    event: Mapped[str | None] = mapped_column(String(64))
    raw_xml: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="received")  # received|processed|failed
    reply_text: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
