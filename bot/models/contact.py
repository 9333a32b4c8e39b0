"""A reporter who is not a WeChat follower: a hotline caller, a patrol officer, another system's user.

What identifies the person (phone, e-mail, names) is stored only encrypted (``bot.core.secrets``), with a
masked phone beside it for display, so no page, list or export ever needs the key to show who called.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class Contact(Base):
    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # a Channel, or an Open311 key's name
    name: Mapped[str | None] = mapped_column(String(64))  # a label, never the person's name ("来电市民")
    # Another system's id for the person (an Open311 account, a 12345 work-order caller id).
    external_id: Mapped[str | None] = mapped_column(String(128))
    phone_masked: Mapped[str | None] = mapped_column(String(32))  # 138****5678
    # Fernet tokens (encrypted at rest): the phone number, and the e-mail and names an Open311 client sent.
    phone_encrypted: Mapped[str | None] = mapped_column(Text)
    email_encrypted: Mapped[str | None] = mapped_column(Text)
    name_encrypted: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
