"""Other systems' keys for the Open311 API. Only a SHA-256 digest of each key is kept: the key is 256 random
bits, so a fast digest is as safe as a slow password hash and lets every request be checked in one lookup."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class ApiKey(Base):
    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(16), unique=True)  # the client system; its cases' channel
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the key, hex
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class Open311Token(Base):
    """The token answered for a POSTed request, so a client can ask later which case it became."""

    __tablename__ = "open311_token"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
