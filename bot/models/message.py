"""Inbound messages, written before anything else can fail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class InboundMessage(Base):
    """One message or event as WeChat delivered it (decrypted XML kept verbatim).

    ``dedupe_key`` is unique: WeChat's retries of the same message collide on it, so a message
    has exactly one effect however often it arrives. ``reply_text`` keeps the passive reply we
    gave, so a retry gets the same answer. A ``failed`` row is handled again by the worker (``attempts``
    counts its tries there).
    """

    __tablename__ = "inbound_message"
    # The worker's query for rows to handle again reads only the few failed rows.
    __table_args__ = (Index("ix_inbound_message_failed", "received_at", "id",
                            postgresql_where=text("state = 'failed'"), sqlite_where=text("state = 'failed'")),)

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
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")  # the worker's tries
