"""A reporter who is not a WeChat follower: a hotline caller, a patrol officer, another system's user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class Contact(Base):
    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # a Channel
    name: Mapped[str | None] = mapped_column(String(64))
    # Another system's id for the person (an Open311 account, a 12345 work-order caller id).
    external_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
